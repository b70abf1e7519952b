-- The teacher's meeting card changes once a talk has started (no more moving or cancelling,
-- but writing the summary); this marks that the card was shown so, once.
ALTER TABLE meetings ADD COLUMN card_started_at TEXT;
