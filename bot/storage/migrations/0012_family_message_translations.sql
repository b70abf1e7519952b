-- Machine translations of what families and school write, one per message and language read.
-- 'pending': a service is to be asked (again); 'done': `text` holds it; 'none': no service
-- could, and the words stay as written.
CREATE TABLE family_message_translations (
    message_id  INTEGER NOT NULL REFERENCES family_messages (id),
    language    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'none')),
    text        TEXT,
    service     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, language)
);
