"""A parent's answer to an invitation: the invitation screen as they see it now, the answer
and the wishes (interpreter, bringing someone), each checked against the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.i18n.translator import Translator
from bot.rules.models import (
    Invitee,
    Meeting,
    PersonKind,
)
from bot.services import pupil_discussions
from bot.services.meeting_card import refresh_card
from bot.services.meetings import ANSWERS, invitation_text
from bot.services.work import Work
from bot.storage import Tx
from bot.texts.meeting_messages import (
    answer_lines,
    teacher_name,
)


@dataclass(frozen=True)
class InvitationScreen:
    """An invitation as it should look now for one person."""

    meeting: Meeting
    invitee: Invitee
    text: str  # the talk and, below it, the person's answer and wishes

    def below(self, line: str) -> str:
        """The invitation with one more line under it (a question, a thank-you)."""
        return f"{self.text}\n\n{line}" if line else self.text


async def invitation_screen(
    w: Work, tr: Translator, meeting_id: int, person: tuple[PersonKind, str]
) -> InvitationScreen | None:
    """What one person's invitation shows now, in their current language; None when they are
    not invited to this talk."""
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None:
        return None
    invitee = next(
        (i for i in await w.tx.invitees(meeting_id) if (i.person_kind, i.person_id) == person),
        None,
    )
    pupil = await w.tx.pupil(meeting.pupil_id)
    staff = await w.tx.staff_member(meeting.created_by)
    if invitee is None or pupil is None or staff is None:
        return None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    text = invitation_text(
        tr,
        meeting,
        name=people[pupil_discussions.person_key(*person)].first_name,
        child=pupil.first_name,
        teacher=teacher_name(staff),
        settings=w.settings,
        moved=meeting.version > 1,
    )
    status = answer_lines(tr, meeting, invitee)
    if status:
        text += "\n\n" + "\n".join(status)
    return InvitationScreen(meeting, invitee, text)


@dataclass(frozen=True)
class AnswerOutcome:
    ok: bool
    meeting: Meeting | None = None
    invitee: Invitee | None = None
    reason: str = ""  # not_yours | stale | past | cancelled


async def find_invitation(
    tx: Tx, person: tuple[PersonKind, str], meeting_id: int, version: int, now: datetime
) -> AnswerOutcome:
    """Check a tap against the database: the meeting, the version, the person."""
    meeting = await tx.meeting(meeting_id)
    if meeting is None:
        return AnswerOutcome(False, reason="not_yours")
    invitee = next(
        (i for i in await tx.invitees(meeting_id) if (i.person_kind, i.person_id) == person),
        None,
    )
    if invitee is None:
        return AnswerOutcome(False, meeting, reason="not_yours")
    if meeting.cancelled_at is not None:
        return AnswerOutcome(False, meeting, invitee, reason="cancelled")
    if meeting.version != version:
        return AnswerOutcome(False, meeting, invitee, reason="stale")
    if meeting.starts_at <= now:
        return AnswerOutcome(False, meeting, invitee, reason="past")
    return AnswerOutcome(True, meeting, invitee)


async def answer(
    w: Work,
    *,
    person: tuple[PersonKind, str],
    meeting_id: int,
    version: int,
    answer: str,
    preference: str | None = None,
) -> AnswerOutcome:
    found = await find_invitation(w.tx, person, meeting_id, version, w.now)
    if not found.ok or answer not in ANSWERS:
        return found
    await w.tx.set_invitee_answer(meeting_id, person[0], person[1], answer, preference, w.now)
    await w.audit(
        (person[0].value, person[1]),
        f"meeting_{answer}",
        pupil_id=found.meeting.pupil_id if found.meeting else None,
        details={"meeting_id": meeting_id, "version": version},
    )
    await refresh_card(w, meeting_id)
    return found


async def toggle_wish(
    w: Work, *, person: tuple[PersonKind, str], meeting_id: int, version: int, wish: str
) -> tuple[AnswerOutcome, bool]:
    """An interpreter or a companion; tapping again takes the wish back."""
    found = await find_invitation(w.tx, person, meeting_id, version, w.now)
    if not found.ok or found.invitee is None:
        return found, False
    current = found.invitee.interpreter if wish == "interpreter" else found.invitee.companion
    await w.tx.set_invitee_wish(meeting_id, person[0], person[1], wish, not current)
    await refresh_card(w, meeting_id)
    return found, not current
