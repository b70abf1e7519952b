from __future__ import annotations

import pytest

from bot.rules.consent import ConsentStatus as C
from bot.rules.support_route import (
    CHECKLIST,
    RouteFacts,
    may_move,
    starts_trajectory,
)
from bot.rules.support_route import (
    MoveRefused as R,
)
from bot.rules.support_route import (
    RouteStep as S,
)

NOTHING = RouteFacts(concern_shared=False, cvb_notice_sent=False, zat_consent=None)
SHARED = RouteFacts(concern_shared=True, cvb_notice_sent=False, zat_consent=None)
NOTICED = RouteFacts(concern_shared=True, cvb_notice_sent=True, zat_consent=None)


def consent(status: C) -> RouteFacts:
    return RouteFacts(concern_shared=True, cvb_notice_sent=True, zat_consent=status)


@pytest.mark.parametrize(
    ("current", "target", "facts", "expected"),
    [
        (S.BASICS, S.OBSERVE, NOTHING, None),
        (S.OBSERVE, S.OBSERVE, NOTHING, R.SAME_STEP),
        (S.OBSERVE, S.CONSULT, NOTHING, R.SHARE_FIRST),
        (S.OBSERVE, S.CONSULT, SHARED, None),
        (S.OBSERVE, S.CVB, NOTICED, R.TOO_FAR),
        (S.CONSULT, S.CVB, SHARED, R.NOTICE_FIRST),
        (S.CONSULT, S.CVB, NOTICED, None),
        (S.CVB, S.ZAT_REFERRAL, NOTICED, R.CONSENT_FIRST),
        (S.CVB, S.ZAT_REFERRAL, consent(C.PENDING), R.CONSENT_PENDING),
        (S.CVB, S.ZAT_REFERRAL, consent(C.ANONYMOUS), R.NO_CONSENT),
        (S.CVB, S.ZAT_REFERRAL, consent(C.CONFLICT), R.PARENTS_DISAGREE),
        (S.CVB, S.ZAT_REFERRAL, consent(C.FULL), None),
        (S.CVB, S.ZAT_REFERRAL, consent(C.OUTSIDE_INFO_ONLY), None),
        (S.CVB, S.ZAT_REFERRAL, consent(C.SAFETY_EXCEPTION), None),
        (S.CVB, S.ZAT, consent(C.FULL), R.ZAT_FIRST),
        (S.ZAT_REFERRAL, S.ZAT, consent(C.FULL), None),
        (S.ZAT_REFERRAL, S.ZAT, consent(C.ANONYMOUS), R.NO_CONSENT),
        (S.CVB, S.SUPPORT, NOTICED, None),
        (S.ZAT, S.SUPPORT, consent(C.FULL), None),
        (S.CONSULT, S.SUPPORT, NOTICED, R.TOO_FAR),
        (S.SUPPORT, S.OBSERVE, NOTHING, None),  # cyclic: back is always possible
        (S.ZAT, S.CONSULT, NOTHING, None),
    ],
)
def test_moves(current: S, target: S, facts: RouteFacts, expected: R | None) -> None:
    assert may_move(current, target, facts) == expected


def test_each_steps_checklist_follows_the_brief() -> None:
    keys = {step: [key for key, _ in items] for step, items in CHECKLIST.items()}
    assert keys == {
        S.BASICS: ["school_guide"],
        S.OBSERVE: ["inform", "expertise", "together", "advice"],
        S.CONSULT: ["inform", "evaluate", "referral", "notice", "invite", "need"],
        S.CVB: ["exchange", "evaluate", "zat", "advice"],
        S.ZAT_REFERRAL: ["consent", "invite", "need", "sdq"],
        S.ZAT: ["outcome", "next", "referrals", "advice"],
        S.SUPPORT: ["evaluate"],
    }


@pytest.mark.parametrize(
    ("current", "target", "starts"),
    [(S.OBSERVE, S.CONSULT, True), (S.BASICS, S.OBSERVE, False), (S.CONSULT, S.CVB, False)],
)
def test_a_trajectory_starts_when_the_care_steps_begin(current, target, starts) -> None:
    assert starts_trajectory(current, target) is starts
