"""The teacher's meeting card: move or cancel a talk before it starts ("Back" gives the card
back exactly as it was), and see its summary once written."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.callback_data import MeetingCardTap
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import meeting_card, meetings
from bot.services.context import Services
from conversations.common import Handlers, services
from conversations.flow import Flow, Step, begin, register
from conversations.guards import on_tap, requires
from conversations.keyboards import markup_from_json
from conversations.meetings import free_times, own_meeting, time_rows
from conversations.moments import future_moment, typed_time
from conversations.replies import done, reply, say_stale


async def _card(
    svc: Services, tr: Translator, meeting_id: int
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """The meeting card as it should look now (a way back must restore exactly this)."""
    async with svc.reading() as w:
        meeting = await w.tx.meeting(meeting_id)
        assert meeting is not None
        text, keyboard = await meeting_card.card_screen(w, tr, meeting)
    rows = markup_from_json(keyboard).inline_keyboard if keyboard else ()
    return text, [list(row) for row in rows]


@requires(Action.PLAN_MEETING)
@on_tap(MeetingCardTap)
async def card_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: MeetingCardTap
) -> None:
    svc = services(context)
    meeting = await own_meeting(svc, viewer, tap.meeting_id)
    if meeting is None or meeting.cancelled_at:
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
    if tap.action == "move":
        step = await begin(
            update, context, viewer, "move", "when", in_place=True, meeting_id=meeting.id
        )
        picks = [
            p
            for p in await free_times(step, meeting.minutes, skip=meeting.id)
            if p != meeting.starts_at  # its own time is no move
        ]
        # staff:
        question = tr._(
            "🕒 New day and time? Tap one of your free times or type it, for example"
            " <i>donderdag 14:00</i>. The parents will be told in their own language."
        )
        await step.show(f"{card}\n\n{question}", [*time_rows(step, picks), step.back_row("stop")])
    else:
        step = await begin(
            update, context, viewer, "move", "cancel", in_place=True, meeting_id=meeting.id
        )
        # staff:
        question = tr._("✖️ Cancel this talk? The parents will be told.")
        rows = [[step.button(tr.label("✖️ Yes, cancel it"), "yes")], step.back_row("stop")]
        await step.show(f"{card}\n\n{question}", rows)
    await done(update)


async def _show_card(step: Step, note: str = "") -> None:
    """End on the card itself, as it is now, with a line about what just happened."""
    text, rows = await _card(step.svc, step.tr, int(str(step.state.data["meeting_id"])))
    await step.show(f"{text}\n\n{note}" if note else text, rows)


async def _move_to(step: Step, moment: datetime) -> None:
    tr = step.tr
    member = await step.staff()
    async with step.finishing() as w:
        moved = (
            await meetings.move(
                w,
                staff=member,
                meeting_id=int(str(step.state.data["meeting_id"])),
                starts_at=moment,
            )
            if member
            else None
        )
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
    moment = await typed_time(step, text, "stop")
    if moment is not None:
        await _move_to(step, moment)


async def move_button(step: Step, value: str) -> None:
    tr = step.tr
    if value == "stop":
        await step.end()
        await _show_card(step)
        return
    if step.state.step == "when" and value.startswith("at:"):
        moment = future_moment(step, value.removeprefix("at:"))
        if moment is not None:
            await _move_to(step, moment)
            return
    if step.state.step == "cancel" and value == "yes":
        member = await step.staff()
        async with step.finishing() as w:
            cancelled = member is not None and await meetings.cancel(
                w,
                staff=member,
                meeting_id=int(str(step.state.data["meeting_id"])),
            )
        if cancelled:
            # staff:
            await _show_card(step, tr._("✖️ Cancelled. The parents have been told."))
        else:
            await step.show(tr._("This button no longer works."))
        return
    await step.end()
    await _show_card(step)


register(Flow("move", Action.PLAN_MEETING, move_text, move_button))


HANDLERS: Handlers = [CallbackQueryHandler(card_action, pattern=MeetingCardTap.pattern())]
