-- The support route, talk preparations, and positive news.

CREATE TABLE support_route (
    pupil_id    TEXT PRIMARY KEY REFERENCES pupils (pupil_id),
    step        TEXT NOT NULL,
    since       TEXT NOT NULL,
    moved_by    TEXT
);

CREATE TABLE support_route_ticks (
    pupil_id    TEXT NOT NULL REFERENCES pupils (pupil_id),
    step        TEXT NOT NULL,
    item        TEXT NOT NULL,
    ticked_at   TEXT NOT NULL,
    ticked_by   TEXT NOT NULL,
    PRIMARY KEY (pupil_id, step, item)
);

CREATE TABLE preparations (
    meeting_id  INTEGER PRIMARY KEY REFERENCES meetings (id),
    answers     TEXT NOT NULL,
    written_by  TEXT NOT NULL,
    written_at  TEXT NOT NULL
);

ALTER TABLE meetings ADD COLUMN prepare_prompted_at TEXT;
ALTER TABLE meetings ADD COLUMN preparation_shown_at TEXT;

CREATE TABLE positive_news (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id    TEXT NOT NULL REFERENCES pupils (pupil_id),
    staff_id    TEXT NOT NULL,
    themes      TEXT NOT NULL DEFAULT '[]',
    own_words   TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    send_at     TEXT NOT NULL
);
CREATE INDEX positive_news_by_pupil ON positive_news (pupil_id, send_at);

CREATE TABLE positive_news_recipients (
    news_id     INTEGER NOT NULL REFERENCES positive_news (id),
    person_kind TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    outbox_id   INTEGER,
    reaction    TEXT,
    reaction_text TEXT,
    reacted_at  TEXT,
    PRIMARY KEY (news_id, person_kind, person_id)
);
