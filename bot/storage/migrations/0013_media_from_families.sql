-- A family may send a voice note, photo or document: the school receives a copy of the very
-- message (Telegram's copyMessage), never a transcription or a download.
ALTER TABLE family_messages ADD COLUMN media TEXT;
ALTER TABLE outbox ADD COLUMN copy_of_chat INTEGER;
ALTER TABLE outbox ADD COLUMN copy_of_message INTEGER;
