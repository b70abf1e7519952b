"""Backups of the database: one on demand, the daily one with its rotation and the scheduled
purge after it, and putting a backup back.

Copies are made with SQLite's online backup through a connection of their own, in a thread:
the bot goes on answering meanwhile and its own connection is never held up. Backups are
encrypted to the school's public keys ([backup] recipients, age): this machine can make them
but not read them; `samen restore --identity` opens one with the private key the school keeps.
Neither holds the pseudonymisation key, which is never in the database (pseudonym_key.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.platform.backup_crypto import BackupKeyError, decrypt_file, encrypt_file, is_encrypted
from bot.platform.config import Settings
from bot.platform.run_lock import DatabaseInUse, RunLock
from bot.services.pseudonym_key import PseudonymKeyProblem
from bot.services.retention import apply_purge
from bot.storage import (
    FOUNDATION_TABLES,
    Database,
    Location,
    NotADatabase,
    ServerDatabase,
    copy_database,
    from_iso,
    inspect_database_file,
    iso,
    load_migrations,
    locked_by_another_program,
    open_database,
    settle_database_file,
)

log = logging.getLogger(__name__)

# The files rotation may delete are the ones it made, by name: samen-20261207T010000Z.db.age
# (the moment in UTC, so names sort in time order), -2, -3 … for more in the same second;
# .db alone for a backup asked for unencrypted, and for those of Samen before encryption.
_OURS = re.compile(r"samen-(\d{8}T\d{6}Z)(?:-(\d+))?\.db(?:\.age)?")
ENCRYPTED_SUFFIX = ".age"
# What the daily work recorded in the meta table, so a restart neither repeats nor skips it.
NIGHTLY_DONE = "nightly_done_for"  # the day (school time) whose backup time was handled
PURGE_DONE = "scheduled_purge_for"  # the day of the last scheduled purge
LAST_BACKUP = "last_daily_backup_at"  # when the last daily backup succeeded (UTC)


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    removed: tuple[Path, ...] = ()  # older backups rotation deleted


async def back_up(location: Location, target: Path, recipients: tuple[str, ...]) -> int:
    """A consistent copy of the database at `location` (a file, or a server's URL) as
    `target`, encrypted to `recipients` (a plain SQLite file or pg_dump file only without any:
    when asked for explicitly), readable by its owner only and written whole or not at all
    (also while the bot runs); its size in bytes."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a copy that was cut short
    # Created 0600 before a byte is written into it: the data is never readable to others.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if recipients:
            await asyncio.to_thread(_encrypted_copy, location, partial, recipients)
        else:
            await asyncio.to_thread(copy_database, location, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _encrypted_copy(location: Location, target: Path, recipients: tuple[str, ...]) -> None:
    # The plain copy waits beside the database file, where the same data is anyway (for a
    # database server: in this machine's temporary folder, owner-only), and never in the
    # backup folder, which may be copied off the machine while a backup is written.
    if isinstance(location, Path):
        fd, name = tempfile.mkstemp(".backup", f".{location.name}.", location.parent)
    else:
        fd, name = tempfile.mkstemp(".backup", ".samen-dump.")
    os.close(fd)
    plain = Path(name)
    try:
        copy_database(location, plain)
        encrypt_file(plain, target, recipients)
    finally:
        plain.unlink(missing_ok=True)
        Path(f"{plain}-journal").unlink(missing_ok=True)


def backup_name(now: datetime, number: int = 1, *, encrypted: bool = True) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"samen-{stamp}.db" if number == 1 else f"samen-{stamp}-{number}.db"
    return name + ENCRYPTED_SUFFIX if encrypted else name


async def back_up_into(
    location: Location,
    folder: Path,
    keep: int | None,
    now: datetime,
    recipients: tuple[str, ...],
) -> Backup:
    """A timestamped backup in `folder` (made if missing, for its owner only), encrypted to
    `recipients` when there are any; with `keep`, only the newest `keep` of the backups made
    this way stay there."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    number = 1
    while any((folder / backup_name(now, number, encrypted=e)).exists() for e in (True, False)):
        number += 1
    target = folder / backup_name(now, number, encrypted=bool(recipients))
    size = await back_up(location, target, recipients)
    removed = rotate(folder, keep) if keep is not None else []
    return Backup(target, size, tuple(removed))


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups that `back_up_into` made in `folder`; any other
    file there is left alone. The files deleted, oldest first."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    ours: list[tuple[str, int, Path]] = []
    for path in folder.iterdir():
        match = _OURS.fullmatch(path.name)
        if match and path.is_file():
            ours.append((match.group(1), int(match.group(2) or 1), path))
    ours.sort()
    old = [path for _, _, path in ours[: max(0, len(ours) - keep)]]
    for path in old:
        path.unlink()
    return old


# Restore


class RestoreRefused(Exception):
    """The backup was not restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    schema_version: int  # of the restored file; `samen run` migrates it from there
    # What it replaced, if there was any: the database file, or the school's schema on a
    # database server (by its new name).
    kept: Path | str | None


def restore_database(
    db_path: Path, source: Path, now: datetime, identity: Path | None = None
) -> Restored:
    """Put the backup `source` in place of the database at `db_path`, keeping the database it
    replaces as `<db>.before-restore-<moment>`; an encrypted backup is opened with the private
    key in `identity`. Refused while a bot runs on the database, without the right key, and
    for a file that is not a sound Samen database of this version or older."""
    if not source.is_file():
        raise RestoreRefused(f"there is no file at {source}.")
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise RestoreRefused(f"{source} is the database itself; name a backup.")
    try:
        lock = RunLock.acquire(db_path)
    except DatabaseInUse:
        raise RestoreRefused(
            f"samen run is using {db_path}. Stop the bot first (systemctl stop samen, or"
            " docker compose stop samen), then restore."
        ) from None
    with lock:
        if db_path.exists() and locked_by_another_program(db_path):
            # Moved away under that program, the database would lose what it writes next.
            raise RestoreRefused(
                f"another program holds {db_path} locked (an open sqlite3 shell?): close it,"
                " then restore."
            )
        staging = db_path.with_name(db_path.name + ".restoring")
        staging.unlink(missing_ok=True)
        try:
            # Owner-only before a byte of the backup is in it.
            os.close(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            _unpack(source, staging, identity)
            version = _check_samen_database(staging, source)
            kept = _set_aside(db_path, now) if db_path.exists() else None
            os.replace(staging, db_path)
        finally:
            staging.unlink(missing_ok=True)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{staging}{suffix}").unlink(missing_ok=True)
    return Restored(version, kept)


async def restore_server_database(
    database: ServerDatabase, source: Path, now: datetime, identity: Path | None = None
) -> Restored:
    """Put the backup `source` (pg_dump's format, as `samen backup` makes it) in place of the
    school's content of the database on a server, in one transaction: all of it or nothing,
    the content it replaces kept in a schema of its own (as a file restored keeps the one it
    replaced). Refused while any worker serves the bot, without the right key, and for a
    file that is no dump."""
    from bot.storage.postgres import ServingLease, holds_tables, is_dump, kept_schema, restore_dump

    if not source.is_file():
        raise RestoreRefused(f"there is no file at {source}.")
    # Held through the restore: no worker starts serving meanwhile.
    lease = await ServingLease.try_take(database)
    if lease is None:
        raise RestoreRefused(
            "a samen run is serving this database. Stop every worker first (systemctl stop"
            " samen@…, or docker compose stop), then restore."
        )
    fd, name = tempfile.mkstemp(".restoring", ".samen-dump.")
    os.close(fd)
    plain = Path(name)
    try:
        _unpack(source, plain, identity)
        if not is_dump(plain):
            raise RestoreRefused(
                f"{source} is not a backup of a database on a server (pg_dump's format): a"
                " backup of a school's SQLite file goes into it with samen migrate-to."
            )
        kept = kept_schema(database, now) if await holds_tables(database) else None
        try:
            await asyncio.to_thread(restore_dump, database, plain, kept)
        except OSError as exc:
            raise RestoreRefused(f"nothing was changed: {exc}") from None
    finally:
        plain.unlink(missing_ok=True)
        await lease.release()
    db = await open_database(database)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    return Restored(version, kept)


def _unpack(source: Path, staging: Path, identity: Path | None) -> None:
    """The backup as a database file in `staging`: decrypted, or copied as it is."""
    if not is_encrypted(source):
        shutil.copyfile(source, staging)
        return
    if identity is None:
        raise RestoreRefused(
            f"{source} is encrypted: give the school's backup key with --identity FILE."
        )
    try:
        decrypt_file(source, staging, identity)
    except BackupKeyError as exc:
        raise RestoreRefused(str(exc)) from None


def _check_samen_database(copy: Path, source: Path) -> int:
    """The schema version of a sound Samen database; RestoreRefused otherwise."""
    try:
        facts = inspect_database_file(copy)
    except NotADatabase as exc:
        if exc.damaged:
            raise RestoreRefused(f"{source} is damaged: SQLite cannot read it.") from None
        raise RestoreRefused(f"{source} is not an SQLite database.") from None
    if facts.integrity != "ok":
        raise RestoreRefused(f"{source} is damaged (integrity check: {facts.integrity[:200]}).")
    known = len(load_migrations())
    missing = FOUNDATION_TABLES - facts.tables
    if facts.schema_version < 1 or missing:
        raise RestoreRefused(f"{source} is an SQLite database, but not one of Samen.")
    if facts.schema_version > known:
        raise RestoreRefused(
            f"{source} was made by a newer Samen (schema {facts.schema_version}; this one"
            f" knows {known}). Install that version to restore it."
        )
    return facts.schema_version


def _set_aside(db_path: Path, now: datetime) -> Path:
    """Move the current database to `<db>.before-restore-<moment>`, with what it still had
    in its -wal file."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    settled = settle_database_file(db_path)
    os.replace(db_path, kept)
    os.chmod(kept, 0o600)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if not side.exists():
            continue
        if settled:
            side.unlink()  # its content is in the file now
        else:
            # A damaged database keeps its journal beside it, so both can be looked at.
            os.replace(side, Path(f"{kept}{suffix}"))
    return kept


# The daily work: backup, then the scheduled purge


def daily_slot(local: datetime, at: time) -> date:
    """The day whose backup time `at` was the last to pass at `local` (school time)."""
    return local.date() if local.time() >= at else local.date() - timedelta(days=1)


def purge_due(schedule: str, slot: date, last: date | None) -> bool:
    """Whether the scheduled purge runs for `slot`: the first daily run of each week (ISO) or
    month; never when "off"."""
    if schedule == "off":
        return False
    if last is None:
        return True
    if schedule == "weekly":
        return slot.isocalendar()[:2] != last.isocalendar()[:2]
    return (slot.year, slot.month) != (last.year, last.month)


async def daily_work(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    """The backup and the scheduled purge, once a day at `[backup] time`: after downtime once
    at the next start past that time, never twice for the same day (the meta table
    remembers). Counts only, for the log."""
    if settings.backup_folder is None and settings.purge_schedule == "off":
        return {}
    local = now.astimezone(settings.timezone)
    slot = daily_slot(local, settings.backup_time)
    async with db.reading() as tx:
        done = await tx.get_meta(NIGHTLY_DONE)
        last_purge = await tx.get_meta(PURGE_DONE)
    if done is not None and date.fromisoformat(done) >= slot:
        return {}
    counts: dict[str, int] = {}
    backed_up = True
    if settings.backup_folder is not None:
        backed_up = await _daily_backup(db, settings, now, counts)
    # A backup that failed is tried again tomorrow, not every minute; `samen check` tells.
    async with db.transaction() as tx:
        await tx.set_meta(NIGHTLY_DONE, slot.isoformat())
    last = date.fromisoformat(last_purge) if last_purge else None
    # Never a purge without the backup before it, when the school asked for backups.
    if backed_up and purge_due(settings.purge_schedule, slot, last):
        try:
            report = await apply_purge(db, settings, local.date(), now)
        except PseudonymKeyProblem as exc:
            # Nothing was purged; tried again the next night, and `samen check` says why.
            log.error("scheduled purge refused: %s", exc)
            return counts
        async with db.transaction() as tx:
            await tx.set_meta(PURGE_DONE, slot.isoformat())
        counts["purged_rows"] = report.rows
        log.info(
            "scheduled purge (%s): rows=%d %s",
            settings.purge_schedule,
            report.rows,
            " ".join(f"{k.kind}={k.rows}" for k in report.kinds),
        )
    return counts


async def _daily_backup(
    db: Database, settings: Settings, now: datetime, counts: dict[str, int]
) -> bool:
    assert settings.backup_folder is not None
    if not settings.backup_recipients:  # samen.toml refuses it; Settings made in code may not
        log.error("daily backup not made: no [backup] recipients to encrypt it to")
        return False
    try:
        backup = await back_up_into(
            db.location,
            settings.backup_folder,
            settings.backup_keep,
            now,
            settings.backup_recipients,
        )
    except (OSError, NotADatabase, BackupKeyError) as exc:
        log.error("daily backup failed: %s: %s", type(exc).__name__, exc)
        return False
    async with db.transaction() as tx:
        await tx.set_meta(LAST_BACKUP, iso(now))
    counts["backups"] = 1
    counts["backups_removed"] = len(backup.removed)
    log.info("daily backup: %s bytes=%d removed=%d", backup.path, backup.size, len(backup.removed))
    return True


async def last_daily_backup(db: Database) -> datetime | None:
    """When the last daily backup succeeded, if ever."""
    async with db.reading() as tx:
        value = await tx.get_meta(LAST_BACKUP)
    return from_iso(value) if value else None
