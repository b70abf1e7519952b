"""After a talk: the teacher writes the summary for the parents (step by step), sees it again
from the card, and answers a parent's question about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.callback_data import AnswerQuestionTap, ViewSummaryTap, WriteSummaryTap
from bot.rules.models import Agreement, PersonKind, Viewer
from bot.rules.permissions import Action
from bot.services import meetings, pupil_discussions, summaries
from bot.texts import meeting_messages
from conversations.common import Handlers, services
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import on_tap, requires
from conversations.meetings import own_meeting
from conversations.replies import done, reply, say_stale

MAX_TEXT = 500


@dataclass
class SummaryDraft:
    """What the summary flow knows so far."""

    meeting_id: int = 0
    present: list[str] = field(default_factory=list)  # person keys of who was there
    going_well: str = ""
    agreements: list[dict[str, str]] = field(default_factory=list)  # what, who, when
    advice_school: str = ""
    advice_home: str = ""
    next_step: str = ""
    left_out: dict[str, str] = field(default_factory=dict)  # person key → reason
    leaving_out: str = ""  # the person key whose reason is being asked


SUMMARY_STEPS = ["attended", "going_well", "agreements", "advice_school", "advice_home",
                 "next_step", "confirm"]  # fmt: skip


@requires(Action.PLAN_MEETING)
@on_tap(WriteSummaryTap)
async def start_summary(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: WriteSummaryTap
) -> None:
    svc = services(context)
    meeting = await own_meeting(svc, viewer, tap.meeting_id)
    if meeting is None:
        await say_stale(update, context, viewer)
        return
    async with svc.db.reading() as tx:
        written = await tx.summary(meeting.id)
        invitees = await tx.invitees(meeting.id)
        card = await tx.outbox_message(meeting.card_outbox_id) if meeting.card_outbox_id else None
    if written is not None:
        await say_stale(update, context, viewer)
        return
    present = [f"{i.person_kind.value}:{i.person_id}" for i in invitees if i.answer == "come"]
    step = await begin(
        update,
        context,
        viewer,
        "summary",
        "attended",
        meeting_id=meeting.id,
        present=present,
        agreements=[],
    )
    # Started from the meeting card: the card stays, the summary gets its own message.
    query = update.callback_query
    tapped = query.message.message_id if query and query.message else None
    step.edits_tapped = card is None or card[2] != tapped
    await _ask_summary(step, "attended")
    await done(update)


def _summary_heading(step: Step) -> str:
    current = step.state.step
    number = SUMMARY_STEPS.index(current) + 1 if current in SUMMARY_STEPS else len(SUMMARY_STEPS)
    # staff:
    title = step.tr._("📝 <b>Summary for the parents</b>")
    return f"{title}\n{progress(step.tr, number, len(SUMMARY_STEPS))}"


async def _ask_summary(step: Step, name: str, note: str = "") -> None:
    await step.go(name)
    tr = step.tr
    heading = _summary_heading(step) + (f"\n{note}" if note else "")
    skip = [step.button(tr.label("⏭ Skip"), "skip")]
    if name == "attended":
        async with step.svc.db.transaction() as tx:
            meeting = await tx.meeting(step.draft(SummaryDraft).meeting_id)
            assert meeting is not None
            pupil = await tx.pupil(meeting.pupil_id)
            assert pupil is not None
            people = await pupil_discussions.people_of_pupil(tx, pupil)
            invitees = await tx.invitees(meeting.id)
        present = set(step.draft(SummaryDraft).present)
        rows = []
        for invitee in invitees:
            key = pupil_discussions.person_key(invitee.person_kind, invitee.person_id)
            label = ("✅ " if key in present else "⬜ ") + people[key].full_name
            rows.append([step.button(label, f"who:{key}")])
        rows.append([step.button(tr.label("Next ➡️"), "next")])
        # staff:
        question = tr._("Who was there? Tap to change.")
        await step.show(f"{heading}\n{question}", rows)
    elif name == "going_well":
        # staff:
        question = tr._("What goes well? Start with something positive.")
        await step.show(f"{heading}\n{question}")
    elif name == "agreements":
        agreements = step.draft(SummaryDraft).agreements
        # staff:
        question = tr._(
            "What did you agree? Send one agreement per message, as"
            " <i>what; who; by when</i>. For example: <i>Elke dag 10 minuten lezen; ouders;"
            " 1 februari</i>."
        )
        if agreements:
            # staff:
            question += "\n" + tr.n_(
                "{n} agreement so far.", "{n} agreements so far.", len(agreements)
            )
        await step.show(f"{heading}\n{question}", [[step.button(tr.label("Next ➡️"), "next")]])
    elif name == "advice_school":
        # staff:
        question = tr._("Advice for school? Type it, or skip.")
        await step.show(f"{heading}\n{question}", [skip])
    elif name == "advice_home":
        # staff:
        question = tr._("Advice for home? Type it, or skip.")
        await step.show(f"{heading}\n{question}", [skip])
    elif name == "next_step":
        rows = [
            [step.button(tr.label(label), f"ns:{key}")]
            for key, label in meeting_messages.NEXT_STEPS.items()
        ]
        # staff:
        question = tr._("What is the next step?")
        await step.show(f"{heading}\n{question}", rows)
    else:
        await _summary_confirm(step)


async def _summary_confirm(step: Step) -> None:
    tr = step.tr
    draft = step.draft(SummaryDraft)
    texts = [draft.going_well, draft.advice_school, draft.advice_home] + [
        a["what"] for a in draft.agreements
    ]
    # staff:
    lines = [
        _summary_heading(step),
        tr._(
            "Ready to send to the parents, protected against"
            " forwarding. Each reader sees the fixed parts in"
            " their own language."
        ),
    ]
    optional, home_only = await _readers(step)
    left_out = _left_out(step)
    for key, person, is_pupil in optional:
        if key in left_out:
            # staff:
            lines.append(tr._("🙈 Not for {name}: “{reason}”", name=person, reason=left_out[key]))
        elif is_pupil:
            # staff:
            lines.append(tr._("{child} gets it too, written to them.", child=person))
        else:
            # staff:
            lines.append(tr._("{name} gets it too: asked the school for information.", name=person))
    if home_only:
        # staff:
        lines.append(
            tr._(
                "{names} (foster care) get the agreements and the advice for home.",
                names=tr.list_of(home_only),
            )
        )
    if meetings.looks_medical(*texts):
        # staff:
        lines.append(
            tr._(
                "⚠️ This looks like medical or diagnostic detail. Such detail belongs"
                " in the pupil file, not in a chat. Change it, or send it anyway."
            )
        )
    rows = [[step.button(tr.label("✅ Send"), "send")]]
    for index, (key, person, _) in enumerate(optional):
        if key in left_out:
            # staff:
            label = tr.label("↩️ Send it to {name} after all", name=person)
            rows.append([step.button(label, f"in:{index}")])
        else:
            # staff:
            label = tr.label("🙈 Not suitable for {name}", name=person)
            rows.append([step.button(label, f"out:{index}")])
    rows.append([step.button(tr.label("✏️ Start again"), "restart")])
    await step.show("\n".join(lines), rows)


async def _readers(step: Step) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """Who the teacher may leave out of this summary, as (person key, name, is the pupil),
    and the names of those who get only its agreements and advice for home."""
    now = step.svc.clock.now()
    async with step.svc.db.reading() as tx:
        meeting = await tx.meeting(step.draft(SummaryDraft).meeting_id)
        pupil = await tx.pupil(meeting.pupil_id) if meeting else None
        facts = await tx.rights_facts(pupil.pupil_id) if pupil else None
        people = await pupil_discussions.people_of_pupil(tx, pupil) if pupil else {}
    if meeting is None or pupil is None or facts is None:
        return [], []
    today = now.astimezone(step.svc.settings.timezone).date()
    rules = summaries.summary_readers(meeting, pupil, facts, today)
    optional = [
        (
            pupil_discussions.person_key(kind, person_id),
            pupil.first_name if kind is PersonKind.PUPIL else people[key].full_name,
            kind is PersonKind.PUPIL,
        )
        for kind, person_id in rules.optional
        if (key := pupil_discussions.person_key(kind, person_id)) in people
        or kind is PersonKind.PUPIL
    ]
    home_only = [
        people[pupil_discussions.person_key(kind, person_id)].full_name
        for kind, person_id in rules.home_only
    ]
    return optional, home_only


def _left_out(step: Step) -> dict[str, str]:
    return dict(step.draft(SummaryDraft).left_out)


async def summary_button(step: Step, value: str) -> None:
    current = step.state.step
    if current == "attended" and value.startswith("who:"):
        present = set(step.draft(SummaryDraft).present)
        present ^= {value.removeprefix("who:")}
        await step.go("attended", present=sorted(present))
        await _ask_summary(step, "attended")
        return
    if value == "next" and current in ("attended", "agreements"):
        await _ask_summary(step, SUMMARY_STEPS[SUMMARY_STEPS.index(current) + 1])
        return
    if value == "skip" and current in ("advice_school", "advice_home"):
        await step.go(current, **{current: ""})
        await _ask_summary(step, SUMMARY_STEPS[SUMMARY_STEPS.index(current) + 1])
        return
    if current == "next_step" and value.removeprefix("ns:") in meeting_messages.NEXT_STEPS:
        await step.go(current, next_step=value.removeprefix("ns:"))
        await _ask_summary(step, "confirm")
        return
    if current == "confirm" and value == "restart":
        await step.go("attended", agreements=[], going_well="", advice_school="", advice_home="")
        await _ask_summary(step, "attended")
        return
    if current == "confirm" and value == "send":
        await _send_summary(step)
        return
    action, _, index = value.partition(":")
    if current == "confirm" and action in ("out", "in") and index.isdigit():
        optional, _ = await _readers(step)
        if int(index) >= len(optional):
            await _ask_summary(step, "confirm")
            return
        key, person, _ = optional[int(index)]
        if action == "in":
            await step.go(
                "confirm", left_out={k: v for k, v in _left_out(step).items() if k != key}
            )
            await _ask_summary(step, "confirm")
            return
        await step.go("leave_out_reason", leaving_out=key)
        # staff:
        question = step.tr._(
            "Why does this summary not suit {name}? One sentence; it is kept in the audit trail.",
            name=person,
        )
        await step.show(
            f"{_summary_heading(step)}\n{question}",
            [step.back_row()],
        )
        return
    if current == "leave_out_reason" and value == "back":
        await _ask_summary(step, "confirm")
        return
    await _ask_summary(step, current)


async def summary_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if current == "leave_out_reason" and 2 <= len(text) <= MAX_TEXT:
        key = step.draft(SummaryDraft).leaving_out
        await step.go("confirm", left_out={**_left_out(step), key: text})
        await _ask_summary(step, "confirm")
        return
    if current not in ("going_well", "agreements", "advice_school", "advice_home"):
        # staff:
        await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    if len(text) > MAX_TEXT:
        # staff:
        await step.show(tr._("Please keep it shorter (at most {n} characters).", n=MAX_TEXT))
        return
    if current == "agreements":
        what, who, when = ([*(p.strip() for p in text.split(";")), "", ""])[:3]
        agreements = [
            *step.draft(SummaryDraft).agreements,
            {"what": what, "who": who, "when": when},
        ]
        await step.go(current, agreements=agreements[:10])
        await _ask_summary(step, "agreements")
        return
    await step.go(current, **{current: text})
    await _ask_summary(step, SUMMARY_STEPS[SUMMARY_STEPS.index(current) + 1])


async def _send_summary(step: Step) -> None:
    tr = step.tr
    draft = step.draft(SummaryDraft)
    member = await step.staff()
    async with step.finishing() as w:
        meeting = await w.tx.meeting(draft.meeting_id)
        if member is None or meeting is None:
            return
        pupil = await w.tx.pupil(meeting.pupil_id)
        assert pupil is not None
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        attended = [people[k].full_name for k in draft.present if k in people]
        attended.append(meeting_messages.teacher_name(member))
        reached = await summaries.send_summary(
            w,
            staff=member,
            meeting_id=meeting.id,
            attended=attended,
            going_well=draft.going_well,
            agreements=[Agreement(**a) for a in draft.agreements],
            advice_school=draft.advice_school,
            advice_home=draft.advice_home,
            next_step=draft.next_step,
            left_out=draft.left_out,
        )
        held = bool(await w.tx.safety_exceptions(meeting.pupil_id))
    if reached is None:
        await step.show(tr._("This button no longer works."))
        return
    if held and reached:
        # Staff must not believe the family was told: nothing went out.
        # staff:
        await step.show(
            tr._(
                "⏸ Not sent: a safety exception applies to {child}."
                " The coordinator decides whether it goes out.",
                child=pupil.first_name,
            )
        )
        return
    # staff:
    await step.show(
        tr._(
            "✅ Summary sent to {names}. You will see who has read it in the meeting card.",
            names=tr.list_of(list(reached)) or "–",
        )
    )


register(Flow("summary", Action.PLAN_MEETING, summary_text, summary_button))


@requires(Action.PLAN_MEETING)
@on_tap(ViewSummaryTap)
async def view_summary(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: ViewSummaryTap
) -> None:
    """The summary as the parents got it, for the teacher who wrote it, in her language."""
    svc = services(context)
    meeting = await own_meeting(svc, viewer, tap.meeting_id)
    async with svc.db.reading() as tx:
        summary = await tx.summary(meeting.id) if meeting else None
        pupil = await tx.pupil(meeting.pupil_id) if meeting else None
        staff = await tx.staff_member(viewer.person_id or "")
    if meeting is None or summary is None or pupil is None or staff is None:
        await say_stale(update, context, viewer)
        return
    tr = svc.texts(viewer.language)
    text = meeting_messages.summary_text(
        tr,
        summary,
        meeting,
        child=pupil.first_name,
        teacher=meeting_messages.teacher_name(staff),
        attended=summary.attended,
    )
    await reply(update, text)
    await done(update)


# --- answering a parent's question ---------------------------------------------------


@requires(Action.PLAN_MEETING)
@on_tap(AnswerQuestionTap)
async def start_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: AnswerQuestionTap
) -> None:
    svc = services(context)
    async with svc.db.reading() as tx:
        question = await tx.question(tap.question_id)
        meeting = await tx.meeting(question.meeting_id) if question else None
    if (
        question is None
        or meeting is None
        or meeting.created_by != viewer.person_id
        or question.answer is not None
    ):
        await say_stale(update, context, viewer)
        return
    step = await begin(update, context, viewer, "reply", "text", question_id=question.id)
    # staff:
    await step.show(step.tr._("↩️ Type your answer. It is sent as you write it."))
    await done(update)


@dataclass
class QuestionDraft:
    """The teacher's answer to a reader's question: which question."""

    question_id: int = 0


async def reply_text(step: Step, text: str) -> None:
    tr = step.tr
    member = await step.staff()
    async with step.finishing() as w:
        sent = member is not None and await summaries.answer_question(
            w,
            staff=member,
            question_id=step.draft(QuestionDraft).question_id,
            answer=text[:MAX_TEXT],
        )
    # staff:
    await step.show(
        tr._("✅ Your answer was sent.") if sent else tr._("This button no longer works.")
    )


async def reply_button(step: Step, value: str) -> None:
    await step.show(step.tr._("Please use the buttons above, or type /annuleren to stop."))


register(Flow("reply", Action.PLAN_MEETING, reply_text, reply_button))

HANDLERS: Handlers = [
    CallbackQueryHandler(start_summary, pattern=WriteSummaryTap.pattern()),
    CallbackQueryHandler(view_summary, pattern=ViewSummaryTap.pattern()),
    CallbackQueryHandler(start_reply, pattern=AnswerQuestionTap.pattern()),
]
