"""End-to-end harness: the real Samen runtime against the fake Bot API, in this process.

Built on `bot.demo.school.School`, which `samen try` shares: `Harness.say` and `Harness.tap`
return once the bot has completely processed the update, so tests never sleep. Tests drive
time themselves with a `FakeClock` and `scheduler.due_work`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.demo.school import (
    AMSTERDAM,
    School,
    TrackingApplication,
    UpdateTracker,
    examples_dir,
    load_examples,
)
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.platform.webhooks import Webhook
from bot.storage import Database

EXAMPLES = examples_dir()

__all__ = [
    "AMSTERDAM",
    "EXAMPLES",
    "Harness",
    "TrackingApplication",
    "UpdateTracker",
    "load_examples",
]


class Harness(School):
    clock: FakeClock

    def __init__(self, tmp_path: Path, start: datetime, token: str = TOKEN) -> None:
        super().__init__(FakeClock(start), FakeTelegram(token))
        self.tmp_path = tmp_path
        self._own_database = True

    async def open(
        self, settings: dict[str, Any] | None = None, *, database: Any = None, **outbox_options: Any
    ) -> None:
        """`settings`: what samen.toml would set (e.g. translation services); `database`: an
        open database to use instead of a new SQLite file (a PostgreSQL one)."""
        base_url = await self.server.start()
        on_server = database is not None and not isinstance(database, Database)
        self.settings = Settings(
            token=self.server.token,
            api_url=base_url,
            db_path=self.tmp_path / "samen.db",
            # As `samen` reads them from SAMEN_DB and SAMEN_KEY_FILE for a database on a server.
            db_url=database.location.url if on_server else None,
            school_id=database.location.school if on_server else None,
            key_file=self.tmp_path / "samen.key" if on_server else None,
            **{"school_name": "De Brug", **(settings or {})},
        )
        # A database given is its giver's to close.
        self._own_database = database is None
        self.db = database or await self.database_class.open(self.settings.db_path)
        await load_examples(self.db, self.clock.now())
        await self.start_bot(**outbox_options)

    async def start_bot(self, webhook: Webhook | None = None, **outbox_options: Any) -> None:
        await super().start_bot(webhook, **outbox_options)
        # Tests drive scheduled work themselves (scheduler.due_work with the test clock), so
        # the real-time ticks are switched off: no job may race a test's own call.
        assert self.runtime is not None
        queue = self.runtime.application.job_queue
        assert queue is not None
        for job in queue.jobs():
            job.enabled = False

    def samen_environment(self) -> dict[str, str]:
        """The environment a `samen` command needs to work on this bot's database."""
        assert self.settings is not None
        environment = {"SAMEN_DB": self.settings.db_url or str(self.settings.db_path)}
        if self.settings.key_file is not None:
            environment["SAMEN_KEY_FILE"] = str(self.settings.key_file)
        return environment

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """What a query finds in the bot's database now, on either backend (for checks)."""
        assert self.db is not None
        async with self.db.reading() as tx:
            return [tuple(row) for row in await tx._all(sql)]

    async def everything_stored(self) -> str:
        """All the database holds, as text: the SQLite file's bytes (deleted rows' included),
        or every row of every table on PostgreSQL (for checks that something is stored
        nowhere)."""
        assert self.db is not None
        if isinstance(self.db, Database):  # the file and its -wal, where the latest rows are
            wal = self.db.path.with_name(self.db.path.name + "-wal")
            files = [self.db.path, *([wal] if wal.exists() else [])]
            return "".join(file.read_bytes().decode("latin-1") for file in files)
        tables = await self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return "\n".join([str(await self.rows(f"SELECT * FROM {name}")) for (name,) in tables])

    async def close(self) -> None:
        await self.stop_bot()
        if self.db is not None and self._own_database:
            await self.db.close()
        await self.server.stop()
