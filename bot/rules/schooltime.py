"""School days and quiet hours: when Samen may message families, and deadlines in school days.

Pure functions of local time; holidays come from the caller (samen.toml).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """No messages to families from `start` in the evening to `end` in the morning, nor at
    weekends (and on `holidays`)."""

    start: time = time(21, 0)
    end: time = time(7, 30)
    weekends: bool = True


def is_school_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_school_days(
    start: datetime, days: int, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """The same local time `days` school days later (a deadline "within 10 school days")."""
    local = start.astimezone(tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_school_day(day, holidays):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tz)


def in_quiet_hours(
    moment: datetime, tz: ZoneInfo, quiet: QuietHours, holidays: Collection[date] = ()
) -> bool:
    local = moment.astimezone(tz)
    if quiet.weekends and not is_school_day(local.date(), holidays):
        return True
    clock = local.time()
    if quiet.start <= quiet.end:
        return quiet.start <= clock < quiet.end
    return clock >= quiet.start or clock < quiet.end


def next_allowed(
    moment: datetime, tz: ZoneInfo, quiet: QuietHours, holidays: Collection[date] = ()
) -> datetime:
    """`moment` itself when messages are allowed then, else the first allowed moment after."""
    local = moment.astimezone(tz)
    for _ in range(60):  # at most two months of holidays in a row
        if not in_quiet_hours(local, tz, quiet, holidays):
            return local
        morning = datetime.combine(local.date(), quiet.end, tz)
        local = morning if local < morning else morning + timedelta(days=1)
    raise ValueError("no allowed moment within 60 days; check the quiet hours and holidays")


def days_later(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local clock time `days` later (or earlier): across a switch to or from
    summer time a reminder stays at 16:00 instead of drifting to 15:00 or 17:00."""
    return moment.astimezone(tz) + timedelta(days=days)
