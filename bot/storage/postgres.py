"""The second backend: PostgreSQL through psycopg 3, for a school board's database server.

The named queries are written once, in the dialect SQLite and PostgreSQL share; what differs
is translated here, in one place, and nowhere else:
- placeholders: `?` and `?N` become psycopg's `%s` (a literal `%` becomes `%%`);
- a few functions: `instr` is `strpos`, `group_concat` is `string_agg`, `json_type(x, '$.k')`
  is `jsonb_typeof(x::jsonb -> 'k')`, `json_extract(x, '$.k')` is `x::jsonb ->> 'k'` (always text:
  read a number or a flag from the JSON in Python instead);
- parameters: a Python bool is stored as 0 or 1, as SQLite stores it (the schema's flags are
  integers on both);
- the migrations: `translate_migration` gives each numbered SQLite migration its PostgreSQL
  text (identity columns, 64-bit integers, append-only triggers as trigger functions), or
  takes a hand-written one from `migrations/postgresql/` where the SQL differs too much.

The transaction model is SQLite's: one writer connection holding one transaction at a time
(under an asyncio.Lock), and a reader connection in autocommit beside it. Text sorts by
code point on both: the database is expected with the C collation (`samen check` says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import Any, Generic, Self, TypeVar

import psycopg
from psycopg.rows import RowMaker

from bot.storage.executor import Executor, Migration, Row, load_migrations
from bot.storage.queries import Queries

# What a failing PostgreSQL raises (a lost connection, a full disk on the server).
POSTGRES_ERRORS: tuple[type[Exception], ...] = (psycopg.Error, OSError)


class PostgresRow:
    """One result row, read by column name or by position, like sqlite3.Row."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: Sequence[Any]) -> None:
        self._names = names
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, int):
            return self._values[key]
        return self._values[self._names[key]]

    def keys(self) -> list[str]:
        return list(self._names)

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _rows(cursor: psycopg.AsyncCursor[Any]) -> RowMaker[PostgresRow]:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    return lambda values: PostgresRow(names, values)


# --- the dialect --------------------------------------------------------------------------

_FUNCTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\binstr\(", re.IGNORECASE), "strpos("),
    (re.compile(r"\bgroup_concat\(", re.IGNORECASE), "string_agg("),
    (
        re.compile(r"\bjson_type\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE),
        r"jsonb_typeof((\1)::jsonb -> '\2')",
    ),
    (
        re.compile(r"\bjson_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE),
        r"((\1)::jsonb ->> '\2')",
    ),
    # SQLite's IS compares any two values, NULL included; PostgreSQL's only with NULL.
    (
        re.compile(r"\bIS NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE),
        "IS DISTINCT FROM ",
    ),
    (
        re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE),
        "IS NOT DISTINCT FROM ",
    ),
)


@lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, tuple[int, ...] | None]:
    """The query in PostgreSQL's words, and for `?N` placeholders the order in which the
    parameters are passed (None: as given)."""
    for pattern, replacement in _FUNCTIONS:
        sql = pattern.sub(replacement, sql)
    out: list[str] = []
    order: list[int] = []
    numbered = False
    sequential = 0
    index = 0
    quote: str | None = None
    while index < len(sql):
        char = sql[index]
        if quote is not None:
            out.append("%%" if char == "%" else char)
            if char == quote:
                quote = None
            index += 1
            continue
        if char in "'\"":
            quote = char
            out.append(char)
        elif char == "%":
            out.append("%%")
        elif char == "?":
            digits = re.match(r"\d+", sql[index + 1 :])
            if digits:
                numbered = True
                order.append(int(digits.group()) - 1)
                index += len(digits.group())
            else:
                order.append(sequential)
                sequential += 1
            out.append("%s")
        else:
            out.append(char)
        index += 1
    return "".join(out), tuple(order) if numbered else None


def _adapted(params: Sequence[Any], order: tuple[int, ...] | None) -> list[Any]:
    values = [int(p) if isinstance(p, bool) else p for p in params]
    return values if order is None else [values[i] for i in order]


# --- the executor ---------------------------------------------------------------------------


class PostgresExecutor(Executor):
    """`Executor` over one psycopg connection: the writer's (inside a transaction) or the
    reader's (autocommit), whose statements take `guard` one at a time."""

    def __init__(
        self,
        conn: psycopg.AsyncConnection[Any],
        *,
        read_only: bool = False,
        guard: asyncio.Lock | None = None,
    ) -> None:
        super().__init__(read_only=read_only, guard=guard)
        self._conn = conn

    async def _execute(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        text, order = translate(sql)
        async with self._guard or contextlib.nullcontext():
            return await self._on_cursor(text, _adapted(params, order))

    async def _on_cursor(self, text: str, params: list[Any]) -> tuple[list[Row], int]:
        async with self._conn.cursor(row_factory=_rows) as cursor:
            await cursor.execute(text, params)
            rows: list[Row] = list(await cursor.fetchall()) if cursor.description else []
            return rows, cursor.rowcount

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows, _ = await self._execute(sql, params)
        return rows

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._check_writable()
        _, changed = await self._execute(sql, params)
        return max(changed, 0)

    async def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._check_writable()
        text, order = translate(sql)
        batch = [_adapted(row, order) for row in rows]
        if not batch:
            return
        async with self._conn.cursor() as cursor:
            await cursor.executemany(text, batch)

    async def _insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._check_writable()
        rows, _ = await self._execute(f"{sql} RETURNING id", params)
        return int(rows[0][0])

    async def _integrity_check(self) -> str:
        # The server keeps its files sound (checksums, WAL, its own backups and replicas);
        # what Samen can see is that its schema is there and answers.
        rows = await self._all("SELECT count(*) FROM samen_schema")
        return "ok" if rows else "unknown"


# --- the migrations -------------------------------------------------------------------------

_REFUSE = """
CREATE OR REPLACE FUNCTION samen_refuse() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$body$;
"""

_TRIGGER = re.compile(
    r"CREATE TRIGGER (\w+) (BEFORE (?:UPDATE|DELETE|INSERT)) ON (\w+)\s*"
    r"BEGIN SELECT RAISE\(ABORT, '([^']*)'\); END;",
    re.IGNORECASE,
)


def translate_migration(migration: Migration) -> str:
    """A migration's PostgreSQL text: its own file in migrations/postgresql/ when there is
    one, or the SQLite text with the differences of types and triggers translated."""
    own = resources.files("bot.storage") / "migrations" / "postgresql"
    name = f"{migration.version:04d}_{migration.name}.sql"
    if (own / name).is_file():
        return (own / name).read_text("utf-8")
    sql = re.sub(r"--[^\n]*", "", migration.sql)
    sql = re.sub(
        r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b",
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        sql,
    )
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    sql = _TRIGGER.sub(
        r"CREATE TRIGGER \1 \2 ON \3 FOR EACH ROW EXECUTE FUNCTION samen_refuse('\4');", sql
    )
    return sql


def postgres_migrations() -> list[tuple[int, str]]:
    """Every migration's PostgreSQL text, in order."""
    return [(m.version, translate_migration(m)) for m in load_migrations()]


# The advisory lock that makes workers starting at once migrate one after the other ("samen").
MIGRATION_LOCK = 0x73616D656E


async def _migrate(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS samen_schema (version BIGINT NOT NULL)")
        row = await (await conn.execute("SELECT max(version) FROM samen_schema")).fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        migrations = postgres_migrations()
        if current > len(migrations):
            raise RuntimeError(
                f"the database was made by a newer Samen (schema {current}; this one knows"
                f" {len(migrations)}): install that version"
            )
        for version, sql in migrations[current:]:
            async with conn.transaction():
                if version == 1:
                    await conn.execute(_REFUSE)
                await conn.execute(sql)
                await conn.execute("INSERT INTO samen_schema (version) VALUES (%s)", (version,))
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


# --- the database ---------------------------------------------------------------------------

TxT = TypeVar("TxT", bound=PostgresExecutor)


class PostgresDatabase(Generic[TxT]):
    """The database handle on a PostgreSQL server: `transaction()` and `reading()` as for
    SQLite, each handing out a `tx_type`."""

    tx_type: type[TxT]

    def __init__(
        self,
        writer: psycopg.AsyncConnection[Any],
        reader: psycopg.AsyncConnection[Any],
        url: str,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self.url = url
        # How messages and logs name the database: the server and the database, no password.
        facts = psycopg.conninfo.conninfo_to_dict(url)
        self.name = (
            f"postgresql database {facts.get('dbname', '?')} on {facts.get('host', 'localhost')}"
        )
        self._write_lock = asyncio.Lock()
        self._read_guard = asyncio.Lock()
        self._outbox_listeners: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, url: str) -> Self:
        """Connect and bring the schema up to date."""
        writer = await psycopg.AsyncConnection.connect(url, autocommit=True)
        try:
            await _migrate(writer)
            reader = await psycopg.AsyncConnection.connect(url, autocommit=True)
        except BaseException:
            await writer.close()
            raise
        return cls(writer, reader, url)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    async def schema_version(self) -> int:
        async with self.reading() as tx:
            row = await tx._one("SELECT max(version) FROM samen_schema")
        return int(row[0]) if row and row[0] is not None else 0

    def on_outbox_write(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit that put messages in the outbox."""
        self._outbox_listeners.append(listener)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[TxT]:
        """Reads only, each statement seeing what is committed."""
        yield self.tx_type(self._reader, read_only=True, guard=self._read_guard)
        await asyncio.sleep(0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[TxT]:
        """Reads and writes committed together, or rolled back on an error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN")
            tx = self.tx_type(self._writer)
            try:
                yield tx
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    await self._writer.execute("ROLLBACK")
                raise
        if tx.outbox_changed:
            for listener in self._outbox_listeners:
                listener()
        await asyncio.sleep(0)


class PostgresTx(Queries, PostgresExecutor):
    """The named queries on PostgreSQL, valid inside one transaction (or one `reading()`)."""


class PostgresDb(PostgresDatabase[PostgresTx]):
    """The Samen database on a PostgreSQL server: its transactions hand out a `PostgresTx`."""

    tx_type = PostgresTx
