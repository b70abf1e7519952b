"""End-to-end harness: the real Samen runtime against the fake Bot API, in this process.

`Harness.say` and `Harness.tap` return once the bot has completely processed the
update (the application reports each processed update id), so tests never sleep.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from bot.app import Runtime
from bot.platform.admission import ChatGate
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.rules.models import InviteRow, PersonKind
from bot.services.invitations import issue_invitations
from bot.services.roster_import import import_guardians, import_pupils, import_staff
from bot.storage import Database
from tests.fakebot import BOT_USERNAME, TOKEN, ChatMessage, FakeTelegram, FakeUser

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class TrackingApplication(Application):  # type: ignore[type-arg]
    """Reports every update it has finished, so tests know when the bot is done."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                tracker: UpdateTracker = self.bot_data["tracker"]
                tracker.finished(update.update_id)


@dataclass
class UpdateTracker:
    done: set[int] = field(default_factory=set)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def finished(self, update_id: int) -> None:
        self.done.add(update_id)
        self.event.set()

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:
        async def until_done() -> None:
            while update_id not in self.done:
                self.event.clear()
                await self.event.wait()

        await asyncio.wait_for(until_done(), timeout)


async def load_examples(db: Database, now: datetime) -> None:
    today = now.astimezone(AMSTERDAM).date()
    await import_staff(db, (EXAMPLES / "staff.csv").read_bytes(), "staff.csv", now)
    await import_pupils(db, (EXAMPLES / "pupils.csv").read_bytes(), "pupils.csv", now, today)
    await import_guardians(db, (EXAMPLES / "guardians.csv").read_bytes(), "guardians.csv", now)


class Harness:
    # A test may run Samen on a database with injected faults, or shorten how long an answer
    # from Telegram is awaited.
    database_class: type[Database] = Database
    request_timeout = 5.0

    def __init__(self, tmp_path: Path, start: datetime) -> None:
        self.tmp_path = tmp_path
        self.clock = FakeClock(start)
        self.server = FakeTelegram()
        self.tracker = UpdateTracker()
        self.db: Database | None = None
        self.runtime: Runtime | None = None
        self.settings: Settings | None = None
        self.invites: dict[tuple[PersonKind, str], InviteRow] = {}
        # Each step a person takes through `say` and `tap` takes them a second, the least it
        # takes to read an answer before the next tap: the flood limit sees them at that
        # pace, on the test clock. A test that floods sends without waiting (`user.send`).
        self.paced = 0.0

    def admission_clock(self) -> float:
        """The seconds the flood limit counts in: the test clock, plus a second a step."""
        return self.clock.now().timestamp() + self.paced

    def pause(self, seconds: float) -> None:
        """People wait this long before their next step, as the flood limit and the quiet for
        unlinked chats see it; the test clock stays where it is."""
        self.paced += seconds

    async def open(self, settings: dict[str, Any] | None = None, **outbox_options: Any) -> None:
        """`settings`: what samen.toml would set (e.g. translation services)."""
        base_url = await self.server.start()
        self.settings = Settings(
            token=TOKEN,
            api_url=base_url,
            db_path=self.tmp_path / "samen.db",
            school_name="De Brug",
            **(settings or {}),
        )
        self.db = await self.database_class.open(self.settings.db_path)
        await load_examples(self.db, self.clock.now())
        await self.start_bot(**outbox_options)

    async def start_bot(self, **outbox_options: Any) -> None:
        assert self.settings is not None and self.db is not None
        options = {"per_chat_interval": 0.02, **outbox_options}
        self.runtime = Runtime(
            self.settings,
            self.db,
            self.clock,
            application_class=TrackingApplication,
            poll_timeout=1,
            outbox_options=options,
            request_timeout=self.request_timeout,
            admission=ChatGate(clock=self.admission_clock),
        )
        self.runtime.application.bot_data["tracker"] = self.tracker
        await self.runtime.start()
        # Tests drive scheduled work themselves (scheduler.due_work with the test clock), so
        # the real-time ticks are switched off: no job may race a test's own call.
        queue = self.runtime.application.job_queue
        assert queue is not None
        for job in queue.jobs():
            job.enabled = False

    async def stop_bot(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def close(self) -> None:
        await self.stop_bot()
        if self.db is not None:
            await self.db.close()
        await self.server.stop()

    async def issue_invites(self) -> dict[tuple[PersonKind, str], InviteRow]:
        assert self.db is not None and self.settings is not None
        rows = await issue_invitations(self.db, self.settings, self.clock.now(), BOT_USERNAME)
        self.invites = {(r.kind, r.person_id): r for r in rows}
        return self.invites

    def code(self, kind: PersonKind, person_id: str) -> str:
        return self.invites[(kind, person_id)].code

    async def say(
        self, user: FakeUser, text: str, reply_to: ChatMessage | None = None
    ) -> list[ChatMessage]:
        """The user sends text (as a reply to `reply_to`, if given); returns what the bot
        showed in that chat in response."""
        before = len(user.messages)
        self.pause(1.0)
        await self.tracker.wait(user.send(text, reply_to))
        return user.messages[before:]

    async def tap(self, user: FakeUser, label: str, message: ChatMessage | None = None) -> str:
        """The user taps a button; returns the callback query id (answered by then)."""
        self.pause(1.0)
        update_id, query_id = user.tap(label, message)
        await self.tracker.wait(update_id)
        return query_id

    async def tap_data(self, user: FakeUser, data: str, message: ChatMessage) -> str:
        self.pause(1.0)
        update_id, query_id = user.tap_data(data, message)
        await self.tracker.wait(update_id)
        return query_id

    async def link(self, user: FakeUser, kind: PersonKind, person_id: str) -> ChatMessage:
        """Onboard a user with their invitation code; returns the welcome."""
        if not self.invites:
            await self.issue_invites()
        shown = await self.say(user, f"/start {self.code(kind, person_id)}")
        assert len(shown) == 1, [m.text for m in shown]
        return shown[0]
