"""How stored values become records: times as UTC ISO text, and one function per record
that reads it from a row (`_pupil`, `_meeting`, …). Shared by the query modules of the package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.rules.models import (
    Absence,
    AccessRequest,
    AuditEntry,
    Discussion,
    FamilyMessage,
    Guardian,
    GuardianLink,
    Invitation,
    Invitee,
    Meeting,
    NewsRecipient,
    Participant,
    PersonKind,
    Pupil,
    Recipient,
    Role,
    Round,
    SafetyException,
    Slot,
    StaffMember,
    SummaryQuestion,
)
from bot.storage.executor import Row


def iso(moment: datetime) -> str:
    """Stored times are UTC ISO strings, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("stored times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """A stored time back as a datetime (aware: `iso` stores UTC)."""
    return datetime.fromisoformat(text)


def _staff(row: Row, groups: tuple[str, ...]) -> StaffMember:
    return StaffMember(
        staff_id=row["staff_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=Role(row["role"]),
        groups=groups,
    )


def _pupil(row: Row) -> Pupil:
    return Pupil(
        pupil_id=row["pupil_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        group=row["group_name"],
        language=row["language"],
    )


def _guardian(row: Row) -> Guardian:
    return Guardian(
        guardian_id=row["guardian_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        language=row["language"],
    )


def _link(row: Row) -> GuardianLink:
    return GuardianLink(
        guardian_id=row["guardian_id"],
        pupil_id=row["pupil_id"],
        relation=row["relation"],
        authority=bool(row["authority"]),
    )


def _discussion(row: Row) -> Discussion:
    return Discussion(
        id=row["id"],
        pupil_id=row["pupil_id"],
        kind=row["kind"],
        purpose=row["purpose"],
        starts_at=from_iso(row["starts_at"]),
        participants=tuple(Participant(**p) for p in json.loads(row["participants"])),
        shared_info=tuple(json.loads(row["shared_info"])),
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        notice_deadline=from_iso(row["notice_deadline"]) if row["notice_deadline"] else None,
        cancelled_at=from_iso(row["cancelled_at"]) if row["cancelled_at"] else None,
        purpose_key=row["purpose_key"],
    )


def _recipient(row: Row) -> Recipient:
    return Recipient(
        discussion_id=row["discussion_id"],
        person_kind=PersonKind(row["person_kind"]),
        person_id=row["person_id"],
        decides=bool(row["decides"]),
        language=row["language"],
        text_hash=row["text_hash"],
        text_version=row["text_version"],
        sent_at=from_iso(row["sent_at"]),
    )


def _safety(row: Row) -> SafetyException:
    return SafetyException(
        id=row["id"],
        pupil_id=row["pupil_id"],
        discussion_id=row["discussion_id"],
        reason=row["reason"],
        recorded_by=row["recorded_by"],
        recorded_at=from_iso(row["recorded_at"]),
        parents_told_at=from_iso(row["parents_told_at"]) if row["parents_told_at"] else None,
        parents_told_how=row["parents_told_how"],
        lifted_at=from_iso(row["lifted_at"]) if row["lifted_at"] else None,
    )


def _meeting(row: Row) -> Meeting:
    return Meeting(
        id=row["id"],
        pupil_id=row["pupil_id"],
        kind=row["kind"],
        starts_at=from_iso(row["starts_at"]),
        minutes=row["minutes"],
        place_kind=row["place_kind"],
        place=row["place"],
        goal=row["goal"],
        alternatives=tuple(from_iso(a) for a in json.loads(row["alternatives"])),
        created_by=row["created_by"],
        version=row["version"],
        cancelled_at=from_iso(row["cancelled_at"]) if row["cancelled_at"] else None,
        card_outbox_id=row["card_outbox_id"],
        round_id=row["round_id"],
        summary_prompted_at=(
            from_iso(row["summary_prompted_at"]) if row["summary_prompted_at"] else None
        ),
    )


def _invitee(row: Row) -> Invitee:
    return Invitee(
        meeting_id=row["meeting_id"],
        person_kind=PersonKind(row["person_kind"]),
        person_id=row["person_id"],
        language=row["language"],
        answer=row["answer"],
        preference=row["preference"],
        interpreter=bool(row["interpreter"]),
        companion=bool(row["companion"]),
        reminded_version=row["reminded_version"],
    )


def _round(row: Row) -> Round:
    return Round(
        id=row["id"],
        group=row["group_name"],
        created_by=row["created_by"],
        deadline=from_iso(row["deadline"]),
        minutes=row["minutes"],
        place=row["place"],
        separate_slots=bool(row["separate_slots"]),
        reminded_at=from_iso(row["reminded_at"]) if row["reminded_at"] else None,
        overview_sent_at=from_iso(row["overview_sent_at"]) if row["overview_sent_at"] else None,
    )


def _slot(row: Row) -> Slot:
    booked = (
        (PersonKind(row["booked_by_kind"]), row["booked_by_id"]) if row["booked_by_kind"] else None
    )
    return Slot(
        id=row["id"],
        round_id=row["round_id"],
        starts_at=from_iso(row["starts_at"]),
        blocked=bool(row["blocked"]),
        pupil_id=row["pupil_id"],
        booked_by=booked,
    )


def _access_request(row: Row) -> AccessRequest:
    return AccessRequest(
        id=int(row["id"]),
        requester=(PersonKind(row["requester_kind"]), str(row["requester_id"])),
        requested_at=from_iso(str(row["requested_at"])),
        due_on=date.fromisoformat(str(row["due_on"])),
        reminders_sent=int(row["reminders_sent"]),
        answered_at=from_iso(str(row["answered_at"])) if row["answered_at"] else None,
        answered_by=row["answered_by"],
    )


def _question(row: Row) -> SummaryQuestion:
    return SummaryQuestion(
        id=row["id"],
        meeting_id=row["meeting_id"],
        person_kind=PersonKind(row["person_kind"]),
        person_id=row["person_id"],
        question=row["question"],
        asked_at=from_iso(row["asked_at"]),
        answer=row["answer"],
        answered_at=from_iso(row["answered_at"]) if row["answered_at"] else None,
    )


def _audit_entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=from_iso(row["at"]),
        actor_kind=row["actor_kind"],
        actor_id=row["actor_id"],
        action=row["action"],
        pupil_id=row["pupil_id"],
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        details=row["details"],
    )


def _news_recipient(row: Row) -> NewsRecipient:
    return NewsRecipient(
        news_id=row["news_id"],
        person_kind=PersonKind(row["person_kind"]),
        person_id=row["person_id"],
        pupil_id=row["pupil_id"],
        staff_id=row["staff_id"],
        outbox_id=row["outbox_id"],
        reaction=row["reaction"],
        reaction_text=row["reaction_text"],
        reacted_at=from_iso(row["reacted_at"]) if row["reacted_at"] else None,
    )


def _invitation(row: Row) -> Invitation:
    def moment(column: str) -> datetime | None:
        return from_iso(row[column]) if row[column] else None

    return Invitation(
        code_hash=row["code_hash"],
        kind=PersonKind(row["kind"]),
        person_id=row["person_id"],
        created_at=from_iso(row["created_at"]),
        expires_at=from_iso(row["expires_at"]),
        used_at=moment("used_at"),
        used_by=row["used_by"],
        revoked_at=moment("revoked_at"),
    )


def _family_message(row: Row) -> FamilyMessage:
    return FamilyMessage(
        id=row["id"],
        pupil_id=row["pupil_id"],
        family_kind=PersonKind(row["family_kind"]),
        family_id=row["family_id"],
        from_school=bool(row["from_school"]),
        staff_id=row["staff_id"],
        text=row["text"],
        language=row["language"],
        written_at=from_iso(row["written_at"]),
        answer_to=row["answer_to"],
        answered_at=from_iso(row["answered_at"]) if row["answered_at"] else None,
        media=row["media"],
    )


def _absence(row: Row) -> Absence:
    return Absence(
        id=row["id"],
        pupil_id=row["pupil_id"],
        reported_by=row["reported_by"],
        first_day=date.fromisoformat(row["first_day"]),
        last_day=date.fromisoformat(row["last_day"]),
        reason=row["reason"],
        reported_at=from_iso(row["reported_at"]),
    )


def marks(values: Sequence[object]) -> str:
    """The placeholders of an IN list, `?,?,?`; for no values `NULL`, which nothing equals
    (an empty list is SQLite's only)."""
    return ",".join("?" * len(values)) or "NULL"


def among_ids(sql: str, params: list[Any], ids: Iterable[int] | None, column: str) -> str | None:
    """`sql` (a WHERE clause under way) narrowed to rows whose `column` is one of `ids`, their
    values added to `params`; `sql` itself when `ids` is None (all rows), and None when `ids`
    is empty (no row can match: the caller reads nothing)."""
    if ids is None:
        return sql
    numbers = sorted(set(ids))
    if not numbers:
        return None
    params.extend(numbers)
    return f"{sql} AND {column} IN ({marks(numbers)})"
