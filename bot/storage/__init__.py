"""All SQL of Samen: the database handle, migrations and named queries.

Every read and write goes through `Database.transaction()` (or `Database.reading()`), which
hands out a `Tx` holding the named queries. The driver lives in `executor.py` alone.
"""

from __future__ import annotations

from bot.storage.executor import Migration, SqliteDatabase, load_migrations
from bot.storage.records import from_iso, iso
from bot.storage.tx import Tx

__all__ = ["Database", "Migration", "Tx", "from_iso", "iso", "load_migrations"]


class Database(SqliteDatabase[Tx]):
    """The Samen database: its transactions hand out a `Tx`."""

    tx_type = Tx
