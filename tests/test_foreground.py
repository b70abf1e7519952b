"""Answers first: background work (the outbox, the tick's units) waits for a gap between the
updates being answered, and never longer than a short while."""

from __future__ import annotations

import asyncio

import pytest

from bot.platform import foreground
from bot.platform.foreground import Foreground


def test_without_updates_in_hand_background_work_goes_on_at_once() -> None:
    step = Foreground().gap()
    with pytest.raises(StopIteration):  # done at its first step: it never waited
        step.send(None)


async def test_background_work_waits_until_the_last_answer_is_done() -> None:
    ahead = Foreground()
    order: list[str] = []
    first, second = asyncio.Event(), asyncio.Event()

    async def answer(name: str, done: asyncio.Event) -> None:
        with ahead.answering():
            await done.wait()
            order.append(name)

    answers = [
        asyncio.create_task(answer("first", first)),
        asyncio.create_task(answer("second", second)),
    ]
    await asyncio.sleep(0)
    background = asyncio.create_task(ahead.gap())
    background.add_done_callback(lambda _: order.append("background"))
    first.set()
    await answers[0]
    assert not background.done()  # one answer is still in hand
    second.set()
    await asyncio.gather(*answers, background)
    assert order == ["first", "second", "background"]


async def test_under_constant_traffic_background_work_waits_only_a_short_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(foreground, "MAX_WAIT", 0.01)
    ahead = Foreground()
    endless = asyncio.Event()

    async def answer() -> None:
        with ahead.answering():
            await endless.wait()

    busy = asyncio.create_task(answer())
    await asyncio.sleep(0)
    await ahead.gap()  # returns although the answer is still in hand
    assert not busy.done()
    endless.set()
    await busy
