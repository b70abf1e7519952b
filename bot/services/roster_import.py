"""Roster import: CSV files from the school's administration into the database.

Parsing is pure and collects every problem with file, line and column; the
import writes nothing unless the whole file is valid, in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Generic, TypeVar

from bot.i18n.translator import SUPPORTED_LANGUAGES
from bot.rules.models import RELATIONS, Guardian, GuardianLink, Pupil, Role, StaffMember
from bot.rules.rights import IMPORTANT_FACTS, Restriction, RestrictionKind
from bot.storage import Database, Tx

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
class LinkFacts:
    """Facts about one guardian link given in the file; None means 'leave as it is'."""

    recognised: bool | None = None
    information_request: bool | None = None
    restriction: Restriction | None = None
    lift_restriction: bool = False
    # For a foster parent: who (the guardian) allowed day-to-day information; LIFT ends it.
    day_to_day_allowed_by: str | None = None


@dataclass(frozen=True)
class PupilFacts:
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
    facts: dict[str, PupilFacts] = field(default_factory=dict)
    # Pupils files with a left_on column: the date per pupil, None for an empty cell.
    left_on: dict[str, date | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...] = ()
    left: int | None = None  # pupils only: newly marked as left (or their date changed)
    returned: int = 0  # pupils only: marked as left before, in the file again

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.left is not None:
            text += f", {self.left} marked as left"
        if self.returned:
            text += f", {self.returned} back at school"
        if self.ignored_columns:
            text += f" (ignored columns: {', '.join(self.ignored_columns)})"
        return text


class RosterImportError(Exception):
    def __init__(self, errors: Sequence[RosterError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


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
    errors: list[RosterError] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [RosterError(file, line, 1, None, "not UTF-8 text; save the file as UTF-8")], ()
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip()), "")
    if not header_line:
        return [], [RosterError(file, 1, 1, None, "the file is empty; expected a header row")], ()
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[_Row] = []
    for cells in reader:
        line = reader.line_num
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = [c.strip().lower() for c in cells]
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
            if errors:
                return [], errors, ()
            continue
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
    if header is None:
        errors.append(RosterError(file, 1, 1, None, "the file is empty; expected a header row"))
    known = set(required) | set(optional)
    ignored = tuple(name for name in header or () if name not in known)
    return rows, errors, ignored


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
                out.facts[pupil_id] = PupilFacts(capable, reason)
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
    facts: dict[tuple[str, str], LinkFacts] = field(default_factory=dict)


def _yes_no(sheet: _Sheet, row: _Row, column: str) -> bool | None:
    word = row.cells.get(column, "").lower()
    if not word:
        return None
    if word not in AUTHORITY_WORDS:
        sheet.error(row, column, f"must be yes, no or empty, not {word!r}")
        return None
    return AUTHORITY_WORDS[word]


def _link_facts(sheet: _Sheet, row: _Row) -> LinkFacts:
    facts = _information_facts(sheet, row)
    allowed_by = row.cells.get("day_to_day_allowed_by", "").strip() or None
    if allowed_by is not None and row.cells.get("relation", "").lower() != "foster_parent":
        sheet.error(row, "day_to_day_allowed_by", "only for a foster_parent row")
        allowed_by = None
    if allowed_by is not None and allowed_by.lower() == LIFT:
        allowed_by = LIFT
    return replace(facts, day_to_day_allowed_by=allowed_by)


def _information_facts(sheet: _Sheet, row: _Row) -> LinkFacts:
    recognised = _yes_no(sheet, row, "recognised")
    requested = _yes_no(sheet, row, "information_request")
    kind_word = row.cells.get("restriction", "").lower()
    reason = row.cells.get("restriction_reason", "")
    if not kind_word:
        return LinkFacts(recognised, requested)
    if kind_word == LIFT:
        return LinkFacts(recognised, requested, lift_restriction=True)
    kinds = [k.value for k in RestrictionKind]
    if kind_word not in kinds:
        sheet.error(
            row,
            "restriction",
            f"unknown restriction {kind_word!r}; use {', '.join(kinds)} or {LIFT}",
        )
        return LinkFacts(recognised, requested)
    if not reason:
        sheet.error(row, "restriction", "a restriction needs a restriction_reason")
        return LinkFacts(recognised, requested)
    kind = RestrictionKind(kind_word)
    allowed = IMPORTANT_FACTS if kind is RestrictionKind.COURT_ARRANGEMENT else frozenset()
    return LinkFacts(recognised, requested, Restriction(kind, reason, allowed))


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
        if facts != LinkFacts():
            result.facts[pair] = facts
    return Parsed(records=[result], errors=errors, ignored_columns=ignored)


async def _upsert_all(
    records: Sequence[T],
    existing: dict[str, T],
    key: Callable[[T], str],
    write: Callable[[T], object],
) -> tuple[int, int, int]:
    created = updated = unchanged = 0
    for record in records:
        old = existing.get(key(record))
        if old == record:
            unchanged += 1
            continue
        await write(record)  # type: ignore[misc]
        if old is None:
            created += 1
        else:
            updated += 1
    return created, updated, unchanged


async def import_staff(db: Database, data: bytes, file: str, now: datetime) -> ImportSummary:
    parsed = parse_staff(data, file)
    if parsed.errors:
        raise RosterImportError(parsed.errors)
    async with db.transaction() as tx:
        existing = {s.staff_id: s for s in await tx.all_staff()}
        counts = await _upsert_all(
            parsed.records, existing, lambda s: s.staff_id, lambda s: tx.upsert_staff(s, now)
        )
        await _audit_import(tx, now, "staff", file, counts)
    return ImportSummary(*counts, parsed.ignored_columns)


# A pupils file that would mark more than this share of the school as left is more likely a
# partial export (one group, a filtered list) than a real exodus: it is refused unless the
# administrator says the leavers are right. Small schools get a few pupils of slack.
MAX_LEAVERS_SHARE = 0.10
MAX_LEAVERS_ANYWAY = 5


def too_many_leavers(leaving: int, at_school: int) -> bool:
    return leaving > max(MAX_LEAVERS_ANYWAY, MAX_LEAVERS_SHARE * at_school)


async def import_pupils(
    db: Database,
    data: bytes,
    file: str,
    now: datetime,
    today: date,
    *,
    leavers_ok: bool = False,
) -> ImportSummary:
    parsed = parse_pupils(data, file, today)
    if parsed.errors:
        raise RosterImportError(parsed.errors)
    async with db.transaction() as tx:
        at_school = {p for p, left in (await tx.left_on_by_pupil()).items() if left is None}
        leaving = at_school - {p.pupil_id for p in parsed.records}
        if not leavers_ok and too_many_leavers(len(leaving), len(at_school)):
            raise RosterImportError(
                [
                    RosterError(
                        file,
                        1,
                        1,
                        None,
                        f"{len(leaving)} of the {len(at_school)} pupils at school are not in"
                        " this file and would be marked as left. Is it the whole school? If"
                        " these pupils really left, import again with --leavers-ok.",
                    )
                ]
            )
        existing = {p.pupil_id: p for p in await tx.all_pupils()}
        counts = await _upsert_all(
            parsed.records, existing, lambda p: p.pupil_id, lambda p: tx.upsert_pupil(p, now)
        )
        for pupil_id, facts in parsed.facts.items():
            await tx.set_capability(pupil_id, facts.capable, facts.reason or None)
            await tx.audit(
                now=now,
                actor=("admin", None),
                action="capability_recorded",
                pupil_id=pupil_id,
                subject=("pupil", pupil_id),
                details={"capable": facts.capable, "reason": facts.reason, "file": file},
            )
        left, returned = await _record_leavers(tx, now, today, file, parsed)
        await _audit_import(tx, now, "pupils", file, counts, left=left, returned=returned)
    return ImportSummary(*counts, parsed.ignored_columns, left=left, returned=returned)


async def _record_leavers(
    tx: Tx, now: datetime, today: date, file: str, parsed: Parsed[Pupil]
) -> tuple[int, int]:
    """The file is the whole school: a pupil missing from it left today (unless marked
    before), one in it is at school again, unless its left_on column says otherwise."""
    in_file = {p.pupil_id for p in parsed.records}
    left = returned = 0
    for pupil_id, was in sorted((await tx.left_on_by_pupil()).items()):
        if pupil_id in in_file:
            wanted = parsed.left_on.get(pupil_id)
            source = "left_on_column" if pupil_id in parsed.left_on else "in_file"
        else:
            wanted = was or today
            source = "missing_from_file"
        if wanted == was:
            continue
        await tx.set_left_on(pupil_id, wanted)
        if wanted is None:
            returned += 1
        else:
            left += 1
        await tx.audit(
            now=now,
            actor=("admin", None),
            action="pupil_returned" if wanted is None else "pupil_left",
            pupil_id=pupil_id,
            subject=("pupil", pupil_id),
            details={
                "left_on": wanted.isoformat() if wanted else None,
                "source": source,
                "file": file,
            },
        )
    return left, returned


async def import_guardians(db: Database, data: bytes, file: str, now: datetime) -> ImportSummary:
    """Counts are of guardian–pupil links, the unit of the file's rows."""
    async with db.transaction() as tx:
        parsed = parse_guardians(data, file, await tx.pupil_ids())
        if parsed.errors:
            raise RosterImportError(parsed.errors)
        rows = parsed.records[0]
        old_guardians = {g.guardian_id: g for g in await tx.all_guardians()}
        changed_guardians = {
            g.guardian_id for g in rows.guardians if old_guardians.get(g.guardian_id) != g
        }
        for guardian in rows.guardians:
            if guardian.guardian_id in changed_guardians:
                await tx.upsert_guardian(guardian, now)
        existing = {f"{x.guardian_id}/{x.pupil_id}": x for x in await tx.all_guardian_links()}
        created = updated = unchanged = 0
        for link in rows.links:
            old = existing.get(f"{link.guardian_id}/{link.pupil_id}")
            if old is None:
                created += 1
            elif old != link or link.guardian_id in changed_guardians:
                updated += 1
            else:
                unchanged += 1
            if old != link:
                await tx.upsert_guardian_link(link)
        counts = (created, updated, unchanged)
        for (guardian_id, pupil_id), facts in rows.facts.items():
            await _apply_link_facts(tx, now, file, guardian_id, pupil_id, facts)
        await _audit_import(tx, now, "guardians", file, counts)
    return ImportSummary(*counts, parsed.ignored_columns)


async def _apply_link_facts(
    tx: Tx, now: datetime, file: str, guardian_id: str, pupil_id: str, facts: LinkFacts
) -> None:
    """Apply what the file says about a link; each change (and only a change) is audited."""
    facts_now = await tx.rights_facts(pupil_id)
    current = (
        next((x for x in facts_now[1] if x.guardian_id == guardian_id), None) if facts_now else None
    )
    if current is None:
        return
    changes: dict[str, object] = {}
    if facts.recognised is not None and facts.recognised != current.recognised:
        await tx.set_recognised(guardian_id, pupil_id, facts.recognised)
        changes["recognised"] = facts.recognised
    if (
        facts.information_request is not None
        and facts.information_request != current.information_requested
    ):
        await tx.set_information_request(
            guardian_id, pupil_id, now if facts.information_request else None
        )
        changes["information_request"] = facts.information_request
    if facts.lift_restriction and current.restriction is not None:
        await tx.lift_restriction(guardian_id, pupil_id, now, None)
        changes["restriction"] = LIFT
    if facts.restriction is not None and facts.restriction != current.restriction:
        await tx.add_restriction(guardian_id, pupil_id, facts.restriction, now, None)
        changes["restriction"] = facts.restriction.kind.value
        changes["restriction_reason"] = facts.restriction.reason
    allowed_by = facts.day_to_day_allowed_by
    if allowed_by is not None and allowed_by != (current.day_to_day_allowed_by or LIFT):
        await tx.set_day_to_day_allowed(
            guardian_id, pupil_id, None if allowed_by == LIFT else allowed_by
        )
        changes["day_to_day_allowed_by"] = allowed_by
    if changes:
        await tx.audit(
            now=now,
            actor=("admin", None),
            action="link_facts_imported",
            pupil_id=pupil_id,
            subject=("guardian", guardian_id),
            details={**changes, "file": file},
        )


async def _audit_import(
    tx: Tx, now: datetime, what: str, file: str, counts: tuple[int, int, int], **more: int
) -> None:
    created, updated, unchanged = counts
    await tx.audit(
        now=now,
        actor=("admin", None),
        action=f"import_{what}",
        details={
            "file": file,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            **more,
        },
    )
