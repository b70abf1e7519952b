"""Which days are school days: weekends, Dutch public holidays, the school holidays of the
school's region, and the school's own holidays and study days.

The regional dates are the government's recommended school holidays. They come from the
`holidays` package (its SCHOOL category follows the published regulations) for every year it
knows, so a school in region noord, midden or zuid configures nothing. For a school year whose
official table we hold ourselves (`OFFICIAL_TABLES`), that table wins where the package
differs: for 2026–2027 it does, in six breaks (tests/test_school_calendar.py names them). A
school's own dates in samen.toml ([calendar] holidays, study_days) are added to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays as public_holidays

REGIONS = ("noord", "midden", "zuid")

Period = tuple[date, date]

# The official recommended holidays of a school year (by the year it starts), per region: the
# government's table for 2026–2027. (first day, last day) of each break.
OFFICIAL_TABLES: dict[int, dict[str, tuple[Period, ...]]] = {
    2026: {
        "noord": (
            (date(2026, 10, 17), date(2026, 10, 25)),
            (date(2026, 12, 19), date(2027, 1, 3)),
            (date(2027, 2, 13), date(2027, 2, 21)),
            (date(2027, 4, 24), date(2027, 5, 2)),
            (date(2027, 7, 17), date(2027, 8, 29)),
        ),
        "midden": (
            (date(2026, 10, 17), date(2026, 10, 25)),
            (date(2026, 12, 19), date(2027, 1, 3)),
            (date(2027, 2, 20), date(2027, 2, 28)),
            (date(2027, 4, 24), date(2027, 5, 2)),
            (date(2027, 7, 10), date(2027, 8, 22)),
        ),
        "zuid": (
            (date(2026, 10, 10), date(2026, 10, 18)),
            (date(2026, 12, 19), date(2027, 1, 3)),
            (date(2027, 2, 6), date(2027, 2, 14)),
            (date(2027, 4, 24), date(2027, 5, 2)),
            (date(2027, 7, 24), date(2027, 9, 5)),
        ),
    }
}


# The years asked of the package: it gives the school holidays of those it knows (the
# published regulations run to 2030) and nothing for the others.
YEARS = range(2014, 2061)
# A school year runs from September to the end of the next summer break.
SCHOOL_YEAR_START = (9, 1)
# A break this long is a summer break: the end of a school year.
SUMMER_DAYS = 35


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@lru_cache(maxsize=len(REGIONS))
def regional_holidays(region: str) -> tuple[Period, ...]:
    """Every recommended break of the region the package or an official table knows, in
    order."""
    school = public_holidays.country_holidays(
        "NL", subdiv=region.capitalize(), years=YEARS, categories=(public_holidays.SCHOOL,)
    )
    periods = _runs(sorted(school))
    for year, table in OFFICIAL_TABLES.items():
        start, end = date(year, *SCHOOL_YEAR_START), date(year + 1, *SCHOOL_YEAR_START)
        periods = [p for p in periods if not start <= p[0] < end]
        periods += table.get(region, ())
    return tuple(sorted(periods))


def _runs(days: list[date]) -> list[Period]:
    """Consecutive days as (first, last) periods."""
    periods: list[Period] = []
    for day in days:
        if periods and day - periods[-1][1] == timedelta(days=1):
            periods[-1] = (periods[-1][0], day)
        else:
            periods.append((day, day))
    return periods


@lru_cache(maxsize=1)
def _public_holidays() -> frozenset[date]:
    return frozenset(public_holidays.country_holidays("NL", years=YEARS).keys())


def known_until(region: str) -> date:
    """The last day of the last school year whose recommended holidays are known: the end of
    the last summer break."""
    summers = [
        last for first, last in regional_holidays(region) if (last - first).days >= SUMMER_DAYS
    ]
    return max(summers)


def school_free_days(
    region: str | None,
    periods: Iterable[Period] = (),
    single_days: Iterable[date] = (),
) -> frozenset[date]:
    """Every day without school apart from weekends."""
    free: set[date] = set(single_days)
    regional = regional_holidays(region) if region else ()
    free.update(_public_holidays())
    for first, last in (*regional, *periods):
        free.update(days_between(first, last))
    return frozenset(free)


# How long before the known holidays run out the school is told to add the next ones.
WARN_DAYS = 60


def holidays_run_out(region: str | None, today: date) -> date | None:
    """The last day with known recommended holidays, when that is within `WARN_DAYS` (or
    past): the school must add the next school year's holidays itself. None otherwise."""
    if region is None:
        return None
    last = known_until(region)
    return last if (last - today).days <= WARN_DAYS else None
