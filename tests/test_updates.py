"""Updates of different families are handled side by side; one family's stay in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.app import PerChatUpdateProcessor, chat_key
from bot.platform.admission import ChatGate, Verdict


def message_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


async def test_a_chats_updates_wait_for_each_other_and_other_chats_go_ahead() -> None:
    processor = PerChatUpdateProcessor(8)
    seen: list[str] = []
    first_may_finish = asyncio.Event()

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        seen.append(f"{name} starts")
        if gate is not None:
            await gate.wait()
        seen.append(f"{name} ends")

    first = asyncio.create_task(
        processor.process_update(message_in(1, 1), handle("family 1, tap 1", first_may_finish))
    )
    second = asyncio.create_task(
        processor.process_update(message_in(1, 2), handle("family 1, tap 2"))
    )
    other = asyncio.create_task(processor.process_update(message_in(2, 3), handle("family 2")))
    await asyncio.wait_for(other, timeout=5)  # a guard: it must not wait for family 1
    assert seen == ["family 1, tap 1 starts", "family 2 starts", "family 2 ends"]

    first_may_finish.set()
    await asyncio.gather(first, second)
    assert seen[3:] == ["family 1, tap 1 ends", "family 1, tap 2 starts", "family 1, tap 2 ends"]


async def test_a_failing_update_does_not_block_the_chat() -> None:
    processor = PerChatUpdateProcessor(8)

    async def fail() -> None:
        raise RuntimeError("handler bug")

    async def succeed() -> str:
        return "handled"

    failing = asyncio.create_task(processor.process_update(message_in(1, 1), fail()))
    after = asyncio.create_task(processor.process_update(message_in(1, 2), succeed()))
    results = await asyncio.wait_for(
        asyncio.gather(failing, after, return_exceptions=True), timeout=5
    )
    assert isinstance(results[0], RuntimeError)
    assert results[1] is None  # handled, not stuck behind the failure
    assert chat_key(message_in(1, 3)) not in processor._chats  # no lock left behind


def test_the_chat_of_an_update() -> None:
    user = User(7, "Fatima", is_bot=False)
    tap = Update(
        5, callback_query=CallbackQuery("q", user, chat_instance="c", data="x", message=None)
    )
    assert chat_key(message_in(42, 1)) == 42
    assert chat_key(tap) == 7  # a tap on an old, inaccessible message: the person's own chat
    assert chat_key("not an update") is None


async def test_a_chats_waiting_updates_hold_no_slot() -> None:
    """One chat with many updates in line uses one of the slots; the others stay free."""
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    started: list[int] = []

    async def handle(chat: int) -> None:
        started.append(chat)
        await release.wait()

    busy = [
        asyncio.create_task(processor.process_update(message_in(1, n), handle(1)))
        for n in range(1, 6)
    ]
    others = [
        asyncio.create_task(processor.process_update(message_in(chat, 10 + chat), handle(chat)))
        for chat in (2, 3)
    ]
    for _ in range(20):  # let every task run as far as it can
        await asyncio.sleep(0)
    assert started == [1, 2]  # chat 1's first, then chat 2 in the second slot: not chat 1's
    release.set()
    await asyncio.wait_for(asyncio.gather(*busy, *others), timeout=5)
    assert sorted(started) == [1, 1, 1, 1, 1, 2, 3]


async def test_a_flood_is_dropped_on_arrival_and_never_waits_in_line() -> None:
    gate = ChatGate(burst=3, clock=lambda: 0.0)  # time stands still: only the burst passes
    processor = PerChatUpdateProcessor(4, gate)
    release = asyncio.Event()
    seen: list[tuple[int, Verdict]] = []

    async def handle(update_id: int) -> None:
        seen.append((update_id, gate.verdict(update_id)))
        if gate.verdict(update_id) is not Verdict.DROP:
            await release.wait()

    tasks = [
        asyncio.create_task(processor.process_update(message_in(1, n), handle(n)))
        for n in range(1, 101)
    ]
    # The dropped ones are done while the chat's first update is still being handled.
    dropped = tasks[4:]
    await asyncio.wait_for(asyncio.gather(*dropped), timeout=5)
    assert [v for _, v in seen] == [Verdict.HANDLE] + [Verdict.DROP] * 96
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    verdicts = dict(seen)
    assert [verdicts[n] for n in (1, 2, 3, 4)] == [Verdict.HANDLE] * 3 + [Verdict.WARN]
    assert not gate._verdicts  # nothing kept once processed
