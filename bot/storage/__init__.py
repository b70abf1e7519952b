"""All SQL of Samen: the database handle, migrations and named queries.

Every read and write goes through `Database.transaction()` (or `Database.reading()`), which
hands out a `Tx` holding the named queries. The queries are grouped by aggregate, one mixin
class per module (roster.py, accounts.py, outbox.py, …); each stands on `Executor` and runs
its SQL through `_all`, `_one`, `_run`, `_run_many` and `_insert`. The driver (sqlite3),
the connection, the migrations in `migrations/` and the transactions live in executor.py
alone; records.py turns rows into records. `Tx` below puts the mixins on the SQLite executor.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from bot.storage.executor import (
    FOUNDATION_TABLES,
    DatabaseFileFacts,
    DatabaseUnusable,
    Migration,
    NotADatabase,
    SqliteDatabase,
    SqliteExecutor,
    copy_database_file,
    database_problem,
    inspect_database_file,
    load_migrations,
    locked_by_another_program,
    readable_by_others,
    settle_database_file,
    storage_errors,
)
from bot.storage.locations import ServerDatabase, is_server_url, server_name
from bot.storage.queries import Queries
from bot.storage.records import from_iso, iso

__all__ = [
    "FOUNDATION_TABLES",
    "Database",
    "DatabaseFileFacts",
    "DatabaseUnusable",
    "Location",
    "Migration",
    "NotADatabase",
    "ServerDatabase",
    "Tx",
    "copy_database",
    "copy_database_file",
    "database_problem",
    "from_iso",
    "inspect_database_file",
    "is_server_url",
    "iso",
    "load_migrations",
    "locked_by_another_program",
    "open_database",
    "readable_by_others",
    "server_name",
    "settle_database_file",
    "storage_errors",
]


class Tx(Queries, SqliteExecutor):
    """The named queries on SQLite, valid inside one transaction (or one `reading()`)."""


class Database(SqliteDatabase[Tx]):
    """The Samen database: its transactions hand out a `Tx`."""

    tx_type = Tx


# Where a database is: an SQLite file, or a (school's part of a) database on a server.
Location = Path | ServerDatabase


def _as_location(location: Location | str) -> Location:
    if isinstance(location, str):
        return ServerDatabase(location) if is_server_url(location) else Path(location)
    return location


async def open_database(location: Location | str) -> Database:
    """The database at `location`, its schema brought up to date: an SQLite file (a path), or
    a school's schema on a PostgreSQL server (a ServerDatabase, or a postgresql:// URL for the
    one school; needs the `postgresql` extra). DatabaseUnusable, in one sentence, when it
    cannot be used."""
    location = _as_location(location)
    if isinstance(location, Path):
        return await Database.open(location)
    try:
        from bot.storage.postgres import PostgresDb
    except ImportError as exc:
        raise DatabaseUnusable(
            f"SAMEN_DB names a {location.name}, and this Samen was installed without"
            " PostgreSQL's driver: pip install 'samen[postgresql]'"
        ) from exc
    # The same named queries on PostgreSQL's executor, with the same transactions: everything
    # above the storage floor uses it as the Database it is in all but the driver.
    return cast(Database, await PostgresDb.open(location))


def copy_database(location: Location | str, target: Path) -> None:
    """A consistent copy of the database at `location` as `target` (blocking: run it in a
    thread), also while the bot writes: an SQLite file by SQLite's online backup, a school's
    schema on a server by pg_dump."""
    location = _as_location(location)
    if isinstance(location, Path):
        copy_database_file(location, target)
        return
    from bot.storage.postgres import dump_database

    dump_database(location, target)
