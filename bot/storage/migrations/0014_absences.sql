-- A parent reports their child sick or absent: from which day to which day, and why (if told).
CREATE TABLE absences (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id      TEXT NOT NULL,
    reported_by   TEXT NOT NULL,   -- the guardian's id
    first_day     TEXT NOT NULL,   -- ISO dates, both included
    last_day      TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    reported_at   TEXT NOT NULL
);
CREATE INDEX absences_by_day ON absences (first_day, last_day);
CREATE INDEX absences_by_pupil ON absences (pupil_id, id);
