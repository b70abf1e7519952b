-- A teacher away (holiday, sick leave) until a day: families' messages go to a stand-in.
CREATE TABLE staff_away (
    staff_id    TEXT PRIMARY KEY,
    until_day   TEXT NOT NULL,   -- the last day away (ISO date)
    stand_in    TEXT NOT NULL,   -- who reads instead: a coordinator by default
    since       TEXT NOT NULL
);
