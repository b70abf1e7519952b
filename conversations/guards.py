"""Who may use a handler: private chats only, and only the actions of the person's role."""

from __future__ import annotations

import functools
from collections.abc import Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot.rules.permissions import Action, may
from conversations.common import Handler, ViewerHandler, current_viewer
from conversations.replies import refuse


def private_only(handler: Handler) -> Handler:
    """Samen talks one to one; anything in groups is ignored, so nothing leaks there."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        await handler(update, context)

    return wrapped


def requires(action: Action) -> Callable[[ViewerHandler], Handler]:
    """Resolve the viewer and check `action` before the handler runs; refuse politely."""

    def decorate(handler: ViewerHandler) -> Handler:
        @private_only
        @functools.wraps(handler)
        async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            viewer = await current_viewer(update, context)
            if viewer is None:
                return
            if not may(viewer.role, action):
                await refuse(update, context, viewer)
                return
            await handler(update, context, viewer)

        return wrapped

    return decorate
