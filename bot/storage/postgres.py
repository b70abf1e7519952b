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
import os
import re
import shutil
import subprocess
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

import psycopg
import psycopg.sql
from psycopg.rows import RowMaker

from bot.storage.executor import DatabaseUnusable, Executor, Migration, Row, load_migrations
from bot.storage.locations import ServerDatabase
from bot.storage.queries import Queries


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

    async def _select(self, sql: str, params: Sequence[Any]) -> list[Row]:
        rows, _ = await self._execute(sql, params)
        return rows

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._changing(sql)
        _, changed = await self._execute(sql, params)
        return max(changed, 0)

    async def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._changing(sql)
        text, order = translate(sql)
        batch = [_adapted(row, order) for row in rows]
        if not batch:
            return
        async with self._conn.cursor() as cursor:
            await cursor.executemany(text, batch)

    async def _insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._changing(sql)
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


async def _migrate(conn: psycopg.AsyncConnection[Any], database: ServerDatabase) -> None:
    await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        # A school's schema, made on its first start (the connection's search_path names it).
        await conn.execute(
            psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                psycopg.sql.Identifier(database.schema)
            )
        )
        await conn.execute("CREATE TABLE IF NOT EXISTS samen_schema (version BIGINT NOT NULL)")
        row = await (await conn.execute("SELECT max(version) FROM samen_schema")).fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        migrations = postgres_migrations()
        if current > len(migrations):
            raise DatabaseUnusable(
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


async def connect(database: ServerDatabase) -> psycopg.AsyncConnection[Any]:
    """A connection in autocommit that sees the school's schema alone (every name in Samen's
    SQL is unqualified, so it finds that school's tables and no other's); DatabaseUnusable,
    in one sentence, when there is none."""
    try:
        return await psycopg.AsyncConnection.connect(
            database.url, autocommit=True, options=f"-c search_path={database.schema}"
        )
    except psycopg.Error as exc:
        # libpq's own words (no password in them): refused, no such database, bad password.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnusable(f"cannot reach the {database.name}: {reason}") from exc


# --- backups: PostgreSQL's own tools ---------------------------------------------------------


def _tool_arguments(url: str) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and an environment that carries the
    password: the process list, which every user of the machine can read, never shows it."""
    facts = psycopg.conninfo.conninfo_to_dict(url)
    password = facts.pop("password", None)
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo("", **facts), environment


def _run_tool(tool: str, arguments: list[str], url: str | None, *, given: str | None = None) -> str:
    """Run one of PostgreSQL's client tools (on the database at `url`, if given; with
    `given` on its standard input); what it wrote, or OSError in one sentence when it fails."""
    program = shutil.which(tool)
    if program is None:
        raise OSError(
            f"{tool} is not installed: install PostgreSQL's client tools (Debian:"
            " apt install postgresql-client), of the server's version or newer"
        )
    command, environment = [program, *arguments], dict(os.environ)
    if url is not None:
        conninfo, environment = _tool_arguments(url)
        command.append(f"--dbname={conninfo}")
    done = subprocess.run(
        command, env=environment, input=given, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:400] or f"exit status {done.returncode}"
        raise OSError(f"{tool} failed: {said}")
    return done.stdout


def dump_database(database: ServerDatabase, target: Path) -> None:
    """A consistent copy of the school's schema (pg_dump's own format) as `target`, also
    while workers write: pg_dump reads one snapshot."""
    _run_tool(
        "pg_dump",
        ["--format=custom", "--no-owner", f"--schema={database.schema}", f"--file={target}"],
        database.url,
    )


# What every file in pg_dump's own format starts with.
DUMP_MAGIC = b"PGDMP"


def is_dump(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(DUMP_MAGIC)) == DUMP_MAGIC


def kept_schema(database: ServerDatabase, now: datetime) -> str:
    """The name the school's schema takes when a restore replaces it: the school's own name
    (cut short where PostgreSQL's 63 characters would not hold it) and the moment."""
    moment = f"_before_restore_{now.astimezone(UTC):%Y%m%dt%H%M%Sz}"
    return database.schema[: 63 - len(moment)] + moment


async def holds_tables(database: ServerDatabase) -> bool:
    """Whether the school's schema has any table (a restore then keeps it)."""
    async with await connect(database) as conn:
        found = await conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s LIMIT 1", (database.schema,)
        )
        return await found.fetchone() is not None


def restore_dump(database: ServerDatabase, source: Path, keep_as: str | None = None) -> None:
    """Put the dump `source` in place of the school's schema, in one transaction: the schema
    it replaces renamed to `keep_as` (None: there is nothing to keep), the dump's own made
    anew; all of it, or (on any error) nothing changed."""
    script = _run_tool("pg_restore", ["--no-owner", "--file=-", str(source)], None)
    schema = psycopg.sql.Identifier(database.schema).as_string()
    first = (
        f"ALTER SCHEMA {schema} RENAME TO {psycopg.sql.Identifier(keep_as).as_string()}"
        if keep_as is not None
        else f"DROP SCHEMA IF EXISTS {schema} CASCADE"
    )
    _run_tool(
        "psql",
        [
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--command={first}",
            "--file=-",
        ],
        database.url,
        given=script,
    )


# The advisory locks `samen run` holds while it serves a school's bot: this class, and the
# school's own number (two 32-bit keys).
SERVING_LOCKS = 0x73616D65


def _serving_key(database: ServerDatabase) -> int:
    return zlib.crc32(database.schema.encode()) & 0x7FFFFFFF


class ServingLease:
    """The right to serve the bot of a database on a server: a session-level advisory lock,
    held by a connection of its own. The server drops it when that connection ends, however
    the process ends (SIGKILL included), so a worker waiting beside it takes over at once.
    While one worker holds it, it alone polls Telegram, sends the outbox and runs the
    scheduled work: each message goes out once and Telegram's limits hold."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    @classmethod
    async def try_take(cls, database: ServerDatabase) -> ServingLease | None:
        """The lease, or None when another worker holds it (never waits)."""
        conn = await connect(database)
        try:
            cursor = await conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (SERVING_LOCKS, _serving_key(database))
            )
            row = await cursor.fetchone()
            if row and row[0]:
                await conn.execute("SET application_name = 'samen run'")
                return cls(conn)
        except BaseException:
            await conn.close()
            raise
        await conn.close()
        return None

    async def beat(self) -> None:
        """A sign of life that `samen health` reads (the session's last statement); raises
        when the connection, and with it the lease, is lost."""
        await self._conn.execute("SELECT 1")

    async def release(self) -> None:
        await self._conn.close()


class WorkerPresence:
    """A worker's presence on the server, for as long as it runs: a connection of its own,
    named so that the workers can count one another and share the schools evenly."""

    NAME = "samen worker"

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    @classmethod
    async def join(cls, url: str) -> WorkerPresence:
        conn = await connect(ServerDatabase(url))
        await conn.execute(
            psycopg.sql.SQL("SET application_name = {}").format(psycopg.sql.Literal(cls.NAME))
        )
        return cls(conn)

    async def workers(self) -> int:
        """The workers on this database now, this one included."""
        cursor = await self._conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            (self.NAME,),
        )
        row = await cursor.fetchone()
        return max(1, int(row[0]) if row else 1)

    async def leave(self) -> None:
        await self._conn.close()


@dataclass(frozen=True)
class ServingState:
    """Whether a worker holds the lease, and how long ago it last showed life."""

    running: bool
    quiet_for: float | None


async def serving_state(database: ServerDatabase) -> ServingState:
    """Read from outside any worker, for `samen health`."""
    conn = await connect(database)
    try:
        cursor = await conn.execute(
            "SELECT extract(epoch FROM now() - a.query_start) FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.database = a.datid"
            " AND a.datname = current_database()"
            # A lock of two 32-bit keys.
            " AND l.classid = %s AND l.objid = %s AND l.objsubid = 2",
            (SERVING_LOCKS, _serving_key(database)),
        )
        row = await cursor.fetchone()
    finally:
        await conn.close()
    if row is None:
        return ServingState(running=False, quiet_for=None)
    return ServingState(running=True, quiet_for=max(0.0, float(row[0] or 0.0)))


TxT = TypeVar("TxT", bound=PostgresExecutor)


class PostgresDatabase(Generic[TxT]):
    """The database handle on a PostgreSQL server: `transaction()` and `reading()` as for
    SQLite, each handing out a `tx_type`."""

    tx_type: type[TxT]

    def __init__(
        self,
        writer: psycopg.AsyncConnection[Any],
        reader: psycopg.AsyncConnection[Any],
        database: ServerDatabase,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self.url = database.url
        self.location: Path | ServerDatabase = database  # as `open_database` takes it
        # How messages and logs name the database: the server, the database and the school,
        # no password.
        self.name = database.name
        self._write_lock = asyncio.Lock()
        self._read_guard = asyncio.Lock()
        self._outbox_listeners: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, database: ServerDatabase | str) -> Self:
        """Connect and bring the schema up to date (a URL alone: the one school's, in the
        public schema). DatabaseUnusable when the server cannot be reached or refuses, or the
        schema is of a newer Samen: then nothing is left open."""
        if isinstance(database, str):
            database = ServerDatabase(database)
        writer = await connect(database)
        try:
            await _migrate(writer, database)
            reader = await connect(database)
        except BaseException:
            await writer.close()
            raise
        return cls(writer, reader, database)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    async def scrub(self) -> None:
        """Rewrite the tables from the rows they hold (VACUUM FULL): what was deleted, such as
        a key that moved out, leaves no bytes behind in them. (The server's write-ahead log
        and its backups are the board's to keep.)"""
        async with self._write_lock:
            await self._writer.execute("VACUUM FULL")

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
