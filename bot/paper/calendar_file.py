"""An .ics file for a meeting, so a parent can put it in their phone's calendar."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import icalendar

from bot.rules.models import Meeting


def meeting_ics(
    meeting: Meeting,
    *,
    title: str,
    location: str,
    description: str,
    now: datetime,
    school: str,
    tz: ZoneInfo,
) -> bytes:
    """One event with the school's time zone (VTIMEZONE included); a moved meeting keeps its
    UID with a higher SEQUENCE, a cancelled one is sent with STATUS:CANCELLED."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Samen//{school}//NL")
    calendar.add("version", "2.0")
    cancelled = meeting.cancelled_at is not None
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"samen-meeting-{meeting.id}@samen")
    event.add("sequence", meeting.version - 1)
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    # The zone goes before the event, as icalendar's add_missing_timezones puts it (none
    # for UTC: its times are written with a Z).
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(calendar.get_missing_tzids()))
    head, begin, rest = calendar.to_ical().partition(b"BEGIN:VEVENT\r\n")
    return head + zones + begin + rest


@cache
def _vtimezone(key: str) -> bytes:
    """The zone's VTIMEZONE as written in the file, made once per zone: working out and
    writing its transitions (1970–2038, icalendar's range) takes milliseconds, and every
    invitation to a talk carries it."""
    return icalendar.Timezone.from_tzid(key).to_ical()
