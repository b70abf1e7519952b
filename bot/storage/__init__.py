"""All SQL of Samen: the database handle, migrations and named queries.

Every read and write goes through `Database.transaction()` (or `Database.reading()`), which
hands out a `Tx` holding the named queries. The queries are grouped by aggregate, one mixin
class per module (roster.py, accounts.py, outbox.py, …); each stands on `Executor` and runs
its SQL through `_all`, `_one`, `_run`, `_run_many` and `_insert`. The driver (sqlite3),
the connection, the migrations in `migrations/` and the transactions live in executor.py
alone; records.py turns rows into records. `Tx` below puts the mixins on the SQLite executor.
"""

from __future__ import annotations

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
    "copy_database_file",
    "database_problem",
    "from_iso",
    "inspect_database_file",
    "iso",
    "load_migrations",
    "locked_by_another_program",
    "readable_by_others",
    "settle_database_file",
]


class Tx(Queries, SqliteExecutor):
    """The named queries on SQLite, valid inside one transaction (or one `reading()`)."""


class Database(SqliteDatabase[Tx]):
    """The Samen database: its transactions hand out a `Tx`."""

    tx_type = Tx
