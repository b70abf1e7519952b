-- Families and school write to each other about a pupil: what a parent (or the pupil) wrote,
-- what a teacher wrote back, each in the language it was written in.
CREATE TABLE family_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id     TEXT NOT NULL,
    family_kind  TEXT NOT NULL CHECK (family_kind IN ('guardian', 'pupil')),
    family_id    TEXT NOT NULL,
    from_school  INTEGER NOT NULL CHECK (from_school IN (0, 1)),
    staff_id     TEXT,            -- the teacher who wrote, for a message from school
    text         TEXT NOT NULL,
    language     TEXT NOT NULL,   -- the language the writer reads: what it is written in
    written_at   TEXT NOT NULL,
    answer_to    INTEGER REFERENCES family_messages (id),
    answered_at  TEXT             -- for a family's message: when the school first answered
);
CREATE INDEX family_messages_by_pupil ON family_messages (pupil_id, id);

-- Every copy sent of a message: a teacher answers one by replying to it in Telegram.
CREATE TABLE family_message_copies (
    message_id  INTEGER NOT NULL REFERENCES family_messages (id),
    outbox_id   INTEGER NOT NULL,
    PRIMARY KEY (message_id, outbox_id)
);
