"""Information rights: one row per situation of BRIEF.md §6, and every age boundary."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.rights import (
    AgeBand,
    Deciders,
    LinkFacts,
    MessageKind,
    PupilFacts,
    Restriction,
    RestrictionKind,
    Why,
    age_band,
    audience,
    deciders,
    restriction_applies,
)

TODAY = date(2026, 11, 30)
K = MessageKind
ALL = frozenset(MessageKind)
INFO = ALL - {K.CONSENT_REQUEST}


def born(age: int, day_before_birthday: bool = False) -> date:
    """A birth date giving `age` today (or the day before the next birthday)."""
    if day_before_birthday:
        return date(TODAY.year - age - 1, 12, 1)  # birthday tomorrow
    return date(TODAY.year - age, TODAY.month, TODAY.day)


def mother(**kw: object) -> LinkFacts:
    return LinkFacts("mother", "mother", **{"authority": True, **kw})  # type: ignore[arg-type]


def father(**kw: object) -> LinkFacts:
    return LinkFacts("father", "father", **{"authority": True, **kw})  # type: ignore[arg-type]


def kinds_for(guardian: str, pupil: PupilFacts, links: list[LinkFacts]) -> frozenset[MessageKind]:
    return frozenset(
        k for k in MessageKind if guardian in audience(k, pupil, links, TODAY).guardians
    )


# --- age bands and who decides -------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "band"),
    [
        (born(11, day_before_birthday=True), AgeBand.CHILD),
        (born(12), AgeBand.YOUNG_TEEN),
        (born(15, day_before_birthday=True), AgeBand.YOUNG_TEEN),
        (born(16), AgeBand.OLDER_TEEN),
        (born(17, day_before_birthday=True), AgeBand.OLDER_TEEN),
        (born(18), AgeBand.ADULT),
        (born(20), AgeBand.ADULT),
    ],
)
def test_age_bands_change_on_the_birthday(birth: date, band: AgeBand) -> None:
    assert age_band(birth, TODAY) is band


@pytest.mark.parametrize(
    ("age", "day_before", "holders_decide", "pupil_decides"),
    [
        (10, False, True, False),
        (11, True, True, False),  # the day before turning 12
        (12, False, True, True),  # on the 12th birthday: double consent
        (15, True, True, True),  # the day before turning 16
        (16, False, False, True),  # on the 16th birthday: the pupil alone
        (17, True, False, True),
        (18, False, False, True),
        (19, False, False, True),
    ],
)
def test_who_decides_at_each_age(age, day_before, holders_decide, pupil_decides) -> None:
    pupil = PupilFacts(born(age, day_before))
    result = deciders(pupil, [mother(), father()], TODAY)
    assert (result.guardians == ("mother", "father")) is holders_decide
    assert result.pupil is pupil_decides


def test_a_pupil_of_12_to_15_judged_not_capable_is_left_out_with_the_reason() -> None:
    pupil = PupilFacts(born(13), capable=False, capability_reason="severe intellectual disability")
    result = deciders(pupil, [mother(), father()], TODAY)
    assert result == Deciders(("mother", "father"), False, "severe intellectual disability")


def test_the_capability_judgement_does_not_count_from_16() -> None:
    pupil = PupilFacts(born(16), capable=False, capability_reason="x")
    assert deciders(pupil, [mother()], TODAY).pupil is True


def test_a_child_without_a_holder_of_authority_has_nobody_to_decide() -> None:
    links = [LinkFacts("f", "father", authority=False)]
    assert deciders(PupilFacts(born(8)), links, TODAY).nobody


# --- BRIEF.md §6, one row per situation ---------------------------------------------

SITUATIONS = [
    # (situation, pupil age, links, guardian asked about, kinds received, decides)
    ("joint authority: both parents", 9, [mother(), father()], "father", ALL, True),
    (
        "one parent and a non-parent with joint authority",
        9,
        [mother(), LinkFacts("partner", "other", authority=True)],
        "partner",
        ALL,
        True,
    ),
    (
        "guardian institution (voogdijmaatregel)",
        9,
        [LinkFacts("inst", "guardian", authority=True), LinkFacts("m", "mother", authority=False)],
        "inst",
        ALL,
        True,
    ),
    (
        "parent after a guardianship measure, with a recorded request",
        9,
        [
            LinkFacts("inst", "guardian", authority=True),
            LinkFacts("m", "mother", authority=False, information_requested=True),
        ],
        "m",
        {K.STUDY_PROGRESS, K.SUPPORT_ROUTE_NOTICE, K.IMPORTANT_SUMMARY, K.CONVERSATION},
        False,
    ),
    (
        "one holder; the other parent without a request",
        10,
        [mother(), father(authority=False)],
        "father",
        set(),
        False,
    ),
    (
        "one holder; the other parent with a recorded request",
        10,
        [mother(), father(authority=False, information_requested=True)],
        "father",
        {K.STUDY_PROGRESS, K.SUPPORT_ROUTE_NOTICE, K.IMPORTANT_SUMMARY, K.CONVERSATION},
        False,
    ),
    (
        "a father who never recognised the child, even with a request",
        10,
        [mother(), father(authority=False, recognised=False, information_requested=True)],
        "father",
        set(),
        False,
    ),
    (
        "parent without authority: information withheld in the child's interest",
        10,
        [
            mother(),
            father(
                authority=False,
                information_requested=True,
                restriction=Restriction(RestrictionKind.WITHHELD, "contact refused by court"),
            ),
        ],
        "father",
        set(),
        False,
    ),
    (
        "court-made information arrangement",
        10,
        [
            mother(),
            father(
                authority=False,
                restriction=Restriction(
                    RestrictionKind.COURT_ARRANGEMENT,
                    "ruling 2025",
                    frozenset({K.STUDY_PROGRESS, K.OUTCOME_SUMMARY}),
                ),
            ),
        ],
        "father",
        {K.STUDY_PROGRESS, K.OUTCOME_SUMMARY},
        False,
    ),
    (
        "foster parent without authority next to a guardian institution",
        9,
        [
            LinkFacts("inst", "guardian", authority=True),
            LinkFacts("foster", "foster_parent", authority=False),
        ],
        "foster",
        {K.MEETING_INVITATION, K.CVB_NOTICE, K.POSITIVE_NEWS, K.CONVERSATION},
        False,
    ),
    (
        "foster parent: the guardian institution allowed day-to-day information",
        9,
        [
            LinkFacts("inst", "guardian", authority=True),
            LinkFacts("foster", "foster_parent", authority=False, day_to_day_allowed_by="inst"),
        ],
        "foster",
        {K.MEETING_INVITATION, K.CVB_NOTICE, K.POSITIVE_NEWS, K.HOME_ADVICE, K.CONVERSATION},
        False,
    ),
    (
        "parent without authority asked for information, pupil of 14",
        14,
        [mother(), father(authority=False, information_requested=True)],
        "father",
        {K.STUDY_PROGRESS, K.SUPPORT_ROUTE_NOTICE, K.IMPORTANT_SUMMARY, K.CONVERSATION},
        False,
    ),
    (
        "stepparent with joint authority next to a parent",
        14,
        [mother(), LinkFacts("step", "other", authority=True)],
        "step",
        ALL,
        True,
    ),
    (
        "parent without authority, a court arrangement for important facts",
        12,
        [
            mother(),
            father(
                authority=False,
                restriction=Restriction(
                    RestrictionKind.COURT_ARRANGEMENT,
                    "ruling 2026",
                    frozenset({K.STUDY_PROGRESS, K.SUPPORT_ROUTE_NOTICE, K.IMPORTANT_SUMMARY}),
                ),
            ),
        ],
        "father",
        {K.STUDY_PROGRESS, K.SUPPORT_ROUTE_NOTICE, K.IMPORTANT_SUMMARY},
        False,
    ),
    (
        "foster parents who hold authority (guardianship to the foster parents)",
        9,
        [LinkFacts("foster", "foster_parent", authority=True)],
        "foster",
        ALL,
        True,
    ),
    (
        "supervision order: parents keep authority",
        13,
        [mother(), father(), LinkFacts("gv", "family_guardian", authority=False)],
        "mother",
        ALL,
        True,
    ),
    (
        "supervision order: the family guardian is informed, does not decide",
        13,
        [mother(), father(), LinkFacts("gv", "family_guardian", authority=False)],
        "gv",
        INFO - {K.POSITIVE_NEWS},
        False,
    ),
    (
        "both parents deceased: court-appointed guardian",
        11,
        [LinkFacts("voogd", "guardian", authority=True)],
        "voogd",
        ALL,
        True,
    ),
    (
        "pupil of 17 refuses information to his father: only study progress",
        17,
        [
            mother(),
            father(restriction=Restriction(RestrictionKind.REFUSED_BY_PUPIL, "pupil's wish")),
        ],
        "father",
        {K.STUDY_PROGRESS},
        False,
    ),
    (
        "pupil of 17: the other holder is informed as usual",
        17,
        [
            mother(),
            father(restriction=Restriction(RestrictionKind.REFUSED_BY_PUPIL, "pupil's wish")),
        ],
        "mother",
        INFO,
        False,
    ),
    (
        "pupil of 16: parents with authority are informed, do not decide",
        16,
        [mother()],
        "mother",
        INFO,
        False,
    ),
    ("pupil of 18: parents receive nothing by default", 18, [mother()], "mother", set(), False),
    (
        "pupil of 18 consents to informing his mother",
        18,
        [mother(adult_pupil_consents=True)],
        "mother",
        INFO,
        False,
    ),
    (
        "pupil of 15: a refusal by the pupil does not count yet",
        15,
        [father(restriction=Restriction(RestrictionKind.REFUSED_BY_PUPIL, "x"))],
        "father",
        ALL,
        True,
    ),
]


@pytest.mark.parametrize(
    ("situation", "age", "links", "guardian", "kinds", "decides"),
    SITUATIONS,
    ids=[row[0] for row in SITUATIONS],
)
def test_situations(situation, age, links, guardian, kinds, decides) -> None:
    pupil = PupilFacts(born(age))
    assert kinds_for(guardian, pupil, links) == frozenset(kinds)
    assert (guardian in deciders(pupil, links, TODAY).guardians) is decides


def test_every_guardian_has_a_reason_the_coordinator_can_read() -> None:
    links = [mother(), father(authority=False)]
    result = audience(K.SUPPORT_ROUTE_NOTICE, PupilFacts(born(10)), links, TODAY)
    assert result.reasons == {"mother": Why.AUTHORITY, "father": Why.NO_REQUEST}
    assert result.excluded() == {"father": Why.NO_REQUEST}


@pytest.mark.parametrize(
    ("kind", "age", "pupil_receives"),
    [
        (K.CVB_NOTICE, 11, False),
        (K.CVB_NOTICE, 12, True),
        (K.CONSENT_REQUEST, 12, True),
        (K.OUTCOME_SUMMARY, 11, False),
        (K.OUTCOME_SUMMARY, 12, True),  # pupils of 12-15 read the summary of a talk about them
        (K.IMPORTANT_SUMMARY, 11, False),
        (K.IMPORTANT_SUMMARY, 14, True),
        (K.HOME_ADVICE, 14, False),  # the pupil reads the whole summary instead
        (K.MEETING_INVITATION, 15, False),
        (K.MEETING_INVITATION, 16, True),
        (K.POSITIVE_NEWS, 17, False),
        (K.POSITIVE_NEWS, 18, True),
    ],
)
def test_what_the_pupil_receives(kind, age, pupil_receives) -> None:
    assert audience(kind, PupilFacts(born(age)), [mother()], TODAY).pupil is pupil_receives


def test_a_holder_with_a_restriction_still_decides() -> None:
    withheld = mother(restriction=Restriction(RestrictionKind.WITHHELD, "x"))
    pupil = PupilFacts(born(9))
    assert deciders(pupil, [withheld], TODAY).guardians == ("mother",)
    assert audience(K.CONSENT_REQUEST, pupil, [withheld], TODAY).guardians == ("mother",)
    assert audience(K.OUTCOME_SUMMARY, pupil, [withheld], TODAY).guardians == ()


@pytest.mark.parametrize(("age", "applies"), [(15, False), (16, True), (17, True), (18, False)])
def test_a_pupils_refusal_applies_from_16_to_17(age: int, applies: bool) -> None:
    refusal = Restriction(RestrictionKind.REFUSED_BY_PUPIL, "x")
    assert restriction_applies(refusal, PupilFacts(born(age)), TODAY) is applies


def test_the_readme_table_is_the_rules_own_output() -> None:
    from pathlib import Path

    from bot.rules.rights import readme_table

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    shown = readme.split("<!-- rights-table -->\n", 1)[1].split("\n<!-- /rights-table -->", 1)[0]
    assert shown == readme_table()
