from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.platform.config import Settings
from bot.rules.school_calendar import (
    OFFICIAL_TABLES,
    holidays_run_out,
    known_until,
    regional_holidays,
    school_free_days,
)
from bot.services.good_news import latest_occurrence, news_due_before, school_weeks_since

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
        # Beyond the table Samen holds: the holidays package's, for every year it knows.
        ("noord", date(2027, 10, 18), True),  # autumn 2027
        ("zuid", date(2027, 10, 18), False),
        ("zuid", date(2027, 10, 25), True),
        ("noord", date(2028, 2, 21), True),  # spring 2028
        ("midden", date(2028, 2, 21), False),
        ("midden", date(2028, 2, 28), True),
        ("midden", date(2028, 7, 10), True),  # summer 2028
        ("zuid", date(2028, 7, 10), False),
        ("noord", date(2030, 7, 22), True),  # summer 2030, the last the package knows
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
    "now", [at(2026, 12, 4), at(2027, 1, 8), at(2027, 3, 1, 7), at(2027, 8, 20)]
)
@pytest.mark.parametrize("weeks", [1, 6, 26])
def test_the_moment_before_which_news_leaves_a_family_due(now: datetime, weeks: int) -> None:
    """The database picks out who is due by one moment: exactly the families whose school
    weeks since their last good news reach the cadence, every hour of a year counted."""
    settings = replace(Settings(), region="noord", positive_news_weeks=weeks)
    due_before = news_due_before(now, settings)
    sent = now - timedelta(days=365)
    while sent <= now:
        due = school_weeks_since(sent, now, settings) >= weeks
        assert due == (due_before is not None and sent < due_before), sent
        sent += timedelta(hours=5)


def test_no_news_leaves_a_family_due_before_enough_school_weeks_have_passed() -> None:
    settings = replace(Settings(), positive_news_weeks=26)
    # The count looks two years back: 26 school weeks are in it, 120 never are.
    assert news_due_before(at(2026, 12, 4), settings) is not None
    assert news_due_before(at(2026, 12, 4), replace(settings, positive_news_weeks=120)) is None


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


def package_breaks(region: str, first: date, last: date) -> set[tuple[date, date]]:
    import holidays

    days = sorted(
        holidays.country_holidays(
            "NL", subdiv=region.capitalize(), years=[2026, 2027], categories=(holidays.SCHOOL,)
        )
    )
    breaks: list[tuple[date, date]] = []
    for day in days:
        if breaks and (day - breaks[-1][1]).days == 1:
            breaks[-1] = (breaks[-1][0], day)
        else:
            breaks.append((day, day))
    return {b for b in breaks if first <= b[0] <= last}


def test_the_official_2026_2027_table_wins_where_the_package_differs() -> None:
    """The holidays package and the government's table for 2026–2027 differ in six breaks
    (autumn noord and zuid, spring noord and zuid, summer noord and midden). Samen follows the
    table; this test names the differences, so a package that changes them is noticed."""
    differ = {}
    for region, table in OFFICIAL_TABLES[2026].items():
        package = package_breaks(region, date(2026, 9, 1), date(2027, 8, 31))
        differ[region] = sorted(set(table) - package)
        assert set(regional_holidays(region)) >= set(table)
        assert not (package - set(table)) & set(regional_holidays(region))
    assert differ == {
        "noord": [
            (date(2026, 10, 17), date(2026, 10, 25)),
            (date(2027, 2, 13), date(2027, 2, 21)),
            (date(2027, 7, 17), date(2027, 8, 29)),
        ],
        "midden": [(date(2027, 7, 10), date(2027, 8, 22))],
        "zuid": [(date(2026, 10, 10), date(2026, 10, 18)), (date(2027, 2, 6), date(2027, 2, 14))],
    }


def test_the_school_is_warned_60_days_before_the_known_holidays_run_out() -> None:
    last = known_until("noord")
    assert last.year == 2030
    assert holidays_run_out("noord", last - timedelta(days=61)) is None
    assert holidays_run_out("noord", last - timedelta(days=60)) == last
    assert holidays_run_out("noord", last + timedelta(days=10)) == last
    assert holidays_run_out(None, last) is None  # no region: nothing Samen could run out of


async def test_the_coordinators_are_told_once_when_the_holidays_run_out(
    tmp_path: Path, any_db: Any
) -> None:
    from bot.rules.models import PersonKind
    from scheduler import due_work
    from tests.conftest import START
    from tests.harness import Harness
    from tests.test_care import people

    harness = Harness(tmp_path, START)
    await harness.open(settings={"region": "noord"}, database=any_db)
    try:
        ingrid = (await people(harness, (PersonKind.STAFF, "S004", "Ingrid")))["S004"]
        assert harness.runtime is not None
        services = harness.runtime.services
        assert (await due_work(services))["holidays_run_out"] == 0  # 2026: years to go
        harness.clock.set(datetime(2030, 7, 3, 9, tzinfo=AMS))
        assert (await due_work(services))["holidays_run_out"] == 1
        await harness.server.wait_for(lambda: "📅" in ingrid.last.text)
        assert "noord" in ingrid.last.text and "1 september 2030" in ingrid.last.text
        harness.clock.set(datetime(2030, 7, 4, 9, tzinfo=AMS))
        assert (await due_work(services))["holidays_run_out"] == 0  # once
    finally:
        await harness.close()
