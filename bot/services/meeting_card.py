"""The teacher's card of one talk: one message, edited in place as answers arrive, that turns
into the way to write the summary once the talk has started."""

from __future__ import annotations

from bot.i18n.translator import Markup, Translator
from bot.rules.models import (
    DeliveryState,
    Invitee,
    Meeting,
    PersonKind,
    Pupil,
)
from bot.services import pupil_discussions
from bot.services.notify import notify, reader
from bot.services.work import Work
from bot.texts import staff_labels
from bot.texts.meeting_messages import (
    ANSWER_LABELS,
    KINDS,
    card_keyboard,
    place_text,
    wish_text,
)


async def card_text(w: Work, tr: Translator, meeting: Meeting) -> str:
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    lines = _head(tr, meeting, pupil)
    lines += await _invitee_lines(w, tr, meeting, pupil, people)
    readers = await w.tx.summary_readers(meeting.id)
    if readers:
        read = [
            pupil_discussions.describe(
                tr, people[pupil_discussions.person_key(k, p)], pupil.first_name
            )
            for k, p, at in readers
            if at
        ]
        # staff:
        lines.append(tr._("📝 Summary sent. Read by: {names}", names=tr.list_of(read) or "–"))
    return "\n".join(lines)


def _head(tr: Translator, meeting: Meeting, pupil: Pupil) -> list[str]:
    """Which talk, when and where, and whether it was cancelled."""
    lines = [
        # staff:
        tr._(
            "📅 <b>{kind} · {pupil}</b>",
            kind=tr.label(KINDS[meeting.kind]),
            pupil=f"{pupil.first_name} {pupil.last_name}",
        ),
        # staff:
        tr._(
            "{date} · {minutes} min · {place}",
            date=tr.datetime(meeting.starts_at),
            minutes=meeting.minutes,
            place=place_text(tr, meeting),
        ),
    ]
    if meeting.cancelled_at is not None:
        # staff:
        lines.append(tr._("✖️ Cancelled; the parents were told."))
    return lines


async def _invitee_lines(
    w: Work,
    tr: Translator,
    meeting: Meeting,
    pupil: Pupil,
    people: dict[str, pupil_discussions.PersonOnFile],
) -> list[str]:
    """One line per invited person: their answer (or why there is none) and their wishes."""
    invitees = await w.tx.invitees(meeting.id)
    # Under a safety exception nothing reaches the family: say so, not "no answer yet".
    sent_as = await w.tx.invite_outbox_ids(meeting.id)
    delivery = await w.tx.delivery_of(sent_as.values())
    if not invitees:
        # staff:
        return [tr._("⚠️ Nobody could be invited: check the guardians in the roster.")]
    lines = []
    for invitee in invitees:
        key = pupil_discussions.person_key(invitee.person_kind, invitee.person_id)
        who = pupil_discussions.describe(tr, people[key], pupil.first_name)
        state = delivery.get(sent_as.get((invitee.person_kind, invitee.person_id), 0))
        status = await _status(w, tr, invitee, state)
        detail = status + "".join(f" · {extra}" for extra in _extras(tr, invitee))
        # staff:
        lines.append(tr._("• {who}: {status}", who=who, status=Markup(detail, detail)))
    return lines


async def _status(w: Work, tr: Translator, invitee: Invitee, state: DeliveryState | None) -> str:
    """The invitee's answer, or why there is none: not in Samen, or the invitation held back."""
    if await w.tx.chat_of_person(invitee.person_kind, invitee.person_id) is None:
        # staff:
        return tr.label("⚠️ not in Samen: call or write")
    if invitee.answer is None and state in (DeliveryState.HELD, DeliveryState.WITHDRAWN):
        return tr.label(staff_labels.HELD_LABELS[state])
    return tr.label(ANSWER_LABELS[invitee.answer])


def _extras(tr: Translator, invitee: Invitee) -> list[str]:
    """What the invitee asked for: another time, an interpreter, bringing someone."""
    extras = []
    if invitee.preference:
        wish = wish_text(tr, invitee.preference)
        # staff:
        extras.append(tr.label("wish: “{text}”", text=wish))
    if invitee.interpreter:
        # staff:
        extras.append(tr.label("🗣 interpreter"))
    if invitee.companion:
        # staff:
        extras.append(tr.label("👥 brings someone"))
    return extras


async def card_screen(w: Work, tr: Translator, meeting: Meeting) -> tuple[str, str | None]:
    """The teacher's card as it should look now: its text and its buttons."""
    text = await card_text(w, tr, meeting)
    summarised = await w.tx.summary(meeting.id) is not None
    return text, card_keyboard(tr, meeting, w.now, summarised=summarised)


async def refresh_card(w: Work, meeting_id: int, *, create: bool = False) -> None:
    """One message per meeting for the teacher, edited in place as answers arrive."""
    meeting = await w.tx.meeting(meeting_id)
    # A talk without a card gets none unless asked (a booked slot of a round: the teacher
    # gets one overview instead), so there is nothing to write.
    if meeting is None or (meeting.card_outbox_id is None and not create):
        return
    teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
    if not teacher.in_samen:
        return
    text, markup = await card_screen(w, teacher.tr, meeting)
    if meeting.card_outbox_id is None:
        outbox_id = await notify(w, teacher, text, purpose="meeting_card", reply_markup=markup)
        assert outbox_id is not None
        await w.tx.set_meeting_card(meeting_id, outbox_id)
    else:
        await w.tx.enqueue_edit(meeting.card_outbox_id, text, markup, w.now)


async def refresh_started_cards(w: Work) -> int:
    """Once a talk has started its card stops offering to move or cancel it, and offers the
    summary instead; each card is changed once."""
    started = await w.tx.started_cards(w.now)
    for meeting in started:
        await w.tx.set_card_started(meeting.id, w.now)
        await refresh_card(w, meeting.id)
    return len(started)
