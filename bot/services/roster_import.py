"""Roster import: CSV files from the school's administration into the database.

Parsing is pure and collects every problem with file, line and column; the
import writes nothing unless the whole file is valid, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.rules.models import Pupil
from bot.rules.roster_sheet import (
    LIFT,
    Parsed,
    RosterError,
    SheetLinkFacts,
    T,
    parse_guardians,
    parse_pupils,
    parse_staff,
)
from bot.storage import Database, Tx


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
    tx: Tx, now: datetime, file: str, guardian_id: str, pupil_id: str, facts: SheetLinkFacts
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
