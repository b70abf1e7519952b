"""`/gesprek`: a teacher plans a parent meeting; the meeting card's buttons move or cancel it;
after the meeting the teacher writes the summary; questions about it are answered here."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import care, meetings
from bot.access import Action, may_see_pupil
from bot.dates import read_when
from bot.i18n import Markup, Translator
from bot.models import Agreement, Meeting, Viewer
from bot.services import Services
from conversations.common import done, markup_from_json, reply, requires, say_stale, services
from conversations.flow import (
    Flow,
    Step,
    ask_pupil,
    begin,
    progress,
    pupil_from_button,
    pupil_from_text,
    register,
    which_day,
)

# Four steps for a standard talk: pupil, kind, time, then a confirmation card with Samen's
# defaults filled in and a button for each thing to change.
PLAN_STEPS = ["pupil", "kind", "when", "confirm"]
# What can be changed from the confirmation card; each returns to it.
CHANGES = ("minutes", "place_kind", "place", "goal", "alternatives")
MINUTES = (10, 15, 30, 45, 60)
MAX_TEXT = 500
MAX_ALTERNATIVES = 3


def _heading(step: Step) -> str:
    tr = step.tr
    current = step.state.step
    number = PLAN_STEPS.index(current) + 1 if current in PLAN_STEPS else len(PLAN_STEPS)
    # staff:
    title = tr._("📅 <b>Plan a talk with parents</b>")
    return f"{title}\n{progress(tr, number, len(PLAN_STEPS))}"


@requires(Action.PLAN_MEETING)
async def start_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "meeting", "pupil", in_place=True)
    await ask_pupil(step, _heading(step))
    await done(update)


def _back(step: Step, value: str = "back") -> list[InlineKeyboardButton]:
    return [step.button(step.tr.label("⬅️ Back"), value)]


async def _free_times(step: Step, minutes: int, skip: int | None = None) -> list[datetime]:
    """The teacher's next free times at the hours she usually plans (`skip`: a talk being
    moved does not clash with itself)."""
    now = step.svc.clock.now()
    settings = step.svc.settings
    async with step.svc.db.reading() as tx:
        earlier = await tx.recent_meetings_of_staff(step.viewer.person_id or "")
        busy = await tx.busy_times_of_staff(
            step.viewer.person_id or "", now, now + timedelta(days=21)
        )
        if skip is not None:
            moved = await tx.meeting(skip)
            busy = [b for b in busy if moved is None or b != (moved.starts_at, moved.minutes)]
    usual = meetings.usual_times(earlier, settings.timezone)
    return meetings.suggested_times(now, settings, usual=usual, busy=busy, minutes=minutes)


def _time_rows(step: Step, picks: list[datetime]) -> list[list[InlineKeyboardButton]]:
    buttons = [step.button(step.tr.datetime(p), f"at:{p.isoformat()}") for p in picks]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _minutes(step: Step) -> int:
    return int(str(step.state.data.get("minutes") or 15))


def _alternatives(step: Step) -> list[str]:
    value = step.state.data.get("alternatives")
    return [str(a) for a in value] if isinstance(value, list) else []


async def _ask(step: Step, name: str, note: str = "") -> None:
    await step.go(name)
    tr = step.tr
    heading = _heading(step) + (f"\n{note}" if note else "")
    if name == "pupil":
        await ask_pupil(step, heading)
    elif name == "kind":
        rows = [
            [step.button(tr.label(label), f"kind:{key}")]
            for key, label in meetings.KINDS.items()
            if key in meetings.USUAL_MINUTES
        ]
        # staff:
        question = tr._("What kind of talk?")
        await step.show(f"{heading}\n{question}", [*rows, _back(step)])
    elif name == "when":
        picks = await _free_times(step, _minutes(step))
        # staff:
        question = tr._(
            "When? Tap one of your free times, or type a day and time, for example"
            " <i>3 dec 15:30</i> or <i>morgen half vier</i>."
        )
        await step.show(f"{heading}\n{question}", [*_time_rows(step, picks), _back(step)])
    elif name == "minutes":
        row = [step.button(tr.label("{n} min", n=m), f"min:{m}") for m in MINUTES]
        # staff:
        question = tr._("How long will it take?")
        await step.show(f"{heading}\n{question}", [row, _back(step, "confirm")])
    elif name == "place_kind":
        rows = [
            [step.button(tr.label("🏫 At school"), "pk:room")],
            [step.button(tr.label("📞 By phone"), "pk:phone")],
            [step.button(tr.label("💻 Video call"), "pk:video")],
        ]
        # staff:
        question = tr._("Where?")
        await step.show(f"{heading}\n{question}", [*rows, _back(step, "confirm")])
    elif name == "place":
        # staff:
        question = {
            "room": tr._("Which room? For example <i>lokaal 12</i>."),
            "phone": tr._("Which phone number? Or type who calls whom."),
            "video": tr._("Paste the video link."),
        }[str(step.state.data.get("place_kind"))]
        await step.show(f"{heading}\n{question}", [_back(step, "confirm")])
    elif name == "goal":
        # staff:
        question = tr._(
            "What is the goal of the talk, in one sentence? Parents read it as you write it."
        )
        # staff:
        standard = tr.label("↩️ Use Samen's text")
        rows = [[step.button(standard, "goal:standard")], _back(step, "confirm")]
        await step.show(f"{heading}\n{question}", rows)
    elif name == "alternatives":
        alternatives = _alternatives(step)
        # staff:
        question = tr._(
            "Do you want to offer another time too? Tap one or type it. Parents can then choose it."
        )
        if alternatives:
            shown = tr.list_of([tr.datetime(datetime.fromisoformat(a)) for a in alternatives])
            # staff:
            question += "\n" + tr._("Other times: {times}", times=shown)
        starts = str(step.state.data["starts_at"])
        picks = [
            p
            for p in await _free_times(step, _minutes(step))
            if p.isoformat() != starts and p.isoformat() not in alternatives
        ][:4]
        # Once a time is added, the way on must not read as if it was dropped.
        done_label = (
            # staff:
            tr.label("➡️ Done, continue")
            if alternatives
            # staff:
            else tr.label("➡️ No other times")
        )
        rows = [*_time_rows(step, picks), [step.button(done_label, "confirm")]]
        await step.show(f"{heading}\n{question}", rows)
    else:
        await _show_confirm(step, note)


async def _with_defaults(step: Step) -> None:
    """Fill in what Samen can suggest: the place the teacher used last (else her pupil's
    group room) and the standard goal of the kind."""
    data = step.state.data
    if "place_kind" in data:
        return
    async with step.svc.db.reading() as tx:
        earlier = await tx.recent_meetings_of_staff(step.viewer.person_id or "", limit=1)
        pupil = await tx.pupil(str(data["pupil_id"]))
    if earlier:
        place_kind, place = earlier[0].place_kind, earlier[0].place
    else:
        place_kind, place = "room", pupil.group if pupil else "?"
    await step.go(step.state.step, place_kind=place_kind, place=place, goal="", alternatives=[])


def _draft(step: Step) -> Meeting:
    """The talk as planned so far, for showing it as parents and the teacher will see it."""
    data = step.state.data
    return Meeting(
        id=0,
        pupil_id=str(data["pupil_id"]),
        kind=str(data["kind"]),
        starts_at=datetime.fromisoformat(str(data["starts_at"])),
        minutes=_minutes(step),
        place_kind=str(data["place_kind"]),
        place=str(data["place"]),
        goal=str(data.get("goal") or ""),
        alternatives=tuple(datetime.fromisoformat(a) for a in _alternatives(step)),
        created_by=step.viewer.person_id or "",
        version=1,
        cancelled_at=None,
        card_outbox_id=None,
        round_id=None,
        summary_prompted_at=None,
    )


async def _show_confirm(step: Step, note: str = "") -> None:
    await _with_defaults(step)
    tr = step.tr
    draft = _draft(step)
    async with step.svc.db.reading() as tx:
        pupil = await tx.pupil(draft.pupil_id)
        assert pupil is not None
        invited = await meetings.invitees_for(
            tx, step.svc.settings, step.svc.clock.now(), pupil.pupil_id
        )
        people = await care.people_of_pupil(tx, pupil)
        reachable = await tx.reachable_among(invited)
    names = [
        care.describe(tr, people[care.person_key(kind, person_id)], pupil.first_name)
        + ("" if (kind, person_id) in reachable else " ⚠️")
        for kind, person_id in invited
    ]
    if draft.goal:
        # staff:
        goal_line = tr._("Goal: “{goal}”", goal=draft.goal)
    else:
        standard = meetings.goal_text(tr, draft, "")
        # staff:
        goal_line = tr._(
            "Goal: {goal} <i>(Samen's text, in each parent's language)</i>",
            goal=Markup(standard, standard),
        )
    lines = [
        _heading(step),
        # staff:
        tr._(
            "<b>{kind}</b> about {pupil}",
            kind=tr.label(meetings.KINDS[draft.kind]),
            pupil=f"{pupil.first_name} {pupil.last_name}",
        ),
        # staff:
        tr._(
            "{date}, {minutes} min, {place}",
            date=tr.datetime(draft.starts_at),
            minutes=draft.minutes,
            place=meetings.place_text(tr, draft),
        ),
        goal_line,
    ]
    if draft.alternatives:
        # staff:
        lines.append(
            tr._(
                "Other times: {times}",
                times=tr.list_of([tr.datetime(a) for a in draft.alternatives]),
            )
        )
    # staff:
    lines.append(tr._("Invitation to: {names}", names=tr.list_of(names) or "–"))
    if any("⚠️" in n for n in names):
        # staff:
        lines.append(tr._("⚠️ Not in Samen yet: they get nothing by chat. Please call or write."))
    if note:
        lines.append(note)
    rows = [
        [step.button(tr.label("✅ Send"), "send")],
        [
            # staff:
            step.button(tr.label("⏱ Length"), "change:minutes"),
            # staff:
            step.button(tr.label("📍 Place"), "change:place_kind"),
        ],
        [
            # staff:
            step.button(tr.label("🎯 Goal"), "change:goal"),
            # staff:
            step.button(tr.label("➕ Other times"), "change:alternatives"),
        ],
        _back(step),
    ]
    await step.show("\n".join(lines), rows)


async def _chosen_time(step: Step, moment: datetime) -> None:
    """A time is chosen: for the talk itself, or as another time parents may choose."""
    if step.state.step == "alternatives":
        alternatives = [*_alternatives(step), moment.isoformat()][:MAX_ALTERNATIVES]
        await step.go("alternatives", alternatives=alternatives)
        await _ask(step, "alternatives" if len(alternatives) < MAX_ALTERNATIVES else "confirm")
        return
    await step.go("when", starts_at=moment.isoformat())
    await _ask(step, "confirm")


async def plan_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "back":
        previous = (
            PLAN_STEPS[max(PLAN_STEPS.index(current) - 1, 0)]
            if current in PLAN_STEPS
            else "confirm"
        )
        await _ask(step, previous)
        return
    if value == "confirm" and current in CHANGES:
        await _ask(step, "confirm")
        return
    if current == "pupil":
        pupil = await pupil_from_button(step, value, _heading(step))
        if pupil is not None:
            await step.go("pupil", pupil_id=pupil.pupil_id)
            await _ask(step, "kind")
        return
    if current == "kind" and value.removeprefix("kind:") in meetings.USUAL_MINUTES:
        kind = value.removeprefix("kind:")
        await step.go("kind", kind=kind, minutes=meetings.USUAL_MINUTES[kind])
        await _ask(step, "when")
        return
    if current in ("when", "alternatives") and value.startswith("at:"):
        moment = _future(step, value.removeprefix("at:"))
        if moment is not None:
            await _chosen_time(step, moment)
            return
    if current == "confirm" and value.removeprefix("change:") in CHANGES:
        await _ask(step, value.removeprefix("change:"))
        return
    if current == "minutes" and value.removeprefix("min:") in {str(m) for m in MINUTES}:
        await step.go("minutes", minutes=int(value.removeprefix("min:")))
        await _ask(step, "confirm")
        return
    if current == "place_kind" and value in ("pk:room", "pk:phone", "pk:video"):
        await step.go("place_kind", place_kind=value[3:])
        await _ask(step, "place")
        return
    if current == "goal" and value == "goal:standard":
        await step.go("goal", goal="")
        await _ask(step, "confirm")
        return
    if current == "confirm" and value == "send":
        await _send(step)
        return
    await _ask(step, current)


def _future(step: Step, iso: str) -> datetime | None:
    """A tapped time, checked again: it must be a moment, and still ahead."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo and moment > step.svc.clock.now() else None


async def _typed_time(step: Step, text: str, back: str) -> datetime | None:
    """A typed day and time; on a weekday that contradicts the date, ask which is meant."""
    tr = step.tr
    when = read_when(text, step.svc.clock.now(), step.svc.settings.timezone)
    if when is None:
        # staff:
        note = tr._(
            "I could not read “{text}” as a day and time in the future."
            " Try for example <i>3 dec 15:30</i> or <i>dinsdag half vier</i>.",
            text=text,
        )
        await step.show(note, [_back(step, back)])
        return None
    if when.other is not None:
        await step.go(step.state.step)
        question, rows = which_day(step, when, _back(step, back))
        await step.show(question, rows)
        return None
    return when.moment


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
        moment = await _typed_time(step, text, "back" if current == "when" else "confirm")
        if moment is not None:
            await _chosen_time(step, moment)
        return
    if current in ("place", "goal"):
        if not 2 <= len(text) <= MAX_TEXT:
            # staff:
            await step.show(tr._("Please keep it shorter (at most {n} characters).", n=MAX_TEXT))
            return
        await step.go(current, **{current: text})
        await _ask(step, "confirm")
        return
    # staff:
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _send(step: Step) -> None:
    tr = step.tr
    draft = _draft(step)
    member = await step.staff()
    if member is None:
        await step.end()
        return
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(draft.pupil_id)
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
            kind=draft.kind,
            starts_at=draft.starts_at,
            minutes=draft.minutes,
            place_kind=draft.place_kind,
            place=draft.place,
            goal=draft.goal,
            alternatives=draft.alternatives,
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


async def _card(
    svc: Services, tr: Translator, meeting_id: int
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """The meeting card as it should look now (a way back must restore exactly this)."""
    async with svc.db.reading() as tx:
        meeting = await tx.meeting(meeting_id)
        assert meeting is not None
        text, keyboard = await meetings.card_screen(tx, tr, meeting, svc.settings, svc.clock.now())
    rows = markup_from_json(keyboard).inline_keyboard if keyboard else ()
    return text, [list(row) for row in rows]


@requires(Action.PLAN_MEETING)
async def card_action(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    svc = services(context)
    async with svc.db.reading() as tx:
        meeting = (
            await tx.meeting(int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None
        )
    if meeting is None or meeting.created_by != viewer.person_id or meeting.cancelled_at:
        await say_stale(update, context, viewer)
        return
    tr = svc.texts(viewer.language)
    card, now_rows = await _card(svc, tr, meeting.id)
    if meeting.starts_at <= svc.clock.now():
        # The talk has begun: the card shows what fits now instead.
        # staff:
        note = tr._("This talk has already started, so it cannot be moved or cancelled.")
        await reply(update, f"{card}\n\n{note}", InlineKeyboardMarkup(now_rows), edit=True)
        await done(update)
        return
    if parts[2] == "move":
        step = await begin(
            update, context, viewer, "move", "when", in_place=True, meeting_id=meeting.id
        )
        picks = await _free_times(step, meeting.minutes, skip=meeting.id)
        # staff:
        question = tr._(
            "🕒 New day and time? Tap one of your free times or type it, for example"
            " <i>donderdag 14:00</i>. The parents will be told in their own language."
        )
        await step.show(f"{card}\n\n{question}", [*_time_rows(step, picks), _back(step, "stop")])
    else:
        step = await begin(
            update, context, viewer, "move", "cancel", in_place=True, meeting_id=meeting.id
        )
        # staff:
        question = tr._("✖️ Cancel this talk? The parents will be told.")
        rows = [[step.button(tr.label("✖️ Yes, cancel it"), "yes")], _back(step, "stop")]
        await step.show(f"{card}\n\n{question}", rows)
    await done(update)


async def _show_card(step: Step, note: str = "") -> None:
    """End on the card itself, as it is now, with a line about what just happened."""
    text, rows = await _card(step.svc, step.tr, int(str(step.state.data["meeting_id"])))
    await step.show(f"{text}\n\n{note}" if note else text, rows)


async def _move_to(step: Step, moment: datetime) -> None:
    tr = step.tr
    member = await step.staff()
    async with step.svc.db.transaction() as tx:
        moved = (
            await meetings.move(
                tx,
                step.svc.texts,
                step.svc.settings,
                step.svc.clock.now(),
                staff=member,
                meeting_id=int(str(step.state.data["meeting_id"])),
                starts_at=moment,
            )
            if member
            else None
        )
        await tx.clear_flow(step.viewer.user_id)
    if moved is None:
        await step.show(tr._("This button no longer works."))
        return
    # staff:
    await _show_card(
        step, tr._("✅ Moved to {date}. The parents have been told.", date=tr.datetime(moment))
    )


async def move_text(step: Step, text: str) -> None:
    tr = step.tr
    if step.state.step != "when":
        # staff:
        await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    moment = await _typed_time(step, text, "stop")
    if moment is not None:
        await _move_to(step, moment)


async def move_button(step: Step, value: str) -> None:
    tr = step.tr
    if value == "stop":
        await step.end()
        await _show_card(step)
        return
    if step.state.step == "when" and value.startswith("at:"):
        moment = _future(step, value.removeprefix("at:"))
        if moment is not None:
            await _move_to(step, moment)
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
                meeting_id=int(str(step.state.data["meeting_id"])),
            )
            await tx.clear_flow(step.viewer.user_id)
        if cancelled:
            # staff:
            await _show_card(step, tr._("✖️ Cancelled. The parents have been told."))
        else:
            await step.show(tr._("This button no longer works."))
        return
    await step.end()
    await _show_card(step)


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


@requires(Action.PLAN_MEETING)
async def view_summary(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """The summary as the parents got it, for the teacher who wrote it, in her language."""
    query = update.callback_query
    assert query is not None and query.data is not None
    wanted = query.data.removeprefix("sumv:")
    svc = services(context)
    async with svc.db.reading() as tx:
        meeting = await tx.meeting(int(wanted)) if wanted.isdigit() else None
        summary = await tx.summary(meeting.id) if meeting else None
        pupil = await tx.pupil(meeting.pupil_id) if meeting else None
        staff = await tx.staff_member(viewer.person_id or "")
    if (
        meeting is None
        or summary is None
        or pupil is None
        or staff is None
        or meeting.created_by != viewer.person_id
    ):
        await say_stale(update, context, viewer)
        return
    tr = svc.texts(viewer.language)
    text = meetings.summary_text(
        tr,
        summary,
        meeting,
        child=pupil.first_name,
        teacher=meetings.teacher_name(staff),
        attended=summary.attended,
    )
    await reply(update, text)
    await done(update)


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
    CallbackQueryHandler(view_summary, pattern=r"^sumv:\d+$"),
    CallbackQueryHandler(start_reply, pattern=r"^qa:\d+$"),
]
