"""Samen on PostgreSQL beside SQLite, for one school: importing the roster of 10,000 pupils
and all due work at one `now` (the median of three, each on a fresh copy of the school). The
first rows of the school boards' benchmark (issue 26); several schools and workers follow.

    SAMEN_BENCH_POSTGRESQL='host=/run/postgresql user=samen' python -m tests.bench.postgres

The libpq connection string names a server where the script may create and drop the
databases `samen_bench` and `samen_bench_run`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import conninfo

from bot.i18n.translator import Catalogues
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.services.context import Services
from bot.storage.postgres import PostgresDb
from scheduler import due_work
from tests.bench.run import AMS, NOW, TOKEN, build_school, time_due_work

PUPILS = 10_000
SCHOOL, RUN = "samen_bench", "samen_bench_run"


async def admin(server: str, *statements: str) -> None:
    url = conninfo.make_conninfo(server, dbname="postgres")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for statement in statements:
            await conn.execute(statement)  # type: ignore[arg-type]


async def on_postgresql(server: str, folder: Path) -> tuple[dict[str, float], float]:
    await admin(
        server, f"DROP DATABASE IF EXISTS {SCHOOL} WITH (FORCE)", f"CREATE DATABASE {SCHOOL}"
    )
    db = await PostgresDb.open(conninfo.make_conninfo(server, dbname=SCHOOL))
    _, timings = await build_school(folder, PUPILS, db)
    await db.close()
    settings = Settings(token=TOKEN, db_path=folder / "unused.db")
    assert settings.holidays  # worked out once per process, as in a running bot
    runs = []
    for _ in range(3):
        await admin(
            server,
            f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)",
            f"CREATE DATABASE {RUN} TEMPLATE {SCHOOL}",
        )
        copy = await PostgresDb.open(conninfo.make_conninfo(server, dbname=RUN))
        services = Services(settings, copy, FakeClock(NOW), Catalogues(settings.languages, AMS))
        start = time.perf_counter()
        await due_work(services)
        runs.append(time.perf_counter() - start)
        await copy.close()
    await admin(
        server,
        f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)",
        f"DROP DATABASE {SCHOOL} WITH (FORCE)",
    )
    return timings, statistics.median(runs)


async def on_sqlite(folder: Path) -> tuple[dict[str, float], float]:
    db, timings = await build_school(folder, PUPILS)
    return timings, await time_due_work(db)


async def main() -> int:
    server = os.environ.get("SAMEN_BENCH_POSTGRESQL", "")
    if not server:
        print("Set SAMEN_BENCH_POSTGRESQL to a libpq connection string.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = await on_sqlite(Path(scratch) / "sqlite")
        postgresql = await on_postgresql(server, Path(scratch) / "postgresql")
    print(f"| what, {PUPILS:,} pupils, one school | SQLite | PostgreSQL |")
    print("|---|---|---|")
    for part in ("pupils", "guardians", "staff"):
        print(f"| import: {part} | {sqlite[0][part]:.2f} s | {postgresql[0][part]:.2f} s |")
    print(f"| all due work at one now (median of 3) | {sqlite[1]:.2f} s | {postgresql[1]:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
