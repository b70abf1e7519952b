"""The calendar file of a talk carries its time zone, made once per zone, exactly as
icalendar itself would add it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.paper.calendar_file import meeting_ics
from bot.rules.models import Meeting

NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
TALK = Meeting(
    id=7,
    pupil_id="L001",
    kind="progress",
    starts_at=NOW + timedelta(days=3),
    minutes=20,
    place_kind="room",
    place="12",
    goal="",
    alternatives=(),
    created_by="S001",
    version=1,
    cancelled_at=None,
    card_outbox_id=None,
    round_id=None,
    summary_prompted_at=None,
)


def as_icalendar_makes_it(meeting: Meeting, tz: ZoneInfo) -> icalendar.Calendar:
    """The same file, its zone added by icalendar (what Samen did for every file before)."""
    made = icalendar.Calendar.from_ical(ics(meeting, tz))
    for zone in list(made.walk("VTIMEZONE")):
        made.subcomponents.remove(zone)
    made.add_missing_timezones()
    return made


def ics(meeting: Meeting, tz: ZoneInfo) -> bytes:
    return meeting_ics(
        meeting,
        title="Voortgangsgesprek: Daan",
        location="Lokaal 12",
        description="Met Marieke van den Berg",
        now=NOW,
        school="De Brug",
        tz=tz,
    )


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "Europe/Brussels", "America/New_York"])
def test_the_file_has_its_zone_as_icalendar_adds_it(zone: str) -> None:
    tz = ZoneInfo(zone)
    moved = replace(TALK, version=2, starts_at=TALK.starts_at + timedelta(days=1))
    for meeting in (TALK, moved, replace(TALK, cancelled_at=NOW)):
        made = ics(meeting, tz)
        assert made == as_icalendar_makes_it(meeting, tz).to_ical()
        parsed = icalendar.Calendar.from_ical(made)
        assert [z["TZID"] for z in parsed.walk("VTIMEZONE")] == [zone]
        event = next(iter(parsed.walk("VEVENT")))
        assert event.decoded("dtstart") == meeting.starts_at
        assert event["sequence"] == meeting.version - 1


def test_a_file_in_utc_needs_no_zone() -> None:
    made = icalendar.Calendar.from_ical(ics(TALK, ZoneInfo("UTC")))
    assert list(made.walk("VTIMEZONE")) == []
    assert next(iter(made.walk("VEVENT"))).decoded("dtstart") == TALK.starts_at
