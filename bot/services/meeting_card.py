"""The teacher's card of one talk: one message, edited in place as answers arrive, that turns
into the way to write the summary once the talk has started."""

from __future__ import annotations

from datetime import datetime

from bot.i18n.translator import Catalogues, Markup, Translator
from bot.platform.config import Settings
from bot.rules.models import (
    DeliveryState,
    Meeting,
    PersonKind,
)
from bot.services import pupil_discussions
from bot.services.notify import notify, reader
from bot.storage import Tx
from bot.texts import staff_labels
from bot.texts.meeting_messages import (
    ANSWER_LABELS,
    KINDS,
    card_keyboard,
    place_text,
    wish_text,
)


async def card_text(tx: Tx, tr: Translator, meeting: Meeting, settings: Settings) -> str:
    pupil = await tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
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
    invitees = await tx.invitees(meeting.id)
    # Under a safety exception nothing reaches the family: say so, not "no answer yet".
    sent_as = await tx.invite_outbox_ids(meeting.id)
    delivery = await tx.delivery_of(sent_as.values())
    if not invitees:
        # staff:
        lines.append(tr._("⚠️ Nobody could be invited: check the guardians in the roster."))
    for invitee in invitees:
        key = pupil_discussions.person_key(invitee.person_kind, invitee.person_id)
        who = pupil_discussions.describe(tr, people[key], pupil.first_name)
        if await tx.chat_of_person(invitee.person_kind, invitee.person_id) is None:
            # staff:
            status = tr.label("⚠️ not in Samen: call or write")
        elif invitee.answer is None and (
            state := delivery.get(sent_as.get((invitee.person_kind, invitee.person_id), 0))
        ) in (DeliveryState.HELD, DeliveryState.WITHDRAWN):
            status = tr.label(staff_labels.HELD_LABELS[state])
        else:
            status = tr.label(ANSWER_LABELS[invitee.answer])
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
        detail = f"{status}" + (f" · {' · '.join(extras)}" if extras else "")
        # staff:
        lines.append(tr._("• {who}: {status}", who=who, status=Markup(detail, detail)))
    readers = await tx.summary_readers(meeting.id)
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


async def card_screen(
    tx: Tx, tr: Translator, meeting: Meeting, settings: Settings, now: datetime
) -> tuple[str, str | None]:
    """The teacher's card as it should look now: its text and its buttons."""
    text = await card_text(tx, tr, meeting, settings)
    summarised = await tx.summary(meeting.id) is not None
    return text, card_keyboard(tr, meeting, now, summarised=summarised)


async def refresh_card(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    meeting_id: int,
    *,
    create: bool = False,
) -> None:
    """One message per meeting for the teacher, edited in place as answers arrive."""
    meeting = await tx.meeting(meeting_id)
    if meeting is None:
        return
    teacher = await reader(tx, texts, PersonKind.STAFF, meeting.created_by)
    if not teacher.in_samen:
        return
    text, markup = await card_screen(tx, teacher.tr, meeting, settings, now)
    if meeting.card_outbox_id is None:
        if not create:
            return
        outbox_id = await notify(
            tx, teacher, text, purpose="meeting_card", now=now, reply_markup=markup
        )
        assert outbox_id is not None
        await tx.set_meeting_card(meeting_id, outbox_id)
    else:
        await tx.enqueue_edit(meeting.card_outbox_id, text, markup, now)


async def refresh_started_cards(
    tx: Tx, texts: Catalogues, settings: Settings, now: datetime
) -> int:
    """Once a talk has started its card stops offering to move or cancel it, and offers the
    summary instead; each card is changed once."""
    started = await tx.started_cards(now)
    for meeting in started:
        await tx.set_card_started(meeting.id, now)
        await refresh_card(tx, texts, settings, now, meeting.id)
    return len(started)
