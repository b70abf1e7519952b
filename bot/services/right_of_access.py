"""The right of access (AVG art. 15): a parent, or a pupil of 16 or older, asks what Samen
keeps about them; a coordinator approves; the copy arrives in the chat as a protected PDF, in
the reader's language with the Dutch original after it.

The school must answer within one month. The request, its deadline, each reminder and the
answer are recorded; the coordinators are reminded a week before the deadline and on the day.
A parent's copy holds what concerns them, and of their child's file what the information
rules let them know: the full file (staff-only notes left out) for a parent who receives
outcome summaries, else only the entries that concern that parent.
"""

from __future__ import annotations

import asyncio
import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from bot.i18n.translator import N_, Translator, language_name
from bot.paper.pdf import Document, Style
from bot.paper.pupil_file import printable
from bot.rules.callback_data import AccessTap
from bot.rules.models import AccessRequest, PersonKind, Pupil, age_on
from bot.rules.pupil_file import FileEvent, during_safety, select
from bot.rules.rights import MessageKind, receives
from bot.services import pupil_file
from bot.services.notify import notify, reader
from bot.services.work import Units, Work
from bot.storage import Tx
from bot.texts import care_messages
from bot.texts.pupil_file_words import describe

ASK_FROM_AGE = 16  # before 16 the parents exercise the pupil's rights (AVG art. 8, UAVG art. 5)
REMIND_DAYS_BEFORE = 7
REMIND_FROM = time(8, 0)  # reminders to coordinators in working hours, not at midnight


# --- rules -----------------------------------------------------------------


def due_date(asked: date) -> date:
    """One calendar month after the request (31 January → 28 or 29 February)."""
    year, month = (asked.year + 1, 1) if asked.month == 12 else (asked.year, asked.month + 1)
    return date(year, month, min(asked.day, calendar.monthrange(year, month)[1]))


def may_ask(kind: PersonKind, birth_date: date | None, today: date) -> bool:
    if kind is PersonKind.GUARDIAN:
        return True
    return (
        kind is PersonKind.PUPIL
        and birth_date is not None
        and (age_on(birth_date, today) >= ASK_FROM_AGE)
    )


def reminder_due(request: AccessRequest, today: date) -> int | None:
    """The number of reminders that should have gone out by `today`, if more than so far:
    one a week before the deadline, one on the day."""
    wanted = 0
    if today >= request.due_on - timedelta(days=REMIND_DAYS_BEFORE):
        wanted = 1
    if today >= request.due_on:
        wanted = 2
    return wanted if wanted > request.reminders_sent else None


# --- asking ----------------------------------------------------------------


class Asked(StrEnum):
    NEW = "new"
    ALREADY_OPEN = "already_open"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class AskResult:
    outcome: Asked
    request: AccessRequest | None = None


async def ask(w: Work, kind: PersonKind, person_id: str) -> AskResult:
    today = w.today
    if kind is PersonKind.PUPIL:
        pupil = await w.tx.pupil(person_id)
        if not may_ask(kind, pupil.birth_date if pupil else None, today):
            return AskResult(Asked.NOT_ALLOWED)
    elif kind is not PersonKind.GUARDIAN:
        return AskResult(Asked.NOT_ALLOWED)
    existing = await w.tx.open_access_request(kind, person_id)
    if existing is not None:
        return AskResult(Asked.ALREADY_OPEN, existing)
    request_id = await w.tx.add_access_request(kind, person_id, w.now, due_date(today))
    request = await w.tx.access_request(request_id)
    assert request is not None
    await w.audit(
        (kind.value, person_id),
        "access_requested",
        subject=(kind.value, person_id),
        details={"request": request_id, "due_on": request.due_on.isoformat()},
    )
    await _tell_coordinators(w, request, reminder=False)
    return AskResult(Asked.NEW, request)


async def remind_coordinators(w: Work) -> int:
    """Reminders for unanswered requests whose deadline is near or here."""
    local = w.now.astimezone(w.settings.timezone)
    if local.time() < REMIND_FROM:
        return 0
    sent = 0
    for request in await w.tx.unanswered_access_requests():
        wanted = reminder_due(request, local.date())
        if wanted is None:
            continue
        sent += await _tell_coordinators(w, request, reminder=True)
        await w.tx.count_access_reminder(request.id, wanted)
    return sent


async def _tell_coordinators(w: Work, request: AccessRequest, *, reminder: bool) -> int:
    kind, person_id = request.requester
    name, children = await _requester(w.tx, kind, person_id)
    coordinators = await w.tx.linked_coordinators()
    for member, _ in coordinators:
        coordinator = await reader(w, PersonKind.STAFF, member.staff_id)
        tr = coordinator.tr
        due = tr.date_with_year(request.due_on)
        asked = tr.date_with_year(request.requested_at.astimezone(tr.timezone).date())
        if reminder:
            # staff:
            text = tr._(
                "⏰ <b>Request to see data</b> from {name}, asked on {asked}, is not answered"
                " yet. The law gives the school until {due}.",
                name=name,
                asked=asked,
                due=due,
            )
        elif children:
            # staff:
            text = tr._(
                "📄 <b>Request to see data (AVG)</b>\n{name}, parent or carer of {children},"
                " asks what Samen keeps about them and their child. Answer before {due}.\n"
                "The button sends them a PDF file in the chat, in their language: what concerns"
                " them, and of the child's file what they may know. Staff-only notes stay out.",
                name=name,
                children=tr.list_of(children),
                due=due,
            )
        else:
            # staff:
            text = tr._(
                "📄 <b>Request to see data (AVG)</b>\n{name} (pupil) asks what Samen keeps about"
                " them. Answer before {due}.\nThe button sends them a PDF file in the chat."
                " Staff-only notes stay out.",
                name=name,
                due=due,
            )
        markup = care_messages.keyboard(review_buttons(tr, request.id))
        purpose = "access_request_reminder" if reminder else "access_request"
        await notify(w, coordinator, text, purpose=purpose, reply_markup=markup)
    return len(coordinators)


def review_buttons(tr: Translator, request_id: int) -> list[list[dict[str, str]]]:
    """Look first, then send: the coordinator's two buttons for one request."""
    return [
        [
            care_messages.button(
                # staff:
                tr.label("👀 See the file first"),
                str(AccessTap(request_id, "preview")),
            )
        ],
        # staff:
        [care_messages.button(tr.label("📄 Send the file"), str(AccessTap(request_id, "send")))],
    ]


async def _requester(tx: Tx, kind: PersonKind, person_id: str) -> tuple[str, list[str]]:
    if kind is PersonKind.GUARDIAN:
        guardian = await tx.guardian(person_id)
        children = await tx.children_of_guardian(person_id)
        name = f"{guardian.first_name} {guardian.last_name}" if guardian else person_id
        return name, [c.first_name for c in children]
    pupil = await tx.pupil(person_id)
    return (f"{pupil.first_name} {pupil.last_name}" if pupil else person_id), []


# --- answering -------------------------------------------------------------


class Answered(StrEnum):
    SENT = "sent"
    ALREADY_ANSWERED = "already_answered"
    UNKNOWN = "unknown"
    UNREACHABLE = "unreachable"
    # The copy touches a safety exception: the coordinator first decides what it leaves out.
    SAFETY_DECISION_NEEDED = "safety_decision_needed"


@dataclass(frozen=True)
class SafetyChoice:
    """What a family's copy does with what was recorded during a safety exception, and why:
    the coordinator's decision, recorded in the audit trail."""

    leave_out: bool
    reason: str


async def touches_safety(tx: Tx, kind: PersonKind, person_id: str) -> bool:
    """Whether a copy for this person covers a pupil who had a safety exception: then the
    coordinator decides what it leaves out before it goes."""
    for pupil_id in await _pupils_in_copy(tx, kind, person_id):
        if await tx.safety_exceptions(pupil_id, active_only=False):
            return True
    return False


async def _pupils_in_copy(tx: Tx, kind: PersonKind, person_id: str) -> list[str]:
    if kind is PersonKind.GUARDIAN:
        return [c.pupil_id for c in await tx.children_of_guardian(person_id)]
    return [person_id]


async def record_safety_choice(
    w: Work,
    actor: tuple[str, str | None],
    requester: tuple[PersonKind, str],
    choice: SafetyChoice,
    request_id: int | None,
) -> None:
    kind, person_id = requester
    for pupil_id in await _pupils_in_copy(w.tx, kind, person_id):
        if await w.tx.safety_exceptions(pupil_id, active_only=False):
            await w.audit(
                actor,
                "access_copy_safety_decision",
                pupil_id=pupil_id,
                subject=(kind.value, person_id),
                details={
                    "request": request_id,
                    "left_out": choice.leave_out,
                    "reason": choice.reason,
                },
            )


@dataclass(frozen=True)
class CopyResult:
    outcome: Answered
    request: AccessRequest | None = None
    name: str = ""


async def send_copy(
    units: Units,
    font_dir: Path,
    request_id: int,
    staff_id: str,
    safety: SafetyChoice | None = None,
) -> CopyResult:
    """Approve a request: the copy goes into the requester's chat, protected, and the answer
    date is recorded. The caller has checked that `staff_id` is a coordinator. A copy that
    covers a safety exception needs the coordinator's `safety` choice first. Read, laid out
    with no transaction open, then sent and recorded in one short unit of work, in which
    the request is looked at again (another coordinator may have answered meanwhile)."""
    async with units.reading() as r:
        checked = await _sendable(r, request_id, safety)
        if not isinstance(checked, tuple):
            return checked
        request, name = checked
        kind, person_id = request.requester
        tr = (await reader(r, kind, person_id)).tr
        leave_out = safety is None or safety.leave_out
        content = await copy_content(r, kind, person_id, written_in=tr, leave_out_safety=leave_out)
    document = await lay_out(font_dir, content)
    async with units.work() as w:
        checked = await _sendable(w, request_id, safety)
        if not isinstance(checked, tuple):
            return checked
        staff = (PersonKind.STAFF.value, staff_id)
        if safety is not None:
            await record_safety_choice(w, staff, request.requester, safety, request.id)
        requester = await reader(w, kind, person_id)
        await notify(
            w,
            requester,
            tr._(
                "📄 Here is what Samen keeps about you, checked by the school."
                " The file is only for you: it cannot be forwarded or saved.\n"
                "Is something wrong or missing? Tell the school."
            ),
            purpose="access_copy",
            protect_content=True,
            document=document,
            document_name=f"samen-{w.today.isoformat()}.pdf",
        )
        assert await w.tx.answer_access_request(request.id, staff_id, w.now)
        await w.audit(
            staff,
            "access_answered",
            subject=(kind.value, person_id),
            details={"request": request.id, "requested_at": request.requested_at.isoformat()},
        )
        return CopyResult(Answered.SENT, await w.tx.access_request(request.id), name)


async def _sendable(
    w: Work, request_id: int, safety: SafetyChoice | None
) -> tuple[AccessRequest, str] | CopyResult:
    """The open request and its requester's name, when a copy can go out now; else why not."""
    request = await w.tx.access_request(request_id)
    if request is None:
        return CopyResult(Answered.UNKNOWN)
    kind, person_id = request.requester
    name, _ = await _requester(w.tx, kind, person_id)
    if request.answered_at is not None:
        return CopyResult(Answered.ALREADY_ANSWERED, request, name)
    if not (await reader(w, kind, person_id)).in_samen:
        return CopyResult(Answered.UNREACHABLE, request, name)
    if safety is None and await touches_safety(w.tx, kind, person_id):
        return CopyResult(Answered.SAFETY_DECISION_NEEDED, request, name)
    return request, name


@dataclass(frozen=True)
class Preview:
    request: AccessRequest
    name: str
    document: bytes
    file_name: str
    covers_safety: bool = False  # what was recorded during a safety exception is left out


async def preview_copy(
    units: Units, font_dir: Path, request_id: int, staff_id: str
) -> Preview | None:
    """The copy exactly as the requester would get it now, for the coordinator to check
    before sending; looking is recorded too. None when there is no open request. Laid out
    with no transaction open."""
    async with units.reading() as r:
        request = await r.tx.access_request(request_id)
        if request is None or request.answered_at is not None:
            return None
        kind, person_id = request.requester
        name, _ = await _requester(r.tx, kind, person_id)
        content = await copy_content(r, kind, person_id)
        covers = await touches_safety(r.tx, kind, person_id)
    document = await lay_out(font_dir, content)
    async with units.work() as w:
        await w.audit(
            (PersonKind.STAFF.value, staff_id),
            "access_copy_previewed",
            subject=(kind.value, person_id),
            details={"request": request.id},
        )
        day = w.today.isoformat()
    return Preview(request, name, document, f"samen-{person_id}-{day}.pdf", covers)


async def hand_over_on_paper(
    w: Work, font_dir: Path, kind: PersonKind, person_id: str, safety: SafetyChoice | None = None
) -> tuple[bytes, AccessRequest | None]:
    """The copy for someone Samen cannot reach in the chat, to print (`samen export copy`).
    An open request of theirs counts as answered now, on paper; that is recorded. The caller
    has asked for `safety` when `touches_safety` says so."""
    document = await _decided_copy(w, font_dir, (kind, person_id), ("admin", None), safety)
    request = await w.tx.open_access_request(kind, person_id)
    if request is not None:
        assert await w.tx.answer_access_request(request.id, "admin", w.now)
        await w.audit(
            ("admin", None),
            "access_answered",
            subject=(kind.value, person_id),
            details={
                "request": request.id,
                "requested_at": request.requested_at.isoformat(),
                "how": "paper",
            },
        )
        request = await w.tx.access_request(request.id)
    return document, request


async def _decided_copy(
    w: Work,
    font_dir: Path,
    requester: tuple[PersonKind, str],
    actor: tuple[str, str | None],
    safety: SafetyChoice | None,
    request_id: int | None = None,
    written_in: Translator | None = None,
) -> bytes:
    """The copy as the coordinator decided about a safety period, the decision on record."""
    if safety is not None:
        await record_safety_choice(w, actor, requester, safety, request_id)
    kind, person_id = requester
    leave_out = safety is None or safety.leave_out
    return await access_copy(
        w, font_dir, kind, person_id, written_in=written_in, leave_out_safety=leave_out
    )


# --- the copy --------------------------------------------------------------

_ABOUT_YOU = N_("About you")
_YOUR_CHILD = N_("About {child}")
_DUTCH_ORIGINAL = N_("Dutch original (Nederlandse tekst)")


@dataclass(frozen=True)
class _Part:
    pupil: Pupil
    events: list[FileEvent]


@dataclass(frozen=True)
class CopyContent:
    """What a copy says, read from the database: laid out later, with no transaction open."""

    languages: list[Translator]  # the reader's, then Dutch (one, for a Dutch reader)
    school: str
    facts: list[Fact]
    parts: list[_Part]
    made: datetime


async def access_copy(
    w: Work,
    font_dir: Path,
    kind: PersonKind,
    person_id: str,
    *,
    written_in: Translator | None = None,
    leave_out_safety: bool = True,
) -> bytes:
    """The PDF: the person's own data, then what they may know from each child's file; first
    in their language (or `written_in`), then the same in Dutch. What was recorded while a
    safety exception lasted stays out unless the coordinator chose otherwise."""
    content = await copy_content(
        w, kind, person_id, written_in=written_in, leave_out_safety=leave_out_safety
    )
    return await lay_out(font_dir, content)


async def copy_content(
    w: Work,
    kind: PersonKind,
    person_id: str,
    *,
    written_in: Translator | None = None,
    leave_out_safety: bool = True,
) -> CopyContent:
    """What the copy of `access_copy` says (reads only)."""
    tr = written_in or (await reader(w, kind, person_id)).tr
    today = w.today
    me = (kind.value, person_id)
    facts = await _facts_about_person(w.tx, kind, person_id)
    parts: list[_Part] = []
    for pupil_id in await _pupils_in_copy(w.tx, kind, person_id):
        whole = await pupil_file.collect(w.tx, pupil_id, school=w.settings.school_name)
        full = kind is PersonKind.PUPIL or await _receives_file(w.tx, pupil_id, person_id, today)
        events = [
            event
            for event in select(whole, include_staff_only=False)
            # Without a right to the child's file, only what concerns this parent: not even
            # the general entries (a support step is an important fact, given on request).
            if (full or me in event.concerns)
            and not _someone_elses(event, me)
            and not (leave_out_safety and during_safety(event, whole))
        ]
        parts.append(_Part(whole.pupil, events))
    languages = [tr] if tr.language == "nl" else [tr, w.texts("nl")]
    return CopyContent(languages, w.settings.school_name, facts, parts, w.now)


async def lay_out(font_dir: Path, content: CopyContent) -> bytes:
    """The copy as a PDF file. Laying it out takes a fifth of a second or more (a long file:
    seconds): on a thread of its own, so that every other family's tap is answered meanwhile.
    Callers in the bot hold no transaction while it runs."""

    def laid_out() -> bytes:
        document = Document(font_dir, content.made, title="Samen")
        for index, t in enumerate(content.languages):
            document.new_page()
            if index:
                document.text(t.label(_DUTCH_ORIGINAL), Style(11, grey=True))
            _write_copy(document, t, content.school, content.facts, content.parts, content.made)
        return document.output()

    return await asyncio.to_thread(laid_out)


def _someone_elses(event: FileEvent, me: tuple[str, str]) -> bool:
    """What another parent did (answered, linked, could not be reached) is that parent's
    personal data, not the requester's: it stays out of the copy."""
    subject = event.subject
    return (
        subject is not None
        and subject.kind == PersonKind.GUARDIAN.value
        and (subject.kind, subject.id) != me
    )


async def _receives_file(tx: Tx, pupil_id: str, guardian_id: str, today: date) -> bool:
    known = await tx.rights_facts(pupil_id)
    if known is None:
        return False
    pupil_facts, links = known
    for link in links:
        if link.guardian_id == guardian_id:
            return receives(MessageKind.OUTCOME_SUMMARY, pupil_facts, link, today)[0]
    return False


Fact = tuple[str, str | date]


async def _facts_about_person(tx: Tx, kind: PersonKind, person_id: str) -> list[Fact]:
    """(label msgid, value) pairs of what the roster and the account hold about the person;
    dates (a datetime is a moment, shown on the school's calendar) and languages are written
    out for each reader."""
    facts: list[Fact] = []
    if kind is PersonKind.GUARDIAN:
        guardian = await tx.guardian(person_id)
        if guardian is not None:
            facts.append((N_("Name"), f"{guardian.first_name} {guardian.last_name}"))
            facts.append((N_("Language"), guardian.language))
        for child in await tx.children_of_guardian(person_id):
            facts.append((N_("Child"), f"{child.first_name} {child.last_name}, {child.group}"))
            for other, link in await tx.guardians_of_pupil(child.pupil_id):
                if other.guardian_id == person_id:
                    authority = "yes" if link.authority else "no"
                    facts.append((N_("Parental authority"), authority))
    else:
        pupil = await tx.pupil(person_id)
        if pupil is not None:
            facts.append((N_("Name"), f"{pupil.first_name} {pupil.last_name}"))
            facts.append((N_("Date of birth"), pupil.birth_date))
            facts.append((N_("Group"), pupil.group))
            facts.append((N_("Language"), pupil.language))
    since = await tx.account_since(kind, person_id)
    if since is not None:
        facts.append((N_("Connected to Samen since"), since))
    return facts


def _write_copy(
    doc: Document,
    t: Translator,
    school: str,
    facts: list[Fact],
    parts: list[_Part],
    now: datetime,
) -> None:
    rtl = t.rtl
    doc.text(t.label("What Samen keeps about you"), Style(18, bold=True), rtl=rtl)
    made_on = t.date_with_year(now.astimezone(t.timezone).date())
    doc.text(
        t.label(
            "{school} made this file for you on {date}. It holds what Samen keeps about you."
            " Notes that are only for school staff are not in it.",
            school=school,
            date=made_on,
        )
        if school
        # A school without a configured name: a whole sentence, no empty name in it.
        else t.label(
            "Your school made this file for you on {date}. It holds what Samen keeps about"
            " you. Notes that are only for school staff are not in it.",
            date=made_on,
        ),
        Style(11),
        rtl=rtl,
        gap=4,
    )
    doc.text(t.label(_ABOUT_YOU), Style(14, bold=True), rtl=rtl)
    for label, value in facts:
        shown = _fact_value(t, label, value)
        doc.text(t.label("{label}: {value}", label=t.label(label), value=shown), rtl=rtl, gap=1)
    for part in parts:
        doc.pdf.ln(4)
        doc.text(t.label(_YOUR_CHILD, child=part.pupil.first_name), Style(14, bold=True), rtl=rtl)
        if not part.events:
            doc.text(t.label("Samen has no messages or answers about this yet."), rtl=rtl)
        for event in part.events:
            heading, body = describe(event, t)
            doc.text(
                printable(f"{t.datetime(event.at)} · {heading}"),
                Style(11, bold=True),
                rtl=rtl,
                gap=0.5,
            )
            if body:
                doc.text(printable(body), Style(10), rtl=rtl, gap=2)


def _fact_value(t: Translator, label: str, value: str | date) -> str:
    if isinstance(value, datetime):
        return t.date_with_year(value.astimezone(t.timezone).date())
    if isinstance(value, date):
        return t.date_with_year(value)
    if label == "Parental authority":
        return t.label("yes") if value == "yes" else t.label("no")
    if label == "Language":
        # In the reader's language: "Arabisch" in the Dutch original, "العربية" in Arabic.
        return language_name(value, t.language)
    return value
