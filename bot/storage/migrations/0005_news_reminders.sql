-- Positive-news reminders to mentors: one row per occurrence handled, so a restart after
-- downtime catches up exactly once.
CREATE TABLE news_reminders (
    staff_id    TEXT NOT NULL,
    occurrence  TEXT NOT NULL,
    handled_at  TEXT NOT NULL,
    pupils      INTEGER NOT NULL,
    PRIMARY KEY (staff_id, occurrence)
);
