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
    STORAGE_ERRORS,
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
)
from bot.storage.locations import is_server_url, server_name
from bot.storage.queries import Queries
from bot.storage.records import from_iso, iso

__all__ = [
    "FOUNDATION_TABLES",
    "STORAGE_ERRORS",
    "Database",
    "DatabaseFileFacts",
    "DatabaseUnusable",
    "Migration",
    "NotADatabase",
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
]


class Tx(Queries, SqliteExecutor):
    """The named queries on SQLite, valid inside one transaction (or one `reading()`)."""


class Database(SqliteDatabase[Tx]):
    """The Samen database: its transactions hand out a `Tx`."""

    tx_type = Tx


async def open_database(location: Path | str) -> Database:
    """The database at `location`, its schema brought up to date: an SQLite file (a path), or
    a database on a PostgreSQL server (a postgresql:// URL; needs the `postgresql` extra).
    DatabaseUnusable, in one sentence, when it cannot be used."""
    if isinstance(location, Path) or not is_server_url(location):
        return await Database.open(location)
    try:
        from bot.storage.postgres import PostgresDb
    except ImportError as exc:
        raise DatabaseUnusable(
            f"SAMEN_DB names a {server_name(location)}, and this Samen was installed without"
            " PostgreSQL's driver: pip install 'samen[postgresql]'"
        ) from exc
    # The same named queries on PostgreSQL's executor, with the same transactions: everything
    # above the storage floor uses it as the Database it is in all but the driver.
    return cast(Database, await PostgresDb.open(location))


def copy_database(location: Path | str, target: Path) -> None:
    """A consistent copy of the database at `location` as `target` (blocking: run it in a
    thread), also while the bot writes: an SQLite file by SQLite's online backup, a database
    on a server by pg_dump."""
    if isinstance(location, Path) or not is_server_url(location):
        copy_database_file(Path(location), target)
        return
    from bot.storage.postgres import dump_database

    dump_database(location, target)
