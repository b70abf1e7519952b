-- Right of access (AVG art. 15): a guardian or a pupil of 16+ asks what Samen keeps about
-- them; a coordinator approves and the copy is sent in the chat. The school must answer
-- within one month, so the request, its deadline, the reminders and the answer are kept.
CREATE TABLE access_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_kind  TEXT NOT NULL CHECK (requester_kind IN ('guardian', 'pupil')),
    requester_id    TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    reminders_sent  INTEGER NOT NULL DEFAULT 0,
    answered_at     TEXT,
    answered_by     TEXT
);
CREATE INDEX access_requests_open ON access_requests (answered_at, due_on);
-- One open request per person: asking twice does not start a second clock.
CREATE UNIQUE INDEX access_requests_one_open
    ON access_requests (requester_kind, requester_id) WHERE answered_at IS NULL;
