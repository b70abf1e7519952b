-- Information rights, CvB notices, consent requests, safety decisions, chat flows.

ALTER TABLE pupils ADD COLUMN capable INTEGER;             -- NULL: not judged, so capable
ALTER TABLE pupils ADD COLUMN capability_reason TEXT;
ALTER TABLE guardian_links ADD COLUMN recognised INTEGER NOT NULL DEFAULT 1;
ALTER TABLE guardian_links ADD COLUMN information_requested_at TEXT;
ALTER TABLE guardian_links ADD COLUMN adult_consent_at TEXT;  -- a pupil of 18+ allows informing

CREATE TABLE restrictions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guardian_id TEXT NOT NULL,
    pupil_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('court_arrangement', 'withheld', 'refused_by_pupil')),
    reason      TEXT NOT NULL,
    allowed     TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    created_by  TEXT,
    lifted_at   TEXT,
    lifted_by   TEXT,
    FOREIGN KEY (guardian_id, pupil_id) REFERENCES guardian_links (guardian_id, pupil_id)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX restrictions_one_active ON restrictions (guardian_id, pupil_id)
    WHERE lifted_at IS NULL;

-- A CvB discussion (notice) or a discussion with external members (consent request).
CREATE TABLE discussions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id        TEXT NOT NULL REFERENCES pupils (pupil_id),
    kind            TEXT NOT NULL CHECK (kind IN ('cvb', 'zat', 'assessment')),
    purpose         TEXT NOT NULL,
    starts_at       TEXT NOT NULL,
    participants    TEXT NOT NULL DEFAULT '[]',
    shared_info     TEXT NOT NULL DEFAULT '[]',
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    notice_deadline TEXT,
    cancelled_at    TEXT
);
CREATE INDEX discussions_by_pupil ON discussions (pupil_id);
CREATE INDEX discussions_by_start ON discussions (starts_at);

-- Who was sent a notice or request, and exactly what they were shown.
CREATE TABLE discussion_recipients (
    discussion_id INTEGER NOT NULL REFERENCES discussions (id),
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    decides       INTEGER NOT NULL,
    language      TEXT NOT NULL,
    text_hash     TEXT NOT NULL,
    text_version  TEXT NOT NULL,
    outbox_id     INTEGER,
    sent_at       TEXT NOT NULL,
    PRIMARY KEY (discussion_id, person_kind, person_id)
);

-- Every answer, in order; the latest per person counts. Never updated or deleted.
CREATE TABLE answers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    discussion_id INTEGER NOT NULL REFERENCES discussions (id),
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
CREATE INDEX answers_by_discussion ON answers (discussion_id, id);
CREATE TRIGGER answers_no_update BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER answers_no_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;

CREATE TABLE reminders_sent (
    discussion_id INTEGER NOT NULL,
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    number        INTEGER NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (discussion_id, person_kind, person_id, number)
);

-- Meldcode: consent rules lifted for a discussion, automated messages to the family paused.
CREATE TABLE safety_exceptions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id          TEXT NOT NULL REFERENCES pupils (pupil_id),
    discussion_id     INTEGER REFERENCES discussions (id),
    reason            TEXT NOT NULL,
    recorded_by       TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    parents_told_at   TEXT,
    parents_told_how  TEXT,
    lifted_at         TEXT,
    lifted_by         TEXT
);
CREATE INDEX safety_by_pupil ON safety_exceptions (pupil_id);

-- The state of each person's multi-step chat flow, so a restart loses nothing.
CREATE TABLE flows (
    user_id     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    nonce       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Messages about a pupil wait while that family's automated messages are paused.
ALTER TABLE outbox ADD COLUMN pupil_id TEXT;
