"""Before any other handler: acts on the verdict of the flood limit (bot/platform/admission.py)
and keeps chats that are not linked to one answer a minute.

The update processor in bot/app.py judges each update as it arrives, in memory. A dropped
update still passes through here (so that it counts as processed), and stops at once.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.platform.admission import ChatGate, Verdict
from bot.rules.callback_data import LanguageTap
from bot.rules.models import Viewer
from bot.services.invitations import guessing_blocked
from conversations.common import Handlers, current_viewer, services, tr_for
from conversations.onboarding import typed_code
from conversations.replies import done, reply

log = logging.getLogger(__name__)

# The language button and the language picker: what an unlinked person may tap at any time.
LANGUAGE_MENU = "lang:menu"


def chat_gate(context: ContextTypes.DEFAULT_TYPE) -> ChatGate | None:
    return context.application.bot_data.get("admission")


def onboarding_input(update: Update) -> bool:
    """What someone does to get linked: a code (`/start CODE`, a link, a code typed from the
    letter) or a tap on the language buttons. Exempt from the quiet for unlinked chats: a
    parent who mistyped the code tries again at once (wrong codes have their own limit)."""
    message = update.message
    if message is not None and message.text:
        words = message.text.split()
        if words and words[0].split("@")[0] == "/start":
            return len(words) > 1
        return typed_code(message.text) is not None
    query = update.callback_query
    if query is not None and query.data:
        return query.data == LANGUAGE_MENU or LanguageTap.parse(query.data) is not None
    return False


async def admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let the update through to the handlers, or stop it here."""
    gate = chat_gate(context)
    if gate is None:
        return
    verdict = gate.verdict(update.update_id)
    if verdict is Verdict.DROP:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type != "private":  # Samen ignores groups: nothing to say there
        if verdict is Verdict.WARN:
            raise ApplicationHandlerStop
        return
    viewer: Viewer | None = None
    if not gate.known_linked(chat.id):
        viewer = await current_viewer(update, context)
        if viewer is not None and viewer.linked:
            gate.linked(chat.id)
        elif verdict is not Verdict.WARN and await _trying_to_link(update, context):
            gate.onboarding(chat.id)
        else:
            gate.not_linked(chat.id)
            if gate.quiet(chat.id):
                raise ApplicationHandlerStop
            gate.answering_unlinked(chat.id)
    if verdict is Verdict.WARN:
        # Once a flood, without who: how often it happens is for the administrator to see.
        log.info("flood limit: a chat sent too much at once and was asked to slow down")
        await _slow_down(update, context, viewer)
        raise ApplicationHandlerStop


async def _trying_to_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A language tap, or a code from an account that may still try codes."""
    if not onboarding_input(update) or update.effective_user is None:
        return False
    if update.callback_query is not None:
        return True
    svc = services(context)
    return not await guessing_blocked(svc.db, update.effective_user.id, svc.clock.now())


async def _slow_down(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer | None
) -> None:
    viewer = viewer or await current_viewer(update, context)
    if viewer is None:
        return
    tr = tr_for(context, viewer)
    text = tr._(
        "⏳ That is a lot at once. Samen skips some of what you send for a moment:"
        " please wait a little, then send anything important again."
    )
    await reply(update, text)
    await done(update)


# Group -1: before every other handler (bot/app.py registers it so).
HANDLERS: Handlers = [TypeHandler(Update, admit)]
