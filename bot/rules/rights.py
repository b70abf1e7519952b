"""Who may know and who decides: Dutch information rights as pure functions.

From a pupil's age (birth date and `today`), a capability judgement, and the facts of each
guardian link (relation, authority, a recorded information request, recognition, a
restriction), decide who receives each kind of message and whose answers a consent
request needs. No database, no clock, no Telegram: every rule has a row in the table tests.

Sources: the handbook's appendix "wie heeft recht op informatie?" and BRIEF.md §5–6
("What holds today").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.rules.models import PersonKind, age_on


class MessageKind(StrEnum):
    MEETING_INVITATION = "meeting_invitation"
    CVB_NOTICE = "cvb_notice"
    CONSENT_REQUEST = "consent_request"
    OUTCOME_SUMMARY = "outcome_summary"
    # The summary of a talk about progress, the support plan (OPP) or a CvB/ZAT outcome: an
    # important fact, so a parent without authority who asked for information receives it.
    IMPORTANT_SUMMARY = "important_summary"
    # The agreements and the advice for home from a talk: day-to-day information, for foster
    # parents once the guardian allowed it.
    HOME_ADVICE = "home_advice"
    POSITIVE_NEWS = "positive_news"
    SUPPORT_ROUTE_NOTICE = "support_route_notice"
    STUDY_PROGRESS = "study_progress"
    # A teacher's own words to a family about the child, in a conversation.
    CONVERSATION = "conversation"


class AgeBand(StrEnum):
    CHILD = "under_12"  # holders of authority decide
    YOUNG_TEEN = "12_15"  # holders of authority and the pupil (double consent)
    OLDER_TEEN = "16_17"  # the pupil decides; holders still get study progress
    ADULT = "18_plus"  # the pupil alone; parents only with the pupil's consent


class RestrictionKind(StrEnum):
    COURT_ARRANGEMENT = "court_arrangement"  # a court-made information arrangement
    WITHHELD = "withheld"  # the school withholds information in the child's interest
    REFUSED_BY_PUPIL = "refused_by_pupil"  # a pupil of 16+ refuses information to this parent


class Why(StrEnum):
    """Why a guardian does or does not receive a kind of message; shown to coordinators."""

    AUTHORITY = "authority"
    INFORMATION_REQUEST = "information_request"
    FAMILY_GUARDIAN = "family_guardian"
    FOSTER_PARENT = "foster_parent"
    COURT_ARRANGEMENT = "court_arrangement"
    ADULT_PUPIL_CONSENT = "adult_pupil_consent"
    STUDY_PROGRESS_STAYS = "study_progress_stays"
    NO_AUTHORITY = "no_authority"
    NO_REQUEST = "no_request"
    NEVER_RECOGNISED = "never_recognised"
    NOT_DAY_TO_DAY = "not_day_to_day"
    DAY_TO_DAY_ALLOWED = "day_to_day_allowed"
    WITHHELD = "withheld"
    REFUSED_BY_PUPIL = "refused_by_pupil"
    ADULT_PUPIL = "adult_pupil"
    NOT_A_DECIDER = "not_a_decider"


# What a parent without authority may ask for (art. 1:377c BW): important facts such as
# results, development and the start of a support trajectory.
IMPORTANT_FACTS = frozenset(
    {
        MessageKind.STUDY_PROGRESS,
        MessageKind.SUPPORT_ROUTE_NOTICE,
        MessageKind.IMPORTANT_SUMMARY,
    }
)
# Foster parents without authority share daily life: meetings (a CvB discussion they are
# welcome to join is one) and good news; never consent requests.
DAY_TO_DAY = frozenset(
    {
        MessageKind.MEETING_INVITATION,
        MessageKind.CVB_NOTICE,
        MessageKind.POSITIVE_NEWS,
        MessageKind.CONVERSATION,
    }
)
# A parent without authority who asked to be informed may also talk with the school about
# the child; without the request the school may not share what it knows (art. 1:377c BW).
ON_REQUEST = IMPORTANT_FACTS | {MessageKind.CONVERSATION}
# What foster parents also receive once the guardian allowed them day-to-day information.
DAY_TO_DAY_ALLOWED = frozenset({MessageKind.HOME_ADVICE})
# A family guardian (supervision order) is informed of everything about school and care.
FAMILY_GUARDIAN_KINDS = frozenset(MessageKind) - {
    MessageKind.CONSENT_REQUEST,
    MessageKind.POSITIVE_NEWS,
}
# What the pupil receives about themselves, from which age.
PUPIL_FROM_AGE = {
    MessageKind.CVB_NOTICE: 12,
    MessageKind.SUPPORT_ROUTE_NOTICE: 12,
    MessageKind.MEETING_INVITATION: 16,
    # Pupils of 12-15 are partners too: they read what was agreed about them (the teacher
    # may leave one out of a summary that does not suit them, with a reason on record).
    MessageKind.OUTCOME_SUMMARY: 12,
    MessageKind.IMPORTANT_SUMMARY: 12,
    MessageKind.HOME_ADVICE: 200,  # the pupil reads the whole summary instead
    MessageKind.STUDY_PROGRESS: 16,
    MessageKind.POSITIVE_NEWS: 18,
    # From 12 a pupil writes to their own mentor and is answered.
    MessageKind.CONVERSATION: 12,
}
PARENT_RELATIONS = frozenset({"mother", "father", "parent"})


@dataclass(frozen=True)
class Restriction:
    kind: RestrictionKind
    reason: str
    # For a court arrangement: the kinds of message the arrangement allows.
    allowed: frozenset[MessageKind] = frozenset()


@dataclass(frozen=True)
class LinkFacts:
    guardian_id: str
    relation: str
    authority: bool
    recognised: bool = True
    information_requested: bool = False
    adult_pupil_consents: bool = False
    restriction: Restriction | None = None
    # For a foster parent: who (the guardian) allowed day-to-day information (agreements,
    # advice for home); None: not allowed.
    day_to_day_allowed_by: str | None = None


@dataclass(frozen=True)
class PupilFacts:
    birth_date: date
    capable: bool = True  # capable of judging the matter (only weighed at 12–15)
    capability_reason: str | None = None


@dataclass(frozen=True)
class Audience:
    guardians: tuple[str, ...]
    pupil: bool
    reasons: dict[str, Why] = field(default_factory=dict)  # every guardian, in or out

    def excluded(self) -> dict[str, Why]:
        return {g: why for g, why in self.reasons.items() if g not in self.guardians}

    def people(self, pupil_id: str) -> list[tuple[PersonKind, str]]:
        """Who receives it: the chosen guardians, then the pupil when they do."""
        chosen = [(PersonKind.GUARDIAN, g) for g in self.guardians]
        return [*chosen, (PersonKind.PUPIL, pupil_id)] if self.pupil else chosen


@dataclass(frozen=True)
class Deciders:
    """Whose answers a consent request needs."""

    guardians: tuple[str, ...]
    pupil: bool
    # A pupil of 12–15 judged not capable is left out, with the recorded reason.
    pupil_not_capable_reason: str | None = None

    @property
    def nobody(self) -> bool:
        return not self.guardians and not self.pupil


def age_band(birth: date, today: date) -> AgeBand:
    age = age_on(birth, today)
    if age < 12:
        return AgeBand.CHILD
    if age < 16:
        return AgeBand.YOUNG_TEEN
    if age < 18:
        return AgeBand.OLDER_TEEN
    return AgeBand.ADULT


def holds_authority(link: LinkFacts, band: AgeBand) -> bool:
    """Authority ends when the pupil turns 18, whatever the roster still says."""
    return link.authority and band is not AgeBand.ADULT


def deciders(pupil: PupilFacts, links: Sequence[LinkFacts], today: date) -> Deciders:
    band = age_band(pupil.birth_date, today)
    holders = tuple(link.guardian_id for link in links if holds_authority(link, band))
    if band is AgeBand.CHILD:
        return Deciders(holders, pupil=False)
    if band is AgeBand.YOUNG_TEEN:
        if not pupil.capable:
            return Deciders(holders, False, pupil.capability_reason or "")
        return Deciders(holders, pupil=True)
    return Deciders((), pupil=True)


def receives(
    kind: MessageKind, pupil: PupilFacts, link: LinkFacts, today: date
) -> tuple[bool, Why]:
    """Whether one guardian receives one kind of message about the pupil, and why."""
    band = age_band(pupil.birth_date, today)
    restriction = link.restriction
    if kind is MessageKind.CONSENT_REQUEST:
        # Deciding follows authority alone; restrictions limit information, not the decision.
        chosen = link.guardian_id in deciders(pupil, [link], today).guardians
        return chosen, (Why.AUTHORITY if chosen else Why.NOT_A_DECIDER)
    if restriction is not None and restriction.kind is RestrictionKind.WITHHELD:
        return False, Why.WITHHELD
    if band is AgeBand.ADULT:
        if link.adult_pupil_consents:
            return True, Why.ADULT_PUPIL_CONSENT
        return False, Why.ADULT_PUPIL
    if restriction is not None and restriction.kind is RestrictionKind.COURT_ARRANGEMENT:
        return kind in restriction.allowed, Why.COURT_ARRANGEMENT
    if (
        restriction is not None
        and restriction.kind is RestrictionKind.REFUSED_BY_PUPIL
        and band is AgeBand.OLDER_TEEN
    ):
        # The pupil's refusal does not reach study progress to a holder of authority.
        if kind is MessageKind.STUDY_PROGRESS and holds_authority(link, band):
            return True, Why.STUDY_PROGRESS_STAYS
        return False, Why.REFUSED_BY_PUPIL
    if holds_authority(link, band):
        return True, Why.AUTHORITY
    if link.relation == "family_guardian":
        return kind in FAMILY_GUARDIAN_KINDS, Why.FAMILY_GUARDIAN
    if link.relation == "foster_parent":
        if kind in DAY_TO_DAY:
            return True, Why.FOSTER_PARENT
        if kind in DAY_TO_DAY_ALLOWED and link.day_to_day_allowed_by:
            return True, Why.DAY_TO_DAY_ALLOWED
        return False, Why.NOT_DAY_TO_DAY
    if link.relation in PARENT_RELATIONS:
        if not link.recognised:
            return False, Why.NEVER_RECOGNISED
        if not link.information_requested:
            return False, Why.NO_REQUEST
        return kind in ON_REQUEST, Why.INFORMATION_REQUEST
    return False, Why.NO_AUTHORITY


def audience(
    kind: MessageKind, pupil: PupilFacts, links: Sequence[LinkFacts], today: date
) -> Audience:
    """Everyone who receives `kind` about this pupil, with the reason for each guardian."""
    chosen: list[str] = []
    reasons: dict[str, Why] = {}
    for link in links:
        yes, why = receives(kind, pupil, link, today)
        reasons[link.guardian_id] = why
        if yes:
            chosen.append(link.guardian_id)
    if kind is MessageKind.CONSENT_REQUEST:
        to_pupil = deciders(pupil, links, today).pupil
    else:
        to_pupil = age_on(pupil.birth_date, today) >= PUPIL_FROM_AGE.get(kind, 200)
    return Audience(tuple(chosen), to_pupil, reasons)


def restriction_applies(restriction: Restriction, pupil: PupilFacts, today: date) -> bool:
    """A pupil's refusal counts only from 16 (from 18 parents need the pupil's consent anyway)."""
    if restriction.kind is RestrictionKind.REFUSED_BY_PUPIL:
        return age_band(pupil.birth_date, today) is AgeBand.OLDER_TEEN
    return True


# --- the README's table, generated from the rules above -------------------------------

_TABLE_KINDS = (
    (MessageKind.CONSENT_REQUEST, "consent request"),
    (MessageKind.MEETING_INVITATION, "talk invitation"),
    (MessageKind.CVB_NOTICE, "CvB notice"),
    (MessageKind.OUTCOME_SUMMARY, "summary (other talks)"),
    (MessageKind.IMPORTANT_SUMMARY, "summary (progress, OPP, care, CvB/ZAT)"),
    (MessageKind.HOME_ADVICE, "agreements and advice for home"),
    (MessageKind.SUPPORT_ROUTE_NOTICE, "start of support"),
    (MessageKind.STUDY_PROGRESS, "study progress"),
    (MessageKind.POSITIVE_NEWS, "good news"),
    (MessageKind.CONVERSATION, "the teacher's answers"),
)
_REFERENCE_DAY = date(2026, 9, 1)


def _born(age: int) -> date:
    return _REFERENCE_DAY.replace(year=_REFERENCE_DAY.year - age)


def _table_situations() -> list[tuple[str, int, LinkFacts]]:
    parent = LinkFacts("x", "mother", authority=True)
    no_authority = LinkFacts("x", "father", authority=False)
    return [
        ("parent with authority, pupil under 12", 10, parent),
        ("parent with authority, pupil 12–15", 13, parent),
        ("parent with authority, pupil 16–17", 16, parent),
        (
            "parent with authority, pupil 16–17 refused information to them",
            16,
            LinkFacts(
                "x",
                "mother",
                authority=True,
                restriction=Restriction(RestrictionKind.REFUSED_BY_PUPIL, ""),
            ),
        ),
        ("parent, pupil 18+", 18, parent),
        (
            "parent, pupil 18+ agreed they are informed",
            18,
            LinkFacts("x", "mother", authority=True, adult_pupil_consents=True),
        ),
        ("parent without authority, no request", 10, no_authority),
        (
            "parent without authority who asked for information (BW 1:377c)",
            10,
            LinkFacts("x", "father", authority=False, information_requested=True),
        ),
        (
            "parent who never recognised the child",
            10,
            LinkFacts("x", "father", authority=False, recognised=False, information_requested=True),
        ),
        (
            "information withheld in the child's interest",
            10,
            LinkFacts(
                "x",
                "father",
                authority=False,
                information_requested=True,
                restriction=Restriction(RestrictionKind.WITHHELD, ""),
            ),
        ),
        (
            "court arrangement (important facts)",
            10,
            LinkFacts(
                "x",
                "father",
                authority=False,
                restriction=Restriction(RestrictionKind.COURT_ARRANGEMENT, "", IMPORTANT_FACTS),
            ),
        ),
        ("guardian (institution) with authority", 10, LinkFacts("x", "guardian", authority=True)),
        ("foster parent without authority", 10, LinkFacts("x", "foster_parent", authority=False)),
        (
            "foster parent, day-to-day information allowed by the guardian",
            10,
            LinkFacts("x", "foster_parent", authority=False, day_to_day_allowed_by="guardian"),
        ),
        (
            "family guardian (supervision order)",
            10,
            LinkFacts("x", "family_guardian", authority=False),
        ),
    ]


def readme_table() -> str:
    """Who receives what, as the README shows it: one row per situation, from `receives`,
    so the README cannot drift from the rules (a test compares them)."""
    header = ["who", *(label for _, label in _TABLE_KINDS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for situation, age, link in _table_situations():
        pupil = PupilFacts(_born(age))
        cells = []
        for kind, _ in _TABLE_KINDS:
            if kind is MessageKind.CONSENT_REQUEST:
                decides = link.guardian_id in deciders(pupil, [link], _REFERENCE_DAY).guardians
                cells.append("decides" if decides else "–")
            else:
                cells.append("✓" if receives(kind, pupil, link, _REFERENCE_DAY)[0] else "–")
        lines.append(f"| {situation} | " + " | ".join(cells) + " |")
    for situation, age in (
        ("the pupil, under 12", 10),
        ("the pupil, 12–15", 13),
        ("the pupil, 16–17", 16),
        ("the pupil, 18+", 18),
    ):
        pupil = PupilFacts(_born(age))
        cells = []
        for kind, _ in _TABLE_KINDS:
            if kind is MessageKind.CONSENT_REQUEST:
                cells.append("decides" if deciders(pupil, [], _REFERENCE_DAY).pupil else "–")
            else:
                cells.append("✓" if audience(kind, pupil, [], _REFERENCE_DAY).pupil else "–")
        lines.append(f"| {situation} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
