"""When a handler fails, the person still gets an answer, and the log gets no personal data."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from conversations.common import services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "update %s failed: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    user = update.effective_user
    try:
        svc = services(context)
        language = None
        if user is not None:
            async with svc.db.transaction() as tx:
                language = (
                    await svc.viewer_in(tx, user.id, update.effective_chat.id, None)
                ).language
        tr = svc.texts(language)
        await update.effective_chat.send_message(
            tr._("Sorry, something went wrong on our side. Please try again in a moment.")
        )
        if update.callback_query is not None:
            await update.callback_query.answer()
    except (TelegramError, OSError) as exc:
        log.warning("could not tell the user about a failed update: %s", type(exc).__name__)
