"""The school's roster as CSV, read: columns, dates, languages, information-rights facts, and
every problem with file, line and column. Pure: bytes in, records and problems out; the import
(bot/services/roster_import.py) writes nothing unless a whole file is valid."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Generic, TypeVar

from bot.i18n.translator import SUPPORTED_LANGUAGES
from bot.rules.models import RELATIONS, Guardian, GuardianLink, Pupil, Role, StaffMember
from bot.rules.rights import IMPORTANT_FACTS, Restriction, RestrictionKind

T = TypeVar("T")


STAFF_COLUMNS = ("staff_id", "first_name", "last_name", "role", "groups")


PUPIL_COLUMNS = ("pupil_id", "first_name", "last_name", "birth_date", "group")


GUARDIAN_COLUMNS = (
    "guardian_id",
    "pupil_id",
    "first_name",
    "last_name",
    "relation",
    "authority",
    "language",
)


STAFF_ROLES = ("teacher", "coordinator", "admin")


AUTHORITY_WORDS = {"yes": True, "ja": True, "no": False, "nee": False}


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


LIFT = "none"


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
    file: str
    line: int
    column: int
    column_name: str | None
    problem: str

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


@dataclass(frozen=True)
class _Row:
    """One data row: its line number and cells by column name with their positions."""

    line: int
    cells: dict[str, str]
    positions: dict[str, int]


class _Sheet:
    def __init__(self, file: str, errors: list[RosterError]) -> None:
        self.file = file
        self.errors = errors

    def error(self, row: _Row, column: str, problem: str) -> None:
        self.errors.append(RosterError(self.file, row.line, row.positions[column], column, problem))


def read_rows(
    data: bytes, file: str, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[_Row], list[RosterError], tuple[str, ...]]:
    """Decode, detect the delimiter, check the header; rows as dicts with positions."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [RosterError(file, line, 1, None, "not UTF-8 text; save the file as UTF-8")], ()
    header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not header_line:
        return [], [_empty_file(file)], ()
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Each row with the line it ends on; read lazily, so that a bad header stops the reading.
    numbered = ((reader.line_num, cells) for cells in reader)
    found = _header(numbered)
    if found is None:
        return [], [_empty_file(file)], ()
    line, header = found
    errors = _header_errors(file, line, header, required)
    if errors:
        return [], errors, ()
    rows, errors = _data_rows(numbered, file, header, delimiter)
    known = set(required) | set(optional)
    ignored = tuple(name for name in header if name not in known)
    return rows, errors, ignored


def _empty_file(file: str) -> RosterError:
    return RosterError(file, 1, 1, None, "the file is empty; expected a header row")


def _header(numbered: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    """The first row that is not blank, with its line, as lower-case column names."""
    for line, cells in numbered:
        if any(c.strip() for c in cells):
            return line, [c.strip().lower() for c in cells]
    return None


def _header_errors(
    file: str, line: int, header: list[str], required: Sequence[str]
) -> list[RosterError]:
    """Columns that appear twice, then required columns that are missing."""
    errors: list[RosterError] = []
    seen: set[str] = set()
    for pos, name in enumerate(header, start=1):
        if name in seen:
            errors.append(RosterError(file, line, pos, name, "column appears twice"))
        seen.add(name)
    for name in required:
        if name not in header:
            errors.append(
                RosterError(
                    file,
                    line,
                    len(header) + 1,
                    name,
                    f"missing column; the header needs: {', '.join(required)}",
                )
            )
    return errors


def _data_rows(
    numbered: Iterator[tuple[int, list[str]]], file: str, header: list[str], delimiter: str
) -> tuple[list[_Row], list[RosterError]]:
    """The rows after the header, skipping blank ones; a row of the wrong width is an error."""
    rows: list[_Row] = []
    errors: list[RosterError] = []
    for line, cells in numbered:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                RosterError(
                    file,
                    line,
                    min(len(cells), len(header)) + 1,
                    None,
                    f"expected {len(header)} fields, found {len(cells)}"
                    f" (is the delimiter {delimiter!r} used inside a value?)",
                )
            )
            continue
        rows.append(
            _Row(
                line=line,
                cells={name: value.strip() for name, value in zip(header, cells, strict=True)},
                positions={name: pos for pos, name in enumerate(header, start=1)},
            )
        )
    return rows, errors


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY; None when it is neither or not a real date."""
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _required_text(sheet: _Sheet, row: _Row, column: str) -> str:
    value = row.cells[column]
    if not value:
        sheet.error(row, column, "must not be empty")
    return value


def _unique_id(sheet: _Sheet, row: _Row, column: str, seen: dict[str, int]) -> str:
    value = _required_text(sheet, row, column)
    if value and value in seen:
        sheet.error(row, column, f"duplicate id {value!r}; it is also on line {seen[value]}")
    elif value:
        seen[value] = row.line
    return value


def _language(sheet: _Sheet, row: _Row, column: str) -> str:
    value = row.cells.get(column, "").lower() or "nl"
    if value not in SUPPORTED_LANGUAGES:
        sheet.error(
            row,
            column,
            f"unsupported language {value!r}; use one of {', '.join(SUPPORTED_LANGUAGES)}",
        )
    return value


def parse_staff(data: bytes, file: str) -> Parsed[StaffMember]:
    rows, errors, ignored = read_rows(data, file, STAFF_COLUMNS)
    sheet = _Sheet(file, errors)
    out: Parsed[StaffMember] = Parsed(errors=errors, ignored_columns=ignored)
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)
        staff_id = _unique_id(sheet, row, "staff_id", seen)
        first = _required_text(sheet, row, "first_name")
        last = _required_text(sheet, row, "last_name")
        role = row.cells["role"].lower()
        if role not in STAFF_ROLES:
            sheet.error(row, "role", f"unknown role {role!r}; use {', '.join(STAFF_ROLES)}")
        groups = tuple(sorted({g.strip() for g in row.cells["groups"].split("|") if g.strip()}))
        if role == "teacher" and not groups:
            sheet.error(row, "groups", "a teacher needs at least one group (separate with |)")
        if len(errors) == before:
            out.records.append(StaffMember(staff_id, first, last, Role(role), groups))
    return out


def parse_pupils(data: bytes, file: str, today: date) -> Parsed[Pupil]:
    rows, errors, ignored = read_rows(
        data, file, PUPIL_COLUMNS, optional=("language", *PUPIL_FACT_COLUMNS, LEFT_ON_COLUMN)
    )
    sheet = _Sheet(file, errors)
    out: Parsed[Pupil] = Parsed(errors=errors, ignored_columns=ignored)
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)
        pupil_id = _unique_id(sheet, row, "pupil_id", seen)
        first = _required_text(sheet, row, "first_name")
        last = _required_text(sheet, row, "last_name")
        raw_birth = row.cells["birth_date"]
        birth = parse_date(raw_birth)
        if birth is None:
            sheet.error(row, "birth_date", f"bad date {raw_birth!r}; use YYYY-MM-DD or DD-MM-YYYY")
        elif birth >= today:
            sheet.error(row, "birth_date", f"birth date {raw_birth!r} is not in the past")
        group = _required_text(sheet, row, "group")
        language = _language(sheet, row, "language") if "language" in row.cells else "nl"
        capable = _yes_no(sheet, row, "capable")
        reason = row.cells.get("capability_reason", "")
        if capable is False and not reason:
            sheet.error(row, "capable", "a pupil judged not capable needs a capability_reason")
        left_on = _left_on(sheet, row, today, birth)
        if len(errors) == before and birth is not None:
            out.records.append(Pupil(pupil_id, first, last, birth, group, language))
            if capable is not None:
                out.facts[pupil_id] = SheetPupilFacts(capable, reason)
            if LEFT_ON_COLUMN in row.cells:
                out.left_on[pupil_id] = left_on
    return out


def _left_on(sheet: _Sheet, row: _Row, today: date, birth: date | None) -> date | None:
    raw = row.cells.get(LEFT_ON_COLUMN, "")
    if not raw:
        return None
    left_on = parse_date(raw)
    if left_on is None:
        sheet.error(row, LEFT_ON_COLUMN, f"bad date {raw!r}; use YYYY-MM-DD or DD-MM-YYYY")
    elif left_on > today:
        sheet.error(
            row, LEFT_ON_COLUMN, f"{raw!r} is in the future; leave it empty while at school"
        )
    elif birth is not None and left_on <= birth:
        sheet.error(row, LEFT_ON_COLUMN, f"{raw!r} is not after the birth date")
    return left_on


@dataclass
class GuardianRows:
    guardians: list[Guardian] = field(default_factory=list)
    links: list[GuardianLink] = field(default_factory=list)
    facts: dict[tuple[str, str], SheetLinkFacts] = field(default_factory=dict)


def _yes_no(sheet: _Sheet, row: _Row, column: str) -> bool | None:
    word = row.cells.get(column, "").lower()
    if not word:
        return None
    if word not in AUTHORITY_WORDS:
        sheet.error(row, column, f"must be yes, no or empty, not {word!r}")
        return None
    return AUTHORITY_WORDS[word]


def _link_facts(sheet: _Sheet, row: _Row) -> SheetLinkFacts:
    facts = _information_facts(sheet, row)
    allowed_by = row.cells.get("day_to_day_allowed_by", "").strip() or None
    if allowed_by is not None and row.cells.get("relation", "").lower() != "foster_parent":
        sheet.error(row, "day_to_day_allowed_by", "only for a foster_parent row")
        allowed_by = None
    if allowed_by is not None and allowed_by.lower() == LIFT:
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
            f"unknown restriction {kind_word!r}; use {', '.join(kinds)} or {LIFT}",
        )
        return SheetLinkFacts(recognised, requested)
    if not reason:
        sheet.error(row, "restriction", "a restriction needs a restriction_reason")
        return SheetLinkFacts(recognised, requested)
    kind = RestrictionKind(kind_word)
    allowed = IMPORTANT_FACTS if kind is RestrictionKind.COURT_ARRANGEMENT else frozenset()
    return SheetLinkFacts(recognised, requested, Restriction(kind, reason, allowed))


def parse_guardians(data: bytes, file: str, known_pupils: set[str]) -> Parsed[GuardianRows]:
    rows, errors, ignored = read_rows(data, file, GUARDIAN_COLUMNS, GUARDIAN_FACT_COLUMNS)
    sheet = _Sheet(file, errors)
    result = GuardianRows()
    first_seen: dict[str, tuple[Guardian, int]] = {}
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        before = len(errors)
        guardian_id = _required_text(sheet, row, "guardian_id")
        pupil_id = _required_text(sheet, row, "pupil_id")
        if pupil_id and pupil_id not in known_pupils:
            sheet.error(
                row, "pupil_id", f"unknown pupil {pupil_id!r}; import the pupils file first"
            )
        first = _required_text(sheet, row, "first_name")
        last = _required_text(sheet, row, "last_name")
        relation = row.cells["relation"].lower()
        if relation not in RELATIONS:
            sheet.error(
                row, "relation", f"unknown relation {relation!r}; use {', '.join(RELATIONS)}"
            )
        authority_word = row.cells["authority"].lower()
        if authority_word not in AUTHORITY_WORDS:
            sheet.error(row, "authority", f"authority must be yes or no, not {authority_word!r}")
        language = _language(sheet, row, "language")
        facts = _link_facts(sheet, row)
        pair = (guardian_id, pupil_id)
        if guardian_id and pupil_id and pair in pairs:
            sheet.error(
                row,
                "guardian_id",
                f"duplicate link of {guardian_id!r} to {pupil_id!r}; also on line {pairs[pair]}",
            )
        pairs.setdefault(pair, row.line)
        if len(errors) != before:
            continue
        guardian = Guardian(guardian_id, first, last, language)
        if guardian_id in first_seen:
            earlier, line = first_seen[guardian_id]
            if earlier != guardian:
                sheet.error(
                    row,
                    "guardian_id",
                    f"guardian {guardian_id!r} has another name or language on line {line}",
                )
                continue
        else:
            first_seen[guardian_id] = (guardian, row.line)
            result.guardians.append(guardian)
        result.links.append(
            GuardianLink(guardian_id, pupil_id, relation, AUTHORITY_WORDS[authority_word])
        )
        if facts != SheetLinkFacts():
            result.facts[pair] = facts
    return Parsed(records=[result], errors=errors, ignored_columns=ignored)
