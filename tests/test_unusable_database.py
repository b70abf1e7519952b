"""A damaged, locked or newer database: every `samen` command says so in one sentence and
exits non-zero within seconds. Never a traceback, never a process that stays (a service
manager would see it running, a health check would never return)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Database, executor, load_migrations
from tests.harness import EXAMPLES, load_examples

# Faults of SQLite's file and its locks. A database server out of reach: test_service's
# test_a_database_server_samen_cannot_reach_is_named_without_its_password.
pytestmark = pytest.mark.sqlite_only

# Every command that opens the database: `{tmp}` is the test's folder. (`health` reads only
# the run lock; `restore` has tests of its own below.)
COMMANDS: dict[str, list[str]] = {
    "run": ["run"],
    "check": ["check"],
    "import": ["import", "staff", str(EXAMPLES / "staff.csv")],
    "invites": ["invites", "--csv", "{tmp}/invites.csv"],
    "audit": ["audit", "L001", "--csv", "{tmp}/audit.csv"],
    "export pupil": ["export", "pupil", "L001", "--json", "{tmp}/pupil.json"],
    "export copy": ["export", "copy", "G001", "--pdf", "{tmp}/copy.pdf"],
    "purge --dry-run": ["purge", "--dry-run"],
    "purge --apply": ["purge", "--apply"],
    "backup": ["backup", "--unencrypted", "{tmp}/backup.db"],
}
# What only reads what is committed: in WAL mode another program's write does not stop it.
READING = {"purge --dry-run", "backup"}


def school_database(path: Path) -> None:
    async def make() -> None:
        db = await Database.open(path)
        try:
            await load_examples(db, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        finally:
            await db.close()

    asyncio.run(make())


@contextmanager
def random_bytes(path: Path) -> Iterator[None]:
    path.write_bytes(os.urandom(64 * 1024))
    yield


@contextmanager
def truncated(path: Path) -> Iterator[None]:
    school_database(path)
    os.truncate(path, path.stat().st_size // 2)
    yield


@contextmanager
def newer(path: Path) -> Iterator[None]:
    school_database(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(load_migrations()) + 1}")
    yield


@contextmanager
def held_exclusively(path: Path) -> Iterator[None]:
    """Another program holds BEGIN EXCLUSIVE (an open `sqlite3` shell), in the rollback
    journal a copied or restored file has: nobody may even read."""
    school_database(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.close()


@contextmanager
def written_elsewhere(path: Path) -> Iterator[None]:
    """Samen's own database (WAL mode), another program in the middle of a write."""
    school_database(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta (key, value) VALUES ('elsewhere', 'uncommitted')")
    try:
        yield
    finally:
        holder.close()


Fault = Callable[[Path], AbstractContextManager[None]]
# Each fault, and the words of the sentence that names it.
FAULTS: dict[str, tuple[Fault, str]] = {
    "random bytes": (random_bytes, "is damaged or is not a"),
    "truncated": (truncated, "is damaged or is not a"),
    "newer": (newer, "was made by a newer Samen"),
    "held exclusively": (held_exclusively, "locked"),
    "written elsewhere": (written_elsewhere, "locked"),
}


def expected_to_work(fault: str, command: str) -> bool:
    # In WAL mode readers go on. (A newer database is not backed up: the backup first makes
    # sure the pseudonymisation key is out of it, which needs this Samen's schema.)
    return fault == "written elsewhere" and command in READING


@pytest.fixture
def samen_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tmp_path.chmod(0o700)  # owner-only, as Samen makes its files: no warning among the lines
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMEN_DB", str(tmp_path / "samen.db"))
    monkeypatch.setenv("SAMEN_CONFIG", "")
    # A token, so that `run` gets as far as the database; nothing listens at that address.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:not-used")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    # The tests wait a moment for a lock, not the 5 s of production.
    monkeypatch.setattr(executor, "BUSY_SECONDS", 0.2, raising=False)
    return tmp_path


def threads_that_keep_a_process_alive() -> set[threading.Thread]:
    return {
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    }


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", FAULTS)
def test_every_command_names_the_fault_in_one_sentence(
    fault: str, command: str, samen_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, words = FAULTS[fault]
    before = threads_that_keep_a_process_alive()
    with make(samen_env / "samen.db"):
        capsys.readouterr()
        # An exception escaping here is the traceback the administrator would have seen.
        code = main([a.format(tmp=samen_env) for a in COMMANDS[command]])
        shown = capsys.readouterr()
    # What made the process hang after its traceback: a database thread that never ended.
    # (A worker thread ends a moment after its work is done.)
    for thread in threads_that_keep_a_process_alive() - before:
        thread.join(timeout=5)
    assert threads_that_keep_a_process_alive() <= before
    if expected_to_work(fault, command):
        assert code == 0, shown
        return
    assert code == 1, shown
    lines = (shown.out + shown.err).splitlines()
    if command == "check":  # a report: the database's line names the problem
        problem = [line for line in lines if line.startswith("database: FAILED, ")]
        assert len(problem) == 1 and words in problem[0], shown
        return
    assert len(lines) == 1 and lines[0].startswith("samen: ") and words in lines[0], shown


@dataclass
class Outcome:
    code: int | None  # None: still running at the deadline (then killed)
    out: str
    err: str


async def samen(args: list[str], db: Path, deadline: float = 20.0) -> Outcome:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=db.parent,
        env={**os.environ, "SAMEN_DB": str(db), "SAMEN_CONFIG": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), deadline)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        return Outcome(None, out.decode(), err.decode())
    return Outcome(process.returncode, out.decode(), err.decode())


@pytest.mark.parametrize("fault", ["random bytes", "truncated", "newer", "held exclusively"])
def test_the_process_itself_ends_within_seconds(fault: str, tmp_path: Path) -> None:
    """The real thing, once per fault: `samen import` (which hung for 19 minutes) and
    `samen check`, each in a process of its own, with the production lock wait."""
    make, words = FAULTS[fault]
    db = tmp_path / "samen.db"
    with make(db):

        async def both() -> list[Outcome]:
            return await asyncio.gather(samen(COMMANDS["import"], db), samen(COMMANDS["check"], db))

        imported, checked = asyncio.run(both())
    assert imported.code == 1, f"hung or succeeded: {imported}"
    assert imported.out == "" and imported.err.count("\n") == 1 and words in imported.err
    assert checked.code == 1, f"hung or succeeded: {checked}"
    assert "Traceback" not in checked.out + checked.err
    problem = [line for line in checked.out.splitlines() if line.startswith("database: FAILED")]
    assert len(problem) == 1 and str(db) in problem[0] and words in problem[0]


def test_restoring_over_a_damaged_database_is_how_to_repair_it(
    samen_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = samen_env / "backup.db"
    school_database(backup)
    (samen_env / "samen.db").write_bytes(os.urandom(64 * 1024))
    assert main(["restore", str(backup)]) == 0
    assert main(["import", "staff", str(EXAMPLES / "staff.csv")]) == 0
    # The damaged file is kept beside it, to look at.
    assert list(samen_env.glob("samen.db.before-restore-*"))
    capsys.readouterr()


@pytest.mark.parametrize("fault", ["held exclusively", "written elsewhere"])
def test_no_restore_moves_the_database_away_under_a_program_that_holds_it(
    fault: str, samen_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = samen_env / "backup.db"
    school_database(backup)
    make, _ = FAULTS[fault]
    with make(samen_env / "samen.db"):
        capsys.readouterr()
        assert main(["restore", str(backup)]) == 1
        err = capsys.readouterr().err
    assert err.startswith("samen: not restored: another program holds") and err.count("\n") == 1
    assert not list(samen_env.glob("samen.db.before-restore-*"))
