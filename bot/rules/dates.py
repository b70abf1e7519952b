"""Reading a moment typed in Dutch by a busy teacher: "di 3 dec 15:30", "3-12 15:30",
"morgen half vier", "vrijdag 13u", "3 december om kwart over drie", "volgende week dinsdag
14u30", "over een week om 9 uur 's ochtends".

Pure: the result depends only on the text, `now` and the time zone. A bare hour from 1 to 6
is read as afternoon (school hours) unless a part of the day says otherwise; "half een" is
half past twelve. A date without a year is the next such date. A weekday that contradicts
the date is not silently dropped: `read_when` gives both readings so the teacher can choose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

from bot.i18n.translator import babel_locale

MONTHS = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "mrt": 3, "maart": 3, "apr": 4,
    "april": 4, "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "aug": 8, "augustus": 8,
    "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "ma": 0, "maandag": 0, "di": 1, "dinsdag": 1, "wo": 2, "woensdag": 2, "do": 3,
    "donderdag": 3, "vr": 4, "vrij": 4, "vrijdag": 4, "za": 5, "zaterdag": 5, "zo": 6,
    "zondag": 6,
}  # fmt: skip
NUMBER_WORDS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
}  # fmt: skip
RELATIVE_DAYS = {"vandaag": 0, "morgen": 1, "overmorgen": 2}
# Today with a part of the day in one word: "vanmiddag 3 uur".
TODAY_PARTS = {"vanochtend": "ochtend", "vanmorgen": "ochtend", "vanmiddag": "middag",
               "vanavond": "avond"}  # fmt: skip
# Words for a part of the day (after "'s" or on their own) and what they do to the hour.
DAY_PARTS = {
    "ochtend": "morning", "ochtends": "morning", "morgens": "morning", "vroeg": "morning",
    "middag": "afternoon", "middags": "afternoon", "avond": "afternoon",
    "avonds": "afternoon",
}  # fmt: skip

_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?\b")
_WORD_DATE = re.compile(r"\b(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?\b")
# "15:30", "15.30", "15.30u", "15:30 uur", "15u", "15 uur", "14u30", "14h30".
_CLOCK = re.compile(r"\b(\d{1,2})(?:[:.](\d{2})(?:\s*(?:uur|u))?|\s*(?:uur|u|h)(\d{2})?)\b")
# "vrijdag om 3": a bare number after "om" is an hour (dates are already taken out).
_BARE_HOUR = re.compile(r"\bom\s+(\d{1,2})\b(?![:.,/-]\d)")
_SPOKEN = re.compile(r"\b(half|kwart over|kwart voor)\s+" + _NUMBER + r"\b")
_IN = re.compile(r"\bover\s+" + _NUMBER + r"\s+(dag|dagen|week|weken)\b")
_NEXT_WEEK = re.compile(r"\b(?:volgende|komende)\s+week\b")
_THIS_WEEK = re.compile(r"\bdeze\s+week\b")
# "morgenochtend", "morgenmiddag", "morgenavond", "morgenvroeg": tomorrow and a part of the day.
_TOMORROW_PART = re.compile(r"\bmorgen(ochtend|middag|avond|vroeg)\b")
_WORDS = re.compile(r"[a-zé]+")
# "10.12" or "10.12.2026": a date, where a day range is asked (a moment reads it as a time).
_DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.?(?:(\d{4})\b)?")
DUTCH_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class When:
    """A typed moment as read. `other` is set when a weekday named in the text contradicts the
    date ("di 3 dec" when 3 December is a Thursday): the same clock time on that weekday in the
    same week, so the reader can be asked which one is meant."""

    moment: datetime  # what the date says (or the only reading)
    other: datetime | None = None


def read_when(text: str, now: datetime, tz: ZoneInfo) -> When | None:
    """The moment meant by `text`, in the future, with a second reading when the weekday
    typed contradicts the date; None when it cannot be read or lies in the past. A second
    reading that lies in the past is left out (the date is then the only reading)."""
    cleaned = _clean(text)
    today = now.astimezone(tz).date()
    day, rest = _find_day(cleaned, today)
    if day is None:
        return None
    clock = _find_time(rest, _day_part(cleaned))
    if clock is None:
        return None
    moment = datetime.combine(day, clock, tz)
    if moment <= now:
        return None
    named = _named_weekday(cleaned)
    other = None
    if named is not None and named != day.weekday():
        other_day = day + timedelta(days=named - day.weekday())  # same Monday-to-Sunday week
        candidate = datetime.combine(other_day, clock, tz)
        other = candidate if candidate > now else None
    return When(moment, other)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment meant by `text`, in the future; None when it cannot be read, lies in the
    past, or is ambiguous (weekday and date disagree: use `read_when` to ask which)."""
    when = read_when(text, now, tz)
    return when.moment if when is not None and when.other is None else None


def _clean(text: str) -> str:
    lowered = text.lower().replace(",", " ").replace("’", "'").replace("'s ", " ")
    lowered = _TOMORROW_PART.sub(r"morgen \1", lowered)
    return " ".join(lowered.split())


def _day_part(text: str) -> str | None:
    words = _WORDS.findall(text)
    for word in words:
        if word in TODAY_PARTS:
            return DAY_PARTS[TODAY_PARTS[word]]
        if word in DAY_PARTS:
            return DAY_PARTS[word]
    return None


def _named_weekday(text: str) -> int | None:
    for word in _WORDS.findall(text):
        if word in WEEKDAYS:
            return WEEKDAYS[word]
    return None


def _without(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _western_digits(text: str) -> str:
    """Arabic-Indic and Persian digits ("١٠", "۱۰") as 0-9."""
    return "".join(
        str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text
    )


@lru_cache(maxsize=16)
def _month_names(language: str) -> tuple[tuple[str, int], ...]:
    """Every name of every month in `language` and English, longest first."""
    names: dict[str, int] = {}
    for code in ("en", language):
        try:
            months = Locale.parse(babel_locale(code)).months
        except (UnknownLocaleError, ValueError):
            continue
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names.setdefault(name.lower().rstrip("."), number)
    return tuple(sorted(names.items(), key=lambda item: -len(item[0])))


_DAY_DE_MONTH = re.compile(rf"(\d)\s+de\s+({'|'.join(DUTCH_MONTHS)})\b")


@lru_cache(maxsize=16)
def _month_pattern(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """One pattern for every month name of `language` and English (the longest first, so
    that "dec" never takes the start of "december"), compiled once per language."""
    names = _month_names(language)
    alternatives = "|".join(re.escape(name) for name, _ in names)
    return re.compile(rf"(?<!\w)({alternatives})\.?(?!\w)"), dict(names)


def _months_in_dutch(text: str, language: str) -> str:
    """Month names of `language` (and English) written as the Dutch ones the reader knows."""
    pattern, numbers = _month_pattern(language)
    text = pattern.sub(lambda found: DUTCH_MONTHS[numbers[found.group(1)] - 1], text)
    # Spanish and Portuguese join day and month with "de": "10 de diciembre".
    return _DAY_DE_MONTH.sub(r"\1 \2", text)


def _number(word: str) -> int:
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def _find_day(text: str, today: date) -> tuple[date | None, str]:
    """The day named in `text` and the text without it (where the time is looked for)."""
    words = _WORDS.findall(text)
    for word in words:
        if word in TODAY_PARTS:
            return today, re.sub(rf"\b{word}\b", " ", text)
    for word, offset in RELATIVE_DAYS.items():
        if word in words:
            return today + timedelta(days=offset), re.sub(rf"\b{word}\b", " ", text)
    within = _IN.search(text)
    if within:
        count = _number(within.group(1))
        days = count * (7 if within.group(2).startswith("we") else 1)
        return today + timedelta(days=days), _without(text, within)
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        day = _date(today, int(numeric.group(1)), int(numeric.group(2)), numeric.group(3))
        return day, _without(text, numeric)
    for match in _WORD_DATE.finditer(text):
        month = MONTHS.get(match.group(2))
        if month is not None:
            day = _date(today, int(match.group(1)), month, match.group(3))
            return day, _without(text, match)
    weekday = next((w for w in words if w in WEEKDAYS), None)
    if weekday is None:
        return None, text
    wanted = WEEKDAYS[weekday]
    rest = re.sub(rf"\b{weekday}\b", " ", text, count=1)
    monday = today - timedelta(days=today.weekday())
    next_week = _NEXT_WEEK.search(rest)
    if next_week:
        return monday + timedelta(days=7 + wanted), _without(rest, next_week)
    this_week = _THIS_WEEK.search(rest)
    if this_week:
        return monday + timedelta(days=wanted), _without(rest, this_week)
    # A bare weekday ("dinsdag", "a.s. dinsdag") is the next one; today's is a week ahead.
    ahead = (wanted - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead), rest


def _date(today: date, day: int, month: int, year: str | None) -> date | None:
    try:
        if year is not None:
            return date(int(year), month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None


def _find_time(text: str, part: str | None = None) -> time | None:
    spoken = _SPOKEN.search(text)
    if spoken:
        named = _number(spoken.group(2))
        kind = spoken.group(1)
        if not 1 <= named <= (23 if kind == "kwart over" else 24):
            return None
        if kind == "kwart over":
            hour, minute = named, 15
        else:
            hour, minute = named - 1, 30 if kind == "half" else 45
        # "Half een" is half past twelve: the hour before one is noon, not midnight.
        return _in_part(hour or 12, minute, part)
    clock = _CLOCK.search(text)
    bare = None if clock else _BARE_HOUR.search(text)
    if clock is None and bare is None:
        return None
    if clock is not None:
        hour = int(clock.group(1))
        minute = int(clock.group(2) or clock.group(3) or 0)
    else:
        assert bare is not None
        hour, minute = int(bare.group(1)), 0
    if hour > 23 or minute > 59:
        return None
    return _in_part(hour, minute, part)


def _in_part(hour: int, minute: int, part: str | None) -> time:
    """The hour on a 24-hour clock, given the part of the day typed (if any)."""
    if part == "morning":
        return time(hour % 24, minute)  # "'s ochtends" keeps 6 as 6
    if part == "afternoon":
        return time(hour + 12 if hour < 12 else hour, minute)
    return _afternoon(hour % 24, minute)


def _afternoon(hour: int, minute: int) -> time:
    """School hours: "half vier" and "3:30" mean 15:30, not a meeting in the night."""
    if 1 <= hour <= 6:
        hour += 12
    return time(hour, minute)


_WINDOW = re.compile(
    r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:u|uur)?\s*(?:-|–|tot)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:u|uur)?\s*$"
)


def parse_days(text: str, now: datetime, tz: ZoneInfo) -> list[date] | None:
    """Several days, separated by commas or 'en': "di 8 dec, do 10 dec". None if any part
    cannot be read or lies in the past."""
    today = now.astimezone(tz).date()
    parts = [p for p in re.split(r",|\ben\b|;", text.lower()) if p.strip()]
    days: list[date] = []
    for part in parts:
        day, _ = _find_day(" ".join(part.split()), today)
        if day is None or day < today:
            return None
        days.append(day)
    return sorted(set(days)) or None


def parse_window(text: str) -> tuple[time, time] | None:
    """A time window such as "15:00-17:00", "15-17u" or "15.30 tot 17"; afternoon as usual."""
    match = _WINDOW.match(text.lower())
    if not match:
        return None
    start = _clock(int(match.group(1)), int(match.group(2) or 0))
    end = _clock(int(match.group(3)), int(match.group(4) or 0))
    if start is None or end is None or end <= start:
        return None
    return start, end


def _clock(hour: int, minute: int) -> time | None:
    if hour > 23 or minute > 59:
        return None
    return _afternoon(hour, minute)


def parse_day_range(
    text: str, now: datetime, tz: ZoneInfo, language: str = "nl"
) -> tuple[date, date] | None:
    """One day, or a first and a last day: "do 10 dec", "10 dec - 12 dec", "ma tot en met
    vr", "10.12 - 12.12"; month names also in English and in `language` ("10 aralık",
    "١٠ ديسمبر"). None if it cannot be read, lies in the past or ends before it starts."""
    today = now.astimezone(tz).date()
    text = _months_in_dutch(_western_digits(text.lower()), language)
    text = _DOTTED_DATE.sub(lambda m: "/".join(g for g in m.groups() if g), text)
    parts = [
        " ".join(p.split())
        for p in re.split(r"\s(?:t/m|tot en met|tot)\s|\s*[-–]\s*", text)
        if p.strip()
    ]
    if not 1 <= len(parts) <= 2:
        return None
    days = [_find_day(part, today)[0] for part in parts]
    if any(day is None or day < today for day in days):
        return None
    first, last = days[0], days[-1]
    assert first is not None and last is not None
    return (first, last) if first <= last else None
