"""Who may use a handler: private chats only, only the actions of the person's role, and only
buttons of the kind the handler is for."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.rules.models import Viewer
from bot.rules.permissions import Action, may
from conversations.common import Handler, TapKind, ViewerHandler, current_viewer, tap_of
from conversations.replies import refuse, say_stale


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


def on_tap(
    kind: type[TapKind],
) -> Callable[
    [Callable[[Update, ContextTypes.DEFAULT_TYPE, Viewer, TapKind], Coroutine[Any, Any, None]]],
    ViewerHandler,
]:
    """Run the handler only for a button of `kind`, with the tap read; anything else (an old,
    forged or cut-off button) is answered as a button that no longer works. The tap is only a
    claim: the use case checks it against the database."""

    def decorate(
        handler: Callable[
            [Update, ContextTypes.DEFAULT_TYPE, Viewer, TapKind], Coroutine[Any, Any, None]
        ],
    ) -> ViewerHandler:
        @functools.wraps(handler)
        async def read(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
            tap = tap_of(update, kind)
            if tap is None:
                await say_stale(update, context, viewer)
                return
            await handler(update, context, viewer, tap)

        return read

    return decorate
