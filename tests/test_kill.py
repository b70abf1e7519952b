"""Nothing is lost: a broadcast of 1,000 messages through faults (RetryAfter, network errors,
latency, blocked users) while the bot process is killed with SIGKILL and started again.
Every message is delivered or, for a user who blocked the bot, marked unreachable; duplicates
happen only for a message in flight at the kill; no window breaks Telegram's limits."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.storage import open_database
from tests.postgresql import empty_database
from tests.test_operations import start_samen_run

MESSAGES = 1000
CHATS = 100
BLOCKED = {50_000, 50_001}


# One `samen run` on its SQLite file; on a database server: the test below, with a second
# worker standing by to take over.
@pytest.mark.sqlite_only
async def test_a_killed_broadcast_loses_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "samen.db"
    await broadcast_through_a_kill(db_path, {"SAMEN_DB": str(db_path)}, tmp_path, standby=False)


@pytest.mark.postgresql
async def test_a_worker_waiting_beside_a_killed_one_takes_over_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """Two workers on one database server: the second stands by while the first serves, takes
    over when the first is killed, and the first, started again, stands by in its turn."""
    async with empty_database() as url:
        environment = {"SAMEN_DB": url, "SAMEN_KEY_FILE": str(tmp_path / "samen.key")}
        await broadcast_through_a_kill(url, environment, tmp_path, standby=True)


async def broadcast_through_a_kill(
    database: Path | str, environment: dict[str, str], cwd: Path, *, standby: bool
) -> None:
    """MESSAGES queued, a worker started and SIGKILLed after 300 are delivered, then all
    delivered by a worker started again (with `standby`: by the second worker, waiting since
    before the kill, while the first one started again waits in its turn)."""
    server = FakeTelegram()
    await server.start()
    chats = [server.user(50_000 + n, f"Ouder{n}").chat_id for n in range(CHATS)]
    for chat in BLOCKED:
        server.block(chat)
    server.fail_randomly(
        "sendMessage", 0.01, 429, "Too Many Requests: retry after 1", retry_after=1
    )
    server.fail_randomly("sendMessage", 0.02, 502, "Bad Gateway")
    server.latency = 0.005
    db = await open_database(database)
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        for n in range(MESSAGES):
            await tx.enqueue(
                chat_id=chats[n % CHATS], text=f"bericht {n}", purpose="broadcast", now=now
            )
    await db.close()
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.base_url, **environment}

    def delivered() -> Counter[str]:
        return Counter(
            m.text for chat in chats for m in server.messages(chat) if m.text.startswith("bericht")
        )

    workers: list[asyncio.subprocess.Process] = []
    logs = [cwd / "first.log", cwd / "second.log", cwd / "first-again.log"]
    try:
        workers.append(await start_samen_run(env, cwd, logs[0]))
        await server.wait_for(lambda: len(delivered()) >= 100, timeout=120)
        if standby:
            workers.append(await start_samen_run(env, cwd, logs[1]))
        await server.wait_for(lambda: len(delivered()) >= 300, timeout=120)
        workers[0].send_signal(signal.SIGKILL)
        await workers[0].wait()
        killed_at = len(delivered())
        if standby:  # the second takes over before the first is back, to wait in its turn
            await server.wait_for(lambda: "taking over:" in logs[1].read_text(), timeout=30)
        workers[0] = await start_samen_run(env, cwd, logs[2])
        expected = MESSAGES - MESSAGES // CHATS * len(BLOCKED)
        await server.wait_for(lambda: len(delivered()) >= expected, timeout=240)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [await asyncio.wait_for(w.wait(), 30) for w in workers] == [0] * len(workers)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        await server.stop()

    counts = delivered()
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    db = await open_database(database)
    try:
        async with db.transaction() as tx:
            status = await tx.outbox_counts()
    finally:
        await db.close()
    lost = MESSAGES - len(counts) - status.get("unreachable", 0)
    chat_windows, overall_windows = server.rate_violations()
    print(
        f"\nkill test ({len(workers)} workers): {MESSAGES} messages, {len(counts)} delivered, "
        f"{status.get('unreachable', 0)} to blocked users marked unreachable, {lost} lost, "
        f"{duplicates} duplicated, killed after {killed_at}; rate-limit windows violated: "
        f"{chat_windows} per chat, {overall_windows} overall"
    )
    if standby:  # the second took over; the first, started again, waited in its turn
        said = [log.read_text() for log in logs]
        assert "standing by" not in said[0]
        assert "standing by" in said[1] and "taking over:" in said[1]
        assert "standing by" in said[2] and "taking over:" not in said[2]
    assert lost == 0
    assert status == {"sent": expected, "unreachable": MESSAGES - expected}
    assert duplicates <= 1  # one sender at a time, so at most the one message in flight
    assert (chat_windows, overall_windows) == (0, 0)
