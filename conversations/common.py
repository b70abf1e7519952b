"""What every handler starts from: who is writing, in which language, the services, and the
button that was tapped."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.ext import BaseHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.callback_data import Tap
from bot.rules.models import Viewer
from bot.services.context import Services
from bot.services.family_messages import Media

# PTB's handler classes take coroutine functions: the types say so, so mypy checks each use.
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
ViewerHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Viewer], Coroutine[Any, Any, None]]
# What a conversations module lists in HANDLERS for bot/app.py.
Handlers = list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def current_viewer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Viewer | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return await services(context).viewer(user.id, chat.id, user.language_code)


def tr_for(context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> Translator:
    return services(context).texts(viewer.language)


TapKind = TypeVar("TapKind", bound=Tap)


def tap_of(update: Update, kind: type[TapKind]) -> TapKind | None:
    """The tap a button press names, read as `kind`; None for another kind or a forgery."""
    query = update.callback_query
    return kind.parse(query.data if query else None)


def media_of(message: Message) -> Media | None:
    """A voice note, photo, document, video or sound recording: passed on as it is."""
    kinds = {
        "voice": message.voice,
        "photo": message.photo,
        "document": message.document,
        "video": message.video or message.video_note,
        "audio": message.audio,
    }
    kind = next((k for k, found in kinds.items() if found), None)
    return (kind, message.chat_id, message.message_id) if kind else None
