from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dates import parse_days, parse_when, parse_window

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)  # Monday 30 November 2026, 10:00


def at(m: int, d: int, hh: int, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("di 3 dec 15:30", at(12, 3, 15, 30)),
        ("dinsdag 3 december 15:30", at(12, 3, 15, 30)),
        ("3-12 15:30", at(12, 3, 15, 30)),
        ("3/12 15.30", at(12, 3, 15, 30)),
        ("03-12-2026 15:30", at(12, 3, 15, 30)),
        ("3 december om half vier", at(12, 3, 15, 30)),
        ("3 dec om kwart over drie", at(12, 3, 15, 15)),
        ("3 dec kwart voor vier", at(12, 3, 15, 45)),
        ("morgen 15:30", at(12, 1, 15, 30)),
        ("Morgen half 4", at(12, 1, 15, 30)),
        ("overmorgen 9u", at(12, 2, 9, 0)),
        ("vandaag 14:00", at(11, 30, 14, 0)),
        ("vrijdag 13u", at(12, 4, 13, 0)),
        ("vrijdag 13 uur", at(12, 4, 13, 0)),
        ("maandag 8:15", at(12, 7, 8, 15)),  # today is Monday: next week's
        ("5 jan 9:00", at(1, 5, 9, 0, 2027)),  # January has passed this year
        ("12 maart 2027, 11:00", at(3, 12, 11, 0, 2027)),
        ("3 dec om 3 uur", at(12, 3, 15, 0)),  # a bare 3 o'clock is in the afternoon
    ],
)
def test_dutch_input_is_understood(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, AMS) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "binnenkort",
        "3 dec",  # no time
        "15:30",  # no day
        "31-11 15:00",  # no such date
        "3-12 25:00",
        "3-12 15:75",
        "vandaag 9:00",  # already past
        "3 decembre 15:30",
        "1-1-2020 10:00",  # in the past
    ],
)
def test_unreadable_or_past_input_is_refused(text: str) -> None:
    assert parse_when(text, NOW, AMS) is None


def test_summer_time_is_applied_for_the_date_itself() -> None:
    result = parse_when("1 april 10:00", NOW, AMS)
    assert result is not None and result.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("di 8 dec, do 10 dec", [date(2026, 12, 8), date(2026, 12, 10)]),
        ("8-12 en 10-12", [date(2026, 12, 8), date(2026, 12, 10)]),
        ("morgen", [date(2026, 12, 1)]),
        ("8 dec; 8 dec", [date(2026, 12, 8)]),
        ("di 8 dec, gisteren", None),
        ("", None),
    ],
)
def test_parse_days(text: str, expected: list[date] | None) -> None:
    assert parse_days(text, NOW, AMS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15:00-17:00", (time(15), time(17))),
        ("15-17u", (time(15), time(17))),
        ("15.30 tot 17", (time(15, 30), time(17))),
        ("8:30 - 10:00", (time(8, 30), time(10))),
        ("3-5", (time(15), time(17))),
        ("17:00-15:00", None),
        ("15:00", None),
        ("25-26", None),
    ],
)
def test_parse_window(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_window(text) == expected
