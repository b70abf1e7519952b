-- Roster, Telegram accounts, invitations, outbox and audit trail.
-- All times are ISO 8601 strings in UTC.

CREATE TABLE staff (
    staff_id    TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('teacher', 'coordinator', 'admin')),
    updated_at  TEXT NOT NULL
);

CREATE TABLE staff_groups (
    staff_id    TEXT NOT NULL REFERENCES staff (staff_id) ON DELETE CASCADE,
    group_name  TEXT NOT NULL,
    PRIMARY KEY (staff_id, group_name)
);
CREATE INDEX staff_groups_by_group ON staff_groups (group_name);

CREATE TABLE pupils (
    pupil_id    TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    birth_date  TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT 'nl',
    updated_at  TEXT NOT NULL
);
CREATE INDEX pupils_by_group ON pupils (group_name);

CREATE TABLE guardians (
    guardian_id TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    language    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE guardian_links (
    guardian_id TEXT NOT NULL REFERENCES guardians (guardian_id) ON DELETE CASCADE,
    pupil_id    TEXT NOT NULL REFERENCES pupils (pupil_id) ON DELETE CASCADE,
    relation    TEXT NOT NULL CHECK (relation IN ('mother', 'father', 'parent', 'guardian',
                    'foster_parent', 'family_guardian', 'other')),
    authority   INTEGER NOT NULL CHECK (authority IN (0, 1)),
    PRIMARY KEY (guardian_id, pupil_id)
);
CREATE INDEX guardian_links_by_pupil ON guardian_links (pupil_id);

-- Everyone who ever wrote to the bot; language chosen before or after linking.
CREATE TABLE telegram_users (
    user_id     INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    language    TEXT,
    first_seen  TEXT NOT NULL
);

-- A roster person linked to one Telegram account.
CREATE TABLE accounts (
    kind            TEXT NOT NULL CHECK (kind IN ('staff', 'guardian', 'pupil')),
    person_id       TEXT NOT NULL,
    user_id         INTEGER NOT NULL UNIQUE REFERENCES telegram_users (user_id),
    linked_at       TEXT NOT NULL,
    unreachable_at  TEXT,
    PRIMARY KEY (kind, person_id)
);

CREATE TABLE invitations (
    code_hash   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('staff', 'guardian', 'pupil')),
    person_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER,
    revoked_at  TEXT
);
CREATE INDEX invitations_by_person ON invitations (kind, person_id);

CREATE TABLE start_failures (
    user_id     INTEGER NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX start_failures_by_user ON start_failures (user_id, at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         INTEGER NOT NULL,
    recipient_kind  TEXT,
    recipient_id    TEXT,
    purpose         TEXT NOT NULL,
    text            TEXT NOT NULL,
    reply_markup    TEXT,
    protect_content INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    not_before      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sent', 'unreachable', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TEXT,
    message_id      INTEGER
);
CREATE INDEX outbox_pending ON outbox (status, not_before, id);

-- Append-only: consent, information and linking decisions for accountability.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    pupil_id    TEXT,
    subject_kind TEXT,
    subject_id  TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_pupil ON audit_log (pupil_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE meta (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
