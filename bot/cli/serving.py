"""`samen run` on a database server: the workers take turns per school, and share the schools.

Each school has a lease (an advisory lock the server drops when its holder's connection
ends, however the worker ends). The worker holding it alone takes the school's updates, sends
its outbox and runs its scheduled work. A worker takes a free lease only while it serves fewer
than its even share of the schools (the schools over the workers there are now, rounded up);
one that serves more than its share hands the extra schools over, each after finishing what
it has in flight, so a second worker started beside the first soon serves half of them, and
the one left when another ends takes all of them back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.cli.files import EXIT_FAILED
from bot.cli.operations import beating
from bot.platform.config import Settings
from bot.platform.webhooks import Webhook
from bot.storage import ServerDatabase

if TYPE_CHECKING:
    from bot.storage.postgres import ServingLease, WorkerPresence

log = logging.getLogger(__name__)

# How often a waiting school asks whether it may take its lease, and how often a serving one
# checks that it still holds it (the window in which two workers might send for one school,
# after a connection dropped by the server, is at most this long).
TAKE_OVER_SECONDS = 2.0
LEASE_BEAT_SECONDS = 2.0
# How often a worker compares what it serves with its share.
SHARE_SECONDS = 5.0

# Serves one school's bot until `stop` is set; an exit code.
Serve = Callable[[Settings, asyncio.Event, Webhook | None], Awaitable[int]]


class Shares:
    """The schools one worker serves, and its even share of them."""

    def __init__(self, url: str, schools: int) -> None:
        self._url = url
        self._schools = schools
        self._presence: WorkerPresence | None = None
        self.serving: dict[str, asyncio.Event] = {}  # school → set to hand it over

    async def join(self) -> None:
        from bot.storage.postgres import WorkerPresence

        self._presence = await WorkerPresence.join(self._url)

    async def leave(self) -> None:
        if self._presence is not None:
            await self._presence.leave()

    async def fair(self) -> int:
        assert self._presence is not None
        return math.ceil(self._schools / await self._presence.workers())

    async def may_take(self) -> bool:
        return len(self.serving) < await self.fair()

    async def keep_even(self, stop: asyncio.Event) -> None:
        """Hand over the schools above this worker's share, now and then, until `stop`."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SHARE_SECONDS)
            extra = len(self.serving) - await self.fair()
            for school in list(self.serving)[len(self.serving) - extra :] if extra > 0 else []:
                self.serving[school].set()


async def serve_on_server(
    settings: Settings,
    database: ServerDatabase,
    stop: asyncio.Event,
    webhook: Webhook | None,
    serve: Serve,
    shares: Shares | None = None,
) -> int:
    """Serve the school whenever its lease is this worker's (and, with `shares`, while this
    worker's share allows), stand by otherwise, until `stop`."""
    from bot.storage.postgres import ServingLease

    school = database.school or ""
    waiting = False
    while not stop.is_set():
        lease = None
        if shares is None or await shares.may_take():
            lease = await ServingLease.try_take(database)
        if lease is None:
            if not waiting:
                log.info(
                    "standing by: another samen run serves this school; taking over when it stops"
                )
                waiting = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=TAKE_OVER_SECONDS)
            continue
        if waiting:
            log.info("taking over: the other samen run has stopped or handed it over")
            waiting = False
        hand_over = asyncio.Event()
        if shares is not None:
            shares.serving[school] = hand_over
        try:
            code, lost = await _one_turn(settings, lease, stop, hand_over, webhook, serve)
        finally:
            if shares is not None:
                shares.serving.pop(school, None)
        if lost:
            print(
                f"samen: lost the connection that holds this worker's turn on the"
                f" {settings.database_name}; stopped so that another worker takes over.",
                file=sys.stderr,
            )
            stop.set()
            return EXIT_FAILED
        if code:
            return code
        if hand_over.is_set() and not stop.is_set():
            log.info("handing over: another worker takes this school, to share the schools")
            waiting = True
    return 0


async def _one_turn(
    settings: Settings,
    lease: ServingLease,
    stop: asyncio.Event,
    hand_over: asyncio.Event,
    webhook: Webhook | None,
    serve: Serve,
) -> tuple[int, bool]:
    """Serve the school while this worker holds its lease, until a stop, a hand-over or the
    lease lost; the exit code, and whether the lease was lost. The lease is released after."""
    lost = asyncio.Event()
    ended = asyncio.Event()

    def lose() -> None:
        # Without its lease this worker must not send another message: another one may
        # have taken over already.
        lost.set()
        ended.set()

    async def end_when(event: asyncio.Event) -> None:
        await event.wait()
        ended.set()

    watchers = [asyncio.create_task(end_when(event)) for event in (stop, hand_over)]
    try:
        async with beating(lease.beat, every=LEASE_BEAT_SECONDS, on_failure=lose):
            code = await serve(settings, ended, webhook)
    finally:
        for watcher in watchers:
            watcher.cancel()
        await lease.release()
    return code, lost.is_set()
