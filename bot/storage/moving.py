"""Moving one school's SQLite file into the board's PostgreSQL database (`samen migrate-to`):
every row of every table, in one transaction on the server, so that the school is there whole
or not at all. Both sides are on this Samen's schema (each opened, so migrated, first), and
the school's place on the server must be empty: a move never merges two schools' data."""

from __future__ import annotations

from graphlib import TopologicalSorter
from typing import Any

import psycopg

from bot.storage.executor import DatabaseUnusable

# Tables of the backends themselves, not of Samen.
_OWN_TABLES = {"samen_schema", "sqlite_sequence"}
# Rows copied in one statement (psycopg's executemany pipelines them).
_BATCH = 1000


class MoveRefused(DatabaseUnusable):
    """The school was not moved; the message says why, and nothing changed on the server."""


async def move_school(source: Any, target: Any) -> dict[str, int]:
    """Copy every row of the SQLite database `source` into the PostgreSQL database `target`,
    whose school schema must hold no rows yet; the number of rows a table. MoveRefused, with
    nothing changed, when the target is not empty or the two schemas differ."""
    async with source.reading() as tx:
        names = [
            row[0]
            for row in await tx._all(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Parents before children: a row's foreign keys find their rows already there.
        order = TopologicalSorter(
            {
                name: {
                    row["table"]
                    for row in await tx._all(f"PRAGMA foreign_key_list({name})")
                    if row["table"] != name
                }
                for name in names
            }
        ).static_order()
        tables = [name for name in order if name not in _OWN_TABLES]
    async with target.reading() as tx:
        present = {
            row[0]
            for row in await tx._all(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        } - _OWN_TABLES
        if present != set(tables):
            raise MoveRefused(
                f"the schemas differ ({', '.join(sorted(present ^ set(tables)))}): open both"
                " with the same Samen first"
            )
        filled = [t for t in tables if await tx._one(f"SELECT 1 FROM {t} LIMIT 1") is not None]
    if filled:
        raise MoveRefused(
            f"the {target.name} holds data already (in {', '.join(filled[:3])}): a school"
            " moves into an empty place only, never over or into another's"
        )
    try:
        return await _copy(source, target, tables)
    except psycopg.Error as exc:
        # A value the server's types refuse (SQLite keeps any value in any column): the
        # transaction was rolled back, and the message names the table and the value's type.
        reason = " ".join(str(exc).split())[:300]
        raise MoveRefused(f"the server refused a row ({reason}); nothing moved") from exc


async def _copy(source: Any, target: Any, tables: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with target.transaction() as into:
        for table in tables:
            async with source.reading() as tx:
                rows = await tx._all(f"SELECT * FROM {table}")
            counts[table] = len(rows)
            if not rows:
                continue
            columns = list(rows[0].keys())
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for start in range(0, len(rows), _BATCH):
                await into._run_many(statement, [tuple(r) for r in rows[start : start + _BATCH]])
            if "id" in columns:
                # The next id the server hands out comes after the ones copied.
                await into._all(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                    f" WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL"
                )
        for table, count in counts.items():
            row = await into._one(f"SELECT count(*) FROM {table}")
            if int(row[0]) != count:
                raise MoveRefused(f"{table}: {count} rows read, {row[0]} written; nothing moved")
    return counts
