"""A teacher away (holiday, sick leave) says until when: meanwhile a coordinator reads the
families' messages, and families are told who reads instead. Back early, one tap."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.dates import parse_day_range
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import family_messages
from conversations.common import Handlers, services
from conversations.flow import Flow, Step, begin, register
from conversations.guards import requires
from conversations.keyboards import menu_keyboard
from conversations.replies import done, reply


@requires(Action.PLAN_MEETING)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """ "🌴 Away or back" from the menu: how it stands, and what can be done."""
    svc = services(context)
    async with svc.reading() as w:
        away = await w.tx.away(viewer.person_id or "", w.today)
    step = await begin(update, context, viewer, "away", "back" if away else "until")
    tr = step.tr
    if away is not None:
        # staff:
        text = tr._(
            "🌴 You are away until {date}. A coordinator reads your families' messages.",
            date=tr.date(away[0]),
        )
        # staff:
        await step.show(text, [[step.button(tr.label("👋 I am back"), "back")]])
    else:
        # staff:
        await step.show(tr._("🌴 Until which day are you away? For example <i>vr 18 dec</i>."))
    await done(update)


async def on_text(step: Step, text: str) -> None:
    tr = step.tr
    days = parse_day_range(text, step.svc.clock.now(), step.svc.settings.timezone, step.tr.language)
    if step.state.step != "until" or days is None:
        # staff:
        await step.show(tr._("I could not read “{text}” as a day from today on.", text=text))
        return
    async with step.finishing() as w:
        member = await w.tx.staff_member(step.viewer.person_id or "")
        stand_in = await family_messages.go_away(w, member, days[1]) if member else None
    if stand_in is None:
        # staff:
        text = tr._("No coordinator is in Samen to read your families' messages. Nothing changed.")
    else:
        # staff:
        text = tr._(
            "🌴 Until {date}, {name} reads your families' messages. Families are told.",
            date=tr.date(days[1]),
            name=stand_in,
        )
    await reply(step.update, text, menu_keyboard(step.viewer, tr))


async def on_button(step: Step, value: str) -> None:
    tr = step.tr
    if step.state.step == "back" and value == "back":
        async with step.finishing() as w:
            member = await w.tx.staff_member(step.viewer.person_id or "")
            if member is not None:
                await family_messages.come_back(w, member)
        # staff:
        text = tr._("👋 Welcome back. Families' messages come to you again.")
        await reply(step.update, text, menu_keyboard(step.viewer, tr), edit=True)
        return
    # staff:
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


register(Flow("away", Action.PLAN_MEETING, on_text, on_button))

HANDLERS: Handlers = [CallbackQueryHandler(start, pattern=r"^menu:away$")]
