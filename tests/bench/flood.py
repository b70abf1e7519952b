"""A flood: one parent sends 2,000 texts in 1.7 s while other families ask for /help.

`python -m tests.bench.flood` prints how long the others waited for their answer, and what the
flooding chat got. Real time, the production set-up (Telegram's pace of 30 calls a second,
the flood limit on the system clock), against the fake Bot API on loopback. About a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Runtime
from bot.demo.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, FakeUser
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.rules.models import PersonKind
from bot.services.invitations import issue_invitations
from bot.services.roster_import import import_guardians, import_pupils, import_staff
from bot.storage import Database
from tests.bench.roster import write_roster
from tests.harness import TrackingApplication, UpdateTracker

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # a school morning
SLOW_DOWN = "⏳"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def school(folder: Path, pupils: int) -> Database:
    paths = write_roster(folder / "csv", pupils)
    db = await Database.open(folder / "samen.db")
    await import_staff(db, paths["staff"].read_bytes(), "staff.csv", NOW)
    await import_pupils(db, paths["pupils"].read_bytes(), "pupils.csv", NOW, NOW.date())
    await import_guardians(db, paths["guardians"].read_bytes(), "guardians.csv", NOW)
    return db


async def linked_parents(
    runtime: Runtime, server: FakeTelegram, tracker: UpdateTracker, db: Database, count: int
) -> list[FakeUser]:
    rows = await issue_invitations(db, runtime.settings, NOW, BOT_USERNAME)
    guardians = [r for r in rows if r.kind is PersonKind.GUARDIAN][:count]
    parents = [server.user(500_000 + n, f"Ouder{n}") for n in range(len(guardians))]
    for update_id in [p.send(f"/start {r.code}") for p, r in zip(parents, guardians, strict=True)]:
        await tracker.wait(update_id, timeout=120)
    await server.wait_for(lambda: all(p.messages for p in parents), timeout=120)
    return parents


async def flood(texts: int, seconds: float, families: int, help_rate: float) -> dict[str, str]:
    server = FakeTelegram()
    await server.start()
    with tempfile.TemporaryDirectory() as scratch:
        db = await school(Path(scratch), max(200, families * 2))
        settings = Settings(token=TOKEN, api_url=server.base_url, db_path=db.path)
        runtime = Runtime(
            settings, db, FakeClock(NOW), application_class=TrackingApplication, poll_timeout=1
        )
        tracker = UpdateTracker()
        runtime.application.bot_data["tracker"] = tracker
        await runtime.start()
        try:
            flooder, *others = await linked_parents(runtime, server, tracker, db, families + 1)
            before = len(flooder.messages)
            asked: list[tuple[FakeUser, float, int]] = []  # who, when, sends before

            async def push_flood() -> list[int]:
                start, ids = time.monotonic(), []
                for n in range(texts):
                    await asyncio.sleep(max(0.0, start + n * seconds / texts - time.monotonic()))
                    ids.append(flooder.send(f"bericht {n}"))
                return ids

            async def ask_for_help() -> list[int]:
                start, ids = time.monotonic(), []
                for n, parent in enumerate(others):
                    await asyncio.sleep(max(0.0, start + n / help_rate - time.monotonic()))
                    asked.append((parent, time.monotonic(), len(server.sends)))
                    ids.append(parent.send("/help"))
                return ids

            began = time.monotonic()
            flood_ids, help_ids = await asyncio.gather(push_flood(), ask_for_help())
            for update_id in [*flood_ids, *help_ids]:
                await tracker.wait(update_id, timeout=300)
            handled = time.monotonic() - began

            def answered(parent: FakeUser, sends_before: int) -> float | None:
                later = server.sends[sends_before:]
                return next((at for at, chat in later if chat == parent.chat_id), None)

            await server.wait_for(
                lambda: all(answered(p, n) is not None for p, _, n in asked), timeout=120
            )
            waits = [answered(p, n) - at for p, at, n in asked]  # type: ignore[operator]
            answers = flooder.messages[before:]
        finally:
            await runtime.stop()
            await db.close()
            await server.stop()
    return {
        "flood": f"{texts:,} texts in {seconds} s from one parent",
        "others": f"{len(waits)} other families' /help at {help_rate:.0f} a second meanwhile",
        "their wait p50 / p99 / max": (
            f"{percentile(waits, 0.5):.2f} / {percentile(waits, 0.99):.2f} / {max(waits):.2f} s"
        ),
        "answers in the flooding chat": (
            f"{len(answers)}, of which"
            f" {sum(1 for m in answers if m.text.startswith(SLOW_DOWN))} 'slow down'"
        ),
        "all updates handled after": f"{handled:.1f} s",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=1.7)
    parser.add_argument("--families", type=int, default=100)
    parser.add_argument("--help-rate", type=float, default=20.0)
    args = parser.parse_args()
    figures = asyncio.run(flood(args.texts, args.seconds, args.families, args.help_rate))
    for what, figure in figures.items():
        print(f"{what:<32} {figure}")
