"""Nothing is lost: a broadcast of 1,000 messages through faults (RetryAfter, network errors,
latency, blocked users) while the bot process is killed with SIGKILL and started again.
Every message is delivered or, for a user who blocked the bot, marked unreachable; duplicates
happen only for a message in flight at the kill; no window breaks Telegram's limits."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.storage import Database

MESSAGES = 1000
CHATS = 100
BLOCKED = {50_000, 50_001}


async def start(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={**os.environ, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_killed_broadcast_loses_nothing(tmp_path: Path) -> None:
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
    db_path = tmp_path / "samen.db"
    db = await Database.open(db_path)
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        for n in range(MESSAGES):
            await tx.enqueue(
                chat_id=chats[n % CHATS], text=f"bericht {n}", purpose="broadcast", now=now
            )
    await db.close()
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.base_url,
        "SAMEN_DB": str(db_path),
    }

    def delivered() -> Counter[str]:
        return Counter(
            m.text for chat in chats for m in server.messages(chat) if m.text.startswith("bericht")
        )

    try:
        process = await start(env, tmp_path)
        await server.wait_for(lambda: len(delivered()) >= 300, timeout=120)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        killed_at = len(delivered())
        process = await start(env, tmp_path)
        expected = MESSAGES - MESSAGES // CHATS * len(BLOCKED)
        await server.wait_for(lambda: len(delivered()) >= expected, timeout=240)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
        await server.stop()

    counts = delivered()
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    db = await Database.open(db_path)
    try:
        async with db.transaction() as tx:
            status = await tx.outbox_counts()
    finally:
        await db.close()
    lost = MESSAGES - len(counts) - status.get("unreachable", 0)
    chat_windows, overall_windows = server.rate_violations()
    print(
        f"\nkill test: {MESSAGES} messages, {len(counts)} delivered, "
        f"{status.get('unreachable', 0)} to blocked users marked unreachable, {lost} lost, "
        f"{duplicates} duplicated, killed after {killed_at}; rate-limit windows violated: "
        f"{chat_windows} per chat, {overall_windows} overall"
    )
    assert lost == 0
    assert status == {"sent": expected, "unreachable": MESSAGES - expected}
    assert duplicates <= 1  # one sender, so at most the one message in flight at the kill
    assert (chat_windows, overall_windows) == (0, 0)
