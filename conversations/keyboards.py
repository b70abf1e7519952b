"""The buttons and menus a chat shows: the menu of a role, its command menu, and inline buttons
within Telegram's limits."""

from __future__ import annotations

import json
import logging

from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n.translator import N_, Translator
from bot.rules.models import Role, Viewer
from conversations.common import tr_for

log = logging.getLogger(__name__)


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


def language_only_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr.label("🌐 Language"), "lang:menu")]])
