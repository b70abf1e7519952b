"""`samen migrate-to`: one school's SQLite file moves into the board's PostgreSQL database,
every row, all or nothing, and never over another school's data."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.models import PersonKind
from bot.storage import Database, ServerDatabase, open_database
from tests.harness import AMSTERDAM, Harness
from tests.postgresql import empty_database
from tests.test_care import agree, delivered, request

pytestmark = pytest.mark.postgresql

START = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)


async def every_row(database: Database) -> dict[str, list[str]]:
    """Every row of every table of Samen's, comparable across the backends."""
    async with database.reading() as tx:
        if isinstance(database, Database):  # the SQLite file
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = (
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        tables = [
            name
            for (name,) in await tx._all(query)
            if name not in ("sqlite_sequence", "samen_schema")
        ]
        return {
            table: sorted(repr(tuple(row)) for row in await tx._all(f"SELECT * FROM {table}"))
            for table in tables
        }


async def test_a_school_moves_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    harness = Harness(tmp_path, START)
    await harness.open()
    mother = harness.server.user(301, "Ruud")
    await harness.link(mother, PersonKind.GUARDIAN, "G023")
    consent = await request(harness, "P014")
    await delivered(harness, mother, 2)
    await agree(harness, mother, consent.discussion_id)
    await harness.close()
    db_path = tmp_path / "samen.db"
    source = await Database.open(db_path)
    before = await every_row(source)
    await source.close()
    monkeypatch.setenv("SAMEN_DB", str(db_path))
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    async with empty_database() as url:
        # A file that the server refuses in one row: nothing of the school arrives.
        broken = await Database.open(db_path)
        async with broken.transaction() as tx:
            await tx._run("UPDATE outbox SET attempts = 'veel' WHERE id = 1")
        await broken.close()
        command = ["migrate-to", url, "--school", "debrug"]
        assert await asyncio.to_thread(main, command) == 1
        assert "nothing moved" in capsys.readouterr().err
        target = await open_database(ServerDatabase(url, "debrug"))
        assert all(rows == [] for table, rows in (await every_row(target)).items())
        await target.close()
        mended = await Database.open(db_path)
        async with mended.transaction() as tx:
            await tx._run("UPDATE outbox SET attempts = 1 WHERE id = 1")
        await mended.close()

        assert await asyncio.to_thread(main, command) == 0
        out = capsys.readouterr().out
        assert "Moved" in out and "samen.key" in out
        target = await open_database(ServerDatabase(url, "debrug"))
        try:
            assert await every_row(target) == before  # every row, as it was
            async with target.transaction() as tx:
                assert await tx.account_of_user(301) == (PersonKind.GUARDIAN, "G023")
                # The server's next id follows the ones moved.
                last = max(int(r[0]) for r in await tx._all("SELECT id FROM outbox"))
                new = await tx.enqueue(chat_id=301, text="x", purpose="test", now=START)
                assert new > last
        finally:
            await target.close()
        # Never into a place that holds a school already.
        assert await asyncio.to_thread(main, command) == 1
        assert "holds data already" in capsys.readouterr().err
