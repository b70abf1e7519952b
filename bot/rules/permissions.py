"""Who may do what: pure rules, checked on every command and every button."""

from __future__ import annotations

from enum import StrEnum

from bot.rules.models import Role, StaffMember


class Action(StrEnum):
    HELP = "help"
    LANGUAGE = "language"
    FAMILY_OVERVIEW = "family_overview"
    MY_CHILDREN = "my_children"
    MY_CLASS = "my_class"
    CANCEL = "cancel"
    CVB_NOTICE = "cvb_notice"
    CONSENT_REQUEST = "consent_request"
    RECORD_RIGHTS = "record_rights"
    MY_CONSENTS = "my_consents"
    ANSWER_CARE = "answer_care"
    PLAN_MEETING = "plan_meeting"
    SUPPORT_ROUTE = "support_route"
    POSITIVE_NEWS = "positive_news"
    ASK_ACCESS = "ask_access"
    ANSWER_ACCESS = "answer_access"
    # Families and school write to each other: a parent or pupil writes, a teacher answers.
    CONVERSATION = "conversation"
    REPORT_ABSENCE = "report_absence"
    # The school's roster files (pupils, staff, parents, EDEX), sent in the chat.
    IMPORT_ROSTER = "import_roster"


_ALLOWED: dict[Action, frozenset[Role | None]] = {
    Action.HELP: frozenset({None, *Role}),
    Action.LANGUAGE: frozenset({None, *Role}),
    Action.FAMILY_OVERVIEW: frozenset({Role.TEACHER, Role.COORDINATOR, Role.ADMIN}),
    Action.MY_CHILDREN: frozenset({Role.GUARDIAN}),
    Action.MY_CLASS: frozenset({Role.PUPIL}),
    Action.CANCEL: frozenset({Role.TEACHER, Role.COORDINATOR, Role.ADMIN}),
    # A mentor may put a pupil of their own group on the CvB agenda; a coordinator any pupil.
    Action.CVB_NOTICE: frozenset({Role.TEACHER, Role.COORDINATOR}),
    Action.CONSENT_REQUEST: frozenset({Role.COORDINATOR}),
    Action.RECORD_RIGHTS: frozenset({Role.COORDINATOR}),
    Action.MY_CONSENTS: frozenset({Role.GUARDIAN, Role.PUPIL}),
    Action.ANSWER_CARE: frozenset({Role.GUARDIAN, Role.PUPIL}),
    Action.PLAN_MEETING: frozenset({Role.TEACHER, Role.COORDINATOR}),
    Action.SUPPORT_ROUTE: frozenset({Role.TEACHER, Role.COORDINATOR}),
    Action.POSITIVE_NEWS: frozenset({Role.TEACHER, Role.COORDINATOR}),
    # The right of access: parents and pupils ask (a pupil from 16, checked with the age);
    # a coordinator, who is accountable for the pupil files, approves and sends.
    Action.ASK_ACCESS: frozenset({Role.GUARDIAN, Role.PUPIL}),
    Action.ANSWER_ACCESS: frozenset({Role.COORDINATOR}),
    Action.CONVERSATION: frozenset({Role.GUARDIAN, Role.PUPIL, Role.TEACHER, Role.COORDINATOR}),
    Action.REPORT_ABSENCE: frozenset({Role.GUARDIAN}),
    Action.IMPORT_ROSTER: frozenset({Role.ADMIN}),
}


def may(role: Role | None, action: Action) -> bool:
    """`role` None is a Telegram user not linked to anyone in the roster."""
    return role in _ALLOWED[action]


def visible_groups(member: StaffMember, all_groups: list[str]) -> list[str]:
    """A teacher sees the families of their own groups; coordinators and admins see all."""
    if member.role is Role.TEACHER:
        return [g for g in all_groups if g in member.groups]
    return list(all_groups)


def may_see_pupil(member: StaffMember, pupil_group: str) -> bool:
    return member.role is not Role.TEACHER or pupil_group in member.groups


def may_see_care(member: StaffMember, pupil_group: str) -> bool:
    """CvB and ZAT matters: the coordinator, and the teachers of the pupil's group. An admin
    runs the roster and invitations and has no need to know about care."""
    if member.role is Role.COORDINATOR:
        return True
    return member.role is Role.TEACHER and pupil_group in member.groups
