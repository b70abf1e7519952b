"""The menu and the command menus are made once per role and language, and so is the JSON
they are sent as: what goes out must be what python-telegram-bot makes of the same buttons."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from telegram import BotCommand, InlineKeyboardMarkup

from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues
from bot.rules.models import Role
from conversations.keyboards import _menu_of, role_commands

TEXTS = Catalogues(SUPPORTED_LANGUAGES, ZoneInfo("Europe/Amsterdam"))
ROLES = [*Role, None]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_each_menu_is_sent_as_its_own_buttons_every_time(language: str) -> None:
    tr = TEXTS(language)
    for role in ROLES:
        menu = _menu_of(role, tr)
        made_afresh = InlineKeyboardMarkup(menu.inline_keyboard).to_dict()
        for _ in range(2):  # the first time works the form out, the second reuses it
            sent = menu.to_dict()
            assert sent == made_afresh
            sent["inline_keyboard"] = []  # what a caller does with its copy stays its own
        commands = role_commands(role, tr)
        afresh = [BotCommand(c.command, c.description).to_dict() for c in commands]
        assert [c.to_dict() for c in commands] == [c.to_dict() for c in commands] == afresh
    # Each role has its own menu: a guardian's is not a teacher's.
    assert _menu_of(Role.GUARDIAN, tr).to_dict() != _menu_of(Role.TEACHER, tr).to_dict()
