"""What a value from the school's roster may be before Samen keeps it: visible text of a
sensible length. Pure: the CSV and EDEXML readers clean every cell with `clean_cell` and
refuse a value longer than its column's limit, with file, line and column.

Cleaning takes out what nobody can see but a reader acts on: control characters, bidi
overrides and isolates (U+202A–U+202E, U+2066–U+2069), zero-width characters, byte order
marks and the other invisible format characters (Unicode category Cf). They would reorder or
hide text in messages, spreadsheets and letters, or make two equal-looking names differ.
Letters with accents, Arabic, Ge'ez and Cyrillic letters, apostrophes and hyphens stay; so
does the zero-width non-joiner between two Arabic-script letters, which Persian spelling
needs. Text is put in Unicode NFC, so that an `é` typed on a Mac (e + accent) equals the one
typed on Windows."""

from __future__ import annotations

import unicodedata

from bot.i18n.translator import N_

# The limits, in characters after cleaning. The Dutch personal records (BRP) allow far longer
# names than people have: the longest real Dutch names, with a double surname, are about 50
# characters. 100 leaves room for long Arabic and Tigrinya names, while a message that names
# a parent and a child stays well within Telegram's 4,096 characters. Ids are numbers in
# ParnasSys, ESIS and Magister and GUIDs (36) in EDEXML. Group names are short ("Groep 8a",
# "VSO-2B", "1/2"). Words (roles, relations, yes/no, languages, dates) fit in 40; the reason
# for a restriction or a capability judgement is a sentence or two.
ID_LIMIT = 64
NAME_LIMIT = 100
PREFIX_LIMIT = 20  # the BRP's voorvoegsel has 10; "van den", "in 't", "uit de"
GROUP_LIMIT = 40
WORD_LIMIT = 40
REASON_LIMIT = 500
GROUPS_LIMIT = 1000  # a teacher's groups in one cell: 25 groups of 40

COLUMN_LIMITS: dict[str, int] = {
    "staff_id": ID_LIMIT,
    "pupil_id": ID_LIMIT,
    "guardian_id": ID_LIMIT,
    "day_to_day_allowed_by": ID_LIMIT,
    "first_name": NAME_LIMIT,
    "last_name": NAME_LIMIT,
    "prefix": PREFIX_LIMIT,
    "group": GROUP_LIMIT,
    "groups": GROUPS_LIMIT,
    "restriction_reason": REASON_LIMIT,
    "capability_reason": REASON_LIMIT,
}

# staff: {length} and {limit} are numbers of characters
TOO_LONG = N_("too long: {length} characters, at most {limit}")


def limit_of(column: str) -> int:
    """The most characters a column's value may have (a word for columns not named above)."""
    return COLUMN_LIMITS.get(column, WORD_LIMIT)


_ZWNJ = "\u200c"


def clean_cell(text: str) -> str:
    """The value as Samen keeps it: NFC, without control or invisible format characters,
    every run of white space one space, trimmed."""
    if text.isprintable():
        # Nothing to take out: no control, format or separator characters but the space (the
        # cells of a whole roster, nearly all of them, take this way; ASCII is already NFC).
        if text.isascii():
            return " ".join(text.split())
        return " ".join(unicodedata.normalize("NFC", text).split())
    kept: list[str] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category not in ("Cc", "Cf") or (char == _ZWNJ and _between_arabic(text, index)):
            kept.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _between_arabic(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and _arabic(text[index - 1]) and _arabic(text[index + 1])


def _arabic(char: str) -> bool:
    """A letter of the Arabic script (Arabic, Persian, Urdu), in any of its Unicode blocks."""
    return char.isalpha() and unicodedata.name(char, "").startswith("ARABIC")
