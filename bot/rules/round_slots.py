"""The times of a short-talk round: back to back within a window on each chosen day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def make_slots(
    days: Sequence[date], window: tuple[time, time], minutes: int, tz: ZoneInfo
) -> list[datetime]:
    """Every start time that leaves a whole talk before the window closes."""
    slots = []
    for day in days:
        moment = datetime.combine(day, window[0], tz)
        end = datetime.combine(day, window[1], tz)
        while moment + timedelta(minutes=minutes) <= end:
            slots.append(moment)
            moment += timedelta(minutes=minutes)
    return slots
