"""The outbox sender: delivers what transactions put in the outbox table.

Messages are written in the same transaction as the change that causes them,
so a crash never loses one; this sender delivers them in order per chat while
staying under Telegram's limits (about 30 messages a second overall, one a
second per chat). A message is marked sent only after Telegram accepted it,
so a crash in flight may repeat that one message, never drop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.platform.clock import Clock
from bot.rules.models import OutgoingMessage
from bot.storage import Database, Tx

log = logging.getLogger(__name__)

# Called inside the transaction that marks a message undeliverable because its chat is gone.
UnreachableHook = Callable[[Tx, int], Awaitable[None]]

MAX_BACKOFF = 300.0
IDLE_RECHECK = 30.0
_CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        on_unreachable: UnreachableHook | None = None,
        # A margin under Telegram's ~1/s per chat and ~30/s overall: network jitter must not
        # turn an exact pace into a broken limit on Telegram's side. The pace is a floor on
        # the gap between sends, so 29.5/s never puts 31 sends in any one second.
        per_chat_interval: float = 1.1,
        overall_rate: float = 29.5,
        batch_size: int = 200,
    ) -> None:
        self._db = db
        self._bot = bot
        self._clock = clock
        self._on_unreachable = on_unreachable
        self._per_chat_interval = per_chat_interval
        self._overall_interval = 1.0 / overall_rate
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        # One pass at a time: two at once would both read the same due rows and send twice.
        self._passing = asyncio.Lock()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._chat_ready_at: dict[int, float] = {}
        self._retry_at: dict[int, float] = {}
        self._paused_until = 0.0
        self._last_send = 0.0
        db.on_outbox_write(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the send in flight, then stop; pending messages stay for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the pass, so a commit during the pass still wakes the next wait.
            self._wake.clear()
            try:
                delay = await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed; retrying")
                delay = 5.0
            if delay > 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def deliver_due(self) -> float:
        """Send what is due now; returns seconds until something may be due again (0: now)."""
        async with self._passing:
            return await self._deliver_due()

    async def _deliver_due(self) -> float:
        async with self._db.transaction() as tx:
            due = await tx.due_messages(self._clock.now(), self._batch_size)
        blocked_chats: set[int] = set()
        soonest = IDLE_RECHECK
        sent = 0
        for message in due:
            if self._stopping:
                return 0.0
            now = time.monotonic()
            ready = max(
                self._chat_ready_at.get(message.chat_id, 0.0),
                self._retry_at.get(message.id, 0.0),
            )
            if message.chat_id in blocked_chats or ready > now:
                blocked_chats.add(message.chat_id)
                soonest = min(soonest, max(ready - now, 0.01))
                continue
            await self._pace()
            if await self._send(message):
                sent += 1
            else:
                blocked_chats.add(message.chat_id)
            soonest = min(soonest, self._per_chat_interval)
        if len(due) == self._batch_size and sent:
            return 0.0
        if not due:
            async with self._db.transaction() as tx:
                upcoming = await tx.next_not_before()
            if upcoming is not None:
                wait = (upcoming - self._clock.now()).total_seconds()
                soonest = min(soonest, max(wait, 0.0))
        return soonest

    async def _pace(self) -> None:
        now = time.monotonic()
        wait = max(self._paused_until - now, self._last_send + self._overall_interval - now)
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send = time.monotonic()

    async def _send(self, message: OutgoingMessage) -> bool:
        """One attempt. True when Telegram accepted the message or it can never be sent."""
        if message.edit_waits:
            # The message to edit is still on its way; the edit follows it.
            self._retry_at[message.id] = time.monotonic() + self._per_chat_interval
            return False
        markup = None
        if message.reply_markup:
            markup = InlineKeyboardMarkup.de_json(json.loads(message.reply_markup), self._bot)
        try:
            telegram_id = await self._deliver(message, markup)
        except RetryAfter as exc:
            pause = _seconds(exc.retry_after)
            self._paused_until = time.monotonic() + pause
            await self._note_failure(message, f"retry after {pause:.0f}s", backoff=pause)
            return False
        except Forbidden as exc:
            await self._give_up(message, "unreachable", exc)
            return True
        except BadRequest as exc:
            reason = exc.message.lower()
            if message.edit_of is not None and "not modified" in reason:
                telegram_id = message.edit_message_id  # the screen already shows this
            else:
                gone = any(r in reason for r in _CHAT_GONE)
                await self._give_up(message, "unreachable" if gone else "failed", exc)
                return True
        except (TimedOut, NetworkError) as exc:
            await self._note_failure(message, type(exc).__name__, backoff=None)
            return False
        except Exception as exc:
            log.exception("unexpected error sending outbox message %s", message.id)
            await self._note_failure(message, type(exc).__name__, backoff=None)
            return False
        self._chat_ready_at[message.chat_id] = time.monotonic() + self._per_chat_interval
        self._retry_at.pop(message.id, None)
        async with self._db.transaction() as tx:
            await tx.mark_sent(
                message.id, telegram_id, self._clock.now(), message.text, message.reply_markup
            )
        return True

    async def _deliver(
        self, message: OutgoingMessage, markup: InlineKeyboardMarkup | None
    ) -> int | None:
        """One call to Telegram; returns the Telegram message id."""
        if message.edit_of is not None:
            if message.edit_message_id is None:
                raise BadRequest("Bad Request: message to edit not found")
            await self._bot.edit_message_text(
                chat_id=message.chat_id,
                message_id=message.edit_message_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
            return message.edit_message_id
        if message.copy_of is not None:
            copied = await self._bot.copy_message(
                chat_id=message.chat_id,
                from_chat_id=message.copy_of[0],
                message_id=message.copy_of[1],
                caption=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                protect_content=message.protect_content,
            )
            return copied.message_id
        if message.document is not None:
            sent = await self._bot.send_document(
                chat_id=message.chat_id,
                document=InputFile(message.document, filename=message.document_name),
                caption=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                protect_content=message.protect_content,
            )
            return sent.message_id
        sent = await self._bot.send_message(
            chat_id=message.chat_id,
            text=message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            protect_content=message.protect_content,
            disable_web_page_preview=True,
        )
        return sent.message_id

    async def _note_failure(
        self, message: OutgoingMessage, error: str, backoff: float | None
    ) -> None:
        if backoff is None:
            backoff = min(MAX_BACKOFF, 2.0 ** min(message.attempts, 10))
        self._retry_at[message.id] = time.monotonic() + backoff
        log.warning(
            "outbox message %s not sent (%s); retrying in %.1fs", message.id, error, backoff
        )
        async with self._db.transaction() as tx:
            await tx.mark_attempt_failed(message.id, error)

    async def _give_up(self, message: OutgoingMessage, status: str, exc: Exception) -> None:
        log.warning("outbox message %s is %s: %s", message.id, status, type(exc).__name__)
        async with self._db.transaction() as tx:
            await tx.mark_undeliverable(message.id, status, str(exc)[:200])
            if status == "unreachable" and self._on_unreachable is not None:
                await self._on_unreachable(tx, message.chat_id)


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
