"""The one limiter in front of Telegram: 30 messages in any second, counted from each call's
start until its answer; a RetryAfter pauses its own chat, or all chats when many are refused."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.platform.rate_limit import SendTicket, TelegramLimiter


class Telegram:
    """Answers calls after `latency`, refusing the chats in `refuse` once each."""

    def __init__(self, latency: float = 0.0, refuse: set[int] | None = None) -> None:
        self.latency = latency
        self.refuse = set(refuse or ())
        self.seen: list[tuple[float, int]] = []

    async def call(self, chat: int) -> bool:
        self.seen.append((time.monotonic(), chat))
        await asyncio.sleep(self.latency)
        if chat in self.refuse:
            self.refuse.discard(chat)
            raise RetryAfter(1)
        return True


async def send(
    limiter: TelegramLimiter, telegram: Telegram, chat: int, ticket: SendTicket | None = None
) -> Any:
    return await limiter.process_request(
        telegram.call, (chat,), {}, "sendMessage", {"chat_id": chat}, ticket
    )


def most_in_a_second(moments: list[float]) -> int:
    moments = sorted(moments)
    return max(sum(1 for m in moments if start <= m < start + 1.0) for start in moments)


async def test_no_second_holds_more_than_30_messages_even_with_slow_answers() -> None:
    limiter, telegram = TelegramLimiter(), Telegram(latency=0.05)
    start = time.monotonic()
    await asyncio.gather(*(send(limiter, telegram, chat) for chat in range(75)))
    moments = [at for at, _ in telegram.seen]
    assert most_in_a_second(moments) == 30
    assert 2.0 <= time.monotonic() - start < 2.6  # 30, 30 and 15, each second full


async def test_a_retry_after_pauses_only_its_chat_and_a_reply_is_sent_again() -> None:
    limiter, telegram = TelegramLimiter(), Telegram(refuse={1})
    start = time.monotonic()
    refused = asyncio.ensure_future(send(limiter, telegram, 1))
    await asyncio.sleep(0.05)
    assert await send(limiter, telegram, 2) is True
    assert time.monotonic() - start < 0.5  # chat 2 did not wait for chat 1's pause
    assert await refused is True  # the reply to chat 1 went again, after its second
    assert time.monotonic() - start >= 1.0


async def test_the_outbox_gets_the_retry_after_itself() -> None:
    limiter, telegram = TelegramLimiter(), Telegram(refuse={1})
    with pytest.raises(RetryAfter):
        await send(limiter, telegram, 1, SendTicket())
    assert limiter.paused_for(1) > 0.5 and limiter.paused_for(2) == 0


async def test_refusals_from_many_chats_pause_every_chat() -> None:
    limiter, telegram = TelegramLimiter(), Telegram(refuse=set(range(10)))
    for chat in range(10):
        with pytest.raises(RetryAfter):
            await send(limiter, telegram, chat, SendTicket())
    assert limiter.paused_for(99) > 0.5  # Telegram's overall limit: everyone waits
