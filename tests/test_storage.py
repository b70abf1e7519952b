"""The database: migrations, the append-only audit trail, and the housekeeping job."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.rules.models import PersonKind
from bot.services.housekeeping import tidy
from bot.storage import Database, DatabaseUnusable, load_migrations
from tests.storage.support import REFUSED

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


# About SQLite: its file and PRAGMA user_version (PostgreSQL: storage/test_postgres_migrations).
@pytest.mark.sqlite_only
async def test_migrations_run_once_and_keep_data(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = await Database.open(path)
    assert await db.schema_version() == len(load_migrations())
    async with db.transaction() as tx:
        await tx.set_meta("k", "v")
    await db.close()
    db = await Database.open(path)
    async with db.transaction() as tx:
        assert await tx.get_meta("k") == "v"
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only  # as above
async def test_a_database_from_a_newer_samen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(DatabaseUnusable, match="made by a newer Samen"):
        await Database.open(path)


async def test_a_failed_transaction_leaves_nothing_behind(any_db: Database) -> None:
    db = any_db
    with pytest.raises(ValueError):
        async with db.transaction() as tx:
            await tx.set_meta("half", "done")
            await tx.enqueue(chat_id=1, text="x", purpose="test", now=NOW)
            raise ValueError("boom")
    async with db.transaction() as tx:
        assert await tx.get_meta("half") is None
        assert await tx.outbox_counts() == {}


async def test_the_audit_trail_is_append_only(any_db: Database) -> None:
    db = any_db
    async with db.transaction() as tx:
        await tx.audit(now=NOW, actor=("staff", "S1"), action="test", pupil_id="P1")
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(REFUSED, match="append-only"):
            async with db.transaction() as tx:
                await tx._run(statement)
    async with db.transaction() as tx:
        assert [e.action for e in await tx.audit_entries("P1")] == ["test"]


async def test_housekeeping_forgets_failed_codes_that_can_no_longer_block(any_db: Database) -> None:
    db = any_db
    async with db.transaction() as tx:
        for hours in (0, 1, 2, 3):
            await tx.record_start_failure(7, NOW - timedelta(hours=hours, minutes=1))
    assert await tidy(db, NOW) == {"start_failures": 2, "sent_files": 0, "first_taps": 0}
    async with db.transaction() as tx:
        assert len(await tx.start_failures_since(7, NOW - timedelta(days=1))) == 2


async def test_housekeeping_drops_files_a_day_after_telegram_delivered_them(
    any_db: Database,
) -> None:
    db = any_db
    async with db.transaction() as tx:
        ids = [
            await tx.enqueue(
                chat_id=5, text="copy", purpose="access_copy", now=NOW, document=b"%PDF"
            )
            for _ in range(3)
        ]
        await tx.mark_sent(ids[0], 101, NOW - timedelta(days=2), "copy")
        await tx.mark_sent(ids[1], 102, NOW - timedelta(hours=2), "copy")
    assert (await tidy(db, NOW))["sent_files"] == 1
    async with db.reading() as tx:
        kept = [await tx._one("SELECT document FROM outbox WHERE id = ?", (i,)) for i in ids]
    # Delivered two days ago: gone; delivered today: kept a day; not delivered yet: kept.
    assert [row["document"] for row in kept] == [None, b"%PDF", b"%PDF"]


async def test_reading_refuses_changes_and_leaves_the_database_as_it_was(any_db: Database) -> None:
    db = any_db
    async with db.transaction() as tx:
        await tx.set_meta("k", "before")
    with pytest.raises(RuntimeError, match="transaction"):
        async with db.reading() as tx:
            assert await tx.get_meta("k") == "before"
            await tx.set_meta("k", "after")
    async with db.reading() as tx:
        assert await tx.get_meta("k") == "before"


async def test_reachable_among_names_only_linked_people_not_marked_unreachable(
    any_db: Database,
) -> None:
    db = any_db
    async with db.transaction() as tx:
        for user_id, person in ((1, "G1"), (2, "G2")):
            await tx.touch_telegram_user(user_id, user_id, NOW)
            await tx.link_account(PersonKind.GUARDIAN, person, user_id, NOW)
        await tx.mark_unreachable(2, NOW)  # G2 blocked the bot
    async with db.reading() as tx:
        asked = [(PersonKind.GUARDIAN, "G1"), (PersonKind.GUARDIAN, "G2")]
        asked += [(PersonKind.GUARDIAN, "G3"), (PersonKind.PUPIL, "G1")]  # never linked
        assert await tx.reachable_among(asked) == {(PersonKind.GUARDIAN, "G1")}
        assert await tx.reachable_among([]) == set()


def test_a_school_on_its_file_never_loads_the_servers_driver(tmp_path: Path) -> None:
    """PostgreSQL's driver costs about 10 MB of memory: `samen run` on an SQLite file (and
    every command there) goes without it, even where the `postgresql` extra is installed."""
    program = (
        "import asyncio, sys\n"
        "import bot.app, bot.cli, bot.cli.serving, scheduler, conversations\n"
        "from bot.storage import open_database\n"
        f"db = asyncio.run(open_database({str(tmp_path / 'samen.db')!r}))\n"
        "asyncio.run(db.close())\n"
        "print('psycopg' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
