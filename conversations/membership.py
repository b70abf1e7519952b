"""Telegram tells the bot when someone blocks or unblocks it; Samen acts on it at once
instead of waiting for the next message to bounce."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler, ContextTypes

from bot.services.reachability import record_reachable_again, record_unreachable
from conversations.common import Handlers, services


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    svc = services(context)
    async with svc.work() as w:
        if change.new_chat_member.status == ChatMember.BANNED:
            await record_unreachable(w, change.chat.id, "blocked_bot")
        elif change.new_chat_member.status == ChatMember.MEMBER:
            await record_reachable_again(w, change.from_user.id)


HANDLERS: Handlers = [ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)]
