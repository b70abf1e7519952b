"""Roster import: the files of the school's administration into the database — staff, pupils
and guardians as CSV, or groups, pupils and teachers from one EDEXML file.

Parsing is pure and collects every problem with file, line and column; it runs on a worker
thread before any transaction (`read_roster`: reading 10,000 rows takes a while, and the
database is not held meanwhile). The import writes nothing unless the whole file is valid,
in one transaction. A preview runs the very same import and rolls it back, so what it shows
is what the import will do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.i18n.translator import N_
from bot.rules.edexml import EdexRoster, parse_edexml
from bot.rules.models import Guardian, GuardianLink, Pupil, Role, StaffMember
from bot.rules.roster_sheet import (
    LIFT,
    GuardianRows,
    Parsed,
    RosterError,
    RosterKind,
    SheetLinkFacts,
    SheetPupilFacts,
    T,
    parse_guardians,
    parse_pupils,
    parse_staff,
)
from bot.services.work import Work
from bot.storage import Database, Tx


@dataclass(frozen=True)
class Importer:
    """Who imports, for the audit trail, and what the trail says of the file: the path on the
    command line; for a file sent in the chat only that it was (its name is the sender's
    and might name someone)."""

    actor: tuple[str, str | None] = ("admin", None)
    audit_file: str | None = None  # None: the file's own name

    def file(self, name: str) -> str:
        return self.audit_file if self.audit_file is not None else name


COMMAND_LINE = Importer()


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...] = ()
    left: int | None = None  # pupils only: newly marked as left (or their date changed)
    returned: int = 0  # pupils only: marked as left before, in the file again
    skipped: int = 0  # in the file but not imported, for `skipped_why`
    skipped_why: str = ""
    # Pupils: (leaving, at school) when more would be marked as left than a whole-school file
    # usually does; imported only because the administrator confirmed it.
    many_leaving: tuple[int, int] | None = None

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.left is not None:
            text += f", {self.left} marked as left"
        if self.returned:
            text += f", {self.returned} back at school"
        if self.skipped:
            text += f", {self.skipped} skipped ({self.skipped_why})"
        if self.ignored_columns:
            text += f" (ignored columns: {', '.join(self.ignored_columns)})"
        return text


@dataclass(frozen=True)
class RosterImported:
    """What one file did (or, previewed, would do): a summary per part of the roster
    ("staff", "pupils", "guardians"), and for an EDEXML file its number of groups."""

    kind: RosterKind
    parts: tuple[tuple[str, ImportSummary], ...]
    groups: tuple[str, ...] = ()


class RosterImportError(Exception):
    def __init__(self, errors: Sequence[RosterError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class ReadRoster:
    """A roster file read and found valid, ready to import: the parser's result for its
    kind (the others None)."""

    kind: RosterKind
    file: str
    staff: Parsed[StaffMember] | None = None
    pupils: Parsed[Pupil] | None = None
    guardians: Parsed[GuardianRows] | None = None
    edexml: EdexRoster | None = None


async def read_roster(
    db: Database, kind: RosterKind, data: bytes, file: str, today: date
) -> ReadRoster:
    """Read a roster file on a worker thread, outside any transaction; RosterImportError with
    every problem when it is not valid. A guardians file is checked against the pupils the
    database knows now (a pupil gone by the import itself stops it there)."""
    known: set[str] = set()
    if kind == "guardians":
        async with db.reading() as tx:
            known = await tx.pupil_ids()
    return await asyncio.to_thread(_read, kind, data, file, today, known)


def _read(kind: RosterKind, data: bytes, file: str, today: date, known: set[str]) -> ReadRoster:
    errors: list[RosterError]
    if kind == "staff":
        staff = parse_staff(data, file)
        errors, read = staff.errors, ReadRoster(kind, file, staff=staff)
    elif kind == "pupils":
        pupils = parse_pupils(data, file, today)
        errors, read = pupils.errors, ReadRoster(kind, file, pupils=pupils)
    elif kind == "guardians":
        guardians = parse_guardians(data, file, known)
        errors, read = guardians.errors, ReadRoster(kind, file, guardians=guardians)
    else:
        edexml = parse_edexml(data, file, today)
        errors, read = edexml.errors, ReadRoster(kind, file, edexml=edexml)
    if errors:
        raise RosterImportError(errors)
    return read


def _sort_out(
    records: Sequence[T], existing: dict[str, T], key: Callable[[T], str]
) -> tuple[list[T], tuple[int, int, int]]:
    """The records to write (new or changed), and how many are created, updated, unchanged."""
    changed: list[T] = []
    created = updated = unchanged = 0
    for record in records:
        old = existing.get(key(record))
        if old == record:
            unchanged += 1
            continue
        changed.append(record)
        if old is None:
            created += 1
        else:
            updated += 1
    return changed, (created, updated, unchanged)


# --- staff ---------------------------------------------------------------------------------


async def import_staff(
    db: Database, data: bytes, file: str, now: datetime, *, by: Importer = COMMAND_LINE
) -> ImportSummary:
    read = await read_roster(db, "staff", data, file, now.date())
    async with db.transaction() as tx:
        return await _staff_into(tx, read, now, by)


async def _staff_into(tx: Tx, read: ReadRoster, now: datetime, by: Importer) -> ImportSummary:
    parsed, file = read.staff, read.file
    assert parsed is not None
    counts = await _write_staff(tx, parsed.records, now)
    await _audit_import(tx, now, by, "staff", file, counts)
    return ImportSummary(*counts, parsed.ignored_columns)


async def _write_staff(
    tx: Tx, records: Sequence[StaffMember], now: datetime
) -> tuple[int, int, int]:
    existing = {s.staff_id: s for s in await tx.all_staff()}
    changed, counts = _sort_out(records, existing, lambda s: s.staff_id)
    for member in changed:
        await tx.upsert_staff(member, now)
    return counts


# --- pupils --------------------------------------------------------------------------------


# A pupils file that would mark more than this share of the school as left is more likely a
# partial export (one group, a filtered list) than a real exodus: it is refused unless the
# administrator says the leavers are right. Small schools get a few pupils of slack.
MAX_LEAVERS_SHARE = 0.10
MAX_LEAVERS_ANYWAY = 5


def too_many_leavers(leaving: int, at_school: int) -> bool:
    return leaving > max(MAX_LEAVERS_ANYWAY, MAX_LEAVERS_SHARE * at_school)


@dataclass
class _PupilBatch:
    """The pupils of one file, the whole school: records, the day each left (for the pupils
    of a file that says), capability facts, and whether the file gave languages."""

    records: list[Pupil]
    left_on: dict[str, date | None] = field(default_factory=dict)
    facts: dict[str, SheetPupilFacts] = field(default_factory=dict)
    languages_given: bool = True
    ignored_columns: tuple[str, ...] = ()
    skipped: int = 0
    skipped_why: str = ""


async def import_pupils(
    db: Database,
    data: bytes,
    file: str,
    now: datetime,
    today: date,
    *,
    leavers_ok: bool = False,
    by: Importer = COMMAND_LINE,
) -> ImportSummary:
    read = await read_roster(db, "pupils", data, file, today)
    async with db.transaction() as tx:
        return await _pupils_into(tx, read, now, today, by, leavers_ok)


async def _pupils_into(
    tx: Tx, read: ReadRoster, now: datetime, today: date, by: Importer, leavers_ok: bool
) -> ImportSummary:
    parsed, file = read.pupils, read.file
    assert parsed is not None
    batch = _PupilBatch(
        parsed.records,
        parsed.left_on,
        parsed.facts,
        parsed.languages_given,
        parsed.ignored_columns,
    )
    summary = await _write_pupils(tx, batch, file, now, today, by, leavers_ok)
    await _audit_import(
        tx,
        now,
        by,
        "pupils",
        file,
        (summary.created, summary.updated, summary.unchanged),
        left=summary.left or 0,
        returned=summary.returned,
    )
    return summary


async def _write_pupils(
    tx: Tx,
    batch: _PupilBatch,
    file: str,
    now: datetime,
    today: date,
    by: Importer,
    leavers_ok: bool,
) -> ImportSummary:
    at_school = {p for p, left in (await tx.left_on_by_pupil()).items() if left is None}
    leaving = at_school - {p.pupil_id for p in batch.records}
    many = too_many_leavers(len(leaving), len(at_school))
    if many and not leavers_ok:
        raise RosterImportError(
            [
                RosterError(
                    file,
                    1,
                    1,
                    None,
                    # staff: keep --leavers-ok as it is (an option of the samen command)
                    N_(
                        "{leaving} of the {at_school} pupils at school are not in this file and"
                        " would be marked as left. Is it the whole school? If these pupils"
                        " really left, import again with --leavers-ok."
                    ),
                    {"leaving": len(leaving), "at_school": len(at_school)},
                )
            ]
        )
    existing = {p.pupil_id: p for p in await tx.all_pupils()}
    records = batch.records
    if not batch.languages_given:
        # No language in the file: the one recorded stays (set by an earlier file).
        records = [
            replace(p, language=existing[p.pupil_id].language) if p.pupil_id in existing else p
            for p in records
        ]
    changed, counts = _sort_out(records, existing, lambda p: p.pupil_id)
    await tx.upsert_pupils(changed, now)
    for pupil_id, facts in batch.facts.items():
        await tx.set_capability(pupil_id, facts.capable, facts.reason or None)
        await tx.audit(
            now=now,
            actor=by.actor,
            action="capability_recorded",
            pupil_id=pupil_id,
            subject=("pupil", pupil_id),
            details={"capable": facts.capable, "reason": facts.reason, "file": by.file(file)},
        )
    left, returned = await _record_leavers(tx, now, today, by.file(file), batch, by)
    return ImportSummary(
        *counts,
        batch.ignored_columns,
        left=left,
        returned=returned,
        skipped=batch.skipped,
        skipped_why=batch.skipped_why,
        many_leaving=(len(leaving), len(at_school)) if many else None,
    )


async def _record_leavers(
    tx: Tx, now: datetime, today: date, file: str, batch: _PupilBatch, by: Importer
) -> tuple[int, int]:
    """The file is the whole school: a pupil missing from it left today (unless marked
    before), one in it is at school again, unless the file says when it left."""
    in_file = {p.pupil_id for p in batch.records}
    left = returned = 0
    for pupil_id, was in sorted((await tx.left_on_by_pupil()).items()):
        if pupil_id in in_file:
            wanted = batch.left_on.get(pupil_id)
            source = "left_on_column" if pupil_id in batch.left_on else "in_file"
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
            actor=by.actor,
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


# --- guardians -----------------------------------------------------------------------------


async def import_guardians(
    db: Database, data: bytes, file: str, now: datetime, *, by: Importer = COMMAND_LINE
) -> ImportSummary:
    """Counts are of guardian–pupil links, the unit of the file's rows."""
    read = await read_roster(db, "guardians", data, file, now.date())
    async with db.transaction() as tx:
        return await _guardians_into(tx, read, now, by)


async def _guardians_into(tx: Tx, read: ReadRoster, now: datetime, by: Importer) -> ImportSummary:
    parsed, file = read.guardians, read.file
    assert parsed is not None
    rows = parsed.records[0]
    old_guardians = {g.guardian_id: g for g in await tx.all_guardians()}
    guardians = rows.guardians
    if not parsed.languages_given:
        guardians = [_keep_language(g, old_guardians.get(g.guardian_id)) for g in guardians]
    changed_guardians = {g.guardian_id for g in guardians if old_guardians.get(g.guardian_id) != g}
    await tx.upsert_guardians([g for g in guardians if g.guardian_id in changed_guardians], now)
    existing = {f"{x.guardian_id}/{x.pupil_id}": x for x in await tx.all_guardian_links()}
    created = updated = unchanged = 0
    changed_links: list[GuardianLink] = []
    for link in rows.links:
        old = existing.get(f"{link.guardian_id}/{link.pupil_id}")
        if old is None:
            created += 1
        elif old != link or link.guardian_id in changed_guardians:
            updated += 1
        else:
            unchanged += 1
        if old != link:
            changed_links.append(link)
    await tx.upsert_guardian_links(changed_links)
    counts = (created, updated, unchanged)
    for (guardian_id, pupil_id), facts in rows.facts.items():
        await _apply_link_facts(tx, now, by, by.file(file), guardian_id, pupil_id, facts)
    await _audit_import(tx, now, by, "guardians", file, counts)
    return ImportSummary(*counts, parsed.ignored_columns)


def _keep_language(guardian: Guardian, recorded: Guardian | None) -> Guardian:
    return replace(guardian, language=recorded.language) if recorded else guardian


async def _apply_link_facts(
    tx: Tx,
    now: datetime,
    by: Importer,
    file: str,
    guardian_id: str,
    pupil_id: str,
    facts: SheetLinkFacts,
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
            actor=by.actor,
            action="link_facts_imported",
            pupil_id=pupil_id,
            subject=("guardian", guardian_id),
            details={**changes, "file": file},
        )


# --- EDEXML: groups, pupils and teachers in one file ---------------------------------------


async def import_edexml(
    db: Database,
    data: bytes,
    file: str,
    now: datetime,
    today: date,
    *,
    leavers_ok: bool = False,
    by: Importer = COMMAND_LINE,
) -> RosterImported:
    read = await read_roster(db, "edexml", data, file, today)
    async with db.transaction() as tx:
        return await _edexml_into(tx, read, now, today, by, leavers_ok)


async def _edexml_into(
    tx: Tx, read: ReadRoster, now: datetime, today: date, by: Importer, leavers_ok: bool
) -> RosterImported:
    """Teachers, then pupils, all or nothing. The file knows teachers, not Samen's roles: a
    coordinator or administrator keeps that role, someone new is a teacher, and a new
    teacher without a group is skipped (a teacher in Samen needs one). A pupil who left
    before Samen knew them is skipped too: Samen has no reason to keep their data."""
    roster, file = read.edexml, read.file
    assert roster is not None
    staff_now = {s.staff_id: s for s in await tx.all_staff()}
    teachers: list[StaffMember] = []
    for teacher in roster.teachers:
        old = staff_now.get(teacher.staff_id)
        if old is None and not teacher.groups:
            continue
        role = old.role if old is not None else Role.TEACHER
        groups = teacher.groups or (old.groups if old is not None else ())
        teachers.append(replace(teacher, role=role, groups=groups))
    staff_counts = await _write_staff(tx, teachers, now)
    staff = ImportSummary(
        *staff_counts,
        skipped=len(roster.teachers) - len(teachers),
        skipped_why="new, without a group",
    )
    pupils_now = {p.pupil_id: p for p in await tx.all_pupils()}
    kept: list[Pupil] = []
    for pupil in roster.pupils:
        old_pupil = pupils_now.get(pupil.pupil_id)
        if old_pupil is None and roster.left_on.get(pupil.pupil_id) is not None:
            continue
        kept.append(replace(pupil, group=pupil.group or (old_pupil.group if old_pupil else "")))
    batch = _PupilBatch(
        kept,
        {p.pupil_id: roster.left_on.get(p.pupil_id) for p in kept},
        languages_given=False,
        skipped=len(roster.pupils) - len(kept),
        skipped_why="left before they were in Samen",
    )
    pupils = await _write_pupils(tx, batch, file, now, today, by, leavers_ok)
    groups = tuple(sorted(set(roster.groups.values())))
    await _audit_import(
        tx,
        now,
        by,
        "edexml",
        file,
        (
            staff.created + pupils.created,
            staff.updated + pupils.updated,
            staff.unchanged + pupils.unchanged,
        ),
        groups=len(groups),
        staff_created=staff.created,
        staff_updated=staff.updated,
        pupils_created=pupils.created,
        pupils_updated=pupils.updated,
        left=pupils.left or 0,
        returned=pupils.returned,
    )
    return RosterImported("edexml", (("staff", staff), ("pupils", pupils)), groups)


# --- any roster file, from the chat --------------------------------------------------------


async def _roster_into(
    tx: Tx, read: ReadRoster, now: datetime, today: date, by: Importer
) -> RosterImported:
    """The chat's import: the administrator saw the preview, leavers counted, and confirmed."""
    if read.kind == "edexml":
        return await _edexml_into(tx, read, now, today, by, leavers_ok=True)
    if read.kind == "staff":
        summary = await _staff_into(tx, read, now, by)
    elif read.kind == "pupils":
        summary = await _pupils_into(tx, read, now, today, by, leavers_ok=True)
    else:
        summary = await _guardians_into(tx, read, now, by)
    return RosterImported(read.kind, ((read.kind, summary),))


async def import_roster(w: Work, read: ReadRoster, by: Importer) -> RosterImported:
    """Import a roster file read by `read_roster`, in this unit of work; RosterImportError
    when any part of it is wrong, and then nothing is written."""
    return await _roster_into(w.tx, read, w.now, w.today, by)


class _Preview(Exception):
    def __init__(self, result: RosterImported) -> None:
        super().__init__("preview")
        self.result = result


async def preview_roster(
    db: Database,
    kind: RosterKind,
    data: bytes,
    file: str,
    now: datetime,
    today: date,
    by: Importer,
) -> RosterImported:
    """What importing the file would do, counted by doing it and rolling it back."""
    read = await read_roster(db, kind, data, file, today)
    try:
        async with db.transaction() as tx:
            raise _Preview(await _roster_into(tx, read, now, today, by))
    except _Preview as preview:
        return preview.result


async def _audit_import(
    tx: Tx,
    now: datetime,
    by: Importer,
    what: str,
    file: str,
    counts: tuple[int, int, int],
    **more: int,
) -> None:
    """Who imported what when, in numbers: never a name from the file."""
    created, updated, unchanged = counts
    await tx.audit(
        now=now,
        actor=by.actor,
        action=f"import_{what}",
        details={
            "file": by.file(file),
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            **more,
        },
    )
