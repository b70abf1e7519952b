"""The executor: ids from INSERT … RETURNING, the read-only session, rollback, the outbox hook
and the migrations folder inside the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import (
    Database,
    NotADatabase,
    copy_database_file,
    inspect_database_file,
    iso,
    load_migrations,
)
from tests.storage.support import NOW


async def test_insert_returns_the_new_id_of_each_row(db: Database) -> None:
    async with db.transaction() as tx:
        first = await tx.enqueue(chat_id=1, text="a", purpose="test", now=NOW)
        second = await tx._insert(
            "INSERT INTO outbox (chat_id, purpose, text, created_at, not_before)"
            " VALUES (?, ?, ?, ?, ?)",
            (2, "test", "b", iso(NOW), iso(NOW)),
        )
        third = await tx.enqueue(chat_id=3, text="c", purpose="test", now=NOW)
    assert (first, second, third) == (1, 2, 3)
    async with db.reading() as tx:
        assert await tx.outbox_message(second) == (2, "b", None)


async def test_reading_refuses_every_kind_of_change(db: Database) -> None:
    async with db.reading() as tx:
        with pytest.raises(RuntimeError, match="transaction"):
            await tx._run("DELETE FROM meta")
        with pytest.raises(RuntimeError, match="transaction"):
            await tx._run_many("DELETE FROM meta WHERE key = ?", [("k",)])
        with pytest.raises(RuntimeError, match="transaction"):
            await tx.enqueue(chat_id=1, text="a", purpose="test", now=NOW)
    async with db.reading() as tx:
        assert await tx.outbox_counts() == {}


async def test_run_counts_the_rows_it_changed(db: Database) -> None:
    async with db.transaction() as tx:
        await tx._run_many(
            "INSERT INTO meta (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2"), ("c", "3")]
        )
        assert await tx._run("UPDATE meta SET value = 'x' WHERE key IN ('a', 'b')") == 2
        assert await tx._run("UPDATE meta SET value = 'x' WHERE key = 'nothing'") == 0
        rows = await tx._all("SELECT key, value FROM meta ORDER BY key")
        assert [tuple(r) for r in rows] == [("a", "x"), ("b", "x"), ("c", "3")]
        assert await tx._one("SELECT value FROM meta WHERE key = 'nothing'") is None


async def test_the_outbox_hook_fires_after_a_commit_that_queued_messages(db: Database) -> None:
    heard: list[str] = []
    db.on_outbox_write(lambda: heard.append("woken"))
    async with db.transaction() as tx:
        await tx.set_meta("k", "v")
    assert heard == []
    with pytest.raises(ValueError):
        async with db.transaction() as tx:
            await tx.enqueue(chat_id=1, text="a", purpose="test", now=NOW)
            raise ValueError("boom")
    assert heard == []
    async with db.transaction() as tx:
        await tx.enqueue(chat_id=1, text="a", purpose="test", now=NOW)
    assert heard == ["woken"]
    async with db.reading() as tx:
        assert await tx.outbox_counts() == {"pending": 1}


async def test_migrations_live_in_the_package(tmp_path: Path) -> None:
    folder = Path(__file__).parents[2] / "bot" / "storage" / "migrations"
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert {f"{m.version:04d}_{m.name}.sql" for m in migrations} == {
        p.name for p in folder.glob("*.sql")
    }
    db = await Database.open(tmp_path / "fresh.db")
    try:
        assert await db.schema_version() == len(migrations)
    finally:
        await db.close()


async def test_a_copy_is_one_complete_file_while_the_database_is_open(
    db: Database, tmp_path: Path
) -> None:
    async with db.transaction() as tx:
        await tx.set_meta("k", "kept")  # still in the -wal file: the database is open
    copy_database_file(db.path, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db-wal").exists()
    facts = inspect_database_file(tmp_path / "copy.db")
    assert facts.integrity == "ok" and facts.schema_version == len(load_migrations())
    copy = await Database.open(tmp_path / "copy.db")
    try:
        async with copy.reading() as tx:
            assert await tx.get_meta("k") == "kept"
    finally:
        await copy.close()


def test_a_file_that_is_no_database_is_named_so(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 100)
    with pytest.raises(NotADatabase):
        copy_database_file(junk, tmp_path / "copy.db")
    with pytest.raises(NotADatabase):
        inspect_database_file(junk)
