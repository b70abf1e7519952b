from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.platform.config import Settings
from bot.rules.school_calendar import school_free_days
from bot.services.good_news import latest_occurrence, school_weeks_since

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("region", "day", "free"),
    [
        (None, date(2027, 4, 27), True),  # King's Day
        (None, date(2027, 5, 6), True),  # Ascension Day
        (None, date(2026, 12, 21), False),  # no region: only public holidays
        ("noord", date(2026, 12, 21), True),
        ("noord", date(2027, 2, 15), True),
        ("midden", date(2027, 2, 15), False),
        ("zuid", date(2026, 10, 12), True),
        ("zuid", date(2026, 10, 19), False),
    ],
)
def test_free_days(region: str | None, day: date, free: bool) -> None:
    assert (day in school_free_days(region)) is free


def test_own_periods_and_days_are_added() -> None:
    days = school_free_days(None, [(date(2027, 3, 1), date(2027, 3, 3))], [date(2027, 3, 10)])
    assert {date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3), date(2027, 3, 10)} <= days


def at(y: int, m: int, d: int, h: int = 13) -> datetime:
    return datetime(y, m, d, h, tzinfo=AMS)


@pytest.mark.parametrize(
    ("start", "now", "weeks"),
    [
        (at(2026, 11, 30), at(2026, 12, 6, 23), 0),  # the same week
        (at(2026, 11, 30), at(2026, 12, 13, 23), 1),
        (at(2026, 12, 4), at(2027, 1, 10, 23), 3),  # two Christmas holiday weeks skipped
        (at(2026, 12, 4), at(2027, 2, 5), 6),
    ],
)
def test_school_weeks_skip_holiday_weeks(start: datetime, now: datetime, weeks: int) -> None:
    settings = replace(Settings(), region="noord")
    assert school_weeks_since(start, now, settings) == weeks


@pytest.mark.parametrize(
    ("now", "occurrence"),
    [
        (at(2026, 12, 4, 13), at(2026, 12, 4, 13)),
        (at(2026, 12, 4, 12), at(2026, 11, 27, 13)),
        (at(2026, 12, 7, 9), at(2026, 12, 4, 13)),
        (at(2026, 10, 30, 14), at(2026, 10, 30, 13)),  # first Friday of winter time
        (at(2027, 4, 2, 13), at(2027, 4, 2, 13)),  # first Friday of summer time
    ],
)
def test_latest_occurrence(now: datetime, occurrence: datetime) -> None:
    assert latest_occurrence(now, Settings()) == occurrence
