from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.dates import When, parse_day_range, parse_days, parse_when, parse_window, read_when

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)  # Monday 30 November 2026, 10:00


def at(m: int, d: int, hh: int, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("do 3 dec 15:30", at(12, 3, 15, 30)),  # weekday and date agree
        ("donderdag 3 december 15:30", at(12, 3, 15, 30)),
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
        # "half een" is half past twelve: hour 0 after subtracting is noon, not midnight.
        ("morgen half een", at(12, 1, 12, 30)),
        ("morgen half 1", at(12, 1, 12, 30)),
        ("morgen kwart voor een", at(12, 1, 12, 45)),
        ("morgen kwart over een", at(12, 1, 13, 15)),
        ("morgen kwart over twaalf", at(12, 1, 12, 15)),
        ("morgen half twaalf", at(12, 1, 11, 30)),
        ("morgen half zeven", at(12, 1, 18, 30)),  # a bare hour 1-6 stays afternoon
        ("morgen half acht", at(12, 1, 7, 30)),
        # "Volgende week" is the calendar week after this one; a bare weekday the next one.
        ("volgende week dinsdag 15:30", at(12, 8, 15, 30)),
        ("volgende week di 15:30", at(12, 8, 15, 30)),
        ("dinsdag volgende week 15:30", at(12, 8, 15, 30)),
        ("komende week dinsdag 15:30", at(12, 8, 15, 30)),
        ("volgende week vrijdag 9u", at(12, 11, 9, 0)),
        ("volgende week maandag 8:30", at(12, 7, 8, 30)),
        ("dinsdag 15:30", at(12, 1, 15, 30)),
        ("di. 15:30", at(12, 1, 15, 30)),
        ("a.s. vrijdag 13:00", at(12, 4, 13, 0)),
        ("aanstaande vrijdag 13:00", at(12, 4, 13, 0)),
        ("deze week vrijdag 13:00", at(12, 4, 13, 0)),
        ("over een week 15:30", at(12, 7, 15, 30)),
        ("over 2 weken 15:30", at(12, 14, 15, 30)),
        ("over drie dagen om 9 uur", at(12, 3, 9, 0)),
        # Other ways of writing the clock.
        ("morgen 14u30", at(12, 1, 14, 30)),
        ("morgen 14.30u", at(12, 1, 14, 30)),
        ("morgen 14:30 uur", at(12, 1, 14, 30)),
        ("morgen 14h30", at(12, 1, 14, 30)),
        ("vrijdag om 3", at(12, 4, 15, 0)),
        ("vrijdag om 10", at(12, 4, 10, 0)),
        # A part of the day settles morning or afternoon.
        ("morgen om 9 uur 's ochtends", at(12, 1, 9, 0)),
        ("morgen om 6 uur 's ochtends", at(12, 1, 6, 0)),
        ("morgen om 6 uur ’s morgens", at(12, 1, 6, 0)),
        ("morgen om 8 uur 's avonds", at(12, 1, 20, 0)),
        ("morgen half acht 's avonds", at(12, 1, 19, 30)),
        ("vrijdag 2 uur 's middags", at(12, 4, 14, 0)),
        ("morgenochtend 8:15", at(12, 1, 8, 15)),
        ("morgenmiddag 3 uur", at(12, 1, 15, 0)),
        ("morgenavond om 7 uur", at(12, 1, 19, 0)),
        ("vanmiddag 3 uur", at(11, 30, 15, 0)),
        ("vanavond half acht", at(11, 30, 19, 30)),
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
        "di 3 dec 15:30",  # 3 December is a Thursday: ambiguous, see read_when
        "volgende week 15:30",  # which day of next week?
        "morgen half 0",
        "morgen kwart over 24",
        "vanochtend 9 uur",  # already past
    ],
)
def test_unreadable_or_past_input_is_refused(text: str) -> None:
    assert parse_when(text, NOW, AMS) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The date says Thursday 3 December; "di" the Tuesday of that week.
        ("di 3 dec 15:30", When(at(12, 3, 15, 30), other=at(12, 1, 15, 30))),
        ("dinsdag 3-12 15:30", When(at(12, 3, 15, 30), other=at(12, 1, 15, 30))),
        ("vr 3 december half vier", When(at(12, 3, 15, 30), other=at(12, 4, 15, 30))),
        ("zo 3 dec 10:00", When(at(12, 3, 10, 0), other=at(12, 6, 10, 0))),
        ("morgen woensdag 9u", When(at(12, 1, 9, 0), other=at(12, 2, 9, 0))),
        # The other reading would be past (Monday 30 November 9:00): only the date remains.
        ("ma 3 dec 9:00", When(at(12, 3, 9, 0))),
        # Agreeing weekday and date, or no weekday: one reading.
        ("do 3 dec 15:30", When(at(12, 3, 15, 30))),
        ("3 dec 15:30", When(at(12, 3, 15, 30))),
        ("volgende week dinsdag 15:30", When(at(12, 8, 15, 30))),
        ("dinsdag 8 december 15:30", When(at(12, 8, 15, 30))),
    ],
)
def test_a_weekday_that_contradicts_the_date_gives_two_readings(text: str, expected: When) -> None:
    assert read_when(text, NOW, AMS) == expected
    assert parse_when(text, NOW, AMS) == (expected.moment if expected.other is None else None)


@pytest.mark.parametrize("text", ["", "3 dec", "vandaag 9:00", "volgende week 15:30"])
def test_read_when_refuses_what_parse_when_refuses(text: str) -> None:
    assert read_when(text, NOW, AMS) is None


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


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("do 3 dec", (date(2026, 12, 3), date(2026, 12, 3))),
        ("3 dec - 5 dec", (date(2026, 12, 3), date(2026, 12, 5))),
        ("2 dec tot 4 dec", (date(2026, 12, 2), date(2026, 12, 4))),
        ("2 dec t/m 4 dec", (date(2026, 12, 2), date(2026, 12, 4))),
        ("morgen", (date(2026, 12, 1), date(2026, 12, 1))),
        ("5 dec - 3 dec", None),  # ends before it starts
        ("gisteren", None),  # in the past
        ("3 dec - 4 dec - 5 dec", None),
        ("xyz", None),
    ],
)
def test_a_typed_range_of_days(text: str, days: tuple[date, date] | None) -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert parse_day_range(text, monday, ZoneInfo("Europe/Amsterdam")) == days


@pytest.mark.parametrize(
    ("text", "language", "days"),
    [
        ("10 aralık - 12 aralık", "tr", (date(2026, 12, 10), date(2026, 12, 12))),
        ("١٠ ديسمبر", "ar", (date(2026, 12, 10), date(2026, 12, 10))),  # Arabic-Indic digits
        ("۱۰ دسامبر - ۱۱ دسامبر", "fa", (date(2026, 12, 10), date(2026, 12, 11))),
        ("10 грудня - 11 грудня", "uk", (date(2026, 12, 10), date(2026, 12, 11))),
        ("3 grudnia", "pl", (date(2026, 12, 3), date(2026, 12, 3))),
        ("۱۰ دسمبر - ۱۱ دسمبر", "prs", (date(2026, 12, 10), date(2026, 12, 11))),  # Dari
        ("10 decembrie", "ro", (date(2026, 12, 10), date(2026, 12, 10))),
        ("10 дек - 11 декември", "bg", (date(2026, 12, 10), date(2026, 12, 11))),
        ("10 de diciembre", "es", (date(2026, 12, 10), date(2026, 12, 10))),
        ("10 dez - 11 dez", "pt", (date(2026, 12, 10), date(2026, 12, 11))),
        ("10 Diseembar", "so", (date(2026, 12, 10), date(2026, 12, 10))),
        ("10 December - 11 Dec.", "tr", (date(2026, 12, 10), date(2026, 12, 11))),  # English
        ("10.12 - 12.12", "nl", (date(2026, 12, 10), date(2026, 12, 12))),
        ("10 aralık", "nl", None),  # a Dutch reader's range is read in Dutch and English
    ],
)
def test_a_range_of_days_in_the_readers_language(
    text: str, language: str, days: tuple[date, date] | None
) -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert parse_day_range(text, monday, ZoneInfo("Europe/Amsterdam"), language) == days
