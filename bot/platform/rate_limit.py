"""One limiter in front of every call to Telegram: the outbox's messages and the direct replies
to what a person just did share Telegram's ~30 messages a second, and a reply refused with
RetryAfter is tried again after the pause Telegram asks for instead of being lost.

The window is a sliding one, counted the way Telegram can count it: a call takes a slot when it
starts and keeps it until one second after its answer came back. Telegram sees each call at
some moment between those two, so however the network delays single calls, no second on
Telegram's side holds more than `per_second` of them. Calls that refuse a message count too:
Telegram received them. (A leaky bucket such as `aiolimiter`'s lets a full bucket's burst
through at the start of a second it already spent, up to twice the rate in one window, and
knows nothing of calls still on their way; hence this small limiter of its own.)

A RetryAfter pauses only the chat it came from; all chats wait only when refusals come from
many chats within one window, which is Telegram's overall limit speaking.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter


@dataclass
class SendTicket:
    """`rate_limit_args` of a call whose caller keeps its own account of retries (the outbox):
    a RetryAfter is passed on at once, after pausing the chat, so that the caller can serve
    other chats meanwhile. `on_air` is set when the call leaves for Telegram (it had to wait
    for its turn until then)."""

    on_air: asyncio.Event = field(default_factory=asyncio.Event)


# Calls that put a message in a chat or change one: these make up Telegram's overall limit.
_COUNTED = ("send", "copy", "forward", "edit")

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class TelegramLimiter(BaseRateLimiter[SendTicket]):
    def __init__(
        self,
        *,
        per_second: int = 30,
        window: float = 1.0,
        max_retries: int = 5,
        many_chats: int = 10,
    ) -> None:
        self._limit = per_second
        self._window = window
        self._max_retries = max_retries
        self._many_chats = many_chats
        self._finished: deque[float] = deque()  # answer times of counted calls, oldest first
        self._in_flight = 0
        self._slot_freed = asyncio.Event()
        self._turn = asyncio.Lock()  # first come, first served among waiting calls
        self._chat_paused_until: dict[int | None, float] = {}
        self._all_paused_until = 0.0
        self._refusals: deque[tuple[float, int | None]] = deque()
        self.refused = 0  # RetryAfter answers seen (for the benchmarks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendTicket | None,
    ) -> JSON:
        chat = _chat_of(data)
        counted = endpoint.startswith(_COUNTED)
        retries = 0 if rate_limit_args is not None else self._max_retries
        for attempt in itertools.count():
            if counted:
                await self._take_slot(chat)
            else:
                await self._wait_while_paused(chat)
            if rate_limit_args is not None:
                rate_limit_args.on_air.set()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._note_refusal(chat, exc.retry_after)
                if attempt >= retries:
                    raise
            finally:
                if counted:
                    self._free_slot()
        raise AssertionError("unreachable")  # for type checkers: the loop returns or raises

    def paused_for(self, chat: int | None) -> float:
        """Seconds until calls to this chat may go again (0: now)."""
        now = time.monotonic()
        until = max(self._all_paused_until, self._chat_paused_until.get(chat, 0.0))
        return max(until - now, 0.0)

    async def _wait_while_paused(self, chat: int | None) -> None:
        while (wait := self.paused_for(chat)) > 0:
            await asyncio.sleep(wait)
        self._chat_paused_until.pop(chat, None)

    async def _take_slot(self, chat: int | None) -> None:
        while True:
            await self._wait_while_paused(chat)
            async with self._turn:
                while self.paused_for(chat) == 0:  # paused meanwhile: wait out of the line
                    now = time.monotonic()
                    while self._finished and self._finished[0] <= now - self._window:
                        self._finished.popleft()
                    over = len(self._finished) + self._in_flight - self._limit + 1
                    if over <= 0:
                        self._in_flight += 1
                        return
                    if over <= len(self._finished):
                        # The slot of the `over`-th oldest finished call frees first.
                        await asyncio.sleep(self._finished[over - 1] + self._window - now)
                    else:
                        self._slot_freed.clear()
                        await self._slot_freed.wait()

    def _free_slot(self) -> None:
        self._in_flight -= 1
        self._finished.append(time.monotonic())
        self._slot_freed.set()

    def _note_refusal(self, chat: int | None, retry_after: timedelta | float) -> None:
        self.refused += 1
        now = time.monotonic()
        until = now + _seconds(retry_after)
        self._chat_paused_until[chat] = max(self._chat_paused_until.get(chat, 0.0), until)
        self._refusals.append((now, chat))
        while self._refusals and self._refusals[0][0] <= now - self._window:
            self._refusals.popleft()
        if len({c for _, c in self._refusals}) >= self._many_chats:
            self._all_paused_until = max(self._all_paused_until, until)


def _chat_of(data: dict[str, Any]) -> int | None:
    chat = data.get("chat_id")
    try:
        return int(chat) if chat is not None else None
    except (TypeError, ValueError):
        return None  # a channel's @name: no private chat of Samen's


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
