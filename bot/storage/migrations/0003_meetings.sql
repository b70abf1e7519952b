-- Parent meetings, slot rounds, outcome summaries; documents and in-place edits in the outbox.

ALTER TABLE outbox ADD COLUMN document BLOB;
ALTER TABLE outbox ADD COLUMN document_name TEXT;
ALTER TABLE outbox ADD COLUMN edit_of INTEGER REFERENCES outbox (id);

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id      TEXT NOT NULL REFERENCES pupils (pupil_id),
    kind          TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    place_kind    TEXT NOT NULL CHECK (place_kind IN ('room', 'phone', 'video')),
    place         TEXT NOT NULL,
    goal          TEXT NOT NULL,
    alternatives  TEXT NOT NULL DEFAULT '[]',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    cancelled_at  TEXT,
    card_outbox_id INTEGER,           -- the teacher's card, edited in place as answers arrive
    round_id      INTEGER,
    summary_prompted_at TEXT
);
CREATE INDEX meetings_by_start ON meetings (starts_at);
CREATE INDEX meetings_by_pupil ON meetings (pupil_id);

CREATE TABLE meeting_invitees (
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    language      TEXT NOT NULL,
    answer        TEXT,               -- come | cannot | other_time
    answered_at   TEXT,
    preference    TEXT,               -- a typed wish for another time
    interpreter   INTEGER NOT NULL DEFAULT 0,
    companion     INTEGER NOT NULL DEFAULT 0,
    invite_outbox_id INTEGER,
    reminded_version INTEGER,         -- the meeting version the day-before reminder was for
    PRIMARY KEY (meeting_id, person_kind, person_id)
);

CREATE TABLE summaries (
    meeting_id    INTEGER PRIMARY KEY REFERENCES meetings (id),
    attended      TEXT NOT NULL DEFAULT '[]',
    going_well    TEXT NOT NULL,
    agreements    TEXT NOT NULL DEFAULT '[]',
    advice_school TEXT NOT NULL DEFAULT '',
    advice_home   TEXT NOT NULL DEFAULT '',
    next_step     TEXT NOT NULL,
    written_by    TEXT NOT NULL,
    sent_at       TEXT NOT NULL
);

CREATE TABLE summary_readers (
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    outbox_id     INTEGER,
    read_at       TEXT,
    PRIMARY KEY (meeting_id, person_kind, person_id)
);

CREATE TABLE summary_questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
    person_kind   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    question      TEXT NOT NULL,
    asked_at      TEXT NOT NULL,
    answer        TEXT,
    answered_at   TEXT
);

-- Ten-minute talks for a whole group: families pick a free slot.
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    group_name    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    place         TEXT NOT NULL,
    separate_slots INTEGER NOT NULL DEFAULT 0,  -- separated parents may book one each
    reminded_at   TEXT,
    overview_sent_at TEXT,
    closed_at     TEXT
);

CREATE TABLE round_slots (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id      INTEGER NOT NULL REFERENCES rounds (id),
    starts_at     TEXT NOT NULL,
    blocked       INTEGER NOT NULL DEFAULT 0,
    pupil_id      TEXT,
    booked_by_kind TEXT,
    booked_by_id  TEXT,
    booked_at     TEXT,
    meeting_id    INTEGER REFERENCES meetings (id),
    UNIQUE (round_id, starts_at)
);
-- One booking per pupil and booker in a round, enforced by the database itself.
CREATE UNIQUE INDEX round_slots_one_per_booker ON round_slots (round_id, pupil_id, booked_by_kind, booked_by_id)
    WHERE pupil_id IS NOT NULL;
