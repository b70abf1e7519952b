-- Under a safety exception the coordinator decides about each message held for the family:
-- 'released' sends it despite the exception, 'withdrawn' means it is never sent.
ALTER TABLE outbox ADD COLUMN held_decision TEXT
    CHECK (held_decision IS NULL OR held_decision IN ('released', 'withdrawn'));
ALTER TABLE outbox ADD COLUMN held_decided_by TEXT;
ALTER TABLE outbox ADD COLUMN held_decided_at TEXT;

-- Consent text v2 names the purpose in the reader's language: one of the catalogued purposes.
ALTER TABLE discussions ADD COLUMN purpose_key TEXT;

-- A guardian (often an institution) allowed the foster parents the day-to-day information of
-- school: agreements and advice for home. Who allowed it, as the roster says.
ALTER TABLE guardian_links ADD COLUMN day_to_day_allowed_by TEXT;
