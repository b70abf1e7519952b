"""Where a test's school lives: an SQLite file, or (in the `-m postgresql` pass) a fresh
database on the test's PostgreSQL server. SAMEN_DB (and with a server SAMEN_KEY_FILE) point
at it, as a school would set them, so `samen` commands and subprocesses find it. The test
reads it back through Samen's own database handle, so the same checks hold on both."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from bot.platform.config import Settings
from bot.storage import Database, ServerDatabase, open_database
from tests.postgresql import SERVER, _on

Row = tuple[Any, ...]
T = TypeVar("T")


def run_now(work: Coroutine[Any, Any, T]) -> T:
    """`work`'s result, from a sync test or from inside a running event loop (on a loop of
    its own in another thread, so the test's loop is not entered twice)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


class Place:
    """A school's database on one backend: its location, the settings `samen` reads for it,
    and its rows, read through Samen's own handle."""

    def __init__(self, location: Path | ServerDatabase, settings: Settings) -> None:
        self.location = location
        self.settings = settings

    @property
    def on_server(self) -> bool:
        return isinstance(self.location, ServerDatabase)

    @property
    def env(self) -> dict[str, str]:
        """SAMEN_DB and SAMEN_KEY_FILE as a school sets them for this place."""
        if isinstance(self.location, ServerDatabase):
            return {
                "SAMEN_DB": self.location.url,
                "SAMEN_KEY_FILE": str(self.settings.pseudonym_key_file),
            }
        return {"SAMEN_DB": str(self.location)}

    async def open(self) -> Database:
        return await open_database(self.location)

    async def read(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        """The rows of `sql` (SQLite's dialect: `?` and `?N`, translated for a server)."""
        return (await self.read_many((sql, params)))[0]

    async def read_many(self, *queries: tuple[str, tuple[object, ...]]) -> list[list[Row]]:
        """The rows of each query, all read through one handle in one reading transaction."""
        db = await self.open()
        try:
            async with db.reading() as tx:
                return [
                    [tuple(row[i] for i in range(len(row.keys()))) for row in await tx._all(*q)]
                    for q in queries
                ]
        finally:
            await db.close()

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        """The rows of one query, from a sync or an async test."""
        return run_now(self.read(sql, params))

    def value(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        """The one value of a query that selects one."""
        (row,) = self.rows(sql, params)
        return row[0]

    def change(self, sql: str, params: tuple[object, ...] = ()) -> None:
        """A change made by hand (as a school's administrator might), committed."""

        async def run() -> None:
            db = await self.open()
            try:
                async with db.transaction() as tx:
                    await tx._run(sql, params)
            finally:
                await db.close()

        run_now(run())

    def tables(self) -> list[str]:
        if self.on_server:
            sql = (
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return sorted(name for (name,) in self.rows(sql) if name != "sqlite_sequence")

    def dump(self, *, leave_out: tuple[str, ...] = ()) -> dict[str, list[str]]:
        """Every row of every table (but `leave_out`), each as text, in a stable order."""
        tables = [table for table in self.tables() if table not in leave_out]
        everything = run_now(self.read_many(*((f"SELECT * FROM {table}", ()) for table in tables)))
        return {
            table: sorted(map(repr, rows)) for table, rows in zip(tables, everything, strict=True)
        }


def backend_of(request: pytest.FixtureRequest) -> str:
    """The backend a fixture was given (`request.param`); skipped on PostgreSQL for a test
    marked sqlite_only."""
    if request.param == "postgresql" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite itself")
    return str(request.param)


def _admin(*statements: str) -> None:
    with psycopg.connect(_on(SERVER, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())  # our own statements, not user text


@contextmanager
def place_on(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None = None
) -> Iterator[Place]:
    """A new, empty place on `backend` (the database is made by the first `samen` command or
    `open`), with SAMEN_DB and SAMEN_KEY_FILE set through `monkeypatch` when given."""
    if backend == "sqlite":
        path = tmp_path / "school.db"
        place = Place(path, Settings(db_path=path))
        drop = None
    else:
        if not SERVER:
            pytest.skip("no PostgreSQL server: set SAMEN_TEST_POSTGRESQL")
        name = f"samen_{uuid.uuid4().hex[:12]}"
        _admin(f"CREATE DATABASE {name}")
        url = _on(SERVER, name)
        place = Place(ServerDatabase(url), Settings(db_url=url, key_file=tmp_path / "samen.key"))
        drop = name
    try:
        if monkeypatch is not None:
            monkeypatch.delenv("SAMEN_KEY_FILE", raising=False)
            for key, value in place.env.items():
                monkeypatch.setenv(key, value)
        yield place
    finally:
        if drop is not None:
            _admin(f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)")
