"""`/ronde`: a teacher opens short talks for a group; families choose a time with buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import N_, Translator
from bot.rules.callback_data import (
    JoinTap,
    RoundBlocksTap,
    RoundDaysTap,
    RoundDayTap,
    RoundSlotTap,
    SlotBlockTap,
)
from bot.rules.dates import parse_days, parse_window, read_when
from bot.rules.models import Viewer
from bot.rules.permissions import Action, visible_groups
from bot.rules.round_slots import make_slots
from bot.services import rounds
from bot.texts import round_messages
from conversations.common import Handlers, services, tr_for
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import on_tap, requires
from conversations.keyboards import button, markup_from_json
from conversations.meeting_answers import refuse_answer
from conversations.moments import which_day
from conversations.replies import answer_with_menu, done, not_in_samen, reply, say_stale

STEPS = ["group", "days", "window", "minutes", "place", "deadline", "confirm"]
MINUTES = (10, 15, 20)


# The steps answered by typing, and their question.
TYPED = {
    # staff:
    "days": N_("On which days? For example <i>di 8 dec, do 10 dec</i>."),
    # staff:
    "window": N_("Between which times? For example <i>15:00-17:00</i>."),
    # staff:
    "place": N_("Where? For example <i>lokaal 12</i>."),
    # staff:
    "deadline": N_("Until when can families choose? For example <i>vr 4 dec 12:00</i>."),
}


def _heading(step: Step) -> str:
    number = STEPS.index(step.state.step) + 1
    # staff:
    title = step.tr._("🗓 <b>Short talks for a whole group</b>")
    return f"{title}\n{progress(step.tr, number, len(STEPS))}"


async def _groups(step: Step) -> list[str]:
    member = await step.staff()
    async with step.svc.db.transaction() as tx:
        return visible_groups(member, await tx.groups()) if member else []


@requires(Action.PLAN_MEETING)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "round", "group")
    await _ask(step, "group")
    await done(update)


async def _ask(step: Step, name: str, note: str = "") -> None:
    await step.go(name)
    tr = step.tr
    heading = _heading(step) + (f"\n{note}" if note else "")
    if name == "group":
        groups = await _groups(step)
        rows = [[step.button(g, f"g:{i}")] for i, g in enumerate(groups[:40])]
        # staff:
        question = tr._("For which group?")
        await step.show(f"{heading}\n{question}", rows)
    elif name in TYPED:
        await step.show(f"{heading}\n{tr._(TYPED[name])}", [step.back_row()])
    elif name == "minutes":
        # staff:
        row = [step.button(tr.label("{n} min", n=m), f"min:{m}") for m in MINUTES]
        # staff:
        question = tr._("How long is each talk?")
        await step.show(f"{heading}\n{question}", [row, step.back_row()])
    else:
        await _confirm(step)


@dataclass
class RoundDraft:
    """What the round flow knows so far."""

    group: str = ""
    minutes: int = 0
    place: str = ""
    days: list[str] = field(default_factory=list)  # ISO dates
    start: str = ""  # ISO time the window opens
    end: str = ""  # … and closes
    deadline: str = ""  # ISO moment
    deadline_options: list[str] = field(default_factory=list)  # readings offered to tap


def _planned_slots(step: Step) -> list[datetime]:
    data = step.draft(RoundDraft)
    days = [date.fromisoformat(d) for d in data.days]
    window = (time.fromisoformat(data.start), time.fromisoformat(data.end))
    return make_slots(days, window, data.minutes, step.svc.settings.timezone)


async def _confirm(step: Step) -> None:
    tr = step.tr
    data = step.draft(RoundDraft)
    slots = _planned_slots(step)
    async with step.svc.db.transaction() as tx:
        families = len(await tx.contacts_of_groups([data.group]))
    lines = [
        _heading(step),
        # staff:
        tr._(
            "Group {group}: {slots} times of {minutes} minutes for {families} families.",
            group=data.group,
            slots=len(slots),
            minutes=data.minutes,
            families=families,
        ),
        # staff:
        tr._(
            "Choose before: {deadline}",
            deadline=tr.datetime(datetime.fromisoformat(data.deadline)),
        ),
    ]
    if len(slots) < families:
        # staff:
        lines.append(tr._("⚠️ Fewer times than families. Add a day or a longer window?"))
    # staff:
    rows = [[step.button(tr.label("✅ Open and invite the families"), "open")], step.back_row()]
    await step.show("\n".join(lines), rows)


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "back":
        await _ask(step, STEPS[max(STEPS.index(current) - 1, 0)])
        return
    if current == "group" and value.startswith("g:"):
        groups = await _groups(step)
        index = value[2:]
        if index.isdigit() and int(index) < len(groups):
            await step.go(current, group=groups[int(index)])
            await _ask(step, "days")
            return
    if current == "minutes" and value.startswith("min:") and int(value[4:]) in MINUTES:
        await step.go(current, minutes=int(value[4:]))
        await _ask(step, "place")
        return
    if current == "deadline" and value.startswith("at:"):
        # Only a reading offered for what was typed counts, checked again when tapped.
        iso = value.removeprefix("at:")
        if iso in step.draft(RoundDraft).deadline_options:
            await _set_deadline(step, datetime.fromisoformat(iso))
            return
    if current == "confirm" and value == "open":
        await _open(step)
        return
    await _ask(step, current)


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    now = step.svc.clock.now()
    tz = step.svc.settings.timezone
    if current == "days":
        days = parse_days(text, now, tz)
        if days is None:
            # staff:
            await _ask(
                step, current, tr._("I could not read “{text}” as days from today on.", text=text)
            )
            return
        await step.go(current, days=[d.isoformat() for d in days])
        await _ask(step, "window")
    elif current == "window":
        window = parse_window(text)
        if window is None:
            # staff:
            await _ask(step, current, tr._("I could not read “{text}” as two times.", text=text))
            return
        await step.go(current, start=window[0].isoformat(), end=window[1].isoformat())
        await _ask(step, "minutes")
    elif current == "place":
        await step.go(current, place=text[:200])
        await _ask(step, "deadline")
    elif current == "deadline":
        when = read_when(text, now, tz)
        if when is None:
            # staff:
            note = tr._("I could not read “{text}” as a day and time in the future.", text=text)
            await _ask(step, current, note)
            return
        if when.other is not None:
            # "wo 4 dec" while 4 December is a Friday: ask, and accept only these two readings.
            options = [when.moment.isoformat(), when.other.isoformat()]
            await step.go(current, deadline_options=options)
            again = step.back_row("again")
            question, rows = which_day(step, when, again)
            await step.show(f"{_heading(step)}\n{question}", rows)
            return
        await _set_deadline(step, when.moment)
    else:
        # staff:
        await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _set_deadline(step: Step, deadline: datetime) -> None:
    slots = _planned_slots(step)
    if deadline <= step.svc.clock.now() or not slots or deadline >= slots[0]:
        # staff:
        note = step.tr._("The deadline must be a moment before the first talk.")
        await _ask(step, "deadline", note)
        return
    await step.go("deadline", deadline=deadline.isoformat(), deadline_options=[])
    await _ask(step, "confirm")


async def _open(step: Step) -> None:
    tr = step.tr
    data = step.draft(RoundDraft)
    member = await step.staff()
    if member is None or data.group not in await _groups(step):
        await step.end()
        return
    async with step.finishing() as w:
        opened = await rounds.open_round(
            w,
            staff=member,
            group=data.group,
            slots=_planned_slots(step),
            minutes=data.minutes,
            place=data.place,
            deadline=datetime.fromisoformat(data.deadline),
        )
    # staff:
    lines = [
        tr._(
            "✅ {slots} times opened; {n} parents invited.",
            slots=opened.slots,
            n=len(opened.invited),
        )
    ]
    lines += not_in_samen(tr, opened.not_linked)
    # staff:
    lines.append(tr._("You get one overview when the time to choose is over."))
    # staff:
    rows = [[button(tr.label("🚫 Block or free a time"), str(RoundBlocksTap(opened.round_id)))]]
    await reply(step.update, "\n".join(lines), InlineKeyboardMarkup(rows), edit=step.tapped)


register(Flow("round", Action.PLAN_MEETING, on_text, on_button))


# --- the teacher blocks times -----------------------------------------------------------


@requires(Action.PLAN_MEETING)
@on_tap(RoundBlocksTap)
async def block_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: RoundBlocksTap
) -> None:
    await _show_blocks(update, context, viewer, tap.round_id)


@requires(Action.PLAN_MEETING)
@on_tap(SlotBlockTap)
async def block_slot(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: SlotBlockTap
) -> None:
    await _show_blocks(update, context, viewer, tap.round_id, block=tap.slot_id)


async def _show_blocks(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    round_id: int,
    *,
    block: int | None = None,
) -> None:
    """The free times of the teacher's own round, each to block or free; `block` first
    blocks or frees that one."""
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.work() as w:
        round_ = await w.tx.round(round_id)
        if round_ is None or round_.created_by != viewer.person_id:
            round_ = None
        elif block is not None:
            member = await w.tx.staff_member(viewer.person_id or "")
            assert member is not None
            await rounds.block(w, member, round_.id, block)
        slots = await w.tx.slots(round_.id) if round_ else []
    if round_ is None:
        await say_stale(update, context, viewer)
        return
    rows = []
    for slot in slots:
        if slot.pupil_id is not None:
            continue
        mark = "🚫 " if slot.blocked else "🟢 "
        label = tr.lines(mark + tr.datetime(slot.starts_at))
        rows.append([button(label, str(SlotBlockTap(round_.id, slot.id)))])
    # staff:
    text = tr._("Tap a time to block it, or to free it again. Booked times are not shown.")
    await reply(update, text, InlineKeyboardMarkup(rows[:60]), edit=True)
    await done(update)


# --- families choose -------------------------------------------------------------------


@requires(Action.ANSWER_CARE)
@on_tap(RoundDaysTap)
async def choose_day(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: RoundDaysTap
) -> None:
    """A family opens the round for one child: the days with free times (or the times)."""
    await _offer(update, context, viewer, tap.round_id, tap.pupil_id)


@requires(Action.ANSWER_CARE)
@on_tap(RoundDayTap)
async def choose_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: RoundDayTap
) -> None:
    """The free times on the day the family chose."""
    try:
        day = datetime.strptime(tap.day, "%Y%m%d").date()
    except ValueError:
        await say_stale(update, context, viewer)
        return
    await _offer(update, context, viewer, tap.round_id, tap.pupil_id, day)


@requires(Action.ANSWER_CARE)
@on_tap(RoundSlotTap)
async def book(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: RoundSlotTap
) -> None:
    """The family books a time: confirmed, or the times again with why it did not work."""
    svc = services(context)
    tr = tr_for(context, viewer)
    line = ""
    async with svc.work() as w:
        booking = await rounds.book(
            w,
            person=viewer.person,
            round_id=tap.round_id,
            pupil_id=tap.pupil_id,
            slot_id=tap.slot_id,
        )
        if booking.outcome is rounds.Booked.BOOKED and booking.slot is not None:
            # Read in the same unit of work: the talk, child and teacher it just read.
            line = await rounds.booked_text(
                w.tx, tr, viewer.person, booking.slot, booking.meeting_id
            )
    outcome, slot = booking.outcome, booking.slot
    if outcome is rounds.Booked.BOOKED and slot is not None:
        again = button(
            tr.label("↩️ Choose another time"), str(RoundDaysTap(tap.round_id, tap.pupil_id))
        )
        await reply(update, line, InlineKeyboardMarkup([[again]]), edit=True)
        await done(update)
        return
    if outcome in (rounds.Booked.NOT_YOURS, rounds.Booked.CLOSED, rounds.Booked.ALREADY):
        await _closed(update, context, viewer, outcome)
        return
    note = {
        rounds.Booked.TAKEN: tr._("That time was just taken. Please choose another one."),
        rounds.Booked.OVERLAP: tr._(
            "You already have a talk at that time. Please choose another one."
        ),
    }.get(outcome, "")
    if booking.instead is not None:
        await _show_times(update, tr, booking.instead, None, note)
        await done(update)
        return
    await _offer(update, context, viewer, tap.round_id, tap.pupil_id, note=note)


async def _offer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    round_id: int,
    pupil_id: str,
    day: date | None = None,
    note: str = "",
) -> None:
    """The free times of a round for one child: the days first, or the times on one day."""
    svc = services(context)
    async with svc.work() as w:
        found = await rounds.choice(w, person=viewer.person, round_id=round_id, pupil_id=pupil_id)
    if isinstance(found, rounds.Booked):
        await _closed(update, context, viewer, found)
        return
    if found.other_booking is not None:
        await _closed(update, context, viewer, rounds.Booked.ALREADY, found)
        return
    await _show_times(update, tr_for(context, viewer), found, day, note)
    await done(update)


async def _show_times(
    update: Update, tr: Translator, found: rounds.Choice, day: date | None, note: str
) -> None:
    tz = tr.timezone
    days = sorted({s.starts_at.astimezone(tz).date() for s in found.free})
    round_id, pupil_id = found.round.id, found.pupil.pupil_id
    lines = [note] if note else []
    if found.mine is not None:
        lines.append(tr._("Your time now: {date}.", date=tr.datetime(found.mine.starts_at)))
    if not found.free:
        lines.append(tr._("There are no free times left. The teacher will contact you."))
        await reply(update, "\n".join(lines), None, edit=True)
        return
    if day is None and len(days) > 1:
        lines.append(
            tr._("Which day suits you for the talk about {child}?", child=found.pupil.first_name)
        )
        rows = [
            [
                button(
                    tr.lines(tr.date(d)), str(RoundDayTap(round_id, pupil_id, d.strftime("%Y%m%d")))
                )
            ]
            for d in days
        ]
    else:
        chosen = days[0] if day is None else day
        times = [s for s in found.free if s.starts_at.astimezone(tz).date() == chosen]
        lines.append(tr._("Which time on {day}?", day=tr.date(chosen)))
        if found.next_to_mine:
            lines.append(tr._("⭐ = right before or after your other talk."))
        buttons = [
            button(
                tr.lines(("⭐ " if s.id in found.next_to_mine else "") + tr.time(s.starts_at)),
                str(RoundSlotTap(round_id, pupil_id, s.id)),
            )
            for s in times
        ]
        rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
        if len(days) > 1:
            rows.append([button(tr.label("⬅️ Other day"), str(RoundDaysTap(round_id, pupil_id)))])
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(rows), edit=True)


async def _closed(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    outcome: rounds.Booked,
    found: rounds.Choice | None = None,
) -> None:
    tr = tr_for(context, viewer)
    if outcome is rounds.Booked.ALREADY and found is not None and found.other_booking:
        name, child, slot = found.other_booking
        text = tr._(
            "{name} already chose a time for {child}: {date}.",
            name=name,
            child=child,
            date=tr.datetime(slot.starts_at),
        )
    elif outcome is rounds.Booked.CLOSED:
        text = tr._("The time to choose is over. The teacher will contact you.")
    else:
        text = None
    await answer_with_menu(update, context, viewer, text)


# --- the other parent answers a booking notice -------------------------------------------


@requires(Action.ANSWER_CARE)
@on_tap(JoinTap)
async def join_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: JoinTap
) -> None:
    """The button only says which talk and answer; whether this person may answer it, and
    whether the time still stands, the database says."""
    tr = tr_for(context, viewer)
    svc = services(context)
    async with svc.work() as w:
        joined = await rounds.join(
            w,
            person=viewer.person,
            meeting_id=tap.meeting_id,
            version=tap.version,
            pick=tap.answer,
        )
    if not joined.ok or joined.meeting is None:
        await refuse_answer(update, context, viewer, joined.reason)
        return
    # The notice stays the notice: the talk, the answer below it, and the buttons to change it.
    markup = markup_from_json(round_messages.notice_keyboard(tr, joined.meeting))
    await reply(update, joined.text, markup, edit=True)
    await done(update)


HANDLERS: Handlers = [
    CommandHandler("ronde", start),
    CallbackQueryHandler(start, pattern=r"^menu:round$"),
    CallbackQueryHandler(block_menu, pattern=RoundBlocksTap.pattern()),
    CallbackQueryHandler(block_slot, pattern=SlotBlockTap.pattern()),
    CallbackQueryHandler(choose_day, pattern=RoundDaysTap.pattern()),
    CallbackQueryHandler(choose_time, pattern=RoundDayTap.pattern()),
    CallbackQueryHandler(book, pattern=RoundSlotTap.pattern()),
    CallbackQueryHandler(join_answer, pattern=JoinTap.pattern()),
]
