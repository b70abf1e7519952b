"""Who may do what: one row per role and action."""

from __future__ import annotations

import pytest

from bot.rules.models import Role, StaffMember
from bot.rules.permissions import Action, may, visible_groups

A = Action
ROWS = [
    # role, actions allowed
    (None, {A.HELP, A.LANGUAGE}),
    (
        Role.GUARDIAN,
        {
            A.HELP,
            A.LANGUAGE,
            A.MY_CHILDREN,
            A.MY_CONSENTS,
            A.ANSWER_CARE,
            A.ASK_ACCESS,
            A.CONVERSATION,
            A.REPORT_ABSENCE,
        },
    ),
    (
        Role.PUPIL,
        {
            A.HELP,
            A.LANGUAGE,
            A.MY_CLASS,
            A.MY_CONSENTS,
            A.ANSWER_CARE,
            A.ASK_ACCESS,
            A.CONVERSATION,
        },
    ),
    (
        Role.TEACHER,
        {
            A.HELP,
            A.LANGUAGE,
            A.FAMILY_OVERVIEW,
            A.CANCEL,
            A.CVB_NOTICE,
            A.PLAN_MEETING,
            A.SUPPORT_ROUTE,
            A.POSITIVE_NEWS,
            A.CONVERSATION,
        },
    ),
    (
        Role.COORDINATOR,
        {
            A.HELP,
            A.LANGUAGE,
            A.FAMILY_OVERVIEW,
            A.CANCEL,
            A.CVB_NOTICE,
            A.CONSENT_REQUEST,
            A.RECORD_RIGHTS,
            A.PLAN_MEETING,
            A.SUPPORT_ROUTE,
            A.POSITIVE_NEWS,
            A.ANSWER_ACCESS,
            A.CONVERSATION,
        },
    ),
    (Role.ADMIN, {A.HELP, A.LANGUAGE, A.FAMILY_OVERVIEW, A.CANCEL, A.IMPORT_ROSTER}),
]


@pytest.mark.parametrize(("role", "allowed"), ROWS)
def test_may(role: Role | None, allowed: set[Action]) -> None:
    assert {action for action in Action if may(role, action)} == allowed


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        (Role.TEACHER, ("B",), ["B"]),
        (Role.TEACHER, ("B", "Z"), ["B"]),  # a group without pupils is not shown
        (Role.TEACHER, (), []),
        (Role.COORDINATOR, ("A",), ["A", "B", "C"]),
        (Role.ADMIN, (), ["A", "B", "C"]),
    ],
)
def test_visible_groups(role: Role, own: tuple[str, ...], expected: list[str]) -> None:
    member = StaffMember("S", "Ada", "Jansen", role, own)
    assert visible_groups(member, ["A", "B", "C"]) == expected


@pytest.mark.parametrize(
    ("role", "groups", "group", "sees"),
    [
        (Role.COORDINATOR, (), "B", True),
        (Role.TEACHER, ("B",), "B", True),
        (Role.TEACHER, ("A",), "B", False),
        (Role.ADMIN, ("B",), "B", False),
    ],
)
def test_who_sees_care_matters(role, groups, group, sees) -> None:
    from bot.rules.permissions import may_see_care

    assert may_see_care(StaffMember("S", "Ada", "Jansen", role, groups), group) is sees
