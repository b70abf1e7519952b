"""The buttons and menus a chat shows: the menu of a role, its command menu, and inline buttons
within Telegram's limits."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    TelegramObject,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n.translator import N_, Translator
from bot.rules.models import Role, Viewer
from conversations.common import tr_for

log = logging.getLogger(__name__)


class _SerialisedOnce(TelegramObject):
    """What is made once and sent again and again (the menu, the command menus) is put into
    its JSON form once too: python-telegram-bot would walk every button or command again for
    every message (0.1 ms for a parent's menu, with every answer). Such an object cannot
    change after it is made, so the form stays right."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        made: dict[str, Any] | None = getattr(self, "_as_dict", None)
        if made is None:
            made = super().to_dict()
            with self._unfrozen():
                self._as_dict = made
        return dict(made)  # a caller may add to its copy, never to the one kept


class _Menu(_SerialisedOnce, InlineKeyboardMarkup):
    __slots__ = ("_as_dict",)


class _Command(_SerialisedOnce, BotCommand):
    __slots__ = ("_as_dict",)


def menu_keyboard(viewer: Viewer, tr: Translator) -> InlineKeyboardMarkup:
    """The buttons that fit a person's role, the most used first (`MENU`)."""
    return _menu_of(viewer.role, tr)


@lru_cache(maxsize=256)
def _menu_of(role: Role | None, tr: Translator) -> InlineKeyboardMarkup:
    # Made once per role and language: a keyboard cannot change after it is made, and the
    # menu comes with most answers.
    rows = [
        [button(tr.label(label), data) for label, data in row]
        for roles, row in MENU
        if roles is None or role in roles
    ]
    return _Menu(rows)


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
FAMILY = frozenset({Role.GUARDIAN, Role.PUPIL})
# The menu, row by row: who sees the row (None: everyone), and its (label, button data).
MENU: tuple[tuple[frozenset[Role] | None, tuple[tuple[str, str], ...]], ...] = (
    # staff: menu button
    (STAFF, ((N_("📋 Overview"), "menu:overview"),)),
    (
        TEACHING,
        (
            # staff: menu button
            (N_("🗓 Plan a talk"), "menu:meeting"),
            # staff: menu button
            (N_("🗓 Short talks for a group"), "menu:round"),
        ),
    ),
    (
        TEACHING,
        (
            # staff: menu button
            (N_("🗒 Prepare a talk"), "menu:prepare"),
            # staff: menu button
            (N_("🧭 Support route"), "menu:route"),
        ),
    ),
    (
        TEACHING,
        (
            # staff: menu button
            (N_("🌟 Send good news"), "menu:news"),
            # staff: menu button
            (N_("💬 Write to a family"), "menu:tofamily"),
        ),
    ),
    # staff: menu button
    (TEACHING, ((N_("🌴 Away or back"), "menu:away"),)),
    # staff: menu button
    (frozenset({Role.TEACHER}), ((N_("📅 Put a pupil on the CvB agenda"), "menu:cvb"),)),
    (
        frozenset({Role.COORDINATOR}),
        (
            # staff: menu button
            (N_("📅 CvB notice"), "menu:cvb"),
            # staff: menu button
            (N_("📝 Ask consent"), "menu:consent"),
        ),
    ),
    # staff: menu button
    (frozenset({Role.COORDINATOR}), ((N_("🗂 Information rights of a pupil"), "menu:card"),)),
    (frozenset({Role.GUARDIAN}), ((N_("👧 My children at school"), "menu:children"),)),
    (frozenset({Role.PUPIL}), ((N_("🏫 My class"), "menu:class"),)),
    (FAMILY, ((N_("💬 Write to the teacher"), "menu:write"),)),
    (frozenset({Role.GUARDIAN}), ((N_("🤒 Report absence"), "menu:absence"),)),
    (FAMILY, ((N_("📝 My permissions"), "menu:permissions"),)),
    (FAMILY, ((N_("📄 What Samen keeps about me"), "menu:access"),)),
    (None, ((N_("🌐 Language"), "lang:menu"), (N_("❓ Help"), "menu:help"))),
)


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
    ("schrijf", N_("Write to a family"), TEACHING),
    # staff: command menu
    ("cvb", N_("Put a pupil on the CvB agenda"), TEACHING),
    # staff: command menu
    ("toestemming", N_("Ask consent for the ZAT"), frozenset({Role.COORDINATOR})),
    # staff: command menu
    ("leerling", N_("Information rights of a pupil"), frozenset({Role.COORDINATOR})),
)


@lru_cache(maxsize=256)
def role_commands(role: Role | None, tr: Translator) -> tuple[BotCommand, ...]:
    """The command menu for a role, in the reader's language, the most used first (made once
    per role and language, as the menu)."""
    commands = [
        _Command(name, tr.label(description))
        for name, description, roles in STAFF_COMMANDS
        if role in roles
    ]
    if role is None:
        commands.append(_Command("start", tr.label("Start with your invitation code")))
    commands.append(_Command("help", tr.label("Help and menu")))
    if role in STAFF:
        # staff: command menu
        commands.append(_Command("annuleren", tr.label("Stop what you are doing")))
    commands.append(_Command("taal", tr.label("Change language")))
    return tuple(commands)


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
