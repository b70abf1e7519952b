"""Reading a moment typed in Dutch by a busy teacher: "di 3 dec 15:30", "3-12 15:30",
"morgen half vier", "vrijdag 13u", "3 december om kwart over drie".

Pure: the result depends only on the text, `now` and the time zone. A bare hour from 1 to 6
is read as afternoon (school hours); a date without a year is the next such date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?\b")
_WORD_DATE = re.compile(r"\b(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?\b")
_CLOCK = re.compile(r"\b(\d{1,2})(?:[:.](\d{2})|\s*(?:u|uur)\b)")
_SPOKEN = re.compile(
    r"\b(half|kwart over|kwart voor)\s+(" + "|".join(NUMBER_WORDS) + r"|\d{1,2})\b"
)
_WORDS = re.compile(r"[a-zé]+")


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment meant by `text`, in the future, or None when it cannot be read."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    today = now.astimezone(tz).date()
    day, rest = _find_day(cleaned, today)
    if day is None:
        return None
    moment = _find_time(rest)
    if moment is None:
        return None
    result = datetime.combine(day, moment, tz)
    return result if result > now else None


def _find_day(text: str, today: date) -> tuple[date | None, str]:
    words = _WORDS.findall(text)
    for word, offset in RELATIVE_DAYS.items():
        if word in words:
            return today + timedelta(days=offset), text.replace(word, " ")
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        day = _date(today, int(numeric.group(1)), int(numeric.group(2)), numeric.group(3))
        return day, text[: numeric.start()] + " " + text[numeric.end() :]
    for match in _WORD_DATE.finditer(text):
        month = MONTHS.get(match.group(2))
        if month is not None:
            day = _date(today, int(match.group(1)), month, match.group(3))
            return day, text[: match.start()] + " " + text[match.end() :]
    for word in words:
        if word in WEEKDAYS:
            ahead = (WEEKDAYS[word] - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead), text.replace(word, " ", 1)
    return None, text


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


def _find_time(text: str) -> time | None:
    spoken = _SPOKEN.search(text)
    if spoken:
        word = spoken.group(2)
        hour = NUMBER_WORDS.get(word) or int(word)
        kind = spoken.group(1)
        if kind == "half":
            hour, minute = hour - 1, 30
        elif kind == "kwart over":
            minute = 15
        else:
            hour, minute = hour - 1, 45
        return _afternoon(hour % 24, minute)
    clock = _CLOCK.search(text)
    if clock:
        hour = int(clock.group(1))
        minute = int(clock.group(2) or 0)
        if hour > 23 or minute > 59:
            return None
        return _afternoon(hour, minute)
    return None


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
