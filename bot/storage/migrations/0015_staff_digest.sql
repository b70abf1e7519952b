-- A family's message written while school is closed waits for the teacher's next working
-- period, and then comes with the others in one digest.
CREATE TABLE family_messages_waiting (
    message_id  INTEGER NOT NULL REFERENCES family_messages (id),
    staff_id    TEXT NOT NULL,
    PRIMARY KEY (message_id, staff_id)
);
