"""Running as a service: backups with rotation, the daily backup and scheduled purge on the
test clock, restore (refused while a bot runs), the health check, and [backup] settings."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.cli import main
from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.platform.backup_crypto import decrypt_file, new_backup_key
from bot.platform.clock import FakeClock
from bot.platform.config import ConfigError, load_settings
from bot.platform.run_lock import RunLock, lock_path
from bot.rules.models import PersonKind
from bot.services.backups import (
    RestoreRefused,
    back_up_into,
    daily_slot,
    purge_due,
    restore_database,
    restore_server_database,
    rotate,
)
from bot.storage import (
    Database,
    ServerDatabase,
    inspect_database_file,
    load_migrations,
    open_database,
)
from scheduler import daily_work
from tests.harness import AMSTERDAM, Harness, load_examples
from tests.places import Place, run_now
from tests.postgresql import empty_database
from tests.test_operations import samen, start_samen_run

# A Tuesday night in term time, before the backup time (02:00).
TUESDAY_NIGHT = datetime(2026, 12, 1, 1, 0, tzinfo=AMSTERDAM)
# The school's backup key: the public half in the settings, the private half to open backups.
BACKUP_KEY = new_backup_key(TUESDAY_NIGHT)
RECIPIENTS = (BACKUP_KEY.recipient,)


def opened(backup: Path, tmp_path: Path) -> Path:
    """The database inside an encrypted backup, decrypted with the school's private key."""
    identity = tmp_path / "backup-key.txt"
    if not identity.exists():
        identity.write_text(BACKUP_KEY.identity_file)
    plain = tmp_path / f"{backup.name}.opened"
    plain.write_bytes(b"")
    decrypt_file(backup, plain, identity)
    return plain


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMSTERDAM)


def backups_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def assert_whole_backup(place: Place | Database, backup: Path, tmp_path: Path) -> None:
    """The encrypted `backup` opens to a whole copy of the school's database, of every
    migration: a sound SQLite file, or pg_dump's file of the school's tables."""
    plain = opened(backup, tmp_path)
    on_server = place.on_server if isinstance(place, Place) else not isinstance(place, Database)
    if not on_server:
        copy = inspect_database_file(plain)
        assert copy.integrity == "ok" and copy.schema_version == len(load_migrations())
        return
    listing = subprocess.run(
        ["pg_restore", "--list", str(plain)], capture_output=True, text=True, check=True
    ).stdout
    for table in ("samen_schema", "outbox", "audit_log", "pupils"):
        assert f"TABLE DATA public {table} " in listing, listing


# --- rotation ------------------------------------------------------------------------


async def test_rotation_keeps_the_newest_n_of_its_own_backups(place: Place, tmp_path: Path) -> None:
    await (await place.open()).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    # Files rotation did not make stay, however they are named.
    strangers = ["notes.txt", "samen-before-upgrade.db", "samen-20200101T000000Z.db.partial"]
    for name in strangers:
        (folder / name).write_text("keep me")
    clock = FakeClock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    made = []
    for _ in range(5):
        backup = await back_up_into(place.location, folder, 3, clock.now(), RECIPIENTS)
        made.append(backup.path.name)
        clock.advance(timedelta(days=1))
    same_second = await back_up_into(
        place.location, folder, 3, clock.now() - timedelta(days=1), RECIPIENTS
    )
    assert same_second.path.name == "samen-20261205T010000Z-2.db.age"
    assert backups_in(folder) == sorted([*made[3:], same_second.path.name, *strangers])
    assert all(mode(folder / name) == 0o600 for name in made[3:])
    assert_whole_backup(place, folder / made[-1], tmp_path)
    # Oldest first; the -2 is newer than its twin of the same second.
    assert rotate(folder, 1) == [folder / made[3], folder / made[4]]
    assert backups_in(folder) == sorted([same_second.path.name, *strangers])


def test_samen_backup_keep_n_folder(place: Place, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samen.toml").write_text(f'[backup]\nrecipients = ["{BACKUP_KEY.recipient}"]\n')
    run_now(_create(place))
    folder = tmp_path / "nightly"
    for _ in range(3):
        assert main(["backup", "--keep", "2", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("Backed up") == 3 and "removed 1 older" in out
    assert len(backups_in(folder)) == 2
    assert mode(folder) == 0o700
    (tmp_path / "a-file").write_text("")
    assert main(["backup", "--keep", "2", str(tmp_path / "a-file")]) == 2
    assert "must be a folder" in capsys.readouterr().err
    assert main(["backup", "--keep", "0", str(folder)]) == 2


async def _create(place: Place) -> None:
    await (await place.open()).close()


# --- the daily backup and the scheduled purge on the test clock -------------------------


@pytest.fixture
async def night(tmp_path: Path, any_db: Database) -> AsyncIterator[Harness]:
    h = Harness(tmp_path, TUESDAY_NIGHT)
    await h.open(
        settings={
            "backup_folder": tmp_path / "backups",
            "backup_keep": 3,
            "purge_schedule": "off",
            "backup_recipients": RECIPIENTS,
        },
        database=any_db,
    )
    try:
        yield h
    finally:
        await h.close()


async def daily(harness: Harness, moment: datetime) -> dict[str, int]:
    harness.clock.set(moment)
    assert harness.runtime is not None
    return await daily_work(harness.runtime.services)


async def test_the_daily_backup_runs_once_a_day_at_its_time(night: Harness, tmp_path) -> None:
    folder = tmp_path / "backups"
    # Never backed up yet: Monday's backup time has passed, so it is made at once.
    assert (await daily(night, at(1, 1, 0)))["backups"] == 1
    assert await daily(night, at(1, 1, 59)) == {}
    assert (await daily(night, at(1, 2, 0)))["backups"] == 1  # Tuesday's, at 02:00
    assert await daily(night, at(1, 2, 1)) == {}
    assert len(backups_in(folder)) == 2
    # A restart later that morning: the database remembers that Tuesday is done.
    await night.stop_bot()
    await night.start_bot()
    assert await daily(night, at(1, 9, 0)) == {}
    assert await daily(night, at(2, 1, 59)) == {}
    assert (await daily(night, at(2, 2, 0)))["backups"] == 1
    # Down from Wednesday night until Friday morning: one backup at the start, not three.
    await night.stop_bot()
    await night.start_bot()
    assert (await daily(night, at(4, 10, 0))) == {"backups": 1, "backups_removed": 1}
    assert await daily(night, at(4, 10, 1)) == {}
    assert backups_in(folder) == [
        "samen-20261201T010000Z.db.age",  # Tuesday 02:00 in Amsterdam
        "samen-20261202T010000Z.db.age",
        "samen-20261204T090000Z.db.age",
    ]
    # The copy is the bot's database, made while it runs.
    assert night.db is not None
    assert_whole_backup(night.db, folder / "samen-20261204T090000Z.db.age", tmp_path)


async def test_without_a_folder_or_a_purge_there_is_no_daily_work(harness: Harness) -> None:
    assert harness.runtime is not None and harness.settings is not None
    assert harness.settings.backup_folder is None and harness.settings.purge_schedule == "off"
    harness.clock.set(at(1, 3, 0))
    assert await daily_work(harness.runtime.services) == {}


async def test_a_backup_that_fails_is_logged_and_tried_the_next_day(
    tmp_path: Path, any_db: Database, caplog
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    h = Harness(tmp_path, TUESDAY_NIGHT)
    await h.open(
        settings={
            "backup_folder": blocked,
            "purge_schedule": "weekly",
            "backup_recipients": RECIPIENTS,
        },
        database=any_db,
    )
    try:
        with caplog.at_level(logging.ERROR):
            assert await daily(h, at(1, 2, 0)) == {}  # and no purge without its backup
        assert "daily backup failed" in caplog.text
        assert await daily(h, at(1, 2, 1)) == {}  # not again every minute
        blocked.unlink()
        assert await daily(h, at(2, 2, 0)) == {"backups": 1, "backups_removed": 0, "purged_rows": 0}
    finally:
        await h.close()


async def purges(harness: Harness) -> int:
    assert harness.db is not None
    async with harness.db.reading() as tx:
        return sum(1 for e in await tx.audit_entries() if e.action == "retention_purge")


@pytest.mark.parametrize(
    ("schedule", "purged_on"),
    [
        ("off", []),
        # The first night, then the first night of each new week; 1 January 2027 is still
        # in week 53 of 2026.
        (
            "weekly",
            [date(2026, 11, 30), *(date(2026, 12, d) for d in (7, 14, 21, 28))],
        ),
        ("monthly", [date(2026, 11, 30), date(2026, 12, 1), date(2027, 1, 1)]),
    ],
)
async def test_the_scheduled_purge_follows_its_schedule(
    tmp_path: Path, any_db: Database, schedule: str, purged_on: list[date], caplog
) -> None:
    h = Harness(tmp_path, TUESDAY_NIGHT)
    await h.open(
        settings={
            "backup_folder": tmp_path / "backups",
            "purge_schedule": schedule,
            "backup_recipients": RECIPIENTS,
        },
        database=any_db,
    )
    assert h.db is not None
    async with h.db.transaction() as tx:
        await tx.set_left_on("P001", date(2023, 7, 1))  # Daan left long enough ago
    ran_on: list[date] = []
    try:
        moment = at(1, 1, 0)  # Monday's backup time has passed: that night is caught up
        with caplog.at_level(logging.INFO):
            while moment < datetime(2027, 1, 2, 3, 0, tzinfo=AMSTERDAM):
                before = await purges(h)
                done = await daily(h, moment)
                if await purges(h) > before:
                    ran_on.append(daily_slot(moment, time(2, 0)))
                    assert "purged_rows" in done
                moment += timedelta(hours=12)
    finally:
        await h.close()
    assert ran_on == purged_on
    if schedule != "off":
        log = "\n".join(r.getMessage() for r in caplog.records if "purge" in r.getMessage())
        assert "scheduled purge" in log and "roster=" in log
        assert "Daan" not in log and "Vries" not in log and "P001" not in log


@pytest.mark.parametrize(
    ("schedule", "slot", "last", "due"),
    [
        ("off", date(2026, 12, 7), None, False),
        ("weekly", date(2026, 12, 7), None, True),
        ("weekly", date(2026, 12, 13), date(2026, 12, 7), False),  # Sunday, same week
        ("weekly", date(2026, 12, 14), date(2026, 12, 13), True),
        ("weekly", date(2027, 1, 1), date(2026, 12, 28), False),  # ISO week 53 of 2026
        ("monthly", date(2026, 12, 31), date(2026, 12, 1), False),
        ("monthly", date(2027, 1, 1), date(2026, 12, 31), True),
    ],
)
def test_purge_due(schedule: str, slot: date, last: date | None, due: bool) -> None:
    assert purge_due(schedule, slot, last) is due


def test_the_daily_slot_is_the_last_backup_time_that_passed() -> None:
    assert daily_slot(at(1, 1, 59), time(2, 0)) == date(2026, 11, 30)
    assert daily_slot(at(1, 2, 0), time(2, 0)) == date(2026, 12, 1)
    # 29 March 2026: 02:30 does not exist in Amsterdam; the day's slot comes at 03:00.
    assert daily_slot(datetime(2026, 3, 29, 3, 0, tzinfo=AMSTERDAM), time(2, 30)) == date(
        2026, 3, 29
    )


# --- restore -------------------------------------------------------------------------
# Restoring an SQLite file: it is moved aside and kept, under the file lock `samen run` holds.
# On a database server restore is pg_restore, refused while a worker holds a school's lease:
# test_workers_on_a_database_server_take_turns_and_keep_restore_away below.


@pytest.fixture
async def school(tmp_path: Path) -> AsyncIterator[tuple[Path, Path]]:
    """A database with the example school and one linked account, and a backup of it made
    before a change (unencrypted, as `samen backup --unencrypted` and Samen before 0.2 made
    them: those restore too)."""
    h = Harness(tmp_path, TUESDAY_NIGHT)
    await h.open()
    await h.link(h.server.user(301, "Linda"), PersonKind.GUARDIAN, "G002")
    assert h.db is not None
    backup = await back_up_into(h.db.path, tmp_path / "backups", None, h.clock.now(), ())
    async with h.db.transaction() as tx:
        await tx.set_meta("after_the_backup", "yes")
    await h.close()
    yield tmp_path / "samen.db", backup.path


async def meta(path: Path, key: str) -> str | None:
    db = await Database.open(path)
    try:
        async with db.reading() as tx:
            return await tx.get_meta(key)
    finally:
        await db.close()


@pytest.mark.sqlite_only
async def test_restore_puts_the_backup_back_and_keeps_the_database_it_replaced(
    school: tuple[Path, Path],
) -> None:
    db_path, backup = school
    now = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    restored = restore_database(db_path, backup, now)
    assert restored.schema_version == len(load_migrations())
    assert restored.kept == db_path.with_name("samen.db.before-restore-20261203T143000Z")
    assert mode(db_path) == 0o600 and mode(restored.kept) == 0o600
    assert not Path(f"{db_path}-wal").exists()
    assert await meta(db_path, "after_the_backup") is None
    assert await meta(restored.kept, "after_the_backup") == "yes"
    db = await Database.open(db_path)
    try:
        async with db.reading() as tx:
            assert await tx.account_of_user(301) == (PersonKind.GUARDIAN, "G002")
    finally:
        await db.close()


@pytest.mark.sqlite_only
async def test_restore_refuses_what_is_not_a_sound_samen_database(
    school: tuple[Path, Path], tmp_path: Path
) -> None:
    db_path, backup = school
    before = db_path.read_bytes()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 2\x00" + os.urandom(8192))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.execute("PRAGMA user_version = 3")
    newer = tmp_path / "newer.db"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {len(load_migrations()) + 1}")
    damaged = tmp_path / "damaged.db"
    content = bytearray(backup.read_bytes())
    page = int.from_bytes(content[16:18], "big")
    content[3 * page : 3 * page + 64] = b"\xff" * 64  # garbage in a page of the tables
    damaged.write_bytes(bytes(content))
    cases = {
        junk: "is not an SQLite database",
        other: "not one of Samen",
        newer: "made by a newer Samen",
        damaged: "damaged",
        tmp_path / "missing.db": "there is no file",
        db_path: "the database itself",
    }
    for source, reason in cases.items():
        with pytest.raises(RestoreRefused, match=reason):
            restore_database(db_path, source, datetime.now(UTC))
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.glob("samen.db*")) == [
        "samen.db",
        "samen.db.lock",
    ]


@pytest.mark.sqlite_only
async def test_restore_is_refused_while_the_bot_holds_the_database(
    school: tuple[Path, Path], monkeypatch, capsys
) -> None:
    db_path, backup = school
    monkeypatch.setenv("SAMEN_DB", str(db_path))
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    with RunLock.acquire(db_path):  # what `samen run` holds for its whole life
        assert main(["restore", str(backup)]) == 1
        assert "samen run is using" in capsys.readouterr().err
        assert await meta(db_path, "after_the_backup") == "yes"
    assert main(["restore", str(backup)]) == 0
    assert "The database it replaced is kept as" in capsys.readouterr().out
    assert await meta(db_path, "after_the_backup") is None


# --- with a real `samen run` ----------------------------------------------------------


@pytest.mark.sqlite_only
async def test_a_running_bot_is_healthy_and_keeps_restore_and_a_second_bot_away(
    school: tuple[Path, Path], tmp_path: Path
) -> None:
    db_path, backup = school
    server = FakeTelegram()
    await server.start()
    env = {
        "SAMEN_DB": str(db_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.base_url,
    }
    assert (await samen("health", env=env, cwd=tmp_path))[0] == 1
    bot = await start_samen_run(env, tmp_path, tmp_path / "samen-run.log")
    try:
        await server.wait_for(lambda: bool(server.calls_of("getUpdates")), timeout=30)
        code, out, _ = await samen("health", env=env, cwd=tmp_path)
        assert code == 0 and out.startswith("healthy: samen run is using")
        code, _, err = await samen("restore", str(backup), env=env, cwd=tmp_path)
        assert code == 1 and "samen run is using" in err
        code, _, err = await samen("run", env=env, cwd=tmp_path)
        assert code == 1 and "another samen run" in err
        # A bot whose event loop stopped turning shows no sign of life: unhealthy.
        old = datetime.now().timestamp() - 600
        bot.send_signal(signal.SIGSTOP)
        os.utime(lock_path(db_path), (old, old))
        code, out, _ = await samen("health", env=env, cwd=tmp_path)
        assert code == 1 and "unhealthy: samen run has shown no sign of life" in out
        bot.send_signal(signal.SIGCONT)
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 30) == 0
    finally:
        if bot.returncode is None:
            bot.kill()
        await server.stop()
    assert (await samen("health", env=env, cwd=tmp_path))[0] == 1
    code, out, err = await samen("restore", str(backup), env=env, cwd=tmp_path)
    assert code == 0, err
    assert await meta(db_path, "after_the_backup") is None


@pytest.mark.postgresql
async def test_workers_on_a_database_server_take_turns_and_keep_restore_away(
    tmp_path: Path,
) -> None:
    """SAMEN_DB as a PostgreSQL URL: `samen run` serves and is healthy, a second stands by, a
    restore waits for both to stop, then puts a backup back whole."""
    server = FakeTelegram()
    await server.start()
    async with empty_database() as url:
        env = {
            "SAMEN_DB": url,
            "SAMEN_KEY_FILE": str(tmp_path / "samen.key"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": server.base_url,
        }
        db = await open_database(url)
        try:
            await load_examples(db, TUESDAY_NIGHT)
        finally:
            await db.close()
        backup = tmp_path / "backup.dump"
        code, out, err = await samen("backup", "--unencrypted", str(backup), env=env, cwd=tmp_path)
        assert code == 0, err
        assert "Backed up postgresql database samen_" in out
        await set_meta(url, "after_the_backup", "yes")
        assert (await samen("health", env=env, cwd=tmp_path))[0] == 1
        code, out, _ = await samen("check", env=env, cwd=tmp_path)
        assert "database: postgresql database samen_" in out and "integrity ok" in out
        assert "25 pupils" in out and "pseudonymisation key: none yet at" in out

        first = await start_samen_run(env, tmp_path, tmp_path / "first.log")
        second = None
        try:
            await server.wait_for(lambda: bool(server.calls_of("getUpdates")), timeout=30)
            code, out, _ = await samen("health", env=env, cwd=tmp_path)
            assert code == 0 and out.startswith("healthy: samen run is using postgresql")
            second = await start_samen_run(env, tmp_path, tmp_path / "second.log")
            said = (tmp_path / "second.log").read_text
            await server.wait_for(lambda: "standing by" in said(), timeout=30)
            code, _, err = await samen("restore", str(backup), env=env, cwd=tmp_path)
            assert code == 1 and "Stop every worker first" in err
            assert await get_meta(url, "after_the_backup") == "yes"
            for worker in (first, second):
                worker.send_signal(signal.SIGTERM)
            for worker in (first, second):
                assert await asyncio.wait_for(worker.wait(), 30) == 0
        finally:
            for worker in (first, second):
                if worker is not None and worker.returncode is None:
                    worker.kill()
            await server.stop()
        assert "standing by" not in (tmp_path / "first.log").read_text()
        code, out, err = await samen("restore", str(backup), env=env, cwd=tmp_path)
        assert code == 0, err
        assert await get_meta(url, "after_the_backup") is None
        db = await open_database(url)
        try:
            async with db.reading() as tx:
                assert (await tx.roster_counts())["pupils"] == 25
        finally:
            await db.close()
        # Not a dump (an SQLite file): refused, the database as it was.
        code, _, err = await samen("restore", str(tmp_path / "first.log"), env=env, cwd=tmp_path)
        assert code == 1 and "not a backup of a database on a server" in err


async def test_a_database_server_samen_cannot_reach_is_named_without_its_password(
    tmp_path: Path,
) -> None:
    env = {
        "SAMEN_DB": "postgresql://samen:geheim@127.0.0.1:9/bestuur",
        "SAMEN_KEY_FILE": str(tmp_path / "samen.key"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
    }
    for command in (["run"], ["import", "staff", str(tmp_path / "x.csv")], ["health"]):
        if command[0] == "import":
            (tmp_path / "x.csv").write_text("")
        code, out, err = await samen(*command, env=env, cwd=tmp_path)
        assert code == 1, (command, out, err)
        assert "postgresql database bestuur on 127.0.0.1" in out + err
        assert "geheim" not in out + err and "Traceback" not in err
    without_key = {key: value for key, value in env.items() if key != "SAMEN_KEY_FILE"}
    code, _, err = await samen("check", env=without_key, cwd=tmp_path)
    assert code == 2 and "set SAMEN_KEY_FILE" in err


@pytest.mark.postgresql
async def test_a_restore_on_a_server_keeps_what_it_replaced_or_changes_nothing(
    tmp_path: Path,
) -> None:
    from bot.storage.postgres import dump_database, kept_schema

    async with empty_database() as url:
        school = ServerDatabase(url)
        await set_meta(url, "which", "backed up")
        backup = tmp_path / "school.dump"
        await asyncio.to_thread(dump_database, school, backup)
        await set_meta(url, "which", "after the backup")
        now = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
        # A schema of the name the replaced content would take: the restore fails once begun.
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            await admin.execute(f"CREATE SCHEMA {kept_schema(school, now)}")
        with pytest.raises(RestoreRefused, match="nothing was changed: psql failed"):
            await restore_server_database(school, backup, now)
        assert await get_meta(url, "which") == "after the backup"
        later = now + timedelta(seconds=1)
        restored = await restore_server_database(school, backup, later)
        assert restored.kept == "public_before_restore_20261203t143001z"
        assert await get_meta(url, "which") == "backed up"
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            kept = await admin.execute(
                f"SELECT value FROM {restored.kept}.meta WHERE key = 'which'"
            )
            assert await kept.fetchall() == [("after the backup",)]


async def set_meta(url: str, key: str, value: str) -> None:
    db = await open_database(url)
    try:
        async with db.transaction() as tx:
            await tx.set_meta(key, value)
    finally:
        await db.close()


async def get_meta(url: str, key: str) -> str | None:
    db = await open_database(url)
    try:
        async with db.reading() as tx:
            return await tx.get_meta(key)
    finally:
        await db.close()


# --- settings ------------------------------------------------------------------------


def test_backup_and_purge_settings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no samen.toml here: the defaults
    config = tmp_path / "samen.toml"
    defaults = load_settings({})
    assert defaults.backup_folder is None
    assert (defaults.backup_keep, defaults.backup_time, defaults.purge_schedule) == (
        14,
        time(2, 0),
        "off",
    )
    config.write_text(
        '[backup]\nfolder = "/var/backups/samen"\nkeep = 30\ntime = "03:15"\n'
        f'recipients = ["{BACKUP_KEY.recipient}"]\n'
        '[retention]\nyears = 3\npurge = "monthly"\n'
    )
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert settings.backup_folder == Path("/var/backups/samen")
    assert (settings.backup_keep, settings.backup_time) == (30, time(3, 15))
    assert settings.purge_schedule == "monthly" and settings.retention.years == 3
    for wrong in (
        "[backup]\nkeep = 0",
        "[backup]\nkeep = 366",
        '[backup]\ntime = "2 uur"',
        "[backup]\nfolder = 1",
        '[retention]\npurge = "daily"',
    ):
        config.write_text(wrong)
        with pytest.raises(ConfigError):
            load_settings({"SAMEN_CONFIG": str(config)})
