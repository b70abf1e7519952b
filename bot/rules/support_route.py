"""The support route (zorgroute) of BRIEF.md §4: steps 0–5, the parent-contact checklist of
each step, and which moves the rules allow. Pure: facts in, decision and reason out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n.translator import N_
from bot.rules.consent import ConsentStatus


class RouteStep(StrEnum):
    BASICS = "0"
    OBSERVE = "1"
    CONSULT = "2"
    CVB = "3"
    ZAT_REFERRAL = "4a"
    ZAT = "4b"
    SUPPORT = "5"


ORDER = list(RouteStep)

STEP_LABELS = {
    RouteStep.BASICS: N_("0 · Basics in place"),
    RouteStep.OBSERVE: N_("1 · Observe and signal"),
    RouteStep.CONSULT: N_("2 · Consult a colleague or the care coordinator"),
    RouteStep.CVB: N_("3 · Discussion in the CvB"),
    RouteStep.ZAT_REFERRAL: N_("4a · Referral to the ZAT"),
    RouteStep.ZAT: N_("4b · Discussion in the ZAT"),
    RouteStep.SUPPORT: N_("5 · Fitting support"),
}

# The contact with parents at each step (BRIEF.md §4, right-hand column).
CHECKLIST: dict[RouteStep, tuple[tuple[str, str], ...]] = {
    RouteStep.BASICS: (
        ("school_guide", N_("Parents know how contact with school works (school guide)")),
    ),
    RouteStep.OBSERVE: (
        ("inform", N_("Inform and exchange with parents about the child's development")),
        ("expertise", N_("Use the parents' knowledge of their child")),
        ("together", N_("Look at chances and solutions together")),
        ("advice", N_("Advice for school and home")),
    ),
    RouteStep.CONSULT: (
        ("inform", N_("Inform and exchange with parents about the child's development")),
        ("evaluate", N_("Evaluate the plan with the parents")),
        ("referral", N_("Discuss a referral to the CvB with the parents")),
        ("notice", N_("Parents are told when and why the CvB discusses their child")),
        ("invite", N_("Invite the parents to the CvB")),
        ("need", N_("Describe the need for support together")),
    ),
    RouteStep.CVB: (
        ("exchange", N_("Exchange with parents about the child's development")),
        ("evaluate", N_("Evaluate the plan with the parents")),
        ("zat", N_("Discuss a possible referral to the ZAT")),
        ("advice", N_("Advice for school and home")),
    ),
    RouteStep.ZAT_REFERRAL: (
        ("consent", N_("Consent of the parents")),
        ("invite", N_("Invite the parents to the ZAT")),
        ("need", N_("Describe the support need together")),
        ("sdq", N_("Parents update their SDQ questionnaire")),
    ),
    RouteStep.ZAT: (
        ("outcome", N_("Tell the parents the outcome (if they were not there)")),
        ("next", N_("Next steps")),
        ("referrals", N_("Agreements about referrals")),
        ("advice", N_("Advice for school and parents")),
    ),
    RouteStep.SUPPORT: (("evaluate", N_("Evaluate the support together")),),
}


class MoveRefused(StrEnum):
    SAME_STEP = "same_step"
    TOO_FAR = "too_far"  # one step forward at a time
    SHARE_FIRST = "share_first"  # concerns are shared with parents before step 2
    NOTICE_FIRST = "notice_first"  # parents are told before the CvB discusses their child
    CONSENT_FIRST = "consent_first"  # a ZAT needs a consent request first
    CONSENT_PENDING = "consent_pending"
    NO_CONSENT = "no_consent"  # refused or withdrawn: only an anonymous consultation
    PARENTS_DISAGREE = "parents_disagree"
    ZAT_FIRST = "zat_first"  # the ZAT discussion follows the referral


REFUSAL_TEXTS = {
    MoveRefused.SAME_STEP: N_("The pupil is already at this step."),
    MoveRefused.TOO_FAR: N_("Move one step at a time, so no contact with the parents is skipped."),
    MoveRefused.SHARE_FIRST: N_("First share the concern with the parents (tick it at step 1)."),
    MoveRefused.NOTICE_FIRST: N_(
        "First tell the parents when and why the CvB discusses their child: use /cvb."
    ),
    MoveRefused.CONSENT_FIRST: N_("A ZAT needs the parents' consent first: use /toestemming."),
    MoveRefused.CONSENT_PENDING: N_("The consent request is still waiting for answers."),
    MoveRefused.NO_CONSENT: N_("There is no consent: the pupil may only be discussed anonymously."),
    MoveRefused.PARENTS_DISAGREE: N_("The parents answered differently. Talk with them first."),
    MoveRefused.ZAT_FIRST: N_("First the referral to the ZAT (step 4a)."),
}

# Consent states that let a ZAT discussion go ahead (outside information only is limited,
# but the discussion may take place; the meldcode lifts the consent rules).
ZAT_ALLOWED = frozenset(
    {ConsentStatus.FULL, ConsentStatus.OUTSIDE_INFO_ONLY, ConsentStatus.SAFETY_EXCEPTION}
)


@dataclass(frozen=True)
class RouteFacts:
    """What the database knows that matters for a move."""

    concern_shared: bool  # step 1 "inform" ticked
    cvb_notice_sent: bool  # a CvB notice was sent for this pupil
    zat_consent: ConsentStatus | None  # the latest ZAT consent request's status, if any


def may_move(current: RouteStep, target: RouteStep, facts: RouteFacts) -> MoveRefused | None:
    """None when the move is allowed; else the reason, for a plain answer."""
    if target is current:
        return MoveRefused.SAME_STEP
    if ORDER.index(target) < ORDER.index(current):
        return None  # cyclic work: back to an earlier step is always possible
    allowed_next = {ORDER[ORDER.index(current) + 1]} if current is not RouteStep.SUPPORT else set()
    if current is RouteStep.CVB:
        allowed_next.add(RouteStep.SUPPORT)  # the CvB may arrange support without a ZAT
    if target not in allowed_next:
        return MoveRefused.ZAT_FIRST if target is RouteStep.ZAT else MoveRefused.TOO_FAR
    if target is RouteStep.CONSULT and not facts.concern_shared:
        return MoveRefused.SHARE_FIRST
    if target is RouteStep.CVB and not facts.cvb_notice_sent:
        return MoveRefused.NOTICE_FIRST
    if target in (RouteStep.ZAT_REFERRAL, RouteStep.ZAT):
        if facts.zat_consent is None:
            return MoveRefused.CONSENT_FIRST
        if facts.zat_consent is ConsentStatus.PENDING:
            return MoveRefused.CONSENT_PENDING
        if facts.zat_consent is ConsentStatus.CONFLICT:
            return MoveRefused.PARENTS_DISAGREE
        if facts.zat_consent not in ZAT_ALLOWED:
            return MoveRefused.NO_CONSENT
    return None


def starts_trajectory(current: RouteStep, target: RouteStep) -> bool:
    """Moving from everyday contact into the route's care steps starts a support trajectory,
    which parents without authority who asked for important facts must hear about."""
    return ORDER.index(current) <= 1 < ORDER.index(target)
