"""Several schools, several workers, one database server: each school's bot is served by one
worker at a time, the workers share the schools, a worker killed mid-send loses nothing, and
the other takes its school over. Measured by the fake Bot API, per bot."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.fake_telegram import FakeBotApi, FakeTelegram
from bot.storage import ServerDatabase, open_database
from tests.postgresql import empty_database
from tests.test_operations import samen, start_samen_run

pytestmark = pytest.mark.postgresql

SCHOOLS = ("debrug", "horizon")
PER_SCHOOL = 1000
CHATS = 100  # per school
BLOCKED = 1  # per school: a family that blocked the bot


async def test_two_schools_two_workers_one_killed_halfway_lose_nothing(tmp_path: Path) -> None:
    bots = {school: FakeTelegram(f"{n}:{school}-token") for n, school in enumerate(SCHOOLS, 1)}
    api = FakeBotApi(*bots.values())
    await api.start()
    chats: dict[str, list[int]] = {}
    for n, (school, bot) in enumerate(bots.items()):
        chats[school] = [bot.user(60_000 + 1000 * n + c, f"Ouder{c}").chat_id for c in range(CHATS)]
        bot.block(chats[school][0])
        bot.fail_randomly(
            "sendMessage", 0.01, 429, "Too Many Requests: retry after 1", retry_after=1
        )
        bot.fail_randomly("sendMessage", 0.02, 502, "Bad Gateway")
        bot.latency = 0.005
    config = tmp_path / "schools"
    config.mkdir()
    keys = tmp_path / "keys"
    keys.mkdir()
    for school in SCHOOLS:
        (config / f"{school}.toml").write_text(f'[school]\nname = "{school.title()}"\n')

    def delivered(school: str) -> Counter[str]:
        return Counter(
            m.text
            for chat in chats[school]
            for m in bots[school].messages(chat)
            if m.text.startswith("bericht")
        )

    def total() -> int:
        return sum(len(delivered(school)) for school in SCHOOLS)

    async with empty_database() as url:
        now = datetime.now(UTC)
        for school in SCHOOLS:
            db = await open_database(ServerDatabase(url, school))
            async with db.transaction() as tx:
                for n in range(PER_SCHOOL):
                    await tx.enqueue(
                        chat_id=chats[school][n % CHATS],
                        text=f"bericht {school} {n}",
                        purpose="broadcast",
                        now=now,
                    )
            await db.close()
        env = {
            "SAMEN_CONFIG": str(config),
            "SAMEN_DB": url,
            "SAMEN_KEY_FILE": str(keys),
            "TELEGRAM_API_URL": api.base_url,
            **{f"TELEGRAM_BOT_TOKEN_{school.upper()}": bots[school].token for school in SCHOOLS},
        }
        logs = [tmp_path / "first.log", tmp_path / "second.log", tmp_path / "first-again.log"]
        said = [log.read_text for log in logs]
        expected = PER_SCHOOL - PER_SCHOOL // CHATS * BLOCKED
        first = await start_samen_run(env, tmp_path, logs[0])
        workers = [first]
        try:
            # Alone, the first worker serves both schools.
            await api.wait_for(lambda: all(len(delivered(s)) >= 100 for s in SCHOOLS), 120)
            assert "handing over:" not in said[0]()
            # A second worker: the first hands one school over, the second takes it.
            workers.append(await start_samen_run(env, tmp_path, logs[1]))
            await api.wait_for(lambda: said[1]().count("taking over:") == 1, 60)
            assert said[0]().count("handing over:") == 1
            await api.wait_for(lambda: total() >= PER_SCHOOL, timeout=120)  # halfway
            first.send_signal(signal.SIGKILL)
            await first.wait()
            killed_at = {school: len(delivered(school)) for school in SCHOOLS}
            # The second takes the killed worker's school too.
            await api.wait_for(lambda: said[1]().count("taking over:") == 2, 30)
            # The first, started again, gets one of them back.
            workers[0] = await start_samen_run(env, tmp_path, logs[2])
            await api.wait_for(lambda: said[2]().count("taking over:") == 1, 60)
            # The deployment's health: a line a school, healthy while some worker serves each.
            code, out, _ = await samen("health", env=env, cwd=tmp_path)
            assert code == 0, out
            assert [line.split(": ")[:2] for line in out.splitlines()] == [
                ["school debrug", "healthy"],
                ["school horizon", "healthy"],
            ]
            await api.wait_for(lambda: all(len(delivered(s)) >= expected for s in SCHOOLS), 240)
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            assert [await asyncio.wait_for(w.wait(), 30) for w in workers] == [0, 0]
            code, out, _ = await samen("health", env=env, cwd=tmp_path)
            assert code == 1 and out.count(": unhealthy: no samen run is using") == 2, out
        finally:
            for worker in workers:
                if worker.returncode is None:
                    worker.kill()
            await api.stop()
        statuses = {}
        for school in SCHOOLS:
            db = await open_database(ServerDatabase(url, school))
            async with db.reading() as tx:
                statuses[school] = await tx.outbox_counts()
            await db.close()

    for school in SCHOOLS:
        counts = delivered(school)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        unreachable = statuses[school].get("unreachable", 0)
        lost = PER_SCHOOL - len(counts) - unreachable
        windows = bots[school].rate_violations()
        print(
            f"\n{school}: {PER_SCHOOL} messages, {len(counts)} delivered, {unreachable} to a"
            f" blocked family marked unreachable, {lost} lost, {duplicates} duplicated, killed"
            f" after {killed_at[school]}; rate windows over (per chat, per bot): {windows}"
        )
        assert lost == 0
        assert statuses[school] == {"sent": expected, "unreachable": PER_SCHOOL - expected}
        # One sender per school at a time: at most the message in flight at the kill.
        assert duplicates <= 1
        assert windows == (0, 0)
        # Each school's messages went out through its own bot only.
        other = next(s for s in SCHOOLS if s != school)
        assert not any(other in text for text in counts)
    # Every hand-over and take-over named its school; the worker started again took one.
    assert "school=debrug" in said[1]() and "school=horizon" in said[1]()
    assert said[1]().count("handing over:") == 1
