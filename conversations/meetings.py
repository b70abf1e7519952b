"""`/gesprek`: a teacher plans a parent meeting; the meeting card's buttons move or cancel it;
after the meeting the teacher writes the summary; questions about it are answered here."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import care, meetings
from bot.access import Action, may_see_pupil
from bot.dates import parse_when
from bot.models import Agreement, Viewer
from bot.schooltime import is_school_day
from conversations.common import done, requires, say_stale, services
from conversations.flow import (
    Flow,
    Step,
    ask_pupil,
    begin,
    progress,
    pupil_from_button,
    pupil_from_text,
    register,
)

PLAN_STEPS = ["pupil", "kind", "when", "minutes", "place_kind", "place", "goal", "alternatives",
              "confirm"]  # fmt: skip
MINUTES = (10, 15, 30, 45, 60)
MAX_TEXT = 500


def _heading(step: Step) -> str:
    tr = step.tr
    steps = PLAN_STEPS
    number = steps.index(step.state.step) + 1 if step.state.step in steps else 1
    # staff:
    title = tr._("📅 <b>Plan a talk with parents</b>")
    return f"{title}\n{progress(tr, number, len(steps))}"


@requires(Action.PLAN_MEETING)
async def start_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "meeting", "pupil")
    await ask_pupil(step, _heading(step))
    await done(update)


def _back(step: Step) -> list[InlineKeyboardButton]:
    return [step.button(step.tr.label("⬅️ Back"), "back")]


async def _ask(step: Step, name: str) -> None:
    await step.go(name)
    tr = step.tr
    heading = _heading(step)
    if name == "pupil":
        await ask_pupil(step, heading)
    elif name == "kind":
        rows = [
            [step.button(tr.label(label), f"kind:{key}")] for key, label in meetings.KINDS.items()
        ]
        # staff:
        question = tr._("What kind of talk?")
        await step.show(f"{heading}\n{question}", [*rows, _back(step)])
    elif name == "when":
        picks = _quick_picks(step)
        rows = [[step.button(tr.datetime(p), f"at:{p.isoformat()}")] for p in picks]
        # staff:
        question = tr._(
            "When? Tap a suggestion, or type a day and time, for example"
            " <i>di 3 dec 15:30</i> or <i>3 december om half vier</i>."
        )
        await step.show(f"{heading}\n{question}", [*rows, _back(step)])
    elif name == "minutes":
        row = [step.button(tr.label("{n} min", n=m), f"min:{m}") for m in MINUTES]
        # staff:
        question = tr._("How long will it take?")
        await step.show(f"{heading}\n{question}", [row, _back(step)])
    elif name == "place_kind":
        rows = [
            [step.button(tr.label("🏫 At school"), "pk:room")],
            [step.button(tr.label("📞 By phone"), "pk:phone")],
            [step.button(tr.label("💻 Video call"), "pk:video")],
        ]
        # staff:
        question = tr._("Where?")
        await step.show(f"{heading}\n{question}", [*rows, _back(step)])
    elif name == "place":
        kind = step.state.data.get("place_kind")
        # staff:
        question = {
            "room": tr._("Which room? For example <i>lokaal 12</i>."),
            "phone": tr._("Which phone number? Or type who calls whom."),
            "video": tr._("Paste the video link."),
        }[str(kind)]
        await step.show(f"{heading}\n{question}", [_back(step)])
    elif name == "goal":
        # staff:
        question = tr._(
            "What is the goal of the talk, in one sentence? Parents read it as you write it."
        )
        await step.show(f"{heading}\n{question}", [_back(step)])
    elif name == "alternatives":
        alternatives = list(step.state.data.get("alternatives", []))  # type: ignore[call-overload]
        shown = tr.list_of([tr.datetime(datetime.fromisoformat(a)) for a in alternatives])
        # staff:
        question = tr._(
            "Do you want to offer another time too? Type it. Parents can then choose it."
        )
        if alternatives:
            # staff:
            question += "\n" + tr._("Other times: {times}", times=shown)
        # staff:
        rows = [[step.button(tr.label("➡️ No more times"), "next")], _back(step)]
        await step.show(f"{heading}\n{question}", rows)
    else:
        await _show_confirm(step)


def _quick_picks(step: Step) -> list[datetime]:
    """The next two school days at 15:30."""
    tz = step.svc.settings.timezone
    day = step.svc.clock.now().astimezone(tz).date()
    picks: list[datetime] = []
    while len(picks) < 2:
        day += timedelta(days=1)
        if is_school_day(day, step.svc.settings.holidays):
            picks.append(datetime.combine(day, time(15, 30), tz))
    return picks


async def _show_confirm(step: Step) -> None:
    tr = step.tr
    data = step.state.data
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(str(data["pupil_id"]))
        assert pupil is not None
        invited = await meetings.invitees_for(
            tx, step.svc.settings, step.svc.clock.now(), pupil.pupil_id
        )
        people = await care.people_of_pupil(tx, pupil)
        names = []
        for kind, person_id in invited:
            mark = "" if await tx.chat_of_person(kind, person_id) else " ⚠️"
            names.append(
                care.describe(tr, people[care.person_key(kind, person_id)], pupil.first_name) + mark
            )
    starts = datetime.fromisoformat(str(data["starts_at"]))
    lines = [
        _heading(step),
        # staff:
        tr._(
            "<b>{kind}</b> about {pupil}",
            kind=tr.label(meetings.KINDS[str(data["kind"])]),
            pupil=f"{pupil.first_name} {pupil.last_name}",
        ),
        # staff:
        tr._(
            "{date}, {minutes} min, {place}",
            date=tr.datetime(starts),
            minutes=data["minutes"],
            place=tr.label(meetings.PLACE_KINDS[str(data["place_kind"])], place=str(data["place"])),
        ),
        # staff:
        tr._("Goal: {goal}", goal=str(data["goal"])),
        # staff:
        tr._("Invitation to: {names}", names=tr.list_of(names) or "–"),
    ]
    if any("⚠️" in n for n in names):
        # staff:
        lines.append(tr._("⚠️ Not in Samen yet: they get nothing by chat. Please call or write."))
    rows = [[step.button(tr.label("✅ Send"), "send")], _back(step)]
    await step.show("\n".join(lines), rows)


async def plan_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "back":
        await _ask(step, PLAN_STEPS[max(PLAN_STEPS.index(current) - 1, 0)])
        return
    if current == "pupil":
        pupil = await pupil_from_button(step, value, _heading(step))
        if pupil is not None:
            await step.go("pupil", pupil_id=pupil.pupil_id)
            await _ask(step, "kind")
        return
    if current == "kind" and value.removeprefix("kind:") in meetings.KINDS:
        await step.go("kind", kind=value.removeprefix("kind:"))
        await _ask(step, "when")
        return
    if current == "when" and value.startswith("at:"):
        await step.go("when", starts_at=value.removeprefix("at:"))
        await _ask(step, "minutes")
        return
    if current == "minutes" and value.startswith("min:") and int(value[4:]) in MINUTES:
        await step.go("minutes", minutes=int(value[4:]))
        await _ask(step, "place_kind")
        return
    if current == "place_kind" and value in ("pk:room", "pk:phone", "pk:video"):
        await step.go("place_kind", place_kind=value[3:])
        await _ask(step, "place")
        return
    if current == "alternatives" and value == "next":
        await _ask(step, "confirm")
        return
    if current == "confirm" and value == "send":
        await _send(step)
        return
    await _ask(step, current)


async def plan_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if current == "pupil":
        pupil = await pupil_from_text(step, text, _heading(step))
        if pupil is not None:
            await step.go("pupil", pupil_id=pupil.pupil_id)
            await _ask(step, "kind")
        return
    if current in ("when", "alternatives"):
        moment = parse_when(text, step.svc.clock.now(), step.svc.settings.timezone)
        if moment is None:
            # staff:
            await step.show(
                tr._(
                    "I could not read “{text}” as a day and time in the future."
                    " Try for example <i>di 3 dec 15:30</i> or <i>3-12 15:30</i>.",
                    text=text,
                ),
                [_back(step)],
            )
            return
        if current == "when":
            await step.go("when", starts_at=moment.isoformat())
            await _ask(step, "minutes")
        else:
            alternatives = [*step.state.data.get("alternatives", []), moment.isoformat()]  # type: ignore[misc]
            await step.go("alternatives", alternatives=alternatives[:3])
            await _ask(step, "alternatives" if len(alternatives) < 3 else "confirm")
        return
    if current in ("place", "goal"):
        if not 2 <= len(text) <= MAX_TEXT:
            # staff:
            await step.show(tr._("Please keep it shorter (at most {n} characters).", n=MAX_TEXT))
            return
        await step.go(current, **{current: text})
        await _ask(step, "goal" if current == "place" else "alternatives")
        return
    # staff:
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _send(step: Step) -> None:
    tr = step.tr
    data = step.state.data
    member = await step.staff()
    if member is None:
        await step.end()
        return
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(str(data["pupil_id"]))
        if pupil is None or not may_see_pupil(member, pupil.group):
            await tx.clear_flow(step.viewer.user_id)
            await step.show(tr._("This button no longer works."))
            return
        planned = await meetings.plan_meeting(
            tx,
            step.svc.texts,
            step.svc.settings,
            step.svc.clock.now(),
            staff=member,
            pupil_id=pupil.pupil_id,
            kind=str(data["kind"]),
            starts_at=datetime.fromisoformat(str(data["starts_at"])),
            minutes=int(data["minutes"]),  # type: ignore[call-overload]
            place_kind=str(data["place_kind"]),
            place=str(data["place"]),
            goal=str(data["goal"]),
            alternatives=[datetime.fromisoformat(a) for a in data.get("alternatives", [])],  # type: ignore[union-attr]
        )
        await tx.clear_flow(step.viewer.user_id)
    # staff:
    lines = [
        tr.n_(
            "✅ Invitation sent to {n} person.",
            "✅ Invitation sent to {n} people.",
            len(planned.reached),
        )
    ]
    if planned.not_linked:
        # staff:
        lines.append(
            tr._(
                "⚠️ Not in Samen: {names}. Please call or write to them.",
                names=tr.list_of(list(planned.not_linked)),
            )
        )
    # staff:
    lines.append(tr._("You will see their answers in the meeting card below."))
    await step.show("\n".join(lines))


register(Flow("meeting", Action.PLAN_MEETING, plan_text, plan_button))


# --- the card: move or cancel ---------------------------------------------------------


@requires(Action.PLAN_MEETING)
async def card_action(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    svc = services(context)
    async with svc.db.transaction() as tx:
        meeting = (
            await tx.meeting(int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None
        )
    if meeting is None or meeting.created_by != viewer.person_id or meeting.cancelled_at:
        await say_stale(update, context, viewer)
        return
    tr = services(context).texts(viewer.language)
    if parts[2] == "move":
        step = await begin(update, context, viewer, "move", "when", meeting_id=meeting.id)
        # staff:
        await step.show(
            tr._(
                "🕒 New day and time? For example <i>do 10 dec 14:00</i>. The parents will be"
                " told in their own language."
            ),
            [[step.button(tr.label("⬅️ Back"), "stop")]],
        )
    elif parts[2] == "cancel":
        step = await begin(update, context, viewer, "move", "cancel", meeting_id=meeting.id)
        # staff:
        await step.show(
            tr._("✖️ Cancel this talk? The parents will be told."),
            [
                [step.button(tr.label("✖️ Yes, cancel it"), "yes")],
                [step.button(tr.label("⬅️ Back"), "stop")],
            ],
        )
    await done(update)


async def move_text(step: Step, text: str) -> None:
    tr = step.tr
    if step.state.step != "when":
        # staff:
        await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    moment = parse_when(text, step.svc.clock.now(), step.svc.settings.timezone)
    if moment is None:
        # staff:
        await step.show(
            tr._(
                "I could not read “{text}” as a day and time in the future."
                " Try for example <i>di 3 dec 15:30</i> or <i>3-12 15:30</i>.",
                text=text,
            )
        )
        return
    member = await step.staff()
    async with step.svc.db.transaction() as tx:
        moved = (
            await meetings.move(
                tx,
                step.svc.texts,
                step.svc.settings,
                step.svc.clock.now(),
                staff=member,  # type: ignore[arg-type]
                meeting_id=int(step.state.data["meeting_id"]),
                starts_at=moment,  # type: ignore[call-overload]
            )
            if member
            else None
        )
        await tx.clear_flow(step.viewer.user_id)
    if moved is None:
        await step.show(tr._("This button no longer works."))
        return
    # staff:
    await step.show(
        tr._("✅ Moved to {date}. The parents have been told.", date=tr.datetime(moment))
    )


async def move_button(step: Step, value: str) -> None:
    tr = step.tr
    if value == "stop":
        await step.end()
        # staff:
        await step.show(tr._("Stopped. Nothing was sent or saved."))
        return
    if step.state.step == "cancel" and value == "yes":
        member = await step.staff()
        async with step.svc.db.transaction() as tx:
            cancelled = member is not None and await meetings.cancel(
                tx,
                step.svc.texts,
                step.svc.settings,
                step.svc.clock.now(),
                staff=member,
                meeting_id=int(step.state.data["meeting_id"]),  # type: ignore[call-overload]
            )
            await tx.clear_flow(step.viewer.user_id)
        # staff:
        await step.show(
            tr._("✖️ Cancelled. The parents have been told.")
            if cancelled
            else tr._("This button no longer works.")
        )


register(Flow("move", Action.PLAN_MEETING, move_text, move_button))


# --- the summary ------------------------------------------------------------------------

SUMMARY_STEPS = ["attended", "going_well", "agreements", "advice_school", "advice_home",
                 "next_step", "confirm"]  # fmt: skip


@requires(Action.PLAN_MEETING)
async def start_summary(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    wanted = query.data.removeprefix("sum:")
    svc = services(context)
    async with svc.db.transaction() as tx:
        meeting = await tx.meeting(int(wanted)) if wanted.isdigit() else None
        written = await tx.summary(meeting.id) if meeting else None
        invitees = await tx.invitees(meeting.id) if meeting else []
    if meeting is None or meeting.created_by != viewer.person_id or written is not None:
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
    await _ask_summary(step, "attended")
    await done(update)


def _summary_heading(step: Step) -> str:
    number = SUMMARY_STEPS.index(step.state.step) + 1
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
            meeting = await tx.meeting(int(step.state.data["meeting_id"]))  # type: ignore[call-overload]
            assert meeting is not None
            pupil = await tx.pupil(meeting.pupil_id)
            assert pupil is not None
            people = await care.people_of_pupil(tx, pupil)
            invitees = await tx.invitees(meeting.id)
        present = set(step.state.data.get("present", []))  # type: ignore[call-overload]
        rows = []
        for invitee in invitees:
            key = care.person_key(invitee.person_kind, invitee.person_id)
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
        agreements = step.state.data.get("agreements", [])
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
            )  # type: ignore[arg-type]
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
            for key, label in meetings.NEXT_STEPS.items()
        ]
        # staff:
        question = tr._("What is the next step?")
        await step.show(f"{heading}\n{question}", rows)
    else:
        await _summary_confirm(step)


async def _summary_confirm(step: Step) -> None:
    tr = step.tr
    data = step.state.data
    texts = [
        str(data.get("going_well", "")),
        str(data.get("advice_school", "")),
        str(data.get("advice_home", "")),
    ] + [a["what"] for a in data.get("agreements", [])]  # type: ignore[union-attr]
    # staff:
    lines = [
        _summary_heading(step),
        tr._(
            "Ready to send to the parents, protected against"
            " forwarding. Each reader sees the fixed parts in"
            " their own language."
        ),
    ]
    if meetings.looks_medical(*texts):
        # staff:
        lines.append(
            tr._(
                "⚠️ This looks like medical or diagnostic detail. Such detail belongs"
                " in the pupil file, not in a chat. Change it, or send it anyway."
            )
        )
    rows = [
        [step.button(tr.label("✅ Send"), "send")],
        [step.button(tr.label("✏️ Start again"), "restart")],
    ]
    await step.show("\n".join(lines), rows)


async def summary_button(step: Step, value: str) -> None:
    current = step.state.step
    if current == "attended" and value.startswith("who:"):
        present = set(step.state.data.get("present", []))  # type: ignore[call-overload]
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
    if current == "next_step" and value.removeprefix("ns:") in meetings.NEXT_STEPS:
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
    await _ask_summary(step, current)


async def summary_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
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
            *step.state.data.get("agreements", []),  # type: ignore[misc]
            {"what": what, "who": who, "when": when},
        ]
        await step.go(current, agreements=agreements[:10])
        await _ask_summary(step, "agreements")
        return
    await step.go(current, **{current: text})
    await _ask_summary(step, SUMMARY_STEPS[SUMMARY_STEPS.index(current) + 1])


async def _send_summary(step: Step) -> None:
    tr = step.tr
    data = step.state.data
    member = await step.staff()
    async with step.svc.db.transaction() as tx:
        meeting = await tx.meeting(int(data["meeting_id"]))  # type: ignore[call-overload]
        if member is None or meeting is None:
            await tx.clear_flow(step.viewer.user_id)
            return
        pupil = await tx.pupil(meeting.pupil_id)
        assert pupil is not None
        people = await care.people_of_pupil(tx, pupil)
        attended = [people[k].full_name for k in data.get("present", []) if k in people]  # type: ignore[union-attr]
        attended.append(meetings.teacher_name(member))
        reached = await meetings.send_summary(
            tx,
            step.svc.texts,
            step.svc.settings,
            step.svc.clock.now(),
            staff=member,
            meeting_id=meeting.id,
            attended=attended,
            going_well=str(data["going_well"]),
            agreements=[Agreement(**a) for a in data.get("agreements", [])],  # type: ignore[union-attr]
            advice_school=str(data.get("advice_school", "")),
            advice_home=str(data.get("advice_home", "")),
            next_step=str(data["next_step"]),
        )
        await tx.clear_flow(step.viewer.user_id)
    if reached is None:
        await step.show(tr._("This button no longer works."))
        return
    # staff:
    await step.show(
        tr._(
            "✅ Summary sent to {names}. You will see who has read it in the meeting card.",
            names=tr.list_of(list(reached)) or "–",
        )
    )


register(Flow("summary", Action.PLAN_MEETING, summary_text, summary_button))


# --- answering a parent's question ---------------------------------------------------


@requires(Action.PLAN_MEETING)
async def start_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    wanted = query.data.removeprefix("qa:")
    svc = services(context)
    async with svc.db.transaction() as tx:
        question = await tx.question(int(wanted)) if wanted.isdigit() else None
        meeting = await tx.meeting(question["meeting_id"]) if question else None
    if (
        question is None
        or meeting is None
        or meeting.created_by != viewer.person_id
        or (question["answer"] is not None)
    ):
        await say_stale(update, context, viewer)
        return
    step = await begin(update, context, viewer, "reply", "text", question_id=question["id"])
    # staff:
    await step.show(step.tr._("↩️ Type your answer. It is sent as you write it."))
    await done(update)


async def reply_text(step: Step, text: str) -> None:
    tr = step.tr
    member = await step.staff()
    async with step.svc.db.transaction() as tx:
        sent = member is not None and await meetings.answer_question(
            tx,
            step.svc.texts,
            step.svc.clock.now(),
            staff=member,
            question_id=int(step.state.data["question_id"]),
            answer=text[:MAX_TEXT],  # type: ignore[call-overload]
        )
        await tx.clear_flow(step.viewer.user_id)
    # staff:
    await step.show(
        tr._("✅ Your answer was sent.") if sent else tr._("This button no longer works.")
    )


async def reply_button(step: Step, value: str) -> None:
    await step.show(step.tr._("Please use the buttons above, or type /annuleren to stop."))


register(Flow("reply", Action.PLAN_MEETING, reply_text, reply_button))

HANDLERS = [
    CommandHandler("gesprek", start_plan),
    CallbackQueryHandler(start_plan, pattern=r"^menu:meeting$"),
    CallbackQueryHandler(card_action, pattern=r"^mt:\d+:(move|cancel)$"),
    CallbackQueryHandler(start_summary, pattern=r"^sum:\d+$"),
    CallbackQueryHandler(start_reply, pattern=r"^qa:\d+$"),
]
