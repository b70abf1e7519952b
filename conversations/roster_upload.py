"""The administrator sends the school's export (the pupil list, the staff list, the parents'
list, or an EDEX file) to Samen as a file: Samen says what importing it would change, or
what is wrong with it line by line, and imports it only after "✅ Import".

The file is never stored: the flow keeps Telegram's file id and a hash of what was shown,
and fetches the file again on "✅ Import", so exactly the previewed file is imported.
"""

from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass

from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n.translator import N_, Markup, Translator, unlinked
from bot.rules.models import Viewer
from bot.rules.permissions import Action, may
from bot.rules.roster_sheet import RosterError, RosterKind, detect_roster
from bot.services.roster_import import (
    Importer,
    ImportSummary,
    RosterImported,
    RosterImportError,
    import_roster,
    preview_roster,
    read_roster,
)
from conversations.common import Handlers, services, tr_for
from conversations.flow import Flow, Step, begin, register
from conversations.keyboards import menu_keyboard
from conversations.replies import reply

log = logging.getLogger(__name__)

# A school's exports are kilobytes; this leaves room for a large EDEX file.
MAX_BYTES = 5 * 1024 * 1024
# Problems shown in the chat; the rest are counted.
MAX_PROBLEMS = 15

KIND_LABELS: dict[RosterKind, str] = {
    # staff: what kind of file the administrator sent
    "staff": N_("Staff list"),
    # staff: what kind of file the administrator sent
    "pupils": N_("Pupil list"),
    # staff: what kind of file the administrator sent
    "guardians": N_("Parents and guardians list"),
    # staff: what kind of file the administrator sent; EDEX is the name of the format
    "edexml": N_("EDEX file (groups, pupils and teachers)"),
}

PART_LABELS: dict[str, str] = {
    # staff: a part of the roster, before its counts
    "staff": N_("Staff"),
    # staff: a part of the roster, before its counts
    "pupils": N_("Pupils"),
    # staff: a part of the roster, before its counts; one row per parent and child
    "guardians": N_("Parents (one per child)"),
}


@dataclass
class UploadDraft:
    """The file waiting for "✅ Import": Telegram's id of it, its name, what it is, and the
    hash of the bytes that were previewed."""

    file_id: str = ""
    file_name: str = ""
    kind: str = ""
    digest: str = ""


async def document_sent(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> bool:
    """A file from the administrator is a roster to import; from other staff it is answered
    plainly. False for anyone else (a parent's file goes to school as a message)."""
    message = update.effective_message
    if message is None or message.document is None or not viewer.is_staff:
        return False
    tr = tr_for(context, viewer)
    if not may(viewer.role, Action.IMPORT_ROSTER):
        # staff:
        text = tr._(
            "Samen does not read or pass on files sent here. Only the school's Samen"
            " administrator sends files here: the pupil, staff and parents lists."
        )
        await reply(update, text, menu_keyboard(viewer, tr))
        return True
    await _preview(update, context, viewer, message.document)
    return True


async def _preview(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, document: Document
) -> None:
    tr = tr_for(context, viewer)
    name = document.file_name or "file"
    if (document.file_size or 0) > MAX_BYTES:
        # staff:
        await _say(update, context, viewer, tr._("This file is too big to be a roster."))
        return
    data = await _fetch(context, document.file_id)
    if data is None:
        await _say(update, context, viewer, _not_fetched(tr))
        return
    kind = detect_roster(data)
    if kind is None:
        await _say(update, context, viewer, _not_recognised(tr))
        return
    svc = services(context)
    now = svc.clock.now()
    today = now.astimezone(svc.settings.timezone).date()
    try:
        result = await preview_roster(svc.db, kind, data, name, now, today, _importer(viewer))
    except RosterImportError as exc:
        await _say(update, context, viewer, _problems(tr, kind, name, exc.errors))
        return
    draft = UploadDraft(document.file_id, name, kind, _digest(data))
    step = await begin(update, context, viewer, "roster", "confirm", **vars(draft))
    lines = [_heading(tr, kind, name), "", *_counts(tr, result)]
    # staff:
    lines += ["", tr._("Import it?")]
    buttons = [
        # staff: button
        step.button(tr.label("✅ Import"), "import"),
        # staff: button
        step.button(tr.label("❌ Cancel"), "no"),
    ]
    await step.show("\n".join(lines), [buttons])


async def _fetch(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes | None:
    """The file's bytes from Telegram, kept in memory only."""
    try:
        telegram_file = await context.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not fetch a roster file: %s", type(exc).__name__)
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _importer(viewer: Viewer) -> Importer:
    """The audit trail names the administrator and says the file came through the chat."""
    return Importer(actor=("staff", viewer.person_id), audit_file="chat")


async def _say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, text: str
) -> None:
    await reply(update, text, menu_keyboard(viewer, tr_for(context, viewer)))


def _not_fetched(tr: Translator) -> str:
    # staff:
    return tr._("Samen could not fetch the file from Telegram. Please send it again.")


def _not_recognised(tr: Translator) -> str:
    # staff: keep the Dutch column names as they are: they are the export's headers
    return tr._(
        "Samen does not recognise this file. Send the pupil list, the staff list or the"
        " parents list as CSV, with a header row such as <i>Leerlingnummer; Roepnaam;"
        " Tussenvoegsel; Achternaam; Geboortedatum; Groep</i>, or an EDEX file."
    )


def _heading(tr: Translator, kind: RosterKind, name: str) -> str:
    # staff: {what} is the kind of file, {file} its name
    return tr._("📥 <b>{what}</b>: {file}", what=tr.label(KIND_LABELS[kind]), file=name)


def _counts(tr: Translator, result: RosterImported) -> list[str]:
    """One line per part of the roster, then what else changes."""
    lines = []
    if result.groups:
        # staff: {groups} are the names of the school's groups
        lines.append(tr._("• Groups: {groups}", groups=tr.list_of(list(result.groups))))
    for part, summary in result.parts:
        lines.append(
            # staff: {part} is Staff, Pupils or Parents; then how many are new, changed, the same
            tr._(
                "• {part}: {created} new, {updated} changed, {unchanged} the same",
                part=tr.label(PART_LABELS[part]),
                created=tr.number(summary.created),
                updated=tr.number(summary.updated),
                unchanged=tr.number(summary.unchanged),
            )
        )
        lines += _more(tr, part, summary)
    ignored = ", ".join(sorted({c for _, s in result.parts for c in s.ignored_columns}))
    if ignored:
        # staff: {columns} are column names of the file
        lines.append(tr._("Not read (Samen does not need them): {columns}", columns=ignored))
    return lines


def _more(tr: Translator, part: str, summary: ImportSummary) -> list[str]:
    lines = []
    if summary.left:
        # staff:
        left = tr.n_("• {n} pupil marked as left", "• {n} pupils marked as left", summary.left)
        lines.append(left)
    if summary.returned:
        back = summary.returned
        # staff:
        lines.append(tr.n_("• {n} pupil back at school", "• {n} pupils back at school", back))
    if summary.skipped and part == "pupils":
        lines.append(
            # staff:
            tr.n_(
                "• {n} pupil who left before Samen knew them is not imported",
                "• {n} pupils who left before Samen knew them are not imported",
                summary.skipped,
            )
        )
    if summary.skipped and part == "staff":
        lines.append(
            # staff:
            tr.n_(
                "• {n} new teacher without a group is not imported",
                "• {n} new teachers without a group are not imported",
                summary.skipped,
            )
        )
    if summary.many_leaving is not None:
        leaving, at_school = summary.many_leaving
        lines.append(
            # staff:
            tr._(
                "⚠️ {leaving} of the {at_school} pupils at school are not in this file and are"
                " marked as left. Is this the whole school?",
                leaving=tr.number(leaving),
                at_school=tr.number(at_school),
            )
        )
    return lines


def _problems(tr: Translator, kind: RosterKind, name: str, errors: list[RosterError]) -> str:
    lines = [
        _heading(tr, kind, name),
        # staff:
        tr.n_(
            "⚠️ This file cannot be imported; nothing was changed. {n} problem:",
            "⚠️ This file cannot be imported; nothing was changed. {n} problems:",
            len(errors),
        ),
    ]
    for error in errors[:MAX_PROBLEMS]:
        # Filled as plain text, then escaped whole: an XML problem names <elements>. A value
        # from the file becomes no link either.
        plain = tr.label(error.template, **error.values)
        problem = Markup(html.escape(unlinked(plain), quote=False), plain)
        if error.column_name:
            lines.append(
                # staff: {column} is the column's name in the file, {problem} what is wrong
                tr._(
                    "Line {line}, {column}: {problem}",
                    line=error.line,
                    column=error.column_name,
                    problem=problem,
                )
            )
        else:
            # staff: {problem} is what is wrong
            lines.append(tr._("Line {line}: {problem}", line=error.line, problem=problem))
    if len(errors) > MAX_PROBLEMS:
        rest = len(errors) - MAX_PROBLEMS
        # staff:
        lines.append(tr.n_("… and {n} more problem.", "… and {n} more problems.", rest))
    # staff:
    lines.append(tr._("Correct the file and send it again."))
    return "\n".join(lines)


async def on_button(step: Step, value: str) -> None:
    tr = step.tr
    draft = step.draft(UploadDraft)
    if value == "no":
        await step.end()
        # staff:
        text = tr._("❌ Cancelled. Nothing was imported.")
        await reply(step.update, text, menu_keyboard(step.viewer, tr), edit=True)
        return
    if value != "import" or draft.kind not in KIND_LABELS:
        # staff:
        await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    kind = next(k for k in KIND_LABELS if k == draft.kind)
    data = await _fetch(step.context, draft.file_id)
    if data is None or _digest(data) != draft.digest:
        await step.end()
        await reply(step.update, _not_fetched(tr), menu_keyboard(step.viewer, tr), edit=True)
        return
    svc = services(step.context)
    today = svc.clock.now().astimezone(svc.settings.timezone).date()
    try:
        read = await read_roster(svc.db, kind, data, draft.file_name, today)
        async with step.finishing() as w:
            result = await import_roster(w, read, _importer(step.viewer))
    except RosterImportError as exc:
        # The roster changed since the preview (another import): nothing was written.
        await step.end()
        text = _problems(tr, kind, draft.file_name, exc.errors)
        await reply(step.update, text, menu_keyboard(step.viewer, tr), edit=True)
        return
    log.info("roster imported through the chat: kind=%s", kind)
    # staff:
    lines = [tr._("✅ <b>Imported</b>: {file}", file=draft.file_name), ""]
    lines += _counts(tr, result)
    await reply(step.update, "\n".join(lines), menu_keyboard(step.viewer, tr), edit=True)


async def on_text(step: Step, text: str) -> None:
    # staff:
    await step.show(step.tr._("Please use the buttons above, or type /annuleren to stop."))


register(Flow("roster", Action.IMPORT_ROSTER, on_text, on_button))

HANDLERS: Handlers = []
