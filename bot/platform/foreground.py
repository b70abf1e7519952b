"""Answers first: the updates being answered right now, and a way for background work (the
outbox's sends, the minute tick's units of work) to wait for a gap between them.

One event loop does everything. A tick that sends a thousand reminders, or an outbox with two
thousand messages to send, would otherwise take turns with the families' updates one for one,
and an answer would wait behind many of them. Background work waits before each step until no
update is being answered, but never longer than `MAX_WAIT`: it goes on also when the bot is
busy all the time, only in smaller pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

# How long a step of background work waits for a gap at most: under constant traffic the
# work still goes on, twenty steps a second.
MAX_WAIT = 0.05


class Foreground:
    def __init__(self) -> None:
        self._answering = 0
        self._gap = asyncio.Event()
        self._gap.set()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """While an update is being handled."""
        self._answering += 1
        self._gap.clear()
        try:
            yield
        finally:
            self._answering -= 1
            if self._answering == 0:
                self._gap.set()

    async def gap(self) -> None:
        """Return when no update is being answered, or after `MAX_WAIT`."""
        if self._answering:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gap.wait(), MAX_WAIT)
