"""The PostgreSQL schema: made once by whichever worker starts first, kept across starts,
and a database of a newer Samen refused (as for SQLite in tests/test_storage.py)."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import load_migrations
from bot.storage.postgres import PostgresDb
from tests.postgresql import empty_postgresql

__all__ = ["empty_postgresql"]  # the fixture, used by name below

pytestmark = pytest.mark.postgresql


async def test_migrations_run_once_and_keep_data(empty_postgresql: str) -> None:
    db = await PostgresDb.open(empty_postgresql)
    async with db.transaction() as tx:
        await tx.set_meta("kept", "yes")
    await db.close()
    db = await PostgresDb.open(empty_postgresql)
    try:
        async with db.reading() as tx:
            assert await tx.get_meta("kept") == "yes"
            versions = await tx._all("SELECT version FROM samen_schema ORDER BY version")
        assert [row[0] for row in versions] == [m.version for m in load_migrations()]
        assert await db.schema_version() == len(load_migrations())
    finally:
        await db.close()


async def test_workers_starting_at_once_make_the_schema_once(empty_postgresql: str) -> None:
    opened = await asyncio.gather(*(PostgresDb.open(empty_postgresql) for _ in range(3)))
    try:
        async with opened[0].reading() as tx:
            versions = await tx._all("SELECT version FROM samen_schema")
        assert sorted(row[0] for row in versions) == [m.version for m in load_migrations()]
    finally:
        for db in opened:
            await db.close()


async def test_a_database_from_a_newer_samen_is_refused(empty_postgresql: str) -> None:
    db = await PostgresDb.open(empty_postgresql)
    async with db.transaction() as tx:
        await tx._run("INSERT INTO samen_schema (version) VALUES (999)")
    await db.close()
    with pytest.raises(RuntimeError, match="newer Samen"):
        await PostgresDb.open(empty_postgresql)
