"""Shared pieces of every chat flow: who is writing, menus, replies and refusals."""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, ContextTypes

from bot.i18n.translator import N_, Translator
from bot.rules.callback_data import Tap
from bot.rules.models import Role, Viewer
from bot.rules.permissions import Action, may
from bot.services.context import Services

# PTB's handler classes take coroutine functions: the types say so, so mypy checks each use.
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
ViewerHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Viewer], Coroutine[Any, Any, None]]
# What a conversations module lists in HANDLERS for bot/app.py.
Handlers = list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # Telegram allows 4096; leave room for a closing line


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def current_viewer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Viewer | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return await services(context).viewer(user.id, chat.id, user.language_code)


def tr_for(context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> Translator:
    return services(context).texts(viewer.language)


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


def menu_keyboard(viewer: Viewer, tr: Translator) -> InlineKeyboardMarkup:
    """The buttons that fit a person's role; the most used first."""
    rows: list[list[InlineKeyboardButton]] = []
    if viewer.role in (Role.TEACHER, Role.COORDINATOR, Role.ADMIN):
        # staff: menu button
        rows.append([button(tr.label("📋 Overview"), "menu:overview")])
    if viewer.role in (Role.TEACHER, Role.COORDINATOR):
        # staff: menu button
        rows.append(
            [
                # staff: menu button
                button(tr.label("🗓 Plan a talk"), "menu:meeting"),
                # staff: menu button
                button(tr.label("🗓 Short talks for a group"), "menu:round"),
            ]
        )
        rows.append(
            [
                # staff: menu button
                button(tr.label("🗒 Prepare a talk"), "menu:prepare"),
                # staff: menu button
                button(tr.label("🧭 Support route"), "menu:route"),
            ]
        )
        # staff: menu button
        rows.append([button(tr.label("🌟 Send good news"), "menu:news")])
    if viewer.role is Role.TEACHER:
        # staff: menu button
        rows.append([button(tr.label("📅 Put a pupil on the CvB agenda"), "menu:cvb")])
    if viewer.role is Role.COORDINATOR:
        rows.append(
            [
                # staff: menu button
                button(tr.label("📅 CvB notice"), "menu:cvb"),
                # staff: menu button
                button(tr.label("📝 Ask consent"), "menu:consent"),
            ]
        )
        # staff: menu button
        rows.append([button(tr.label("🗂 Information rights of a pupil"), "menu:card")])
    if viewer.role is Role.GUARDIAN:
        rows.append([button(tr.label("👧 My children at school"), "menu:children")])
    if viewer.role is Role.PUPIL:
        rows.append([button(tr.label("🏫 My class"), "menu:class")])
    if viewer.role in (Role.GUARDIAN, Role.PUPIL):
        rows.append([button(tr.label("📝 My permissions"), "menu:permissions")])
        rows.append([button(tr.label("📄 What Samen keeps about me"), "menu:access")])
    rows.append(
        [
            button(tr.label("🌐 Language"), "lang:menu"),
            button(tr.label("❓ Help"), "menu:help"),
        ]
    )
    return InlineKeyboardMarkup(rows)


def markup_from_json(text: str) -> InlineKeyboardMarkup:
    """An inline keyboard stored as JSON (as the outbox keeps it)."""
    markup = InlineKeyboardMarkup.de_json(json.loads(text), None)
    assert markup is not None
    return markup


def button(label: str, data: str) -> InlineKeyboardButton:
    if len(data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


STAFF = frozenset({Role.TEACHER, Role.COORDINATOR, Role.ADMIN})
TEACHING = frozenset({Role.TEACHER, Role.COORDINATOR})
# Staff commands are Dutch words; their descriptions are in the reader's language.
STAFF_COMMANDS: tuple[tuple[str, str, frozenset[Role]], ...] = (
    # staff: command menu
    ("overzicht", N_("CvB, ZAT and families per group"), STAFF),
    # staff: command menu
    ("positief", N_("Send good news to a family"), TEACHING),
    # staff: command menu
    ("gesprek", N_("Plan a talk with parents"), TEACHING),
    # staff: command menu
    ("voorbereiden", N_("Prepare a talk with parents"), TEACHING),
    # staff: command menu
    ("ronde", N_("Short talks for a whole group"), TEACHING),
    # staff: command menu
    ("zorgroute", N_("Support route of a pupil"), TEACHING),
    # staff: command menu
    ("cvb", N_("Put a pupil on the CvB agenda"), TEACHING),
    # staff: command menu
    ("toestemming", N_("Ask consent for the ZAT"), frozenset({Role.COORDINATOR})),
    # staff: command menu
    ("leerling", N_("Information rights of a pupil"), frozenset({Role.COORDINATOR})),
)


def role_commands(role: Role | None, tr: Translator) -> list[BotCommand]:
    """The command menu for a role, in the reader's language, the most used first."""
    commands = [
        BotCommand(name, tr.label(description))
        for name, description, roles in STAFF_COMMANDS
        if role in roles
    ]
    if role is None:
        commands.append(BotCommand("start", tr.label("Start with your invitation code")))
    commands.append(BotCommand("help", tr.label("Help and menu")))
    if role in STAFF:
        # staff: command menu
        commands.append(BotCommand("annuleren", tr.label("Stop what you are doing")))
    commands.append(BotCommand("taal", tr.label("Change language")))
    return commands


async def publish_commands(context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """Set this chat's command menu; a failure here must not break the conversation."""
    tr = tr_for(context, viewer)
    try:
        await context.bot.set_my_commands(
            role_commands(viewer.role, tr), scope=BotCommandScopeChat(viewer.chat_id)
        )
    except TelegramError as exc:
        log.warning("could not set a chat's command menu: %s", type(exc).__name__)


async def reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = False,
) -> Message | None:
    """Answer the user in their own chat: a new message, or the tapped message edited in place.
    Returns the new message, or None when one was edited (or there is no chat)."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
            return None
        except BadRequest as exc:
            if "not modified" in exc.message:
                return None  # the same button tapped twice: the screen already shows the answer
            # Too old or deleted to edit: the answer comes as a new message instead.
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )


async def show_under_original(
    update: Update,
    sent: tuple[int, str, int | None] | None,
    status_line: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Edit the tapped message to show an answer. When it shows the text that was sent (the
    message itself, or a copy sent again), that text stays and the answer appears below it."""
    query = update.callback_query
    assert query is not None
    text = status_line
    tapped = query.message
    if sent is not None and tapped is not None:
        original, telegram_id = sent[1], sent[2]
        shown = getattr(tapped, "text", None) or ""
        opening = html.unescape(re.sub(r"<[^>]+>", "", original))[:60]
        if telegram_id == tapped.message_id or (opening and shown.startswith(opening)):
            text = f"{original}\n\n{status_line}"
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            await reply(update, status_line, markup)


async def done(update: Update) -> None:
    """Close a button tap; always last, so the spinner stops once the answer is on screen."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    tr = tr_for(context, viewer)
    if not viewer.linked:
        text = tr._(
            "Samen is for parents, pupils and staff of the school.\n"
            "To start, scan the QR code on your letter from school, or type the code from the"
            " letter here."
        )
    elif viewer.is_staff:
        # staff:
        text = tr._("That is not part of your role in Samen. Here is what you can do:")
    else:
        text = tr._("That is only for school staff. Here is what you can do:")
    markup = menu_keyboard(viewer, tr) if viewer.linked else language_only_keyboard(tr)
    await reply(update, text, markup)
    await done(update)


async def say_stale(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """An old, forged or no longer fitting button: say so, show what can be done now."""
    tr = tr_for(context, viewer)
    text = tr._("This button no longer works. Here is what you can do now:")
    markup = menu_keyboard(viewer, tr) if viewer.linked else language_only_keyboard(tr)
    await reply(update, text, markup)
    await done(update)


def language_only_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr.label("🌐 Language"), "lang:menu")]])


def not_in_samen(tr: Translator, names: Sequence[str]) -> list[str]:
    """The line telling staff whom Samen could not reach; none when it reached everyone."""
    if not names:
        return []
    # staff:
    line = tr._(
        "⚠️ Not in Samen: {names}. Please call or write to them.",
        names=tr.list_of(list(names)),
    )
    return [line]


def clip(lines: list[str], tr: Translator) -> str:
    """Join lines, cutting off what does not fit in one Telegram message."""
    text = ""
    for index, line in enumerate(lines):
        candidate = f"{text}\n{line}" if text else line
        if len(candidate) > MAX_TEXT:
            rest = len(lines) - index
            return text + "\n" + tr.n_("… and {n} more line", "… and {n} more lines", rest)
        text = candidate
    return text


TapKind = TypeVar("TapKind", bound=Tap)


def tap_of(update: Update, kind: type[TapKind]) -> TapKind | None:
    """The tap a button press names, read as `kind`; None for another kind or a forgery."""
    query = update.callback_query
    return kind.parse(query.data if query else None)
