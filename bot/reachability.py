"""What happens when Samen can no longer reach someone: the people who can act are told."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Catalogues
from bot.models import PersonKind
from bot.storage import Tx


async def tell_mentors_of_unreachable(
    tx: Tx, texts: Catalogues, now: datetime, kind: PersonKind, person_id: str
) -> int:
    """Queue a notice to each teacher of the guardian's children; returns how many."""
    if kind is not PersonKind.GUARDIAN:
        return 0
    guardian = await tx.guardian(person_id)
    if guardian is None:
        return 0
    queued = 0
    for teacher, child in await tx.mentors_of_guardian(person_id):
        chat = await tx.chat_of_person(PersonKind.STAFF, teacher.staff_id)
        if chat is None:
            continue
        tr = texts(await tx.language_of_person(PersonKind.STAFF, teacher.staff_id))
        # staff: sent to a teacher
        text = tr._(
            "⚠️ Samen can no longer reach {guardian}, parent or carer of {child}:"
            " they blocked Samen.\nPlease contact them by phone or by letter.",
            guardian=f"{guardian.first_name} {guardian.last_name}",
            child=child.first_name,
        )
        await tx.enqueue(
            chat_id=chat,
            text=text,
            purpose="unreachable_notice",
            now=now,
            recipient=(PersonKind.STAFF, teacher.staff_id),
        )
        queued += 1
    return queued
