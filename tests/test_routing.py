"""A tapped button reaches the same handler through the router as through trying every
handler in turn; the router keeps the order in which buttons are tried."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from conversations import handlers_in_order
from conversations.routing import ButtonRouter, with_buttons_routed

USER = User(5, "Ouder", False)
CHAT = Chat(5, "private")

# Callback data as Samen's keyboards make it, and some that no button has.
TAPPED = [
    "lang:menu",
    "lang:set:tr",
    "f:Ab3_x:2",
    "menu:cvb",
    "menu:help",
    "m:12:3:alt4",
    "m:12:3:come",
    "rs:1:P000001:4",
    "rd:1:P000001:20261208",
    "c:201:agree",
    "c:201:yes",
    "c:201:withdrawyes",
    "n:7:understood",
    "ar:3:send",
    "ov:5A",
    "c:201:nonsense",
    "menu",
    "zz:1",
]


def tap(data: str) -> Update:
    message = Message(1, datetime.now(UTC), CHAT, from_user=USER, text="…")
    return Update(7, callback_query=CallbackQuery("q", USER, "ci", message=message, data=data))


def first_accepting(handlers: list[BaseHandler[Any, Any, Any]], update: Update) -> object:
    """The handler python-telegram-bot gives the update to, trying each in turn."""
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler.callback if isinstance(handler, ButtonRouter) else handler
    return None


@pytest.mark.parametrize("data", TAPPED)
def test_a_tap_reaches_the_same_handler_as_before(data: str) -> None:
    every = handlers_in_order()
    routed = with_buttons_routed(every)
    router = next(h for h in routed if isinstance(h, ButtonRouter))
    expected = first_accepting(every, tap(data))
    check = router.check_update(tap(data))
    found = (
        check[0]
        if check is not None
        else first_accepting([h for h in routed if not isinstance(h, ButtonRouter)], tap(data))
    )
    assert found is expected
    # Samen's own button handlers all go through the router: only the handler of every
    # button (the stale-button answer) is left beside it.
    assert sum(isinstance(h, CallbackQueryHandler) for h in routed) == 1
    assert len(routed) < len(every) - 60


def test_empty_callback_data_is_a_stale_button() -> None:
    """Telegram never sends it; python-telegram-bot would give it to the first button handler
    (the language picker), the router to none, so the stale-button answer takes it."""
    routed = with_buttons_routed(handlers_in_order())
    router = next(h for h in routed if isinstance(h, ButtonRouter))
    assert router.check_update(tap("")) is None
    rest = [h for h in routed if isinstance(h, CallbackQueryHandler)]
    assert [h.callback.__name__ for h in rest] == ["stale_button"]


def test_the_router_takes_only_taps() -> None:
    router = with_buttons_routed(handlers_in_order())
    message = Message(1, datetime.now(UTC), CHAT, from_user=USER, text="/help")
    typed = Update(8, message=message)
    button_router = next(h for h in router if isinstance(h, ButtonRouter))
    assert button_router.check_update(typed) is None
    assert button_router.check_update("not an update") is None


async def _answer(update: object, context: object) -> None:
    return None


def test_a_handler_of_every_button_before_a_prefixed_one_is_refused() -> None:
    catch_all = CallbackQueryHandler(_answer)
    prefixed = CallbackQueryHandler(_answer, pattern=r"^c:\d+$")
    command = CommandHandler("help", _answer)
    with pytest.raises(ValueError, match="without a prefix"):
        with_buttons_routed([catch_all, prefixed])
    routed = with_buttons_routed([command, prefixed, catch_all])
    assert routed[0] is command and isinstance(routed[1], ButtonRouter)
    assert routed[2] is catch_all
