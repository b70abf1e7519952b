"""Which days are school days: weekends, Dutch public holidays (the `holidays` package), the
school holidays of the school's region, and the school's own holidays and study days.

The regional dates are the government's recommended school holidays for 2026–2027, kept here
so a school in region noord, midden or zuid needs to configure nothing; a school's own
dates in samen.toml ([calendar] holidays, study_days) are added to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays as public_holidays

REGIONS = ("noord", "midden", "zuid")

# (first day, last day) of each recommended holiday, per region, school year 2026–2027.
REGIONAL_HOLIDAYS: dict[str, tuple[tuple[date, date], ...]] = {
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


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def school_free_days(
    region: str | None,
    periods: Iterable[tuple[date, date]] = (),
    single_days: Iterable[date] = (),
    years: Iterable[int] = range(2025, 2031),
) -> frozenset[date]:
    """Every day without school apart from weekends."""
    free: set[date] = set(single_days)
    free.update(public_holidays.country_holidays("NL", years=list(years)).keys())
    for first, last in (*REGIONAL_HOLIDAYS.get(region or "", ()), *periods):
        free.update(days_between(first, last))
    return frozenset(free)
