"""The one module of bot.storage that knows the database driver (the standard library's sqlite3).

The named queries (the mixins of `bot.storage.Tx`) stand on `Executor` and run their SQL only
through its five statements: `_all`, `_one`, `_run`, `_run_many` and `_insert`. This module
gives those their SQLite meaning (`SqliteExecutor`), opens the connections with their
PRAGMAs, runs the migrations in `migrations/` and hands out transactions (`SqliteDatabase`).

A second backend (PostgreSQL) would be a second executor and database class beside these,
composed with the same mixins into its own `Tx`: a second executor, not a second copy of the
queries. The query text is SQLite's dialect today (`?` and `?1` placeholders, GLOB, instr,
json_type, group_concat, PRAGMA quick_check), which such an executor would have to translate
or a few queries would need a variant per dialect.

Statements run on the event loop's own thread. With WAL and synchronous=NORMAL a statement
takes microseconds and a commit does not wait for the disk, where a trip to a database
thread per statement (aiosqlite, before) cost more than the statement itself. Two
connections:
- the writer holds one transaction at a time, under an asyncio.Lock: a unit of work awaits
  between its statements, and another coroutine's statements must not land inside it;
- the reader serves `reading()` without that lock: in WAL mode reads go on while a write is
  under way, each statement seeing what is committed.
The event loop never waits for another program's lock itself: the connections wait 0 s, and a
statement that meets a lock (a `samen import`, a backup's checkpoint) runs again on a worker
thread that waits up to BUSY_SECONDS. Work that is long by nature (opening and migrating,
a bulk `_run_many`, VACUUM) goes to a worker thread too: one hand-off for all of it.

A transaction (not a `reading()`) keeps the rows of its small SELECTs until it changes a
table they name (`Executor._recall`): a unit of work that asks again for the same pupil or
talk gets it without a statement, on either backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Protocol, Self, TypeVar

from bot.storage.locations import ServerDatabase


def server_errors() -> tuple[type[Exception], ...]:
    """What PostgreSQL's driver raises for a lost connection, a full disk or a server that
    shuts down; nothing while it is not in use. It is imported only for a database on a
    server (bot/storage/postgres.py): importing it would cost every school on its file about
    10 MB of memory, and no error of it can come before."""
    driver = sys.modules.get("psycopg")
    return () if driver is None else (driver.OperationalError,)


def storage_errors() -> tuple[type[Exception], ...]:
    """What a failing database raises (a full disk, an I/O error, a lock held too long):
    callers that must go on without it (the outbox sender) catch these, without knowing the
    driver (`except storage_errors():`)."""
    return (sqlite3.Error, OSError, *server_errors())


class Row(Protocol):
    """One result row, read by column name or by position (`dict(row)` works too)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]:
        """The column names."""


class Executor:
    """What the query mixins stand on: one open transaction (or read-only session) that runs
    SQL text with parameters. A backend implements `_select`, `_run`, `_run_many` and
    `_insert`; what a transaction keeps of its reads is kept here, the same for every backend.
    """

    # Set by a query that put messages in the outbox; the database tells its listeners after
    # the commit.
    outbox_changed: bool

    def __init__(self, *, read_only: bool = False, guard: asyncio.Lock | None = None) -> None:
        # `read_only`: a `reading()`, which refuses changes; `guard`: taken by each statement,
        # where statements of several coroutines share one connection (the reader's).
        self._read_only = read_only
        self._guard = guard
        self.outbox_changed = False
        # A transaction's reads, kept until it changes a table they read: a unit of work asks
        # again for what it asked before (a booking read the same pupil five times), and the
        # answer cannot have changed meanwhile but by its own statements. Not in `reading()`,
        # whose statements each see what others committed since.
        self._recalled: dict[tuple[str, tuple[Any, ...]], list[Row]] | None = (
            None if read_only else {}
        )

    def _changing(self, sql: str) -> None:
        """Before every change: refused in `reading()`, and the reads it may make stale are
        forgotten."""
        if self._read_only:
            raise RuntimeError("a change needs Database.transaction(), not reading()")
        self._forget(sql)

    def _recall(self, sql: str, params: Sequence[Any]) -> list[Row] | None:
        """The rows this transaction's same SELECT gave before, if nothing it reads changed."""
        if not self._recalled:
            return None
        try:
            rows = self._recalled.get((sql, tuple(params)))
        except TypeError:  # a parameter that cannot be a key (a list): asked afresh
            return None
        return None if rows is None else list(rows)  # the caller's list, not the one kept

    def _remember(self, sql: str, params: Sequence[Any], rows: list[Row]) -> None:
        if (
            self._recalled is None
            or len(rows) > KEPT_ROWS
            or len(self._recalled) >= KEPT_READS
            or not _tables_read(sql)
        ):
            return
        with contextlib.suppress(TypeError):
            self._recalled[(sql, tuple(params))] = list(rows)

    def _forget(self, change: str) -> None:
        """Before a change: forget every read of the table it changes; of every table for a
        DELETE (a foreign key's ON DELETE CASCADE changes others) or a change not understood."""
        if not self._recalled:
            return
        table = _table_changed(change)
        if table is None:
            self._recalled.clear()
            return
        for key in [k for k in self._recalled if table in _tables_read(k[0])]:
            del self._recalled[key]

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a SELECT (in a transaction, the rows it gave before when nothing it
        reads has changed since)."""
        recalled = self._recall(sql, params)
        if recalled is not None:
            return recalled
        rows = await self._select(sql, params)
        self._remember(sql, params, rows)
        return rows

    async def _select(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """The backend's run of a SELECT: every row."""
        raise NotImplementedError

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a SELECT, or None."""
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT, UPDATE or DELETE; returns how many rows it changed."""
        raise NotImplementedError

    async def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one INSERT, UPDATE or DELETE once for each row of parameters."""
        raise NotImplementedError

    async def _insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT of a row into a table keyed by `id` (the statement without a
        RETURNING clause); returns the new row's id."""
        raise NotImplementedError

    async def _integrity_check(self) -> str:
        """The backend's own check that the database is sound: 'ok', or what is wrong."""
        raise NotImplementedError


# What a transaction keeps of its reads: what a unit of work asks for again is a row or a
# few (a pupil, a talk, a round's slots); a whole table read by an import or a move, or the
# thousands of reads of one long transaction, are not kept (they would double its memory).
KEPT_ROWS = 64
KEPT_READS = 256

_CHANGE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE)\s+(\w+)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_WRITING = frozenset({"insert", "update", "delete", "replace"})


def _table_changed(sql: str) -> str | None:
    """The table an INSERT or UPDATE changes (lower case); None for anything else."""
    found = _CHANGE.match(sql)
    return found[1].lower() if found else None


@functools.lru_cache(maxsize=1024)
def _tables_read(sql: str) -> frozenset[str]:
    """Every word of a SELECT (lower case), its tables among them: a change to any table it
    names makes its rows stale (a column of the same name only forgets more). Empty for what
    is not a SELECT, which is never kept."""
    words = frozenset(word.lower() for word in _WORD.findall(sql))
    first = sql.lstrip()[:6].upper()
    if first.startswith("SELECT") or (first.startswith("WITH") and not words & _WRITING):
        return words
    return frozenset()


T = TypeVar("T")

# How long a statement waits for another connection's lock before it fails: long enough for
# a backup or a second Samen command to finish its transaction, short enough that a command
# facing a program that holds the database locked says so within seconds.
BUSY_SECONDS = 5.0
# A `_run_many` over more rows than this goes to a worker thread (an import, a purge): the
# event loop answers meanwhile.
BULK_ROWS = 200
# The writer folds the -wal file back into the database file (a checkpoint, which waits for
# the disk) on a worker thread after this many commits, not inside a commit as SQLite would.
CHECKPOINT_COMMITS = 200


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another connection holds the lock this statement needs (nothing of it was done)."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF == sqlite3.SQLITE_BUSY


async def _on_worker(call: Callable[[], T]) -> T:
    """`call()` on a worker thread. The connection it uses is the thread's until it returns:
    a cancelled caller waits for that before it goes on (to roll back, say)."""
    future = asyncio.get_running_loop().run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([future])
        raise


def _patiently(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work` as a worker thread runs it: waiting up to BUSY_SECONDS for another program's
    lock (the module's value when it runs, which tests shorten)."""
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    try:
        return work(conn)
    finally:
        conn.execute("PRAGMA busy_timeout = 0")


async def _statement(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work` here on the event loop's thread, at once; on a worker thread if it must wait."""
    try:
        return work(conn)
    except sqlite3.OperationalError as exc:
        if not _busy(exc):
            raise
    return await _on_worker(lambda: _patiently(conn, work))


def _rows(sql: str, params: Sequence[Any]) -> Callable[[sqlite3.Connection], list[Any]]:
    return lambda conn: conn.execute(sql, params).fetchall()


class SqliteExecutor(Executor):
    """`Executor` over one sqlite3 connection: the writer's (a transaction) or the reader's,
    whose statements take `guard` (a statement waiting on a worker thread keeps the others
    off the connection meanwhile)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        read_only: bool = False,
        guard: asyncio.Lock | None = None,
    ) -> None:
        super().__init__(read_only=read_only, guard=guard)
        self._conn = conn

    async def _do(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._guard is None:
            return await _statement(self._conn, work)
        async with self._guard:
            return await _statement(self._conn, work)

    async def _select(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await self._do(_rows(sql, params))

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._changing(sql)

        def changed(conn: sqlite3.Connection) -> int:
            # Safe as a difference: the schema's triggers only refuse changes, never make any.
            before = conn.total_changes
            conn.execute(sql, params).fetchall()
            return conn.total_changes - before

        return await self._do(changed)

    async def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._changing(sql)
        batch = list(rows)
        if len(batch) > BULK_ROWS:
            await _on_worker(lambda: _patiently(self._conn, lambda c: c.executemany(sql, batch)))
        else:
            await self._do(lambda conn: conn.executemany(sql, batch))

    async def _insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._changing(sql)
        # RETURNING (SQLite 3.35+, and PostgreSQL) rather than the cursor's lastrowid: the id
        # comes back with the statement, the same way on every backend.
        rows = await self._do(_rows(f"{sql} RETURNING id", params))
        return int(rows[0][0])

    async def _integrity_check(self) -> str:
        # SQLite's quick check of the file: its pages, indexes and constraints.
        rows = await self._all("PRAGMA quick_check")
        return str(rows[0][0]) if rows else "unknown"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The schema's migrations (`migrations/NNNN_name.sql`), in order."""
    folder = resources.files("bot.storage") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError("migration files must be numbered 0001, 0002, … without gaps")
    return found


def make_owner_only(path: Path, *, existing: bool) -> None:
    """Create `path` readable and writable by its owner only (0600), whatever the umask: the
    database and its copies hold every family's data. SQLite gives the -wal, -shm and -journal
    files it makes the mode of their database file. An existing file keeps its content, and its
    mode unless `existing` (then it is made owner-only too)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | (0 if existing else os.O_EXCL), 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def readable_by_others(path: Path) -> list[tuple[Path, int]]:
    """The database's files (itself, -wal, -shm) that users other than the owner may open,
    with their modes: `samen check` warns about them."""
    found: list[tuple[Path, int]] = []
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = file.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append((file, mode))
    return found


class DatabaseUnusable(RuntimeError):
    """Samen cannot use the database as it is: damaged or not a database, locked by another
    program, made by a newer Samen, or out of reach (disk full, read-only, no such folder).
    The message is one sentence saying which, and what to do."""


def database_problem(path: Path | str, exc: BaseException) -> DatabaseUnusable | None:
    """What an error says about the database (`path`: its file, or its name on a server)
    itself, as one sentence; None for an error that says nothing about the database (a bug,
    a broken rule of the schema)."""
    if isinstance(exc, DatabaseUnusable):
        return exc
    if isinstance(exc, server_errors()):
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return DatabaseUnusable(f"the {path} cannot be used now: {reason}")
    if isinstance(exc, OSError):
        return DatabaseUnusable(f"cannot open the database {path} ({exc.strerror or exc})")
    if not isinstance(exc, sqlite3.Error):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary result code
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DatabaseUnusable(
            f"the database {path} is damaged or is not a Samen database (SQLite: {exc}):"
            " put the newest backup back with `samen restore FILE`"
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseUnusable(
            f"another program has held the database {path} locked for more than"
            f" {BUSY_SECONDS:.0f} seconds: close it (an open sqlite3 shell, a copy in"
            " progress) and try again"
        )
    if code == sqlite3.SQLITE_FULL:
        return DatabaseUnusable(f"the disk that holds the database {path} is full: make room")
    if code == sqlite3.SQLITE_READONLY:
        return DatabaseUnusable(
            f"the database {path} cannot be written (SQLite: {exc}): check its owner and mode"
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM):
        return DatabaseUnusable(f"cannot open the database {path} (SQLite: {exc})")
    return None


def _as_unusable(path: Path, exc: OSError | sqlite3.Error) -> DatabaseUnusable:
    return database_problem(path, exc) or DatabaseUnusable(
        f"cannot open the database {path} (SQLite: {exc})"
    )


TxT = TypeVar("TxT", bound=SqliteExecutor)


def _connect(path: Path, *, wait: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path,
        isolation_level=None,  # autocommit: transactions are begun and ended here
        timeout=BUSY_SECONDS if wait else 0,
        check_same_thread=False,  # a worker thread uses it while the event loop waits
        cached_statements=512,  # every query of Samen prepared once
    )
    conn.row_factory = sqlite3.Row
    return conn


def _open_connections(path: Path) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """The writer and the reader of the database at `path`, its schema brought up to date;
    for a worker thread (it waits for other programs' locks). Nothing is left open when it
    fails."""
    opened: list[sqlite3.Connection] = []
    try:
        writer = _connect(path, wait=True)
        opened.append(writer)
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA foreign_keys = ON")
        writer.execute("PRAGMA synchronous = NORMAL")
        _migrate(writer, path)
        writer.execute("PRAGMA busy_timeout = 0")
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # see `_after_commit`
        reader = _connect(path, wait=False)
        opened.append(reader)
        reader.execute("PRAGMA query_only = ON")
    except BaseException as exc:
        for conn in opened:
            conn.close()
        if isinstance(exc, OSError | sqlite3.Error):
            raise _as_unusable(path, exc) from exc
        raise
    return writer, reader


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    migrations = load_migrations()
    if current > len(migrations):
        raise DatabaseUnusable(
            f"the database {path} was made by a newer Samen (schema {current}; this"
            f" one knows {len(migrations)}): install that version, or put a backup back"
            " with `samen restore FILE`"
        )
    for migration in migrations[current:]:
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{migration.sql}\n"
            f"PRAGMA user_version = {migration.version};\nCOMMIT;"
        )


class SqliteDatabase(Generic[TxT]):
    """The database handle. Every read and write goes through `transaction()` or `reading()`,
    which hand out a `tx_type` (the composed `bot.storage.Tx`) holding the named queries."""

    tx_type: type[TxT]

    def __init__(self, writer: sqlite3.Connection, reader: sqlite3.Connection, path: Path) -> None:
        self._writer = writer
        self._reader = reader
        self.path = path
        self.location: Path | ServerDatabase = path  # as `open_database` takes it
        self.name = str(path)  # how messages and logs name the database
        self._write_lock = asyncio.Lock()
        self._read_guard = asyncio.Lock()
        self._outbox_listeners: list[Callable[[], None]] = []
        self._commits = 0  # since the last checkpoint began
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint: asyncio.Future[None] | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (or create) the database file and bring its schema up to date.
        DatabaseUnusable when the file is damaged, held by another program or newer than
        this Samen: then nothing is left open."""
        path = Path(path)
        try:
            # A new database is owner-only from its first byte; an older one keeps its mode
            # (and `samen check` warns when others may read it).
            make_owner_only(path, existing=False)
        except OSError as exc:
            raise _as_unusable(path, exc) from exc
        writer, reader = await _on_worker(lambda: _open_connections(path))
        return cls(writer, reader, path)

    async def close(self) -> None:
        """Close the connections (the last one folds the -wal file into the database)."""
        if self._checkpoint is not None:
            await self._checkpoint
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._reader.close()
        self._writer.close()

    def _after_commit(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_COMMITS or not (
            self._checkpoint is None or self._checkpoint.done()
        ):
            return
        self._commits = 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._fold_wal)

    def _fold_wal(self) -> None:
        """A passive checkpoint on a connection of its own, on a worker thread: it copies what
        no reader still needs and waits for nobody; writers go on meanwhile. One that fails
        (a full disk) is tried again after the next commits; the -wal file grows until then."""
        with contextlib.suppress(sqlite3.Error):
            if self._checkpointer is None:
                self._checkpointer = _connect(self.path, wait=False)
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def schema_version(self) -> int:
        """The number of the last migration applied (PRAGMA user_version)."""
        async with self.reading() as tx:
            row = await tx._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def scrub(self) -> None:
        """Rewrite the file from the rows it holds (VACUUM) and fold the -wal into it: what was
        deleted, such as a key that moved out, leaves no bytes behind in either file."""

        def vacuum(conn: sqlite3.Connection) -> None:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        async with self._write_lock:
            await _on_worker(lambda: _patiently(self._writer, vacuum))

    def on_outbox_write(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit that put messages in the outbox."""
        self._outbox_listeners.append(listener)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[TxT]:
        """Reads only, on the reader, outside a transaction and without the write lock: each
        statement sees what is committed, also while a transaction is under way."""
        yield self.tx_type(self._reader, read_only=True, guard=self._read_guard)
        # As after a commit: code that asks the database again and again (a sender polling
        # for due messages) must not keep the event loop from everything else.
        await asyncio.sleep(0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[TxT]:
        """Reads and writes committed together, or rolled back on an error."""
        async with self._write_lock:
            await _statement(self._writer, _rows("BEGIN IMMEDIATE", ()))
            tx = self.tx_type(self._writer)
            try:
                yield tx
            except BaseException:
                self._rollback()
                raise
            try:
                await _statement(self._writer, _rows("COMMIT", ()))
            except BaseException:
                # A COMMIT that fails (a full disk) may leave the transaction open: close it,
                # or every later BEGIN on this connection would fail too.
                self._rollback()
                raise
            self._after_commit()
        if tx.outbox_changed:
            for listener in self._outbox_listeners:
                listener()
        # The statements never gave the event loop a turn: a run of transactions (a tick's)
        # gives it one after each, so the updates and the sending go on between them.
        await asyncio.sleep(0)

    def _rollback(self) -> None:
        if self._writer.in_transaction:
            self._writer.execute("ROLLBACK")


# The tables of the first migration: a file without them is no Samen database.
FOUNDATION_TABLES = frozenset(
    {"staff", "pupils", "guardians", "guardian_links", "accounts", "outbox", "audit_log", "meta"}
)


class NotADatabase(Exception):
    """The file is not an SQLite database, or one too damaged to read."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


def _unreadable(path: Path, exc: sqlite3.DatabaseError) -> NotADatabase:
    return NotADatabase(
        f"{path} is damaged or is not an SQLite database (SQLite: {exc})",
        damaged=exc.sqlite_errorname == "SQLITE_CORRUPT",
    )


@dataclass(frozen=True)
class DatabaseFileFacts:
    """What a database file says about itself, read without migrating it."""

    integrity: str  # SQLite's integrity check: "ok" when sound
    schema_version: int  # PRAGMA user_version: the last migration applied
    tables: frozenset[str]


# Blocking functions on database files by path, each with a connection of its own: call them
# from a thread (asyncio.to_thread) when the event loop must go on meanwhile.


def copy_database_file(source: Path, target: Path) -> None:
    """A consistent copy of the database `source` as the single file `target` (SQLite's
    online backup, in one step). Other connections go on writing meanwhile (WAL): the copy is
    the database as it was when the step began. OSError when `target` cannot be written."""
    if not source.is_file():
        raise NotADatabase(f"there is no database at {source}")
    try:
        dest = sqlite3.connect(target)
    except sqlite3.Error as exc:
        raise OSError(f"cannot write {target}: {exc}") from exc
    try:
        src = sqlite3.connect(source, timeout=BUSY_SECONDS)
        try:
            # The read lock first: taking it waits BUSY_SECONDS at most, where the backup
            # itself would retry a source another program holds locked for ever.
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            src.backup(dest)
        finally:
            src.close()
        # A plain journal: the copy is one file, complete without -wal and -shm beside it.
        dest.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise _unreadable(source, exc) from exc
        raise OSError(f"cannot copy {source} to {target}: {exc}") from exc
    finally:
        dest.close()


def inspect_database_file(path: Path) -> DatabaseFileFacts:
    """Integrity, schema version and tables of a database file that nothing else uses."""
    try:
        conn = sqlite3.connect(path)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    try:
        integrity = "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = frozenset(
            str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    return DatabaseFileFacts(integrity, version, tables)


def locked_by_another_program(path: Path) -> bool:
    """Whether another connection holds the database so that nobody else may write, and has
    not let go within BUSY_SECONDS (a damaged file is not locked: False)."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    finally:
        conn.close()
    return False


def settle_database_file(path: Path) -> bool:
    """Write what waits in the -wal file into the database file itself, so that the file alone
    is the whole database; False when SQLite cannot (a damaged file)."""
    try:
        conn = sqlite3.connect(path)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return not busy
