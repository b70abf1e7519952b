"""Who is heard, and how often: a token bucket per chat, and quiet for chats that are not
linked. Decided in memory, before any database work, so that one person's flood costs Samen
(and every other family) next to nothing.

The numbers are a person's, not a program's. A parent or a teacher who taps through a flow
reads each answer first: that is less than one update a second, however fast they are. A
short burst is normal: three albums of ten photos sent at once are 30 updates. So a chat may
send `BURST` updates at once and `REFILL_PER_SECOND` a second after that; beyond it Samen
answers once ("slow down") and lets the rest go until the chat has calmed down. Someone who
found the bot but is not linked is answered at most once every `UNLINKED_QUIET_SECONDS`,
except their tries at a code and the language buttons (onboarding has its own limit on
wrong codes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

BURST = 30
REFILL_PER_SECOND = 1.0
UNLINKED_QUIET_SECONDS = 60.0
# Buckets of chats that have been quiet this long are full again, and forgotten.
_SWEEP_SECONDS = 300.0


class Verdict(Enum):
    HANDLE = "handle"  # within the chat's allowance
    WARN = "warn"  # the first update past it: answered once with "slow down", not handled
    DROP = "drop"  # past it, or a chat that is not linked and was answered a moment ago


@dataclass
class TokenBucket:
    """`capacity` tokens, refilled at `per_second`; each update takes one."""

    capacity: float
    per_second: float
    tokens: float
    at: float  # when `tokens` was counted
    warned: bool = False  # "slow down" was said since the bucket ran dry

    def refill(self, now: float) -> None:
        # A clock that went back (a test's, or a changed system clock) refills nothing.
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= self.capacity:
            self.warned = False  # calmed down: a next flood is told again

    def take(self, now: float) -> Verdict:
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return Verdict.HANDLE
        if self.warned:
            return Verdict.DROP
        self.warned = True
        return Verdict.WARN


class ChatGate:
    """The admission of updates, per chat: the flood limit, and quiet for unlinked chats.

    `clock` gives seconds that only matter relative to each other (time.monotonic in
    production; tests drive their own)."""

    def __init__(
        self,
        *,
        burst: int = BURST,
        refill_per_second: float = REFILL_PER_SECOND,
        unlinked_quiet_seconds: float = UNLINKED_QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill_per_second = refill_per_second
        self.unlinked_quiet_seconds = unlinked_quiet_seconds
        self.clock = clock
        self._buckets: dict[int, TokenBucket] = {}
        self._linked: set[int] = set()
        self._unlinked_answered: dict[int, float] = {}
        # Unlinked chats that sent a code (or chose a language) since: linked now, perhaps.
        self._onboarding: set[int] = set()
        # The verdict on each update in processing, for the handler that acts on it.
        self._verdicts: dict[int, Verdict] = {}
        self._swept = clock()

    def judge(self, chat_id: int) -> Verdict:
        """An update from `chat_id` arrived: whether it is within the chat's allowance."""
        now = self.clock()
        self._sweep(now)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = TokenBucket(self.burst, self.refill_per_second, self.burst, now)
            self._buckets[chat_id] = bucket
        return bucket.take(now)

    def quiet(self, chat_id: int) -> bool:
        """Whether `chat_id` is a chat that is not linked and was answered a moment ago."""
        answered = self._unlinked_answered.get(chat_id)
        if answered is None:
            return False
        return 0.0 <= self.clock() - answered < self.unlinked_quiet_seconds

    def quiet_for_certain(self, chat_id: int) -> bool:
        """`quiet`, and known without a look in the database: no code was tried since."""
        return chat_id not in self._onboarding and self.quiet(chat_id)

    def onboarding(self, chat_id: int) -> None:
        """An unlinked chat sent a code or chose a language: whether it is linked now, the
        database says at its next update."""
        self._onboarding.add(chat_id)

    def not_linked(self, chat_id: int) -> None:
        """The database says `chat_id` is not linked (still)."""
        self._onboarding.discard(chat_id)

    def answering_unlinked(self, chat_id: int) -> None:
        """A chat that is not linked is being answered now."""
        self._unlinked_answered[chat_id] = self.clock()

    def known_linked(self, chat_id: int) -> bool:
        return chat_id in self._linked

    def linked(self, chat_id: int) -> None:
        """`chat_id` belongs to someone linked: the quiet for unlinked chats is not for it.
        (Remembered while the bot runs; such a chat still has its flood limit.)"""
        self._linked.add(chat_id)
        self._unlinked_answered.pop(chat_id, None)
        self._onboarding.discard(chat_id)

    def mark(self, update_id: int, verdict: Verdict) -> None:
        self._verdicts[update_id] = verdict

    def verdict(self, update_id: int) -> Verdict:
        """The verdict on an update in processing (HANDLE for one that was not judged)."""
        return self._verdicts.get(update_id, Verdict.HANDLE)

    def done(self, update_id: int) -> None:
        self._verdicts.pop(update_id, None)

    def _sweep(self, now: float) -> None:
        """Forget chats that have been quiet long enough to start afresh: memory stays in
        proportion to the chats active in the last minutes."""
        if now - self._swept < _SWEEP_SECONDS:
            return
        self._swept = now
        full = self.burst / self.refill_per_second
        for chat_id in [c for c, b in self._buckets.items() if now - b.at >= full]:
            del self._buckets[chat_id]
        for chat_id in [
            c
            for c, at in self._unlinked_answered.items()
            if not 0.0 <= now - at < self.unlinked_quiet_seconds
        ]:
            del self._unlinked_answered[chat_id]
            self._onboarding.discard(chat_id)
