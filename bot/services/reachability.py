"""What happens when Samen can no longer reach someone: it is recorded, and the people
who can act on it (the teachers of the children) are told, so nothing fails silently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.i18n.translator import Translator
from bot.rules.models import OutgoingMessage, PersonKind, StaffMember
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
    """Tell each teacher of the guardian's children that Samen can no longer reach them;
    returns how many teachers. Notices to one teacher gather for a minute into one message."""
    if kind is not PersonKind.GUARDIAN:
        return 0
    return await _tell_mentors(
        w, person_id, "unreachable_notice", w.tx.guardians_unreachable_since, _unreachable_text
    )


async def record_undelivered(w: Work, message: OutgoingMessage, error: str) -> int:
    """A message to a family could not be delivered (refused for its content, or never
    confirmed by Telegram): the teachers are told, so nothing fails silently; returns how many.
    A message to staff is in the log and `samen check` (there is no one to pass it to)."""
    if message.recipient_kind != PersonKind.GUARDIAN.value or message.recipient_id is None:
        return 0
    await w.audit(
        ("system", None),
        "message_undelivered",
        subject=(PersonKind.GUARDIAN.value, message.recipient_id),
        details={"purpose": message.purpose, "error": error.split(":")[0][:60]},
    )
    return await _tell_mentors(
        w,
        message.recipient_id,
        "undelivered_notice",
        w.tx.guardians_undelivered_since,
        _undelivered_text,
    )


# Notices to one teacher about families wait this long for others about the same thing, so
# that a broadcast reaching 248 blocked families gives one message, not 248.
GATHER = timedelta(minutes=1)
# Families named in one notice; the rest are counted (the overview lists them all).
NAMED = 40

Family = tuple[str, str]  # (guardian's name, child's first name)
NoticeText = Callable[[Translator, list[Family]], str]


async def _tell_mentors(
    w: Work,
    guardian_id: str,
    purpose: str,
    families_since: Callable[[datetime], Awaitable[list[str]]],
    text: NoticeText,
) -> int:
    """One notice to each teacher of the guardian's children, or this family added to the
    notice about the same thing that still waits for that teacher."""
    told = 0
    teachers = {t.staff_id: t for t, _ in await w.tx.mentors_of_guardian(guardian_id)}
    for teacher in teachers.values():
        mentor = await reader(w, PersonKind.STAFF, teacher.staff_id)
        if mentor.chat_id is None:
            continue
        waiting = await w.tx.pending_notice(mentor.chat_id, purpose)
        since = waiting[1] if waiting is not None else w.now
        guardians = list(dict.fromkeys([*await families_since(since), guardian_id]))
        families = await _families_of(w, teacher, guardians)
        notice = text(mentor.tr, families)
        if waiting is not None:
            await w.tx.enqueue_edit(waiting[0], notice, None, w.now)
        else:
            await notify(w, mentor, notice, purpose=purpose, not_before=w.now + GATHER)
        told += 1
    return told


async def _families_of(w: Work, teacher: StaffMember, guardians: list[str]) -> list[Family]:
    """These guardians among the families of the teacher's groups, each with the child."""
    wanted = set(guardians)
    found: dict[str, list[Family]] = {}
    for contacts in await w.tx.contacts_of_groups(teacher.groups):
        for guardian in contacts.guardians:
            if guardian.guardian_id in wanted:
                name = f"{guardian.first_name} {guardian.last_name}"
                found.setdefault(guardian.guardian_id, []).append((name, contacts.pupil.first_name))
    return [family for g in guardians for family in found.get(g, [])]


def _unreachable_text(tr: Translator, families: list[Family]) -> str:
    if len(families) == 1:
        guardian, child = families[0]
        # staff: sent to a teacher
        return tr._(
            "⚠️ Samen can no longer reach {guardian}, parent or carer of {child}:"
            " they blocked Samen.\nPlease contact them by phone or by letter.",
            guardian=guardian,
            child=child,
        )
    # staff: sent to a teacher
    head = tr.n_(
        "⚠️ Samen can no longer reach {n} family: they blocked Samen.",
        "⚠️ Samen can no longer reach {n} families: they blocked Samen.",
        len(families),
    )
    # staff: sent to a teacher
    return _listed(tr, head, families, tr._("Please contact them by phone or by letter."))


def _undelivered_text(tr: Translator, families: list[Family]) -> str:
    if len(families) == 1:
        guardian, child = families[0]
        # staff: sent to a teacher
        return tr._(
            "⚠️ A message from Samen to {guardian}, parent or carer of {child}, could not be"
            " delivered.\nPlease contact them by phone or by letter.",
            guardian=guardian,
            child=child,
        )
    # staff: sent to a teacher
    head = tr.n_(
        "⚠️ Messages from Samen to {n} family could not be delivered.",
        "⚠️ Messages from Samen to {n} families could not be delivered.",
        len(families),
    )
    # staff: sent to a teacher
    return _listed(tr, head, families, tr._("Please contact them by phone or by letter."))


def _listed(tr: Translator, head: str, families: list[Family], tail: str) -> str:
    lines = [
        # staff: one family in a notice to a teacher
        tr._("• {guardian}, parent or carer of {child}", guardian=g, child=c)
        for g, c in families[:NAMED]
    ]
    if len(families) > NAMED:
        rest = len(families) - NAMED
        lines.append(tr.n_("… and {n} more line", "… and {n} more lines", rest))
    return "\n".join([head, *lines, tail])
