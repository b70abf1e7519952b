"""The outbox sender: delivers what transactions put in the outbox table.

Messages are written in the same transaction as the change that causes them, so a crash never
loses one. The sender serves the chats in turn: each pass takes the oldest waiting message of
every chat (round-robin), so one chat's backlog never delays another's message, and keeps one
message per chat on its way at a time, in order, at most one a `per_chat_interval`. Telegram's
overall limit is kept by the limiter every call to Telegram goes through
(bot/platform/rate_limit.py), shared with the direct replies.

Nothing twice:
- A message is marked sent only after Telegram accepted it. When that cannot be written down
  (a full disk), the sender keeps the fact in memory, pauses sending, retries only the writing,
  and resumes once it succeeds: the message is not sent again. Only a crash in between can
  repeat the messages accepted but not yet written down.
- A send that times out may still have reached Telegram (its API has no way to ask), so each
  time-out may cause one duplicate; such a message is tried `timeout_retries` more times with
  growing delays, then marked failed, and the staff who can act on it are told.

Nothing lost: a message Telegram refuses for its content is split (too long) or sent as plain
text (markup it cannot read) or shortened (a caption, an edit); a message that still cannot be
sent is marked failed and, for a family, the staff are told.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.i18n.translator import RLM
from bot.platform.clock import Clock
from bot.platform.foreground import Foreground
from bot.platform.rate_limit import SendTicket, TelegramLimiter
from bot.rules.models import OutgoingMessage
from bot.storage import Database, Tx, storage_errors

log = logging.getLogger(__name__)

# Called inside the transaction that marks a message undeliverable because its chat is gone.
UnreachableHook = Callable[[Tx, int], Awaitable[None]]
# Called inside the transaction that marks a message failed (it could not be delivered).
FailedHook = Callable[[Tx, OutgoingMessage, str], Awaitable[None]]

MAX_BACKOFF = 300.0
IDLE_RECHECK = 30.0
_CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")
_TOO_LONG = ("too long", "message_too_long")
_UNREADABLE = ("can't parse entities",)
TEXT_LIMIT = 4000  # Telegram's 4096, with a margin
CAPTION_LIMIT = 1000  # Telegram's 1024
# The meta row that keeps the last pause for an unwritable database (read by `samen check`).
PAUSE_META = "outbox_last_storage_pause"
# A send whose answer takes longer than this once it left for Telegram (a time-out coming)
# lets the next chat's send go meanwhile.
SLOW_ANSWER = 0.5


@dataclass(frozen=True)
class _Accepted:
    """What Telegram accepted and is still to be written down."""

    telegram_id: int | None
    at: datetime
    text: str
    markup: str | None


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        on_unreachable: UnreachableHook | None = None,
        on_failed: FailedHook | None = None,
        # A margin over Telegram's one message a second per chat.
        per_chat_interval: float = 1.1,
        batch_size: int = 200,
        # Sends waiting for Telegram's answer at once, slow ones not counted. One: a crash can
        # then repeat at most the one message Telegram accepted but Samen had not written down.
        max_in_flight: int = 1,
        timeout_retries: int = 2,
        retry_base: float = 5.0,
        storage_retry: float = 2.0,
        foreground: Foreground | None = None,
    ) -> None:
        self._db = db
        self._foreground = foreground or Foreground()
        self._bot = bot
        self._clock = clock
        self._on_unreachable = on_unreachable
        self._on_failed = on_failed
        self._per_chat_interval = per_chat_interval
        self._batch_size = batch_size
        self._max_in_flight = max_in_flight
        self._timeout_retries = timeout_retries
        self._retry_base = retry_base
        self._storage_retry = storage_retry
        # The outbox keeps its own account of retries: the limiter passes a RetryAfter on.
        limiter = getattr(bot, "rate_limiter", None)
        self._limited = limiter is not None
        # Chats the limiter holds (a RetryAfter to a direct reply, or to all chats) wait here,
        # not in the limiter, where they would hold up the sends behind them.
        self._limiter = limiter if isinstance(limiter, TelegramLimiter) else None
        self._wake = asyncio.Event()
        self._stop_asked = asyncio.Event()
        # One dispatch at a time: two at once would both read the same due rows.
        self._passing = asyncio.Lock()
        self._sending = asyncio.Semaphore(max_in_flight)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._busy_chats: set[int] = set()
        self._chat_ready_at: dict[int, float] = {}
        self._retry_at: dict[int, float] = {}
        self._timeouts: dict[int, int] = {}
        self._unrecorded: dict[int, _Accepted] = {}
        self._parts_sent: dict[int, int] = {}
        self._plain: set[int] = set()
        self._storage_fault: str | None = None
        self._fault_since: datetime | None = None
        db.on_outbox_write(self.wake)

    def wake(self) -> None:
        self._wake.set()

    @property
    def paused_by_storage(self) -> bool:
        """Sending waits because the database cannot be written."""
        return self._storage_fault is not None

    def start(self) -> None:
        self._stopping = False
        self._stop_asked = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight, then stop; pending messages stay for the next start."""
        self._stopping = True
        self._stop_asked.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._drain()
        if self._unrecorded:
            await self._write_down()

    async def _run(self) -> None:
        # Whoever sent before (this worker before a restart, or another one before it took
        # the school over) may have sent to a chat a moment ago, and to many chats: the first
        # pass waits one chat interval, so neither of Telegram's limits breaks at the change.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_asked.wait(), timeout=self._per_chat_interval)
        while not self._stopping:
            # Cleared before the pass, so a commit during the pass still wakes the next wait.
            self._wake.clear()
            try:
                async with self._passing:
                    delay = await self._dispatch()
            except storage_errors() as exc:
                self._storage_failed(exc)
                delay = self._storage_retry
            except Exception:
                log.exception("outbox pass failed; retrying")
                delay = 5.0
            if delay > 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def deliver_due(self) -> float:
        """Send what is due now and wait for those sends; returns seconds until something may
        be due again (0: now)."""
        async with self._passing:
            delay = await self._dispatch()
        await self._drain()
        return delay

    async def _drain(self) -> None:
        while self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    # --- choosing what to send ---------------------------------------------------------

    async def _dispatch(self) -> float:
        """Start the sends whose turn it is; seconds until one may be due again."""
        if self._storage_fault is not None and not await self._write_down():
            return self._storage_retry
        if self._stopping:
            return 0.0
        if len(self._in_flight) > self._max_in_flight:
            # A line of sends is queued here: it wakes the next pass when it runs low, and a
            # message queued meanwhile would wait behind it anyway. Reading the pending
            # messages now (a query over all of them) would only cost time, at every commit:
            # 5 to 10 ms each with 2,000 queued by a busy tick.
            return IDLE_RECHECK
        now = time.monotonic()
        async with self._db.reading() as tx:
            due = await tx.due_messages(self._clock.now(), self._batch_size + len(self._in_flight))
        soonest = IDLE_RECHECK
        started = 0
        for message in due:
            if message.chat_id in self._busy_chats or message.id in self._unrecorded:
                continue
            ready = max(
                self._chat_ready_at.get(message.chat_id, 0.0),
                self._retry_at.get(message.id, 0.0),
                now + (self._limiter.paused_for(message.chat_id) if self._limiter else 0.0),
            )
            if ready > now:
                soonest = min(soonest, max(ready - now, 0.01))
                continue
            self._start(message)
            started += 1
        # The sends on their way wake the next pass when they end (`_send_in_turn`); their
        # chats' next messages are due a chat interval after that, which that pass works out.
        # Not a pass a chat interval from now: unpaced (an interval of 0), that pass would
        # come at once and again, reading the pending messages until the send is answered.
        if not due:
            async with self._db.reading() as tx:
                upcoming = await tx.next_not_before()
            if upcoming is not None:
                wait = (upcoming - self._clock.now()).total_seconds()
                soonest = min(soonest, max(wait, 0.0))
        return soonest

    def _start(self, message: OutgoingMessage) -> None:
        self._busy_chats.add(message.chat_id)
        self._in_flight[message.id] = asyncio.create_task(
            self._send_in_turn(message), name=f"outbox-{message.id}"
        )

    async def _send_in_turn(self, message: OutgoingMessage) -> None:
        holding = False
        try:
            await self._sending.acquire()
            holding = True
            # Answers to the families' updates first: this send waits for a gap (briefly).
            await self._foreground.gap()
            if self._stopping or self._storage_fault is not None:
                return  # not sent: it stays pending
            ticket = SendTicket()
            if not self._limited:
                ticket.on_air.set()
            attempt = asyncio.ensure_future(self._send(message, ticket))
            on_air = asyncio.ensure_future(ticket.on_air.wait())
            await asyncio.wait({attempt, on_air}, return_when=asyncio.FIRST_COMPLETED)
            on_air.cancel()
            if not attempt.done():
                done, _ = await asyncio.wait({attempt}, timeout=SLOW_ANSWER)
                if not done:
                    # A slow answer (a time-out coming, perhaps) holds up no other chat.
                    self._sending.release()
                    holding = False
            await attempt
        except storage_errors() as exc:
            self._storage_failed(exc)
        except Exception:
            log.exception("unexpected error sending outbox message %s", message.id)
            self._retry_at[message.id] = time.monotonic() + 5.0
        finally:
            if holding:
                self._sending.release()
            del self._in_flight[message.id]
            self._busy_chats.discard(message.chat_id)
            # Read more once the sends queued here are running low.
            if len(self._in_flight) <= self._max_in_flight:
                self._wake.set()

    # --- one attempt -------------------------------------------------------------------

    async def _send(self, message: OutgoingMessage, ticket: SendTicket) -> None:
        """One attempt, and what follows from its answer."""
        if message.edit_waits:
            # The message to edit is still on its way; the edit follows it.
            self._retry_at[message.id] = time.monotonic() + self._per_chat_interval
            return
        markup = None
        if message.reply_markup:
            markup = InlineKeyboardMarkup.de_json(json.loads(message.reply_markup), self._bot)
        try:
            telegram_id = await self._deliver(message, markup, ticket)
        except RetryAfter as exc:
            pause = _seconds(exc.retry_after)
            # Only this chat waits (the limiter pauses all chats when many are refused).
            self._chat_ready_at[message.chat_id] = time.monotonic() + pause
            await self._note_failure(message, f"retry after {pause:.0f}s", backoff=pause)
            return
        except Forbidden as exc:
            await self._give_up(message, "unreachable", type(exc).__name__)
            return
        except BadRequest as exc:
            reason = exc.message.lower()
            if message.edit_of is not None and "not modified" in reason:
                telegram_id = message.edit_message_id  # the screen already shows this
            elif any(r in reason for r in _CHAT_GONE):
                await self._give_up(message, "unreachable", exc.message[:200])
                return
            elif self._adapt(message, reason):
                self._retry_at.pop(message.id, None)
                self._wake.set()
                return
            else:
                await self._give_up(message, "failed", exc.message[:200])
                return
        except TimedOut:
            # Telegram may have the message: every retry may show it twice, so only a few.
            count = self._timeouts.get(message.id, 0) + 1
            self._timeouts[message.id] = count
            if count > self._timeout_retries:
                await self._give_up(message, "failed", f"timed out {count} times")
                return
            await self._note_failure(
                message, "TimedOut", backoff=self._retry_base * 4 ** (count - 1)
            )
            return
        except NetworkError as exc:
            # Not sent (no connection, a server error): retried until Telegram is back.
            await self._note_failure(message, type(exc).__name__, backoff=None)
            return
        await self._delivered(message, telegram_id)

    def _adapt(self, message: OutgoingMessage, reason: str) -> bool:
        """Make a message Telegram refused for its content sendable; False when nothing is
        left to try."""
        if any(r in reason for r in _TOO_LONG):
            if message.id in self._parts_sent or message.document or message.copy_of:
                return False  # split already, or a caption, which is shortened from the start
            if message.edit_of is not None:
                return False
            log.warning("outbox message %s is too long for Telegram: sent in parts", message.id)
            self._parts_sent[message.id] = 0
            return True
        if any(r in reason for r in _UNREADABLE) and message.id not in self._plain:
            log.warning("outbox message %s has markup Telegram refuses: sent as text", message.id)
            self._plain.add(message.id)
            return True
        return False

    async def _deliver(
        self, message: OutgoingMessage, markup: InlineKeyboardMarkup | None, ticket: SendTicket
    ) -> int | None:
        """One call to Telegram (more for a message sent in parts); the Telegram message id."""
        plain = message.id in self._plain
        text = _as_text(message.text) if plain else message.text
        mode = None if plain else ParseMode.HTML
        common: dict[str, Any] = {"rate_limit_args": ticket} if self._limited else {}
        if message.edit_of is not None:
            if message.edit_message_id is None:
                raise BadRequest("Bad Request: message to edit not found")
            await self._bot.edit_message_text(
                chat_id=message.chat_id,
                message_id=message.edit_message_id,
                text=_shortened(text, TEXT_LIMIT, plain),
                parse_mode=mode,
                reply_markup=markup,
                disable_web_page_preview=True,
                **common,
            )
            return message.edit_message_id
        if message.copy_of is not None:
            copied = await self._bot.copy_message(
                chat_id=message.chat_id,
                from_chat_id=message.copy_of[0],
                message_id=message.copy_of[1],
                caption=_shortened(text, CAPTION_LIMIT, plain),
                parse_mode=mode,
                reply_markup=markup,
                protect_content=message.protect_content,
                **common,
            )
            return copied.message_id
        if message.document is not None:
            sent = await self._bot.send_document(
                chat_id=message.chat_id,
                document=InputFile(message.document, filename=message.document_name),
                caption=_shortened(text, CAPTION_LIMIT, plain),
                parse_mode=mode,
                reply_markup=markup,
                protect_content=message.protect_content,
                **common,
            )
            return sent.message_id
        parts = [text]
        done = self._parts_sent.get(message.id)
        if done is not None:
            parts = _split(text, TEXT_LIMIT)
        for index in range(done or 0, len(parts)):
            if index > (done or 0):
                await asyncio.sleep(self._per_chat_interval)  # the chat's own pace
            last = index == len(parts) - 1
            sent = await self._bot.send_message(
                chat_id=message.chat_id,
                text=parts[index],
                parse_mode=mode,
                reply_markup=markup if last else None,
                protect_content=message.protect_content,
                disable_web_page_preview=True,
                **common,
            )
            if done is not None:
                self._parts_sent[message.id] = index + 1
        return sent.message_id

    # --- writing down what happened ----------------------------------------------------

    async def _delivered(self, message: OutgoingMessage, telegram_id: int | None) -> None:
        self._chat_ready_at[message.chat_id] = time.monotonic() + self._per_chat_interval
        for kept in (self._retry_at, self._timeouts, self._parts_sent):
            kept.pop(message.id, None)
        self._plain.discard(message.id)
        # Remembered first: should writing it down fail, the message is still never resent.
        self._unrecorded[message.id] = _Accepted(
            telegram_id, self._clock.now(), message.text, message.reply_markup
        )
        await self._write_down()

    async def _write_down(self) -> bool:
        """Record every accepted message not yet written down (and, after a pause for the
        database, the pause itself); False when the database still cannot be written."""
        waiting = dict(self._unrecorded)
        try:
            async with self._db.transaction() as tx:
                for outbox_id, accepted in waiting.items():
                    await tx.mark_sent(
                        outbox_id,
                        accepted.telegram_id,
                        accepted.at,
                        accepted.text,
                        accepted.markup,
                    )
                if self._fault_since is not None:
                    await tx.set_meta(PAUSE_META, self._pause_record())
        except storage_errors() as exc:
            self._storage_failed(exc)
            return False
        for outbox_id in waiting:
            self._unrecorded.pop(outbox_id, None)
        if self._fault_since is not None:
            log.warning(
                "the database can be written again: sending resumes (%d sent messages written"
                " down late, none sent twice)",
                len(waiting),
            )
            self._storage_fault = None
            self._fault_since = None
            self._wake.set()
        return True

    def _pause_record(self) -> str:
        assert self._fault_since is not None
        return json.dumps(
            {
                "from": self._fault_since.isoformat(),
                "until": self._clock.now().isoformat(),
                "error": self._storage_fault,
            }
        )

    def _storage_failed(self, exc: BaseException) -> None:
        if self._storage_fault is None:
            # Not the database's own words only: an administrator reads this line.
            log.error(
                "cannot write to the database (%s): sending is paused until it can be written"
                " again (%d sent messages wait to be written down); make room on the disk",
                exc,
                len(self._unrecorded),
            )
            self._storage_fault = str(exc)[:200]
            self._fault_since = self._clock.now()

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

    async def _give_up(self, message: OutgoingMessage, status: str, error: str) -> None:
        log.warning("outbox message %s is %s: %s", message.id, status, error.split(":")[0])
        async with self._db.transaction() as tx:
            await tx.mark_undeliverable(message.id, status, error, self._clock.now())
            if status == "unreachable" and self._on_unreachable is not None:
                await self._on_unreachable(tx, message.chat_id)
            if status == "failed" and self._on_failed is not None:
                await self._on_failed(tx, message, error)
        for kept in (self._retry_at, self._timeouts, self._parts_sent):
            kept.pop(message.id, None)
        self._plain.discard(message.id)


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _as_text(marked_up: str) -> str:
    """The text of an HTML message without its markup, as Telegram shows it."""
    return html.unescape(re.sub(r"<[^>]+>", "", marked_up))


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _split(text: str, limit: int) -> list[str]:
    """Parts of at most `limit`, cut between lines where possible. A line cut in two keeps
    its direction: the rest starts with the line's right-to-left mark too."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        mark = RLM if line.startswith(RLM) else ""
        while _units(line) > limit:
            head = line[:limit]
            while _units(head) > limit:
                head = head[:-1]
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = mark + line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if _units(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def _shortened(text: str, limit: int, plain: bool) -> str:
    """`text` if it fits, else its beginning as plain text with an ellipsis."""
    if _units(text) <= limit:
        return text
    short = _split(text if plain else _as_text(text), limit - 1)[0] + "…"
    return short if plain else html.escape(short, quote=False)
