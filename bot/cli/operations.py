"""`samen backup`, `samen restore` and `samen health`: running Samen as a service."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bot.cli.files import EXIT_FAILED, EXIT_USAGE
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.platform.run_lock import RunLock, liveness
from bot.services.backups import RestoreRefused, back_up, back_up_into, restore_database
from bot.storage import NotADatabase

# `samen run` shows a sign of life this often; `samen health` fails after this much silence
# (a few missed beats: an event loop that is stuck, not one that is busy for a moment).
HEARTBEAT_SECONDS = 30.0
HEALTHY_QUIET_SECONDS = 120.0


async def backup(settings: Settings, target: Path, keep: int | None) -> int:
    """SQLite's online backup: a consistent copy even while `samen run` writes. Into a file,
    or timestamped into a folder (with `keep`: only the newest `keep` stay)."""
    if not settings.db_path.exists():
        print(f"samen: there is no database at {settings.db_path}.", file=sys.stderr)
        return EXIT_FAILED
    if keep is not None and keep < 1:
        print("samen: --keep needs 1 or more.", file=sys.stderr)
        return EXIT_USAGE
    if keep is not None and target.exists() and not target.is_dir():
        print(f"samen: with --keep, {target} must be a folder.", file=sys.stderr)
        return EXIT_USAGE
    if target.resolve() == settings.db_path.resolve():
        print("samen: the backup must go to another file than the database.", file=sys.stderr)
        return EXIT_USAGE
    try:
        if keep is not None or target.is_dir():
            made = await back_up_into(settings.db_path, target, keep, SystemClock().now())
            written, size = made.path, made.size
        else:
            written, size = target, await back_up(settings.db_path, target)
    except (OSError, NotADatabase) as exc:
        print(f"samen: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Backed up {settings.db_path} to {written} ({size} bytes).")
    if keep is not None:
        removed = len(made.removed)
        print(f"Kept the newest {keep} backups in {target}; removed {removed} older.")
    return 0


def restore(settings: Settings, source: Path) -> int:
    try:
        restored = restore_database(settings.db_path, source, SystemClock().now())
    except RestoreRefused as exc:
        print(f"samen: not restored: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"samen: restore failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Restored {settings.db_path} from {source} (schema {restored.schema_version};"
        " samen run brings it up to date when it starts)."
    )
    if restored.kept is not None:
        print(f"The database it replaced is kept as {restored.kept}.")
    return 0


def health(settings: Settings) -> int:
    """For a container's or a monitor's health check: quick, never waits, needs no network."""
    state = liveness(settings.db_path)
    if not state.running:
        print(f"unhealthy: no samen run is using {settings.db_path}")
        return EXIT_FAILED
    quiet = state.quiet_for or 0.0
    if quiet > HEALTHY_QUIET_SECONDS:
        print(f"unhealthy: samen run has shown no sign of life for {quiet:.0f} s")
        return EXIT_FAILED
    print(f"healthy: samen run is using {settings.db_path} (alive {quiet:.0f} s ago)")
    return 0


@contextlib.asynccontextmanager
async def beating(lock: RunLock) -> AsyncIterator[None]:
    """Touch the lock file while the bot runs: `samen health` sees the event loop turn."""

    async def beat() -> None:
        while True:
            lock.beat()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
