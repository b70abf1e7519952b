"""A school board on one PostgreSQL server: 10 schools of 1,000 pupils each, served by one
worker and by two, beside one school of 1,000 on its SQLite file (issue 26).

    SAMEN_BENCH_POSTGRESQL='host=/run/postgresql user=samen' python -m tests.bench.schools

Two figures, each the median of three runs:
- due work: all due work of every school at one `now`, done by the worker processes at once
  (each worker its even share of the schools, its schools' ticks side by side as in `samen
  run`); the time until the last worker is done;
- throughput: an onboarding burst, 150 parents a school sending `/start CODE` at once to real
  `samen run` workers (through the fake Bot API, every bot at Telegram's 30 messages a
  second); updates answered a second, from the first sent to the last welcome.

The libpq connection string names a server where the script may create and drop the
databases `samen_board` and `samen_board_run`. Prints a table for BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from psycopg import conninfo

from bot.demo.fake_telegram import FakeBotApi, FakeTelegram
from bot.i18n.translator import Catalogues
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.rules.models import PersonKind
from bot.services.context import Services
from bot.services.invitations import issue_invitations
from bot.storage import ServerDatabase, open_database
from scheduler import due_work
from tests.bench.postgres import admin
from tests.bench.run import AMS, NOW, TOKEN, build_school, time_due_work

SCHOOLS = [f"s{n:02d}" for n in range(10)]
PUPILS = 1_000
BURST = 150  # parents a school
BOARD, RUN = "samen_board", "samen_board_run"


def url_of(server: str, dbname: str) -> str:
    facts = conninfo.conninfo_to_dict(conninfo.make_conninfo(server, dbname=dbname))
    return "postgresql://?" + urlencode({key: str(value) for key, value in facts.items()})


async def fresh_run(server: str) -> str:
    """A copy of the board, for one run (a run leaves nothing due for the next)."""
    await admin(
        server,
        f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)",
        f"CREATE DATABASE {RUN} TEMPLATE {BOARD}",
    )
    return url_of(server, RUN)


# --- due work -------------------------------------------------------------------------------


async def due_work_of(url: str, schools: list[str]) -> float:
    """In a worker process: every due job of `schools` at NOW, side by side; the seconds."""
    services = []
    for school in schools:
        db = await open_database(ServerDatabase(url, school))
        settings = Settings(token=TOKEN, db_url=url, school_id=school)
        assert settings.holidays  # worked out once per school, as in a running worker
        services.append(Services(settings, db, FakeClock(NOW), Catalogues(settings.languages, AMS)))
    start = time.perf_counter()
    await asyncio.gather(*(due_work(s) for s in services))
    elapsed = time.perf_counter() - start
    for s in services:
        await s.db.close()
    return elapsed


async def due_work_with(server: str, workers: int) -> float:
    """All schools' due work by `workers` processes at once: until the last is done."""
    url = await fresh_run(server)
    shares = [SCHOOLS[n::workers] for n in range(workers)]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bench.schools",
            "due",
            url,
            ",".join(share),
            stdout=asyncio.subprocess.PIPE,
        )
        for share in shares
    ]
    outputs = [await p.communicate() for p in processes]
    return max(float(out.decode()) for out, _ in outputs)


# --- throughput ----------------------------------------------------------------------------


async def burst_with(server: str, workers: int, folder: Path) -> float:
    """The onboarding burst at every school, through `workers` real `samen run` workers:
    updates a second."""
    folder.mkdir(parents=True)
    url = await fresh_run(server)
    bots = {school: FakeTelegram(f"{n + 1}:{school}-token") for n, school in enumerate(SCHOOLS)}
    api = FakeBotApi(*bots.values())
    await api.start()
    codes: dict[str, list[str]] = {}
    now = datetime.now(UTC)  # the workers check the codes on the system's clock
    for school in SCHOOLS:
        db = await open_database(ServerDatabase(url, school))
        settings = Settings(token=TOKEN, db_url=url, school_id=school)
        rows = await issue_invitations(db, settings, now, "samen_test_bot")
        codes[school] = [r.code for r in rows if r.kind is PersonKind.GUARDIAN][:BURST]
        await db.close()
    config = folder / f"schools-{workers}"
    keys = folder / f"keys-{workers}"
    config.mkdir()
    keys.mkdir()
    for school in SCHOOLS:
        (config / f"{school}.toml").write_text(f'[school]\nname = "School {school}"\n')
    env = {
        **os.environ,
        "SAMEN_CONFIG": str(config),
        "SAMEN_DB": url,
        "SAMEN_KEY_FILE": str(keys),
        "TELEGRAM_API_URL": api.base_url,
        **{f"TELEGRAM_BOT_TOKEN_{s.upper()}": bots[s].token for s in SCHOOLS},
    }
    logs = [folder / f"worker-{workers}-{n}.log" for n in range(workers)]
    processes = []
    try:
        for log in logs:
            with log.open("w") as output:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "bot",
                        "run",
                        env=env,
                        cwd=folder,
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=output,
                    )
                )
            # Each worker settled before the next starts: the shares are even at the burst.
            await api.wait_for(lambda: all(b.calls_of("getUpdates") for b in bots.values()), 120)

        def serving(log: Path) -> int:
            said = log.read_text()
            return len(re.findall(r"Samen is running as", said)) - said.count("handing over:")

        share = len(SCHOOLS) // workers
        await api.wait_for(lambda: all(serving(log) == share for log in logs), 120, recheck=0.5)
        users = {
            school: [bots[school].user(900_000 + n, f"V{n}") for n in range(BURST)]
            for school in SCHOOLS
        }
        start = time.perf_counter()
        for school in SCHOOLS:
            for user, code in zip(users[school], codes[school], strict=True):
                user.send(f"/start {code}")

        def answered() -> bool:
            return all(
                bots[school].messages(user.chat_id) for school in SCHOOLS for user in users[school]
            )

        await api.wait_for(answered, timeout=300)
        elapsed = time.perf_counter() - start
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()
        await api.stop()
    return len(SCHOOLS) * BURST / elapsed


async def main() -> int:
    server = os.environ.get("SAMEN_BENCH_POSTGRESQL", "")
    if not server:
        print("Set SAMEN_BENCH_POSTGRESQL to a libpq connection string.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        await admin(
            server, f"DROP DATABASE IF EXISTS {BOARD} WITH (FORCE)", f"CREATE DATABASE {BOARD}"
        )
        for school in SCHOOLS:
            db = await open_database(ServerDatabase(url_of(server, BOARD), school))
            await build_school(folder / school, PUPILS, db)
            await db.close()
        sqlite_db, _ = await build_school(folder / "sqlite", PUPILS)
        sqlite_due = await time_due_work(sqlite_db)
        due = {
            w: statistics.median([await due_work_with(server, w) for _ in range(3)]) for w in (1, 2)
        }
        rate = {
            w: statistics.median(
                [await burst_with(server, w, folder / f"b{w}-{r}") for r in range(3)]
            )
            for w in (1, 2)
        }
        await admin(
            server,
            f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)",
            f"DROP DATABASE IF EXISTS {BOARD} WITH (FORCE)",
        )
    print(
        f"| {len(SCHOOLS)} schools × {PUPILS:,} pupils | SQLite, one school of {PUPILS:,}"
        " | PostgreSQL, 1 worker | PostgreSQL, 2 workers |"
    )
    print("|---|---|---|---|")
    print(
        f"| all due work at one now (median of 3) | {sqlite_due:.2f} s (one school)"
        f" | {due[1]:.2f} s | {due[2]:.2f} s |"
    )
    print(
        f"| onboarding burst, {BURST} a school at once (median of 3) | —"
        f" | {rate[1]:.0f} updates/s | {rate[2]:.0f} updates/s |"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["due"]:
        print(asyncio.run(due_work_of(sys.argv[2], sys.argv[3].split(","))))
        sys.exit(0)
    sys.exit(asyncio.run(main()))
