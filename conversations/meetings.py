"""`/gesprek`: a teacher plans a parent talk in four steps (pupil, kind, time, a confirmation
card with Samen's defaults). The card's buttons live in `meeting_card`, the summary in
`summaries`; the time pickers here are shared with moving a talk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import Markup, Translator
from bot.rules.models import Meeting, Pupil, Viewer
from bot.rules.permissions import Action
from bot.services import meetings, pupil_discussions
from bot.services.context import Services
from bot.texts import meeting_messages
from conversations.common import Handlers
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import requires
from conversations.moments import future_moment, typed_time
from conversations.pupils import PupilStep, ask_pupil, still_visible
from conversations.replies import done, not_in_samen

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


async def own_meeting(svc: Services, viewer: Viewer, meeting_id: int) -> Meeting | None:
    """The talk a teacher's button names, only when she planned it: the button says which
    talk, the database says whose."""
    async with svc.db.reading() as tx:
        meeting = await tx.meeting(meeting_id)
    return meeting if meeting is not None and meeting.created_by == viewer.person_id else None


async def free_times(step: Step, minutes: int, skip: int | None = None) -> list[datetime]:
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


def time_rows(step: Step, picks: list[datetime]) -> list[list[InlineKeyboardButton]]:
    buttons = [step.button(step.tr.datetime(p), f"at:{p.isoformat()}") for p in picks]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _minutes(step: Step) -> int:
    return int(str(step.state.data.get("minutes") or 15))


def _alternatives(step: Step) -> list[str]:
    value = step.state.data.get("alternatives")
    return [str(a) for a in value] if isinstance(value, list) else []


async def _ask_kind_of_talk(step: Step, heading: str) -> None:
    tr = step.tr
    rows = [
        [step.button(tr.label(label), f"kind:{key}")]
        for key, label in meeting_messages.KINDS.items()
        if key in meetings.USUAL_MINUTES
    ]
    # staff:
    question = tr._("What kind of talk?")
    await step.show(f"{heading}\n{question}", [*rows, step.back_row()])


async def _ask_when(step: Step, heading: str) -> None:
    picks = await free_times(step, _minutes(step))
    # staff:
    question = step.tr._(
        "When? Tap one of your free times, or type a day and time, for example"
        " <i>3 dec 15:30</i> or <i>morgen half vier</i>."
    )
    await step.show(f"{heading}\n{question}", [*time_rows(step, picks), step.back_row()])


async def _ask_minutes(step: Step, heading: str) -> None:
    tr = step.tr
    row = [step.button(tr.label("{n} min", n=m), f"min:{m}") for m in MINUTES]
    # staff:
    question = tr._("How long will it take?")
    await step.show(f"{heading}\n{question}", [row, step.back_row("confirm")])


async def _ask_place_kind(step: Step, heading: str) -> None:
    tr = step.tr
    rows = [
        [step.button(tr.label("🏫 At school"), "pk:room")],
        [step.button(tr.label("📞 By phone"), "pk:phone")],
        [step.button(tr.label("💻 Video call"), "pk:video")],
    ]
    # staff:
    question = tr._("Where?")
    await step.show(f"{heading}\n{question}", [*rows, step.back_row("confirm")])


async def _ask_place(step: Step, heading: str) -> None:
    """The place itself, asked as fits the kind of place chosen."""
    tr = step.tr
    # staff:
    question = {
        "room": tr._("Which room? For example <i>lokaal 12</i>."),
        "phone": tr._("Which phone number? Or type who calls whom."),
        "video": tr._("Paste the video link."),
    }[str(step.state.data.get("place_kind"))]
    await step.show(f"{heading}\n{question}", [step.back_row("confirm")])


async def _ask_goal(step: Step, heading: str) -> None:
    tr = step.tr
    # staff:
    question = tr._(
        "What is the goal of the talk, in one sentence? Parents read it as you write it."
    )
    # staff:
    standard = tr.label("↩️ Use Samen's text")
    rows = [[step.button(standard, "goal:standard")], step.back_row("confirm")]
    await step.show(f"{heading}\n{question}", rows)


async def _other_picks(step: Step, alternatives: list[str]) -> list[datetime]:
    """Free times to offer as another time: not the talk's own time, nor one added already."""
    starts = str(step.state.data["starts_at"])
    return [
        p
        for p in await free_times(step, _minutes(step))
        if p.isoformat() != starts and p.isoformat() not in alternatives
    ][:4]


async def _ask_alternatives(step: Step, heading: str) -> None:
    tr = step.tr
    alternatives = _alternatives(step)
    # staff:
    question = tr._(
        "Do you want to offer another time too? Tap one or type it. Parents can then choose it."
    )
    if alternatives:
        shown = tr.list_of([tr.datetime(datetime.fromisoformat(a)) for a in alternatives])
        # staff:
        question += "\n" + tr._("Other times: {times}", times=shown)
    picks = await _other_picks(step, alternatives)
    # Once a time is added, the way on must not read as if it was dropped.
    done_label = (
        # staff:
        tr.label("➡️ Done, continue")
        if alternatives
        # staff:
        else tr.label("➡️ No other times")
    )
    rows = [*time_rows(step, picks), [step.button(done_label, "confirm")]]
    await step.show(f"{heading}\n{question}", rows)


# The question of each step, shown under the heading; any other step is the confirmation card.
QUESTIONS: dict[str, Callable[[Step, str], Awaitable[None]]] = {
    "pupil": ask_pupil,
    "kind": _ask_kind_of_talk,
    "when": _ask_when,
    "minutes": _ask_minutes,
    "place_kind": _ask_place_kind,
    "place": _ask_place,
    "goal": _ask_goal,
    "alternatives": _ask_alternatives,
}


async def _ask(step: Step, name: str, note: str = "") -> None:
    await step.go(name)
    question = QUESTIONS.get(name)
    if question is None:
        await _show_confirm(step, note)
        return
    await question(step, _heading(step) + (f"\n{note}" if note else ""))


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


async def _invited(step: Step, draft: Meeting) -> tuple[Pupil, list[str]]:
    """The pupil, and who the invitation goes to: each by name, marked when not in Samen."""
    async with step.svc.reading() as w:
        pupil = await w.tx.pupil(draft.pupil_id)
        assert pupil is not None
        invited = await meetings.invitees_for(w, pupil.pupil_id)
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        reachable = await w.tx.reachable_among(invited)
    names = [
        pupil_discussions.describe(
            step.tr, people[pupil_discussions.person_key(kind, person_id)], pupil.first_name
        )
        + ("" if (kind, person_id) in reachable else " ⚠️")
        for kind, person_id in invited
    ]
    return pupil, names


def _goal_line(tr: Translator, draft: Meeting) -> str:
    """The teacher's own goal as written, else Samen's standard text of the kind."""
    if draft.goal:
        # staff:
        return tr._("Goal: “{goal}”", goal=draft.goal)
    standard = meeting_messages.goal_text(tr, draft, "")
    # staff:
    return tr._(
        "Goal: {goal} <i>(Samen's text, in each parent's language)</i>",
        goal=Markup(standard, standard),
    )


def _talk_lines(tr: Translator, draft: Meeting, pupil: Pupil) -> list[str]:
    """What, about whom, when, where and why: the talk as it will be sent."""
    lines = [
        # staff:
        tr._(
            "<b>{kind}</b> about {pupil}",
            kind=tr.label(meeting_messages.KINDS[draft.kind]),
            pupil=f"{pupil.first_name} {pupil.last_name}",
        ),
        # staff:
        tr._(
            "{date}, {minutes} min, {place}",
            date=tr.datetime(draft.starts_at),
            minutes=draft.minutes,
            place=meeting_messages.place_text(tr, draft),
        ),
        _goal_line(tr, draft),
    ]
    if draft.alternatives:
        # staff:
        lines.append(
            tr._(
                "Other times: {times}",
                times=tr.list_of([tr.datetime(a) for a in draft.alternatives]),
            )
        )
    return lines


def _invitee_lines(tr: Translator, names: list[str]) -> list[str]:
    # staff:
    lines = [tr._("Invitation to: {names}", names=tr.list_of(names) or "–")]
    if any("⚠️" in n for n in names):
        # staff:
        lines.append(tr._("⚠️ Not in Samen yet: they get nothing by chat. Please call or write."))
    return lines


def _confirm_rows(step: Step) -> list[list[InlineKeyboardButton]]:
    """Send, a button for each thing to change, and Back."""
    tr = step.tr
    return [
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
        step.back_row(),
    ]


async def _show_confirm(step: Step, note: str = "") -> None:
    await _with_defaults(step)
    tr = step.tr
    draft = _draft(step)
    pupil, names = await _invited(step, draft)
    lines = [
        _heading(step),
        *_talk_lines(tr, draft, pupil),
        *_invitee_lines(tr, names),
        *([note] if note else []),
    ]
    await step.show("\n".join(lines), _confirm_rows(step))


async def _chosen_time(step: Step, moment: datetime) -> None:
    """A time is chosen: for the talk itself, or as another time parents may choose."""
    if step.state.step == "alternatives":
        alternatives = [*_alternatives(step), moment.isoformat()][:MAX_ALTERNATIVES]
        await step.go("alternatives", alternatives=alternatives)
        await _ask(step, "alternatives" if len(alternatives) < MAX_ALTERNATIVES else "confirm")
        return
    await step.go("when", starts_at=moment.isoformat())
    await _ask(step, "confirm")


async def _ask_kind(step: Step) -> None:
    await _ask(step, "kind")


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
    if current == "kind" and value.removeprefix("kind:") in meetings.USUAL_MINUTES:
        kind = value.removeprefix("kind:")
        await step.go("kind", kind=kind, minutes=meetings.USUAL_MINUTES[kind])
        await _ask(step, "when")
        return
    if current in ("when", "alternatives") and value.startswith("at:"):
        moment = future_moment(step, value.removeprefix("at:"))
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


async def plan_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if current in ("when", "alternatives"):
        moment = await typed_time(step, text, "back" if current == "when" else "confirm")
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
    async with step.finishing() as w:
        pupil = await still_visible(step, w, member, draft.pupil_id)
        if pupil is None:
            return
        planned = await meetings.plan_meeting(
            w,
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
    if planned.paused:
        # Nothing was sent: staff must not believe the family was told.
        lines = [
            # staff:
            tr._(
                "⏸ Not sent: a safety exception applies to {child}. The coordinator decides"
                " whether and when the family hears of this talk.",
                child=pupil.first_name,
            )
        ]
    else:
        # staff:
        lines = [
            tr.n_(
                "✅ Invitation sent to {n} person.",
                "✅ Invitation sent to {n} people.",
                len(planned.reached),
            )
        ]
        lines += not_in_samen(tr, planned.not_linked)
        # staff:
        lines.append(tr._("You will see their answers in the meeting card below."))
    await step.show("\n".join(lines))


register(
    Flow(
        "meeting",
        Action.PLAN_MEETING,
        plan_text,
        plan_button,
        PupilStep(_heading, "pupil", _ask_kind),
    )
)


HANDLERS: Handlers = [
    CommandHandler("gesprek", start_plan),
    CallbackQueryHandler(start_plan, pattern=r"^menu:meeting$"),
]
