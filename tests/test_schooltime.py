from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.schooltime import QuietHours, add_school_days, in_quiet_hours, next_allowed

AMS = ZoneInfo("Europe/Amsterdam")
QUIET = QuietHours()


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMS)


@pytest.mark.parametrize(
    ("start", "days", "holidays", "expected"),
    [
        (local(2026, 11, 30), 10, (), local(2026, 12, 14)),  # Monday + 10 school days
        (local(2026, 12, 4), 1, (), local(2026, 12, 7)),  # Friday + 1 = Monday
        (
            local(2026, 12, 18),
            10,
            {date(2026, 12, d) for d in range(21, 32)} | {date(2027, 1, 1)},
            local(2027, 1, 15),
        ),  # over the Christmas holiday
        (local(2027, 3, 26, 9), 2, (), local(2027, 3, 30, 9)),  # over the switch to summer time
    ],
)
def test_add_school_days(start, days, holidays, expected) -> None:
    assert add_school_days(start, days, AMS, holidays) == expected


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local(2026, 12, 1, 7, 29), True),
        (local(2026, 12, 1, 7, 30), False),
        (local(2026, 12, 1, 20, 59), False),
        (local(2026, 12, 1, 21, 0), True),
        (local(2026, 12, 5, 12, 0), True),  # Saturday
        (local(2026, 12, 6, 12, 0), True),  # Sunday
    ],
)
def test_quiet_hours(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours(moment, AMS, QUIET) is quiet


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 12, 1, 10), local(2026, 12, 1, 10)),
        (local(2026, 12, 1, 22), local(2026, 12, 2, 7, 30)),
        (local(2026, 12, 2, 6), local(2026, 12, 2, 7, 30)),
        (local(2026, 12, 4, 21, 30), local(2026, 12, 7, 7, 30)),  # Friday night → Monday
        (local(2026, 12, 5, 9), local(2026, 12, 7, 7, 30)),
    ],
)
def test_next_allowed(moment: datetime, expected: datetime) -> None:
    assert next_allowed(moment, AMS, QUIET) == expected


def test_a_holiday_is_quiet_all_day() -> None:
    holiday = {date(2026, 12, 25)}
    assert in_quiet_hours(local(2026, 12, 25, 12), AMS, QUIET, holiday)
    assert next_allowed(local(2026, 12, 24, 22), AMS, QUIET, holiday) == local(2026, 12, 28, 7, 30)


def test_quiet_hours_within_a_day() -> None:
    lunch = QuietHours(start=time(12), end=time(13), weekends=False)
    assert in_quiet_hours(local(2026, 12, 5, 12, 30), AMS, lunch)
    assert not in_quiet_hours(local(2026, 12, 5, 13, 0), AMS, lunch)


@pytest.mark.parametrize(
    ("moment", "days", "expected"),
    [
        # Into winter time (25 October 2026) and into summer time (28 March 2027).
        (local(2026, 10, 23, 16), 3, local(2026, 10, 26, 16)),
        (local(2027, 3, 26, 16), 3, local(2027, 3, 29, 16)),
        (local(2027, 3, 29, 10), -1, local(2027, 3, 28, 10)),
    ],
)
def test_days_later_keeps_the_local_clock_time_across_summer_time(moment, days, expected) -> None:
    from bot.rules.schooltime import days_later

    result = days_later(moment, days, AMS)
    assert result == expected and result.hour == expected.hour


def test_a_consent_reminder_keeps_its_hour_across_the_switch() -> None:
    from datetime import timedelta

    from bot.rules.consent import reminders_due

    sent = local(2026, 10, 23, 16)  # Friday, summer time
    monday_15 = local(2026, 10, 26, 15)
    assert reminders_due(sent, (3,), (), monday_15, AMS, QUIET) == []
    assert reminders_due(sent, (3,), (), monday_15 + timedelta(hours=1), AMS, QUIET) == [1]
