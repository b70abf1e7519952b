from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.consent import ConsentStatus, Decider, consent_status, reminders_due
from bot.rules.schooltime import QuietHours

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=AMS)
DEADLINE = NOW + timedelta(days=14)
MOTHER, FATHER, PUPIL = "guardian:M", "guardian:F", "pupil:P"
TWO_PARENTS_AND_PUPIL = [Decider(MOTHER, True), Decider(FATHER, True), Decider(PUPIL, False)]
S = ConsentStatus


@pytest.mark.parametrize(
    ("answers", "now", "safety", "expected"),
    [
        ({}, NOW, False, S.PENDING),
        ({MOTHER: "agree", FATHER: "agree"}, NOW, False, S.PENDING),  # the pupil is missing
        ({MOTHER: "agree", FATHER: "agree", PUPIL: "agree"}, NOW, False, S.FULL),
        ({MOTHER: "agree", FATHER: "agree", PUPIL: "refuse"}, NOW, False, S.ANONYMOUS),
        ({MOTHER: "refuse"}, NOW, False, S.ANONYMOUS),
        ({MOTHER: "agree", FATHER: "refuse"}, NOW, False, S.CONFLICT),
        ({MOTHER: "agree", FATHER: "withdraw", PUPIL: "agree"}, NOW, False, S.CONFLICT),
        ({MOTHER: "withdraw", FATHER: "refuse", PUPIL: "agree"}, NOW, False, S.ANONYMOUS),
        ({MOTHER: "talk"}, NOW, False, S.PENDING),
        ({MOTHER: "agree"}, DEADLINE, False, S.OUTSIDE_INFO_ONLY),  # silence after the period
        ({}, DEADLINE - timedelta(seconds=1), False, S.PENDING),
        ({MOTHER: "refuse"}, DEADLINE, False, S.ANONYMOUS),  # an objection stays an objection
        ({MOTHER: "agree", FATHER: "agree", PUPIL: "agree"}, DEADLINE, False, S.FULL),
        ({MOTHER: "refuse"}, NOW, True, S.SAFETY_EXCEPTION),
    ],
)
def test_consent_status(answers, now, safety, expected) -> None:
    assert consent_status(TWO_PARENTS_AND_PUPIL, answers, now, DEADLINE, safety) is expected


def test_nobody_to_decide_is_never_full() -> None:
    assert consent_status([], {}, NOW, DEADLINE, False) is S.PENDING


SENT = datetime(2026, 11, 30, 16, 0, tzinfo=AMS)  # Monday afternoon


@pytest.mark.parametrize(
    ("now", "already", "expected"),
    [
        (SENT + timedelta(days=2, hours=23), (), []),
        (SENT + timedelta(days=3), (), [1]),  # Thursday 16:00
        (SENT + timedelta(days=3), (1,), []),
        (SENT + timedelta(days=7), (1,), [2]),  # Monday 16:00
        (SENT + timedelta(days=9), (), [1, 2]),  # after downtime: both settled by one message
        (SENT + timedelta(days=7, hours=6), (1,), []),  # due, but now is 22:00: wait
        (SENT + timedelta(days=7, hours=16), (1,), [2]),  # the next morning at 08:00
    ],
)
def test_reminders_due(now, already, expected) -> None:
    assert reminders_due(SENT, (3, 7), already, now, AMS, QuietHours()) == expected


def test_a_reminder_falling_in_the_weekend_waits_for_monday_morning() -> None:
    friday_evening = datetime(2026, 12, 2, 22, 0, tzinfo=AMS)  # Wednesday 22:00 + 3 days
    saturday = friday_evening + timedelta(days=3)
    assert reminders_due(friday_evening, (3,), (), saturday, AMS, QuietHours()) == []
    monday = datetime(2026, 12, 7, 7, 30, tzinfo=AMS)
    assert reminders_due(friday_evening, (3,), (), monday, AMS, QuietHours()) == [1]
