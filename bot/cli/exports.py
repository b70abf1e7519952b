"""`samen export`: a pupil's audit trail as CSV, a pupil's file, a copy of a person's data on
paper."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from bot.cli.files import (
    EXIT_FAILED,
    EXIT_USAGE,
    fonts_for_paper,
    write_private_csv,
    write_private_file,
)
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues
from bot.paper.pupil_file import render_pdf
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.rules.models import AuditEntry, PersonKind
from bot.rules.pupil_file import to_json
from bot.services.pupil_file import collect
from bot.services.right_of_access import SafetyChoice, hand_over_on_paper, touches_safety
from bot.services.work import Work
from bot.storage import open_database

AUDIT_COLUMNS = [
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "pupil_id",
    "subject_kind",
    "subject_id",
    "details",
]


def _audit_cells(entry: AuditEntry) -> list[str]:
    """One entry as the CSV's cells, times as stored (UTC, ISO 8601)."""
    cells = {**asdict(entry), "at": entry.at.isoformat(timespec="microseconds")}
    return ["" if cells[c] is None else str(cells[c]) for c in AUDIT_COLUMNS]


async def export_audit(settings: Settings, pupil_id: str, target: Path) -> int:
    db = await open_database(settings.database)
    try:
        async with db.transaction() as tx:
            pupil = await tx.pupil(pupil_id)
            entries = await tx.audit_entries(pupil_id)
    finally:
        await db.close()
    if pupil is None and not entries:
        print(f"samen: no pupil {pupil_id!r} and no audit entries for it.", file=sys.stderr)
        return EXIT_FAILED
    write_private_csv(
        target,
        AUDIT_COLUMNS,
        [_audit_cells(e) for e in entries],
    )
    print(f"Wrote {len(entries)} audit entries for {pupil_id} to {target}.")
    return 0


async def export_pupil(
    settings: Settings, pupil_id: str, pdf_file: Path | None, json_file: Path | None
) -> int:
    """The pupil file for the school's own records or a request for access: the PDF in Dutch,
    staff-only records included and marked."""
    font_dir = None
    if pdf_file is not None:
        font_dir = fonts_for_paper(settings)
        if font_dir is None:
            return EXIT_FAILED
    now = SystemClock().now()
    db = await open_database(settings.database)
    try:
        # One transaction: a consistent picture even while `samen run` writes.
        async with db.transaction() as tx:
            try:
                file = await collect(tx, pupil_id, school=settings.school_name)
            except LookupError:
                file = None
    finally:
        await db.close()
    if file is None:
        print(f"samen: there is no pupil {pupil_id!r}.", file=sys.stderr)
        return EXIT_FAILED
    if pdf_file is not None and font_dir is not None:
        dutch = Catalogues(("nl",), settings.timezone)("nl")
        write_private_file(pdf_file, render_pdf(file, dutch, font_dir, now), suffix=".pdf")
    if json_file is not None:
        write_private_file(json_file, to_json(file).encode("utf-8"), suffix=".json")
    written = " and ".join(str(f) for f in (pdf_file, json_file) if f is not None)
    print(f"Wrote {len(file.events)} events for {pupil_id} to {written}.")
    return 0


async def export_copy(
    settings: Settings, person_id: str, pdf_file: Path, safety: SafetyChoice | None
) -> int:
    """A person's copy of their data for handing over on paper: their language, then Dutch;
    staff-only notes left out, as in the chat. An open request counts as answered. A copy that
    covers a safety exception waits for the decision what it leaves out."""
    font_dir = fonts_for_paper(settings)
    if font_dir is None:
        return EXIT_FAILED
    now = SystemClock().now()
    catalogues = Catalogues(SUPPORTED_LANGUAGES, settings.timezone)
    db = await open_database(settings.database)
    try:
        async with db.transaction() as tx:
            if await tx.guardian(person_id) is not None:
                kind = PersonKind.GUARDIAN
            elif await tx.pupil(person_id) is not None:
                kind = PersonKind.PUPIL
            else:
                print(f"samen: there is no guardian or pupil {person_id!r}.", file=sys.stderr)
                return EXIT_FAILED
            if safety is None and await touches_safety(tx, kind, person_id):
                print(
                    "samen: this copy covers a safety exception (meldcode). Decide what it"
                    " leaves out: add --safety-period leave-out (or include) and --reason"
                    " '...'. Nothing was written.",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            document, request = await hand_over_on_paper(
                Work(tx, catalogues, settings, now), font_dir, kind, person_id, safety
            )
    finally:
        await db.close()
    write_private_file(pdf_file, document, suffix=".pdf")
    answered = (
        f" The request of {request.requested_at.date().isoformat()} is recorded as answered."
        if request is not None
        else ""
    )
    print(f"Wrote the copy for {person_id} to {pdf_file}.{answered}")
    return 0
