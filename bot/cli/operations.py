"""`samen backup`, `samen backup-key`, `samen restore` and `samen health`: running Samen as
a service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from bot.cli.files import EXIT_FAILED, EXIT_USAGE
from bot.platform.backup_crypto import BackupKeyError, new_backup_key
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.platform.run_lock import DatabaseInUse, Liveness, RunLock, liveness
from bot.platform.secret_files import write_new_secret_file
from bot.services.backups import (
    RestoreRefused,
    back_up,
    back_up_into,
    restore_database,
    restore_server_database,
)
from bot.services.pseudonym_key import (
    PseudonymKeyProblem,
    key_report,
    move_key_out,
    replace_lost_key,
)
from bot.storage import NotADatabase, ServerDatabase, is_server_url, open_database

log = logging.getLogger(__name__)

# After a refusal for a missing or another pseudonymisation key: the way out, never taken silently.
LOST_FOR_GOOD = "Only when that key is lost for good: samen pseudonym-key --replace-lost."
NO_RECIPIENTS = """\
samen: backups are encrypted to the school's public key, and samen.toml names none.
Make a key pair once: samen backup-key FILE (keep FILE off this machine), then put under
[backup] in samen.toml: recipients = ["age1…"] (what samen backup-key printed).
A plain, unencrypted copy only when you ask for it: samen backup --unencrypted FILE.
"""

# `samen run` shows a sign of life this often; `samen health` fails after this much silence
# (a few missed beats: an event loop that is stuck, not one that is busy for a moment).
HEARTBEAT_SECONDS = 30.0
HEALTHY_QUIET_SECONDS = 120.0


async def backup(
    settings: Settings, target: Path, keep: int | None, *, unencrypted: bool = False
) -> int:
    """SQLite's online backup, or pg_dump for a database on a server: a consistent copy even
    while `samen run` writes, encrypted to [backup] recipients (plain only with
    `unencrypted`). Into a file, or timestamped into a folder (with `keep`: only the newest
    `keep` stay)."""
    if settings.db_url is None and not settings.db_path.exists():
        print(f"samen: there is no database at {settings.db_path}.", file=sys.stderr)
        return EXIT_FAILED
    if keep is not None and keep < 1:
        print("samen: --keep needs 1 or more.", file=sys.stderr)
        return EXIT_USAGE
    if keep is not None and target.exists() and not target.is_dir():
        print(f"samen: with --keep, {target} must be a folder.", file=sys.stderr)
        return EXIT_USAGE
    if settings.db_url is None and target.resolve() == settings.db_path.resolve():
        print("samen: the backup must go to another file than the database.", file=sys.stderr)
        return EXIT_USAGE
    recipients = () if unencrypted else settings.backup_recipients
    if not recipients and not unencrypted:
        print(NO_RECIPIENTS, file=sys.stderr, end="")
        return EXIT_USAGE
    try:
        # A database from before still holds the pseudonymisation key: out with it first.
        await _move_key_out(settings)
        if keep is not None or target.is_dir():
            made = await back_up_into(
                settings.database, target, keep, SystemClock().now(), recipients
            )
            written, size = made.path, made.size
        else:
            written, size = target, await back_up(settings.database, target, recipients)
    except (OSError, NotADatabase, BackupKeyError, PseudonymKeyProblem) as exc:
        print(f"samen: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    how = f"encrypted to {len(recipients)} key(s)" if recipients else "NOT encrypted"
    print(f"Backed up {settings.database_name} to {written} ({size} bytes, {how}).")
    if not recipients:
        print(
            "samen: this copy is not encrypted: whoever gets it reads every family's data."
            " Keep it on this machine, and delete it when it is no longer needed.",
            file=sys.stderr,
        )
    if keep is not None:
        removed = len(made.removed)
        print(f"Kept the newest {keep} backups in {target}; removed {removed} older.")
    return 0


async def _move_key_out(settings: Settings) -> None:
    db = await open_database(settings.database)
    try:
        await move_key_out(db, settings.pseudonym_key_file)
    finally:
        await db.close()


def backup_key(target: Path) -> int:
    """A new key pair for encrypted backups: the private key into `target` for the school to
    keep off this machine; the public key printed for samen.toml."""
    key = new_backup_key(SystemClock().now())
    try:
        write_new_secret_file(target, key.identity_file)
    except FileExistsError:
        print(f"samen: {target} exists already; a key is never overwritten.", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"samen: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Wrote the private backup key to {target} (readable by you only).\n"
        "Put the public key under [backup] in samen.toml:\n\n"
        f'    recipients = ["{key.recipient}"]\n\n'
        f"Then move {target} off this machine, to where the school keeps its keys, with a copy"
        " in a second safe place: it is the only way to restore a backup, and whoever has it"
        " and a backup reads every family's data."
    )
    return 0


async def pseudonym_key(settings: Settings, *, replace_lost: bool) -> int:
    """Where the pseudonymisation key is and whether it fits; with `replace_lost`, a new key
    once the one the pseudonyms were made with is lost for good."""
    if settings.db_url is None and not settings.db_path.exists():
        print(f"samen: there is no database at {settings.db_path}.", file=sys.stderr)
        return EXIT_FAILED
    path = settings.pseudonym_key_file
    async with _no_bot_running(settings) as free:
        if not free:
            print(
                f"samen: samen run is using {settings.database_name}; stop it first.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        db = await open_database(settings.database)
        try:
            if replace_lost:
                new = await replace_lost_key(db, path, SystemClock().now())
                print(
                    f"Wrote a new pseudonymisation key (key {new}) to {path}, recorded in the"
                    " audit trail. Pupils purged from now on get pseudonyms that do not match"
                    " the earlier ones. Keep a copy of it where the school keeps its keys."
                )
                return 0
            report = await key_report(db, path)
        except PseudonymKeyProblem as exc:
            print(f"samen: {exc}", file=sys.stderr)
            return EXIT_FAILED
        finally:
            await db.close()
    if report.problem is not None:
        print(f"samen: {report.problem}", file=sys.stderr)
        print(LOST_FOR_GOOD, file=sys.stderr)
        return EXIT_FAILED
    where = "still in the database (samen run moves it out)" if report.in_database else str(path)
    made = f"key {report.found}" if report.found else "not made yet"
    print(f"pseudonymisation key: {where}; {made}")
    return 0


@contextlib.asynccontextmanager
async def _no_bot_running(settings: Settings) -> AsyncIterator[bool]:
    """Hold what `samen run` holds while it serves (the lock file, or the lease on the
    server), so that no bot starts meanwhile; False when a bot holds it now."""
    database = settings.database
    if isinstance(database, ServerDatabase):
        from bot.storage.postgres import ServingLease

        lease = await ServingLease.try_take(database)
        try:
            yield lease is not None
        finally:
            if lease is not None:
                await lease.release()
        return
    try:
        lock = RunLock.acquire(settings.db_path)
    except DatabaseInUse:
        yield False
        return
    with lock:
        yield True


def restore(settings: Settings, source: Path, identity: Path | None = None) -> int:
    try:
        database = settings.database
        now = SystemClock().now()
        if isinstance(database, ServerDatabase):
            restored = asyncio.run(restore_server_database(database, source, now, identity))
        else:
            restored = restore_database(database, source, now, identity)
    except RestoreRefused as exc:
        print(f"samen: not restored: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"samen: restore failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Restored {settings.database_name} from {source} (schema {restored.schema_version};"
        " samen run brings it up to date when it starts)."
    )
    if isinstance(restored.kept, Path):
        print(f"The database it replaced is kept as {restored.kept}.")
    elif restored.kept is not None:
        print(
            f"The content it replaced is kept in the database as schema {restored.kept}; drop"
            f" it once it is no longer needed: DROP SCHEMA {restored.kept} CASCADE;"
        )
    return 0


def health(settings: Settings) -> int:
    """For a container's or a monitor's health check: quick, never waits, needs no network
    (but the database server's, for a database on a server)."""
    database = settings.database
    if isinstance(database, ServerDatabase):
        from bot.storage.postgres import serving_state

        serving = asyncio.run(serving_state(database))
        state = Liveness(serving.running, serving.quiet_for)
    else:
        state = liveness(settings.db_path)
    if not state.running:
        print(f"unhealthy: no samen run is using {settings.database_name}")
        return EXIT_FAILED
    quiet = state.quiet_for or 0.0
    if quiet > HEALTHY_QUIET_SECONDS:
        print(f"unhealthy: samen run has shown no sign of life for {quiet:.0f} s")
        return EXIT_FAILED
    print(f"healthy: samen run is using {settings.database_name} (alive {quiet:.0f} s ago)")
    return 0


@contextlib.asynccontextmanager
async def beating(
    beat: Callable[[], Awaitable[None] | None],
    *,
    every: float = HEARTBEAT_SECONDS,
    on_failure: Callable[[], None] | None = None,
) -> AsyncIterator[None]:
    """Show a sign of life now and then while the bot runs (`samen health` sees the event
    loop turn): the lock file touched, or the serving lease's connection used. A beat that
    fails calls `on_failure` (when given) and stops the beating."""

    async def beating_on() -> None:
        while True:
            try:
                done = beat()
                if done is not None:
                    await done
            except Exception:
                if on_failure is None:
                    raise
                log.warning("the sign of life failed; stopping the beat", exc_info=True)
                on_failure()
                return
            await asyncio.sleep(every)

    task = asyncio.create_task(beating_on())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def migrate_to(settings: Settings, url: str, school: str | None) -> int:
    """Move the school's SQLite file into the database at `url` (the school's own schema
    `school_ID` with --school ID), all or nothing; the file stays as it was."""
    if settings.db_url is not None:
        print(
            "samen: SAMEN_DB is a database server already; migrate-to moves a school's SQLite"
            " file there (SAMEN_DB=the file).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not is_server_url(url):
        print(
            f"samen: {url!r} is no PostgreSQL URL (postgresql://user:password@host/database).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not settings.db_path.exists():
        print(f"samen: there is no database at {settings.db_path}.", file=sys.stderr)
        return EXIT_FAILED
    from bot.storage.moving import MoveRefused, move_school

    async with _no_bot_running(settings) as free:
        if not free:
            print(f"samen: samen run is using {settings.db_path}; stop it first.", file=sys.stderr)
            return EXIT_FAILED
        source = await open_database(settings.db_path)
        try:
            target = await open_database(ServerDatabase(url, school))
            try:
                counts = await move_school(source, target)
            except MoveRefused as exc:
                print(f"samen: not moved: {exc}", file=sys.stderr)
                return EXIT_FAILED
            finally:
                await target.close()
        finally:
            await source.close()
    key = settings.pseudonym_key_file
    where = (
        f"SAMEN_KEY_FILE (the folder's {school}.key with several schools)"
        if school
        else "SAMEN_KEY_FILE"
    )
    print(
        f"Moved {settings.db_path} into the {target.name}: {sum(counts.values())} rows in"
        f" {len(counts)} tables, checked table by table.\n"
        f"Its pseudonymisation key {key} goes with it: copy it to where {where} points for the"
        " board's workers, then start them with SAMEN_DB set to the server. The file is left"
        " as it was: keep it until the school runs on the server, then delete it and its key"
        " copy here."
    )
    return 0
