-- Retention: when a pupil left school, and `samen purge`'s pseudonymisation as the only
-- change ever allowed to the append-only audit_log and answers.

ALTER TABLE pupils ADD COLUMN left_on TEXT;  -- ISO date; NULL while the pupil is at school

-- A pupil whose roster row was purged while their audit rows must stay identifiable longer
-- ([retention] audit > roster): just enough to find and pseudonymise those rows later.
CREATE TABLE retention_pending (
    pupil_id    TEXT PRIMARY KEY,
    left_on     TEXT NOT NULL,
    guardians   TEXT NOT NULL DEFAULT '[]'  -- guardians who had no other pupil, as ids
);

-- answers is rebuilt without its foreign key to discussions: purge deletes a discussion but
-- keeps its answers, pseudonymised, as proof of what was asked and answered when.
CREATE TABLE answers_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    discussion_id INTEGER NOT NULL,
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    user_id       INTEGER,
    answer        TEXT NOT NULL CHECK (answer IN ('agree', 'refuse', 'talk', 'withdraw',
                      'come', 'understood')),
    at            TEXT NOT NULL,
    language      TEXT NOT NULL,
    text_hash     TEXT NOT NULL,
    text_version  TEXT NOT NULL
);
INSERT INTO answers_new (id, discussion_id, person_kind, person_id, user_id, answer, at,
                         language, text_hash, text_version)
    SELECT id, discussion_id, person_kind, person_id, user_id, answer, at, language,
           text_hash, text_version FROM answers;
DROP TABLE answers;
ALTER TABLE answers_new RENAME TO answers;
CREATE INDEX answers_by_discussion ON answers (discussion_id, id);

-- A pseudonym is 'anon:' and 12 lowercase hex digits (GLOB matches the whole value).
-- A condition that comes out NULL (an unknown) refuses too: coalesce(…, 0).
-- answers: only the person may be replaced by a pseudonym, once, and the Telegram account
-- dropped; what was answered, when, in which language and to which text stays as it was.
CREATE TRIGGER answers_no_update BEFORE UPDATE ON answers
WHEN NOT coalesce((
    NEW.id IS OLD.id AND NEW.discussion_id IS OLD.discussion_id
    AND NEW.person_kind IS OLD.person_kind AND NEW.answer IS OLD.answer AND NEW.at IS OLD.at
    AND NEW.language IS OLD.language AND NEW.text_hash IS OLD.text_hash
    AND NEW.text_version IS OLD.text_version
    AND NEW.user_id IS NULL
    AND OLD.person_id NOT GLOB 'anon:*'
    AND NEW.person_id GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
), 0)
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER answers_no_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;

-- audit_log: once per row, a pupil's or guardian's id may become a pseudonym and details
-- become a redacted form: marked "redacted": true, keeping only keys it had, each with its
-- old value or a pseudonym (or a list of pseudonyms). Time, action and kinds never change.
-- Deleting stays forbidden (audit_log_no_delete from 0001 is kept).
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT coalesce((
    NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.action IS OLD.action
    AND NEW.actor_kind IS OLD.actor_kind AND NEW.subject_kind IS OLD.subject_kind
    AND json_valid(OLD.details) AND json_type(OLD.details, '$.redacted') IS NULL
    AND json_valid(NEW.details) AND json_type(NEW.details) = 'object'
    AND json_type(NEW.details, '$.redacted') = 'true'
    AND (
        NEW.pupil_id IS OLD.pupil_id
        OR (
            OLD.pupil_id NOT GLOB 'anon:*'
            AND NEW.pupil_id GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
        )
    )
    AND (
        NEW.actor_id IS OLD.actor_id
        OR (
            OLD.actor_kind IN ('pupil', 'guardian') AND OLD.actor_id NOT GLOB 'anon:*'
            AND NEW.actor_id GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
        )
    )
    AND (
        NEW.subject_id IS OLD.subject_id
        OR (
            OLD.subject_kind IN ('pupil', 'guardian') AND OLD.subject_id NOT GLOB 'anon:*'
            AND NEW.subject_id GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
        )
    )
    AND NOT EXISTS (
        SELECT 1 FROM json_each(NEW.details) AS n
        WHERE n.key <> 'redacted'
        AND NOT EXISTS (
            SELECT 1 FROM json_each(OLD.details) AS o
            WHERE o.key = n.key AND (
                (o.type = n.type AND o.value IS n.value)
                OR (
                    n.type = 'text'
                    AND n.value GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
                )
                OR (
                    n.type = 'array' AND o.type = 'array'
                    AND NOT EXISTS (
                        SELECT 1 FROM json_each(n.value) AS e
                        WHERE e.type <> 'text'
                        OR e.value NOT GLOB 'anon:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
                    )
                )
            )
        )
    )
), 0)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
