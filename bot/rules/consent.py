"""The state of a consent request, derived from the answers: pure, so every case is tested.

PENDING            not every required answer is in, and the notice period is still running
FULL               every required person agreed
CONFLICT           holders of authority answered differently: the coordinator talks with them
ANONYMOUS          someone refused or withdrew: the pupil is discussed only anonymously
OUTSIDE_INFO_ONLY  the notice period passed without objection: only "outside information"
SAFETY_EXCEPTION   the meldcode applies: consent rules are lifted for this discussion
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.schooltime import QuietHours, days_later, in_quiet_hours, next_allowed

YES = "agree"
NO = frozenset({"refuse", "withdraw"})
# Answers that settle a person's part; "talk" means they want a conversation first.
FINAL = NO | {YES}


class ConsentStatus(StrEnum):
    PENDING = "pending"
    FULL = "full"
    CONFLICT = "conflict"
    ANONYMOUS = "anonymous"
    OUTSIDE_INFO_ONLY = "outside_info_only"
    SAFETY_EXCEPTION = "safety_exception"


class MayDiscuss(StrEnum):
    NOTHING_YET = "nothing_yet"
    AS_REQUESTED = "as_requested"
    ANONYMOUS_ONLY = "anonymous_only"
    OUTSIDE_INFO = "outside_info"
    SAFETY_RULES = "safety_rules"


MAY_DISCUSS = {
    ConsentStatus.PENDING: MayDiscuss.ANONYMOUS_ONLY,
    ConsentStatus.FULL: MayDiscuss.AS_REQUESTED,
    ConsentStatus.CONFLICT: MayDiscuss.ANONYMOUS_ONLY,
    ConsentStatus.ANONYMOUS: MayDiscuss.ANONYMOUS_ONLY,
    ConsentStatus.OUTSIDE_INFO_ONLY: MayDiscuss.OUTSIDE_INFO,
    ConsentStatus.SAFETY_EXCEPTION: MayDiscuss.SAFETY_RULES,
}


@dataclass(frozen=True)
class Decider:
    key: str  # e.g. "guardian:G1" or "pupil:P1"
    holder_of_authority: bool  # a guardian; False for the pupil


def consent_status(
    deciders: Collection[Decider],
    latest: Mapping[str, str],
    now: datetime,
    notice_deadline: datetime | None,
    safety_exception: bool,
) -> ConsentStatus:
    """`latest` maps a decider's key to their latest answer."""
    if safety_exception:
        return ConsentStatus.SAFETY_EXCEPTION
    holder_answers = {latest.get(d.key) for d in deciders if d.holder_of_authority}
    if YES in holder_answers and holder_answers & NO:
        return ConsentStatus.CONFLICT
    if any(latest.get(d.key) in NO for d in deciders):
        return ConsentStatus.ANONYMOUS
    if deciders and all(latest.get(d.key) == YES for d in deciders):
        return ConsentStatus.FULL
    if notice_deadline is not None and now >= notice_deadline:
        return ConsentStatus.OUTSIDE_INFO_ONLY
    return ConsentStatus.PENDING


def reminders_due(
    sent_at: datetime,
    reminder_days: tuple[int, ...],
    already_sent: Collection[int],
    now: datetime,
    tz: ZoneInfo,
    quiet: QuietHours,
    holidays: Collection[date] = (),
) -> list[int]:
    """Which reminders (1-based) are due at `now`: each one a number of days after sending,
    moved out of quiet hours. The caller sends one message for all of them (after downtime
    one reminder, not a pile) and records every number returned. Nothing is due while `now`
    itself is in quiet hours: a late tick must not send at night."""
    if in_quiet_hours(now, tz, quiet, holidays):
        return []
    return [
        number
        for number, days in enumerate(reminder_days, start=1)
        if number not in already_sent
        and now >= next_allowed(days_later(sent_at, days, tz), tz, quiet, holidays)
    ]
