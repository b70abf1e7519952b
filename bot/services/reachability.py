"""What happens when Samen can no longer reach someone: it is recorded, and the people
who can act on it (the teachers of the children) are told, so nothing fails silently."""

from __future__ import annotations

from bot.rules.models import PersonKind
from bot.services.notify import notify, reader
from bot.services.work import Work


async def record_unreachable(w: Work, chat_id: int, reason: str) -> bool:
    """Mark the person behind a private chat unreachable. Returns False for a chat that
    belongs to no one in the roster. Teachers are told only the first time."""
    person = await w.tx.mark_unreachable(chat_id, w.now)
    if person is None:
        return False
    kind, person_id, newly = PersonKind(person[0]), person[1], person[2]
    if not newly:
        return True
    await w.audit(
        ("system", None),
        "recipient_unreachable",
        subject=(kind.value, person_id),
        pupil_id=person_id if kind is PersonKind.PUPIL else None,
        details={"reason": reason},
    )
    await tell_mentors_of_unreachable(w, kind, person_id)
    return True


async def record_reachable_again(w: Work, user_id: int) -> None:
    account = await w.tx.account_of_user(user_id)
    if account is not None and await w.tx.clear_unreachable(user_id):
        kind, person_id = account
        await w.audit(
            (kind.value, person_id),
            "recipient_reachable",
            subject=(kind.value, person_id),
            pupil_id=person_id if kind is PersonKind.PUPIL else None,
        )


async def tell_mentors_of_unreachable(w: Work, kind: PersonKind, person_id: str) -> int:
    """Queue a notice to each teacher of the guardian's children; returns how many."""
    if kind is not PersonKind.GUARDIAN:
        return 0
    guardian = await w.tx.guardian(person_id)
    if guardian is None:
        return 0
    queued = 0
    for teacher, child in await w.tx.mentors_of_guardian(person_id):
        mentor = await reader(w, PersonKind.STAFF, teacher.staff_id)
        if not mentor.in_samen:
            continue
        # staff: sent to a teacher
        text = mentor.tr._(
            "⚠️ Samen can no longer reach {guardian}, parent or carer of {child}:"
            " they blocked Samen.\nPlease contact them by phone or by letter.",
            guardian=f"{guardian.first_name} {guardian.last_name}",
            child=child.first_name,
        )
        await notify(w, mentor, text, purpose="unreachable_notice")
        queued += 1
    return queued
