"""The school's roster as CSV, read: columns, dates, languages, information-rights facts, and
every problem with file, line and column. Pure: bytes in, records and problems out; the import
(bot/services/roster_import.py) writes nothing unless a whole file is valid.

Samen's own English columns are read, and what the school's administration exports (ParnasSys,
ESIS, Magister, Somtoday): Dutch headers in any case, with or without accents, spaces, `-` or
`_`; the `Tussenvoegsel` joined to the last name; Windows-1252 as Excel saves it; `;`, `,` or
tab between the cells; title rows above the header; Dutch words for roles, relations,
authority and languages. Every cell is cleaned of invisible characters and refused when longer
than its column allows (bot/rules/roster_values.py)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Generic, Literal, TypeVar

from bot.i18n.translator import N_, SUPPORTED_LANGUAGES
from bot.rules.models import RELATIONS, Guardian, GuardianLink, Pupil, Role, StaffMember
from bot.rules.rights import IMPORTANT_FACTS, Restriction, RestrictionKind
from bot.rules.roster_values import GROUP_LIMIT, TOO_LONG, clean_cell, limit_of

T = TypeVar("T")

RosterKind = Literal["staff", "pupils", "guardians", "edexml"]

STAFF_COLUMNS = ("staff_id", "first_name", "last_name", "role", "groups")


PUPIL_COLUMNS = ("pupil_id", "first_name", "last_name", "birth_date", "group")


# The language is optional: without the column, what is recorded stays (Dutch for someone new).
GUARDIAN_COLUMNS = (
    "guardian_id",
    "pupil_id",
    "first_name",
    "last_name",
    "relation",
    "authority",
)


STAFF_ROLES = ("teacher", "coordinator", "admin")


# Optional columns for information-rights facts; files without them stay valid, and an
# empty cell leaves what is recorded (perhaps by a coordinator in chat) as it is.
GUARDIAN_FACT_COLUMNS = (
    "recognised",
    "information_request",
    "restriction",
    "restriction_reason",
    "day_to_day_allowed_by",
)


PUPIL_FACT_COLUMNS = ("capable", "capability_reason")


# Optional: the day a pupil left school (retention counts from it); empty: still at school.
LEFT_ON_COLUMN = "left_on"

# Optional everywhere a last name is: `van den` for `Berg`.
PREFIX_COLUMN = "prefix"


LIFT = "none"


@lru_cache(maxsize=4096)
def plain_key(text: str) -> str:
    """A header or a word as it is compared: lower case, without accents, spaces, `-`, `_`,
    dots or apostrophes ("Geb.-datum" and "gebdatum", "IB'er" and "iber" are one)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-_.'’`]+", "", bare.casefold())


# Each column's names, the one Samen writes first, then those of the school's administration
# in order of preference: a file with both `Roepnaam` and `Voornaam` reads the first.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "staff_id": (
        "staff_id",
        "Medewerkernummer",
        "Personeelsnummer",
        "Medewerker-ID",
        "Medewerkercode",
        "Werknemersnummer",
        "Leerkrachtnummer",
        "Docentcode",
    ),
    "pupil_id": (
        "pupil_id",
        "Leerlingnummer",
        "Leerling-ID",
        "Leerlingnr",
        "Llnr",
        "Stamnummer",
        "Stamnr",
    ),
    "guardian_id": (
        "guardian_id",
        "Verzorgernummer",
        "Verzorger-ID",
        "Oudernummer",
        "Ouder-ID",
        "Relatienummer",
        "Contactpersoonnummer",
    ),
    "first_name": ("first_name", "Roepnaam", "Voornaam", "Voorletters"),
    PREFIX_COLUMN: ("prefix", "Tussenvoegsel", "Voorvoegsel", "Tussenvoegsels", "Voorvoegsels"),
    "last_name": ("last_name", "Achternaam"),
    "birth_date": ("birth_date", "Geboortedatum", "Geb.datum", "Geboren"),
    "group": ("group", "Groep", "Stamgroep", "Klas", "Stamklas", "Basisgroep"),
    "groups": ("groups", "Groepen", "Groep", "Klassen", "Klas", "Stamgroepen", "Stamgroep"),
    "role": ("role", "Functie", "Rol"),
    "relation": ("relation", "Relatie", "Relatietype", "Soort relatie", "Relatie tot leerling"),
    "authority": ("authority", "Gezag", "Ouderlijk gezag", "Wettelijk gezag", "Heeft gezag"),
    "language": ("language", "Taal", "Voorkeurstaal", "Communicatietaal", "Correspondentietaal"),
    LEFT_ON_COLUMN: (
        "left_on",
        "Uitschrijfdatum",
        "Uitstroomdatum",
        "Datum uitschrijving",
        "Vertrekdatum",
    ),
}


def _words(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {plain_key(word): meaning for meaning, words in table.items() for word in words}


ROLE_WORDS = _words(
    {
        "teacher": (
            "teacher",
            "leerkracht",
            "groepsleerkracht",
            "docent",
            "leraar",
            "lerares",
            "mentor",
        ),
        "coordinator": (
            "coordinator",
            "zorgcoördinator",
            "ondersteuningscoördinator",
            "intern begeleider",
            "IB",
            "IB'er",
        ),
        "admin": (
            "admin",
            "beheerder",
            "applicatiebeheerder",
            "administratie",
            "administrateur",
            "administratief medewerker",
        ),
    }
)

RELATION_WORDS = _words(
    {
        "mother": ("mother", "moeder"),
        "father": ("father", "vader"),
        "parent": ("parent", "ouder", "ouder/verzorger"),
        "guardian": ("guardian", "voogd"),
        "foster_parent": ("foster_parent", "pleegouder", "pleegmoeder", "pleegvader"),
        "family_guardian": ("family_guardian", "gezinsvoogd", "jeugdbeschermer"),
        "other": (
            "other",
            "overig",
            "overige",
            "anders",
            "verzorger",
            "stiefmoeder",
            "stiefvader",
            "stiefouder",
            "grootmoeder",
            "grootvader",
            "grootouder",
        ),
    }
)

YES_NO_WORDS: dict[str, bool] = {
    **dict.fromkeys(("yes", "ja", "j", "y", "true", "waar", "1"), True),
    **dict.fromkeys(("no", "nee", "n", "false", "onwaar", "0"), False),
}

LANGUAGE_WORDS = _words(
    {
        "nl": ("nl", "nederlands", "dutch"),
        "en": ("en", "engels", "english"),
        "tr": ("tr", "turks", "turkish"),
        "ar": ("ar", "arabisch", "arabic"),
        "pl": ("pl", "pools", "polish"),
        "uk": ("uk", "oekraïens", "ukrainian"),
        "ti": ("ti", "tigrinya", "tigrinja"),
        "so": ("so", "somalisch", "somali"),
        "fa": ("fa", "perzisch", "farsi", "persian"),
        "prs": ("prs", "dari", "fa-af", "fa_af", "afghaans perzisch"),
        "ro": ("ro", "roemeens", "romanian"),
        "bg": ("bg", "bulgaars", "bulgarian"),
        "es": ("es", "spaans", "spanish"),
        "pt": ("pt", "portugees", "portuguese", "pt-br", "pt-pt"),
    }
)


@dataclass(frozen=True)
class SheetLinkFacts:
    """Facts about one guardian link given in the file; None means 'leave as it is'."""

    recognised: bool | None = None
    information_request: bool | None = None
    restriction: Restriction | None = None
    lift_restriction: bool = False
    # For a foster parent: who (the guardian) allowed day-to-day information; LIFT ends it.
    day_to_day_allowed_by: str | None = None


@dataclass(frozen=True)
class SheetPupilFacts:
    capable: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class RosterError:
    """One problem at one place. `template` is English, marked for translation where it is
    written, with `{fields}` filled from `values`: the command line prints it in English, the
    chat in the administrator's language."""

    file: str
    line: int
    column: int
    column_name: str | None
    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def problem(self) -> str:
        return self.template.format(**self.values)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        named = f" column {self.column_name!r}:" if self.column_name else ""
        return f"{where}:{named} {self.problem}"


@dataclass
class Parsed(Generic[T]):
    records: list[T] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    facts: dict[str, SheetPupilFacts] = field(default_factory=dict)
    # Pupils files with a left_on column: the date per pupil, None for an empty cell.
    left_on: dict[str, date | None] = field(default_factory=dict)
    # False when the file has no language column: what is recorded stays.
    languages_given: bool = True


@dataclass(frozen=True)
class _Row:
    """One data row: its line number and cells by column (Samen's name) with positions."""

    line: int
    cells: dict[str, str]
    positions: dict[str, int]


@dataclass(frozen=True)
class _Header:
    line: int
    positions: dict[str, int]  # Samen's column name → its place in the row, from 1
    labels: dict[str, str]  # Samen's column name → the header as the file writes it
    ignored: tuple[str, ...]
    width: int  # the place of the last column Samen reads: a row must be this long
    cells: int  # the header's cells, Excel's empty ones to the right included


class _Sheet:
    def __init__(self, file: str, errors: list[RosterError], labels: dict[str, str]) -> None:
        self.file = file
        self.errors = errors
        self.labels = labels

    def error(self, row: _Row, column: str, template: str, **values: object) -> None:
        self.errors.append(
            RosterError(
                self.file,
                row.line,
                row.positions[column],
                self.labels.get(column, column),
                template,
                values,
            )
        )


# Title rows above the header are looked for this far down.
HEADER_SEARCH_ROWS = 30
DELIMITERS = (";", ",", "\t")


def decode(data: bytes, file: str) -> tuple[str, list[RosterError]]:
    """UTF-8 (with or without a BOM) when the bytes are that, else Windows-1252 (Excel's
    "CSV" on a Dutch Windows): accented Windows-1252 text is practically never valid UTF-8."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        # staff:
        problem = N_("not UTF-8 or Windows-1252 text; save the file as CSV (UTF-8)")
        return "", [RosterError(file, line, 1, None, problem)]


def read_rows(
    data: bytes, file: str, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[_Row], list[RosterError], _Header | None]:
    """Decode, find the delimiter and the header row (under any title rows), check it; the
    data rows as cells by Samen's column names, with their places."""
    text, errors = decode(data, file)
    if errors:
        return [], errors, None
    lines = [ln for ln in text.splitlines() if ln.strip()][:HEADER_SEARCH_ROWS]
    if not lines:
        return [], [_empty_file(file)], None
    sample = "\n".join(lines)
    by_use = sorted(DELIMITERS, key=lambda d: -sample.count(d))
    wanted = (*required, *optional, PREFIX_COLUMN)
    best: tuple[int, int, list[str]] | None = None
    for delimiter in by_use:
        numbered = _numbered(text, delimiter, file, errors)
        found = _find_header(numbered, required, wanted)
        if isinstance(found, _Header):
            rows, row_errors = _data_rows(numbered, file, found, delimiter)
            return rows, [*errors, *row_errors], found
        if errors:
            return [], errors, None
        if best is None or found[1] > best[1]:
            best = found
    assert best is not None
    line, _, header = best
    return [], _header_errors(file, line, header, required, wanted), None


def _numbered(
    text: str, delimiter: str, file: str, errors: list[RosterError]
) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it ends on (so title rows count); read lazily, so that a bad
    header stops the reading. A line the csv module cannot read ends it with an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for cells in reader:
            line = reader.line_num
            yield line, cells
    except csv.Error:
        # staff:
        errors.append(RosterError(file, line + 1, 1, None, N_("this line cannot be read as CSV")))


def _empty_file(file: str) -> RosterError:
    # staff:
    return RosterError(file, 1, 1, None, N_("the file is empty; expected a header row"))


def _find_header(
    numbered: Iterator[tuple[int, list[str]]], required: Sequence[str], wanted: Sequence[str]
) -> _Header | tuple[int, int, list[str]]:
    """The first row that has every required column; else the row that came closest (the
    first non-blank one when none has any), as (line, columns found, cells)."""
    best: tuple[int, int, list[str]] | None = None
    seen = 0
    for line, cells in numbered:
        if not any(clean_cell(c) for c in cells):
            continue
        positions, labels, ignored = _columns(cells, wanted)
        found = sum(1 for name in required if name in positions)
        if found == len(required) and not _doubles(cells, positions):
            width = max(positions.values())
            return _Header(line, positions, labels, ignored, width, len(cells))
        if best is None or found > best[1]:
            best = (line, found, cells)
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return best or (1, 0, [])


def _columns(
    cells: Sequence[str], wanted: Sequence[str]
) -> tuple[dict[str, int], dict[str, str], tuple[str, ...]]:
    """Which of Samen's columns the header cells are (by each column's names in order of
    preference); the other named cells are ignored."""
    cells = [clean_cell(c) for c in cells]
    keys = [plain_key(c) for c in cells]
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for name in wanted:
        for alias in COLUMN_NAMES.get(name, (name,)):
            key = plain_key(alias)
            if key in keys and keys.index(key) + 1 not in positions.values():
                index = keys.index(key)
                positions[name] = index + 1
                labels[name] = cells[index]
                break
    used = set(positions.values())
    ignored = tuple(
        _shortened(cell) for pos, cell in enumerate(cells, start=1) if cell and pos not in used
    )
    return positions, labels, ignored


def _shortened(header: str) -> str:
    """An ignored column's name as it is reported: a header is not checked, but its name must
    not fill the report."""
    return header if len(header) <= GROUP_LIMIT else header[: GROUP_LIMIT - 1] + "…"


def _doubles(cells: Sequence[str], positions: Mapping[str, int]) -> list[int]:
    """Places of header cells that repeat a column Samen reads."""
    keys = [plain_key(clean_cell(c)) for c in cells]
    used = {keys[p - 1] for p in positions.values()}
    first: set[str] = set()
    doubles = []
    for pos, key in enumerate(keys, start=1):
        if key in used and key in first:
            doubles.append(pos)
        first.add(key)
    return doubles


def _header_errors(
    file: str, line: int, header: list[str], required: Sequence[str], wanted: Sequence[str]
) -> list[RosterError]:
    """Columns that appear twice, then required columns that are missing."""
    if not header:
        return [_empty_file(file)]
    positions, _, _ = _columns(header, wanted)
    errors = [
        # staff:
        RosterError(file, line, pos, clean_cell(header[pos - 1]), N_("column appears twice"))
        for pos in _doubles(header, positions)
    ]
    for name in required:
        if name not in positions:
            names = COLUMN_NAMES.get(name, (name,))
            errors.append(
                RosterError(
                    file,
                    line,
                    len(header) + 1,
                    None,
                    # staff: {column} is a column name (and its Dutch name), {needed} the list
                    N_("missing column {column}; the header needs: {needed}"),
                    {
                        "column": f"{name} ({names[1]})" if len(names) > 1 else name,
                        "needed": ", ".join(required),
                    },
                )
            )
    return errors


def _data_rows(
    numbered: Iterator[tuple[int, list[str]]], file: str, header: _Header, delimiter: str
) -> tuple[list[_Row], list[RosterError]]:
    """The rows after the header, skipping blank ones, their cells cleaned. A row too short
    for the columns, or with more filled cells than the header names, is an error; Excel's
    empty cells to the right are not. A row with a value too long for its column is not read
    further (its other problems would repeat the value)."""
    rows: list[_Row] = []
    errors: list[RosterError] = []
    for line, cells in numbered:
        cleaned = [clean_cell(c) for c in cells]
        if not any(cleaned):
            continue
        too_short = len(cells) < header.width
        too_long = any(c.strip() for c in cells[header.cells :])
        if too_short or too_long:
            errors.append(
                RosterError(
                    file,
                    line,
                    min(len(cells), header.cells) + 1,
                    None,
                    # staff: {delimiter} is the character between the cells, like ;
                    N_(
                        "expected {expected} fields, found {found}"
                        " (is the delimiter '{delimiter}' used inside a value?)"
                    ),
                    {"expected": header.cells, "found": len(cells), "delimiter": delimiter},
                )
            )
            continue
        row = _Row(
            line=line,
            cells={name: cleaned[pos - 1] for name, pos in header.positions.items()},
            positions=header.positions,
        )
        overlong = _values_too_long(file, row, header)
        if overlong:
            errors.extend(overlong)
            continue
        rows.append(row)
    return rows, errors


def _values_too_long(file: str, row: _Row, header: _Header) -> list[RosterError]:
    return [
        RosterError(
            file,
            row.line,
            row.positions[name],
            header.labels.get(name, name),
            TOO_LONG,
            {"length": len(value), "limit": limit_of(name)},
        )
        for name, value in row.cells.items()
        if len(value) > limit_of(name)
    ]


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY (Dutch Excel writes D-M-YYYY); None when it is neither or not
    a real date."""
    text = text.strip()
    iso, dutch = _ISO_DATE.fullmatch(text), _DUTCH_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dutch:
            return date(int(dutch[3]), int(dutch[2]), int(dutch[1]))
    except ValueError:
        return None
    return None


def _required_text(sheet: _Sheet, row: _Row, column: str) -> str:
    value = row.cells[column]
    if not value:
        # staff:
        sheet.error(row, column, N_("must not be empty"))
    return value


def _last_name(sheet: _Sheet, row: _Row) -> str:
    """The last name with its prefix in front: `van den` and `Berg` are `van den Berg`
    (unless the last name already starts with it)."""
    last = _required_text(sheet, row, "last_name")
    prefix = " ".join(row.cells.get(PREFIX_COLUMN, "").split())
    if not prefix or not last or last.lower().startswith(prefix.lower() + " "):
        return last
    return f"{prefix} {last}"


def _unique_id(sheet: _Sheet, row: _Row, column: str, seen: dict[str, int]) -> str:
    value = _required_text(sheet, row, column)
    if value and value in seen:
        # staff:
        template = N_("duplicate id '{value}'; it is also on line {line}")
        sheet.error(row, column, template, value=value, line=seen[value])
    elif value:
        seen[value] = row.line
    return value


def _language(sheet: _Sheet, row: _Row, column: str) -> str:
    value = row.cells.get(column, "")
    if not value:
        return "nl"
    code = LANGUAGE_WORDS.get(plain_key(value), value.lower())
    if code not in SUPPORTED_LANGUAGES:
        sheet.error(
            row,
            column,
            # staff: {choices} are language codes
            N_("unsupported language '{value}'; use one of {choices}"),
            value=value,
            choices=", ".join(SUPPORTED_LANGUAGES),
        )
    return code


def _groups(cell: str) -> tuple[str, ...]:
    """Groups separated by `|` (Samen's own), `,` or `;` (in a quoted cell): never `/`,
    which is part of names like `1/2`."""
    return tuple(sorted({g.strip() for g in re.split(r"[|,;]", cell) if g.strip()}))


def parse_staff(data: bytes, file: str) -> Parsed[StaffMember]:
    rows, errors, header = read_rows(data, file, STAFF_COLUMNS)
    sheet = _Sheet(file, errors, header.labels if header else {})
    out: Parsed[StaffMember] = Parsed(errors=errors, ignored_columns=_ignored(header))
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)
        staff_id = _unique_id(sheet, row, "staff_id", seen)
        first = _required_text(sheet, row, "first_name")
        last = _last_name(sheet, row)
        written = row.cells["role"]
        role = ROLE_WORDS.get(plain_key(written))
        if role is None:
            # staff: {choices} are the role words Samen knows
            template = N_("unknown role '{value}'; use {choices}")
            sheet.error(row, "role", template, value=written, choices=", ".join(STAFF_ROLES))
        groups = _groups(row.cells["groups"])
        for group in groups:
            if len(group) > GROUP_LIMIT:
                sheet.error(row, "groups", TOO_LONG, length=len(group), limit=GROUP_LIMIT)
        if role == "teacher" and not groups:
            # staff:
            sheet.error(row, "groups", N_("a teacher needs at least one group (separate with |)"))
        if len(errors) == before and role is not None:
            out.records.append(StaffMember(staff_id, first, last, Role(role), groups))
    return out


def _ignored(header: _Header | None) -> tuple[str, ...]:
    return header.ignored if header else ()


def parse_pupils(data: bytes, file: str, today: date) -> Parsed[Pupil]:
    rows, errors, header = read_rows(
        data, file, PUPIL_COLUMNS, optional=("language", *PUPIL_FACT_COLUMNS, LEFT_ON_COLUMN)
    )
    sheet = _Sheet(file, errors, header.labels if header else {})
    out: Parsed[Pupil] = Parsed(errors=errors, ignored_columns=_ignored(header))
    out.languages_given = header is not None and "language" in header.positions
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)
        pupil_id = _unique_id(sheet, row, "pupil_id", seen)
        first = _required_text(sheet, row, "first_name")
        last = _last_name(sheet, row)
        raw_birth = row.cells["birth_date"]
        birth = parse_date(raw_birth)
        if birth is None:
            sheet.error(row, "birth_date", BAD_DATE, value=raw_birth)
        elif birth >= today:
            sheet.error(row, "birth_date", NOT_IN_THE_PAST, value=raw_birth)
        group = _required_text(sheet, row, "group")
        language = _language(sheet, row, "language")
        capable = _yes_no(sheet, row, "capable")
        reason = row.cells.get("capability_reason", "")
        if capable is False and not reason:
            # staff:
            template = N_("a pupil judged not capable needs a capability_reason")
            sheet.error(row, "capable", template)
        left_on = _left_on(sheet, row, today, birth)
        if len(errors) == before and birth is not None:
            out.records.append(Pupil(pupil_id, first, last, birth, group, language))
            if capable is not None:
                out.facts[pupil_id] = SheetPupilFacts(capable, reason)
            if LEFT_ON_COLUMN in row.cells:
                out.left_on[pupil_id] = left_on
    return out


# staff:
BAD_DATE = N_("bad date '{value}'; use YYYY-MM-DD or DD-MM-YYYY")
# staff:
NOT_IN_THE_PAST = N_("birth date '{value}' is not in the past")
# staff:
IN_THE_FUTURE = N_("'{value}' is in the future; leave it empty while at school")
# staff:
NOT_AFTER_BIRTH = N_("'{value}' is not after the birth date")


def _left_on(sheet: _Sheet, row: _Row, today: date, birth: date | None) -> date | None:
    raw = row.cells.get(LEFT_ON_COLUMN, "")
    if not raw:
        return None
    left_on = parse_date(raw)
    if left_on is None:
        sheet.error(row, LEFT_ON_COLUMN, BAD_DATE, value=raw)
    elif left_on > today:
        sheet.error(row, LEFT_ON_COLUMN, IN_THE_FUTURE, value=raw)
    elif birth is not None and left_on <= birth:
        sheet.error(row, LEFT_ON_COLUMN, NOT_AFTER_BIRTH, value=raw)
    return left_on


@dataclass
class GuardianRows:
    guardians: list[Guardian] = field(default_factory=list)
    links: list[GuardianLink] = field(default_factory=list)
    facts: dict[tuple[str, str], SheetLinkFacts] = field(default_factory=dict)


def _yes_no(sheet: _Sheet, row: _Row, column: str) -> bool | None:
    word = row.cells.get(column, "")
    if not word:
        return None
    if plain_key(word) not in YES_NO_WORDS:
        # staff:
        sheet.error(row, column, N_("must be yes, no or empty, not '{value}'"), value=word)
        return None
    return YES_NO_WORDS[plain_key(word)]


def _link_facts(sheet: _Sheet, row: _Row, relation: str | None) -> SheetLinkFacts:
    facts = _information_facts(sheet, row)
    allowed_by = row.cells.get("day_to_day_allowed_by", "").strip() or None
    if allowed_by is not None and relation != "foster_parent":
        # staff:
        sheet.error(row, "day_to_day_allowed_by", N_("only for a foster_parent row"))
        allowed_by = None
    if allowed_by is None:  # nearly every row: no copy (dataclasses.replace is slow)
        return facts
    if allowed_by.lower() == LIFT:
        allowed_by = LIFT
    return replace(facts, day_to_day_allowed_by=allowed_by)


def _information_facts(sheet: _Sheet, row: _Row) -> SheetLinkFacts:
    recognised = _yes_no(sheet, row, "recognised")
    requested = _yes_no(sheet, row, "information_request")
    kind_word = row.cells.get("restriction", "").lower()
    reason = row.cells.get("restriction_reason", "")
    if not kind_word:
        return SheetLinkFacts(recognised, requested)
    if kind_word == LIFT:
        return SheetLinkFacts(recognised, requested, lift_restriction=True)
    kinds = [k.value for k in RestrictionKind]
    if kind_word not in kinds:
        sheet.error(
            row,
            "restriction",
            # staff: {choices} are restriction words; {lift} is the word that lifts one
            N_("unknown restriction '{value}'; use {choices} or {lift}"),
            value=kind_word,
            choices=", ".join(kinds),
            lift=LIFT,
        )
        return SheetLinkFacts(recognised, requested)
    if not reason:
        # staff:
        sheet.error(row, "restriction", N_("a restriction needs a restriction_reason"))
        return SheetLinkFacts(recognised, requested)
    kind = RestrictionKind(kind_word)
    allowed = IMPORTANT_FACTS if kind is RestrictionKind.COURT_ARRANGEMENT else frozenset()
    return SheetLinkFacts(recognised, requested, Restriction(kind, reason, allowed))


def parse_guardians(data: bytes, file: str, known_pupils: set[str]) -> Parsed[GuardianRows]:
    rows, errors, header = read_rows(
        data, file, GUARDIAN_COLUMNS, ("language", *GUARDIAN_FACT_COLUMNS)
    )
    sheet = _Sheet(file, errors, header.labels if header else {})
    result = GuardianRows()
    first_seen: dict[str, tuple[Guardian, int]] = {}
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        before = len(errors)
        guardian_id = _required_text(sheet, row, "guardian_id")
        pupil_id = _required_text(sheet, row, "pupil_id")
        if pupil_id and pupil_id not in known_pupils:
            # staff:
            template = N_("unknown pupil '{value}'; import the pupils file first")
            sheet.error(row, "pupil_id", template, value=pupil_id)
        first = _required_text(sheet, row, "first_name")
        last = _last_name(sheet, row)
        written = row.cells["relation"]
        relation = RELATION_WORDS.get(plain_key(written))
        if relation is None:
            # staff: {choices} are the relation words Samen knows
            template = N_("unknown relation '{value}'; use {choices}")
            sheet.error(row, "relation", template, value=written, choices=", ".join(RELATIONS))
        authority_word = row.cells["authority"]
        authority = YES_NO_WORDS.get(plain_key(authority_word))
        if authority is None:
            # staff:
            template = N_("authority must be yes or no, not '{value}'")
            sheet.error(row, "authority", template, value=authority_word)
        language = _language(sheet, row, "language")
        facts = _link_facts(sheet, row, relation)
        pair = (guardian_id, pupil_id)
        if guardian_id and pupil_id and pair in pairs:
            sheet.error(
                row,
                "guardian_id",
                # staff:
                N_("duplicate link of '{guardian}' to '{pupil}'; also on line {line}"),
                guardian=guardian_id,
                pupil=pupil_id,
                line=pairs[pair],
            )
        pairs.setdefault(pair, row.line)
        if len(errors) != before or relation is None or authority is None:
            continue
        guardian = Guardian(guardian_id, first, last, language)
        if guardian_id in first_seen:
            earlier, line = first_seen[guardian_id]
            if earlier != guardian:
                sheet.error(
                    row,
                    "guardian_id",
                    # staff:
                    N_("guardian '{value}' has another name or language on line {line}"),
                    value=guardian_id,
                    line=line,
                )
                continue
        else:
            first_seen[guardian_id] = (guardian, row.line)
            result.guardians.append(guardian)
        result.links.append(GuardianLink(guardian_id, pupil_id, relation, authority))
        if facts != SheetLinkFacts():
            result.facts[pair] = facts
    return Parsed(
        records=[result],
        errors=errors,
        ignored_columns=_ignored(header),
        languages_given=header is not None and "language" in header.positions,
    )


# Which roster a file is, by the columns its header has: the most particular first (a
# guardians file also has a pupil number and names).
_KINDS: tuple[tuple[RosterKind, tuple[str, ...]], ...] = (
    ("guardians", GUARDIAN_COLUMNS),
    ("staff", STAFF_COLUMNS),
    ("pupils", PUPIL_COLUMNS),
)


def detect_roster(data: bytes) -> RosterKind | None:
    """Staff, pupils or guardians (CSV) by the header, or an EDEXML file; None for a file
    that is none of these."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "edexml"
    for kind, required in _KINDS:
        if read_rows(data, "", required)[2] is not None:
            return kind
    return None
