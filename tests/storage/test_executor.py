"""The executor: ids from INSERT … RETURNING, the read-only session, rollback, the outbox hook,
reads beside a transaction, waiting for another program's lock without stopping the event
loop, and the migrations folder inside the package."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
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
from bot.storage.executor import KEPT_ROWS
from tests.storage.support import NOW, PIM, REFUSED, TEACHER


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


async def test_reading_goes_on_beside_a_transaction_and_sees_what_is_committed(
    db: Database,
) -> None:
    async with db.transaction() as tx:
        await tx.set_meta("k", "old")
    async with db.transaction() as tx:
        await tx.set_meta("k", "new")
        async with db.reading() as other:
            assert await other.get_meta("k") == "old"
        assert await tx.get_meta("k") == "new"
    async with db.reading() as other:
        assert await other.get_meta("k") == "new"


async def test_each_reading_and_each_transaction_gives_the_event_loop_a_turn(
    db: Database,
) -> None:
    """Statements themselves never wait: code that asks the database again and again (the
    outbox sender polling) would otherwise keep every other task from running."""
    for unit in (db.reading, db.transaction):
        ran = asyncio.Event()

        async def other(event: asyncio.Event = ran) -> None:
            event.set()

        waiting = asyncio.create_task(other())
        async with unit() as tx:
            await tx.get_meta("k")
        assert ran.is_set()
        await waiting


@pytest.mark.sqlite_only
async def test_a_lock_held_elsewhere_is_waited_for_while_the_event_loop_goes_on(
    db: Database,
) -> None:
    elsewhere = sqlite3.connect(db.path, isolation_level=None)
    try:
        elsewhere.execute("BEGIN IMMEDIATE")
        elsewhere.execute("INSERT INTO meta (key, value) VALUES ('elsewhere', 'first')")

        async def write() -> str | None:
            async with db.transaction() as tx:
                seen = await tx.get_meta("elsewhere")
                await tx.set_meta("samen", "second")
            return seen

        waiting = asyncio.create_task(write())
        for _ in range(3):
            await asyncio.sleep(0)  # turns of the event loop, no time passes
        assert not waiting.done()
        async with db.reading() as tx:  # readers are not held up
            assert await tx.get_meta("elsewhere") is None
        elsewhere.execute("COMMIT")
        assert await asyncio.wait_for(waiting, 5) == "first"
    finally:
        elsewhere.close()
    async with db.reading() as tx:
        assert await tx.get_meta("samen") == "second"


async def test_a_bulk_change_is_one_statement_with_its_transaction(db: Database) -> None:
    rows = [(f"k{n}", str(n)) for n in range(1_000)]
    with pytest.raises(REFUSED):
        async with db.transaction() as tx:
            await tx._run_many("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
            await tx._run_many("INSERT INTO meta (key, value) VALUES (?, ?)", rows[:1])
    async with db.transaction() as tx:
        await tx._run_many("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
    async with db.reading() as tx:
        counted = await tx._one("SELECT count(*) FROM meta WHERE substr(key, 1, 1) = 'k'")
        assert counted is not None and counted[0] == 1_000


async def test_migrations_live_in_the_package(any_db: Database) -> None:
    folder = Path(__file__).parents[2] / "bot" / "storage" / "migrations"
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert {f"{m.version:04d}_{m.name}.sql" for m in migrations} == {
        p.name for p in folder.glob("*.sql")
    }
    # A new database on either backend has had each of them (translated for PostgreSQL).
    assert await any_db.schema_version() == len(migrations)


@pytest.mark.sqlite_only
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


@pytest.mark.sqlite_only  # the bytes of a file
def test_a_file_that_is_no_database_is_named_so(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 100)
    with pytest.raises(NotADatabase):
        copy_database_file(junk, tmp_path / "copy.db")
    with pytest.raises(NotADatabase):
        inspect_database_file(junk)


async def test_a_transaction_keeps_its_reads_yet_sees_each_of_its_own_changes(
    db: Database,
) -> None:
    async with db.transaction() as tx:
        assert await tx.pupil("P1") == PIM
        await tx.upsert_pupil(replace(PIM, group="6A"), NOW)  # an INSERT … ON CONFLICT
        assert await tx.pupil("P1") == replace(PIM, group="6A")
        assert await tx.outbox_counts() == {}
        await tx.enqueue(chat_id=1, text="a", purpose="test", now=NOW)  # an INSERT … RETURNING
        assert await tx.outbox_counts() == {"pending": 1}
        await tx._run("UPDATE outbox SET status = 'sent'")
        assert await tx.outbox_counts() == {"sent": 1}
        # A pupil's links go with the pupil (ON DELETE CASCADE): a read that names only the
        # links is forgotten too.
        assert [x.pupil_id for x in await tx.all_guardian_links()] == ["P1", "P2", "P1"]
        await tx._run("DELETE FROM pupils WHERE pupil_id = 'P2'")
        assert [x.pupil_id for x in await tx.all_guardian_links()] == ["P1", "P1"]
        # What a caller does with the rows it got is not what the next caller gets.
        for _ in range(2):  # the first from the database, the second kept
            (await tx._all("SELECT key FROM meta")).append("not a row")
        assert await tx._all("SELECT key FROM meta") == []


async def test_reading_asks_again_each_time_and_sees_what_was_committed_meanwhile(
    db: Database,
) -> None:
    async with db.reading() as reader:
        assert await reader.get_meta("k") is None
        async with db.transaction() as tx:
            await tx.set_meta("k", "new")
        assert await reader.get_meta("k") == "new"


@pytest.mark.sqlite_only
async def test_the_same_read_twice_in_a_transaction_is_one_statement(db: Database) -> None:
    statements: list[str] = []
    db._writer.set_trace_callback(statements.append)
    try:
        async with db.transaction() as tx:
            for _ in range(3):
                assert await tx.pupil("P1") == PIM
                assert await tx.staff_member("T1") == TEACHER
    finally:
        db._writer.set_trace_callback(None)
    read = [s.split()[3] for s in statements if s.startswith("SELECT")]
    assert read == ["pupils", "staff", "staff_groups"]  # each once, not three times


@pytest.mark.sqlite_only
async def test_a_read_of_many_rows_is_not_kept(db: Database) -> None:
    """What a unit of work reads again is a row or a few; a table read whole (by an import,
    a move to a server) would double the transaction's memory if it were kept."""
    async with db.transaction() as tx:
        await tx._run_many(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(f"k{n}", "v") for n in range(KEPT_ROWS + 1)],
        )
    statements: list[str] = []
    db._writer.set_trace_callback(statements.append)
    try:
        async with db.transaction() as tx:
            for _ in range(2):
                assert len(await tx._all("SELECT key FROM meta")) == KEPT_ROWS + 1
    finally:
        db._writer.set_trace_callback(None)
    assert statements.count("SELECT key FROM meta") == 2
