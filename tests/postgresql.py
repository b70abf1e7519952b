"""Throw-away databases on a PostgreSQL server, each copied from one migrated template (a
copy takes milliseconds; migrating takes a second). SAMEN_TEST_POSTGRESQL names the server
(a libpq connection string, as `.ci/run` sets it); tests run there in the `-m postgresql`
pass, marked by the second of BACKENDS."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from psycopg import conninfo

from bot.storage import Database
from bot.storage.postgres import PostgresDb

SERVER = os.environ.get("SAMEN_TEST_POSTGRESQL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
TEMPLATE = "samen_template"
_template_ready = False


def _on(server: str, dbname: str) -> str:
    """The URL of database `dbname` on `server`, as SAMEN_DB takes it (postgresql://…)."""
    facts = conninfo.conninfo_to_dict(conninfo.make_conninfo(server, dbname=dbname))
    return "postgresql://?" + urlencode({key: str(value) for key, value in facts.items()})


async def _admin(server: str, *statements: str) -> None:
    async with await psycopg.AsyncConnection.connect(
        _on(server, "postgres"), autocommit=True
    ) as conn:
        for statement in statements:
            await conn.execute(statement)


async def fresh_database(server: str, name: str) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """A new database `name`, migrated, and how to drop it."""
    global _template_ready
    if not _template_ready:
        await _admin(server, f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
        template = await PostgresDb.open(_on(server, TEMPLATE))
        await template.close()
        _template_ready = True
    await _admin(server, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    database = await PostgresDb.open(_on(server, name))

    async def drop() -> None:
        await _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return database, drop


@asynccontextmanager
async def empty_database() -> AsyncIterator[str]:
    """The URL of a new, empty database (no schema yet) on the test server, dropped after."""
    if not SERVER:
        pytest.skip("no PostgreSQL server: set SAMEN_TEST_POSTGRESQL")
    name = f"samen_{uuid.uuid4().hex[:12]}"
    await _admin(SERVER, f"CREATE DATABASE {name}")
    try:
        yield _on(SERVER, name)
    finally:
        await _admin(SERVER, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def empty_postgresql() -> AsyncIterator[str]:
    """The URL of a new, empty database (no schema yet), dropped after."""
    async with empty_database() as url:
        yield url


@asynccontextmanager
async def database_for(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A new, migrated database of the backend a fixture was given (`request.param`): an
    SQLite file in `tmp_path`, or a fresh PostgreSQL database (skipping tests marked as
    SQLite's only); closed, and dropped, after."""
    drop = None
    if request.param == "sqlite":
        database: Any = await Database.open(tmp_path / "samen.db")
    else:
        if request.node.get_closest_marker("sqlite_only"):
            pytest.skip("about SQLite itself")
        if not SERVER:
            pytest.skip("no PostgreSQL server: set SAMEN_TEST_POSTGRESQL")
        database, drop = await fresh_database(SERVER, f"samen_{uuid.uuid4().hex[:12]}")
    try:
        yield database
    finally:
        await database.close()
        if drop is not None:
            await drop()
