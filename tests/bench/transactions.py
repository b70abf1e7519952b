"""Transactions and lookups a second through Samen's executor: `python -m tests.bench.transactions`.

A unit of work like a tap's (who is writing, a message queued, an audit entry), one after
the other and from 50 coroutines at once; lookups (`reading()`) alone and while those
transactions run; and, for reference, the same statements through the standard library's
sqlite3 with the same PRAGMAs and nothing in between. Also the longest the event loop stood
still meanwhile: statements run on its thread, and a transaction or a lookup gives it a turn
when it ends. Not part of the test run; the figures are as noisy as the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.storage import Database, iso

NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
USERS = 1_000
WRITERS = 50


async def tap(db: Database, n: int) -> None:
    """One unit of work: who is writing, a message queued, an entry in the audit trail."""
    async with db.transaction() as tx:
        await tx.user_facts(n % USERS)
        await tx.enqueue(chat_id=n % USERS, text=f"m{n}", purpose="bench", now=NOW)
        await tx.audit(now=NOW, actor=("guardian", f"G{n % USERS}"), action="bench")


async def lookup(db: Database, n: int) -> None:
    async with db.reading() as tx:
        await tx.user_facts(n % USERS)


class LoopWatch:
    """The longest the event loop went without running a 1 ms ticker."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self._seen()

    def _seen(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - 0.001)
        self._last = now

    def __enter__(self) -> LoopWatch:
        self._last = time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._seen()
        self._task.cancel()


async def rate(work: list, parallel: int) -> tuple[float, float]:
    """Units a second, running `work` from `parallel` coroutines; and the loop's longest stall."""
    queue = iter(work)

    async def worker() -> None:
        for unit in queue:
            await unit()

    with LoopWatch() as watch:
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(parallel)))
        elapsed = time.perf_counter() - start
    return len(work) / elapsed, watch.longest


# The statements of `tap`, as the queries write them.
USER_FACTS = (
    "SELECT t.chat_id, t.language AS chosen, a.kind, a.person_id,"
    " a.unreachable_at IS NOT NULL AS unreachable,"
    " COALESCE(s.first_name, g.first_name, p.first_name) AS first_name, s.role,"
    " COALESCE(g.language, p.language) AS roster_language"
    " FROM telegram_users t LEFT JOIN accounts a ON a.user_id = t.user_id"
    " LEFT JOIN staff s ON a.kind = 'staff' AND s.staff_id = a.person_id"
    " LEFT JOIN guardians g ON a.kind = 'guardian' AND g.guardian_id = a.person_id"
    " LEFT JOIN pupils p ON a.kind = 'pupil' AND p.pupil_id = a.person_id"
    " WHERE t.user_id = ?"
)
ENQUEUE = (
    "INSERT INTO outbox (chat_id, recipient_kind, recipient_id, purpose, text,"
    " reply_markup, protect_content, created_at, not_before, pupil_id, document,"
    " document_name, copy_of_chat, copy_of_message)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
AUDIT = (
    "INSERT INTO audit_log (at, actor_kind, actor_id, action, pupil_id,"
    " subject_kind, subject_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def raw_sqlite(path: Path, count: int) -> float:
    """The same statements through sqlite3 on this thread, nothing in between."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    start = time.perf_counter()
    for n in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(USER_FACTS, (n % USERS,)).fetchall()
        at = iso(NOW)
        conn.execute(
            ENQUEUE,
            (
                n % USERS,
                None,
                None,
                "bench",
                f"m{n}",
                None,
                0,
                at,
                at,
                None,
                None,
                None,
                None,
                None,
            ),
        ).fetchall()
        conn.execute(AUDIT, (at, "guardian", f"G{n % USERS}", "bench", None, None, None, "{}"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


async def main(quick: bool) -> None:
    count = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as scratch:
        db = await Database.open(Path(scratch) / "samen.db")
        async with db.transaction() as tx:
            for user in range(USERS):
                await tx.touch_telegram_user(user, user, NOW)
        taps = [lambda n=n: tap(db, n) for n in range(count)]
        lookups = [lambda n=n: lookup(db, n) for n in range(count)]
        rows = []
        for what, work, parallel in (
            ("transactions, one after the other", taps, 1),
            (f"transactions, from {WRITERS} coroutines", taps, WRITERS),
            ("lookups, one after the other", lookups, 1),
            (f"lookups, from {WRITERS} coroutines", lookups, WRITERS),
        ):
            per_second, stall = await rate(work, parallel)
            rows.append((what, per_second, stall))
        # Lookups while transactions run: each kind from half the coroutines.
        mixed = [unit for pair in zip(taps, lookups, strict=True) for unit in pair]
        per_second, stall = await rate(mixed, WRITERS)
        rows.append((f"half transactions, half lookups, {WRITERS} coroutines", per_second, stall))
        await db.close()
        for what, per_second, stall in rows:
            print(f"{what:<52} {per_second:9,.0f} /s   loop stalled ≤ {stall * 1e3:5.1f} ms")
        raw = raw_sqlite(Path(scratch) / "samen.db", count)
        print(f"{'the same transactions in bare sqlite3, for reference':<52} {raw:9,.0f} /s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer units, to check the script")
    asyncio.run(main(parser.parse_args().quick))
