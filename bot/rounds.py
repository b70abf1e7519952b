"""Slot rounds: ten-minute talks for a whole group. Families pick a free slot with buttons;
a slot is never booked twice, siblings in other groups are offered the times right before or
after their other talk, families who have not booked are reminded once, and the teacher gets
one overview at the deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot import care, care_texts, meetings
from bot.config import Settings
from bot.i18n import Catalogues, Translator
from bot.models import PersonKind, Pupil, Round, Slot, StaffMember
from bot.schooltime import days_later, in_quiet_hours, next_allowed
from bot.storage import Tx

ROUND_KIND = "progress"


def make_slots(
    days: Sequence[date], window: tuple[time, time], minutes: int, settings: Settings
) -> list[datetime]:
    slots = []
    for day in days:
        moment = datetime.combine(day, window[0], settings.timezone)
        end = datetime.combine(day, window[1], settings.timezone)
        while moment + timedelta(minutes=minutes) <= end:
            slots.append(moment)
            moment += timedelta(minutes=minutes)
    return slots


@dataclass(frozen=True)
class Opened:
    round_id: int
    slots: int
    invited: tuple[str, ...]
    not_linked: tuple[str, ...]


def choose_button(tr: Translator, round_id: int, pupil_id: str) -> str:
    return care_texts.keyboard(
        [[care_texts.button(tr.label("🕒 Choose a time"), f"rb:{round_id}:{pupil_id}")]]
    )


async def open_round(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    staff: StaffMember,
    group: str,
    slots: Sequence[datetime],
    minutes: int,
    place: str,
    deadline: datetime,
) -> Opened:
    round_id = await tx.add_round(
        group=group,
        created_by=staff.staff_id,
        now=now,
        deadline=deadline,
        minutes=minutes,
        place=place,
        separate_slots=settings.separate_slots,
        slots=slots,
    )
    invited: list[str] = []
    not_linked: list[str] = []
    for contacts in await tx.contacts_of_groups([group]):
        pupil = contacts.pupil
        people = await care.people_of_pupil(tx, pupil)
        for kind, person_id in await meetings.invitees_for(tx, settings, now, pupil.pupil_id):
            person = people[care.person_key(kind, person_id)]
            chat = await tx.chat_of_person(kind, person_id)
            if chat is None:
                not_linked.append(person.full_name)
                continue
            tr = texts(await tx.language_of_person(kind, person_id))
            await tx.enqueue(
                chat_id=chat,
                text=tr._(
                    "📅 {name}, {teacher} invites you to a short talk about {child}"
                    " ({minutes} minutes). Please choose a time before {deadline}.",
                    name=person.first_name,
                    teacher=meetings.teacher_name(staff),
                    child=pupil.first_name,
                    minutes=minutes,
                    deadline=tr.datetime(deadline),
                ),
                purpose="round_invitation",
                now=now,
                reply_markup=choose_button(tr, round_id, pupil.pupil_id),
                recipient=(kind, person_id),
                pupil_id=pupil.pupil_id,
            )
            invited.append(person.full_name)
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="round_opened",
        details={"round_id": round_id, "group": group, "slots": len(slots)},
    )
    return Opened(round_id, len(slots), tuple(invited), tuple(not_linked))


# --- booking ----------------------------------------------------------------------------


class Booked(StrEnum):
    BOOKED = "booked"
    TAKEN = "taken"  # someone else was first, or the teacher blocked it
    ALREADY = "already"  # this child already has a slot (booked by the other parent)
    OVERLAP = "overlap"  # the booker has another talk at that time
    CLOSED = "closed"  # the deadline has passed
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class Choice:
    """What a family sees when choosing: free slots, and which fit their other talks."""

    round: Round
    pupil: Pupil
    free: tuple[Slot, ...]
    mine: Slot | None  # this child's booking in this round (by this booker)
    other_booking: tuple[str, str, Slot] | None  # (booker name, child name, slot) by someone else
    next_to_mine: frozenset[int]  # slot ids right before or after another booked talk


async def _may_book(
    tx: Tx, settings: Settings, now: datetime, person: tuple[PersonKind, str], pupil_id: str
) -> bool:
    return person in await meetings.invitees_for(tx, settings, now, pupil_id)


async def choice(
    tx: Tx,
    settings: Settings,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    round_id: int,
    pupil_id: str,
) -> Choice | Booked:
    round_ = await tx.round(round_id)
    pupil = await tx.pupil(pupil_id)
    if round_ is None or pupil is None or pupil.group != round_.group:
        return Booked.NOT_YOURS
    if not await _may_book(tx, settings, now, person, pupil_id):
        return Booked.NOT_YOURS
    if now >= round_.deadline:
        return Booked.CLOSED
    slots = await tx.slots(round_id)
    mine = next(
        (
            s
            for s in slots
            if s.pupil_id == pupil_id and (not round_.separate_slots or s.booked_by == person)
        ),
        None,
    )
    other = None
    if not round_.separate_slots and mine is not None and mine.booked_by != person:
        assert mine.booked_by is not None
        people = await care.people_of_pupil(tx, pupil)
        booker = people.get(care.person_key(*mine.booked_by))
        other = (booker.full_name if booker else "", pupil.first_name, mine)
        mine = None
    free = tuple(s for s in slots if s.pupil_id is None and not s.blocked and s.starts_at > now)
    busy = await _bookings_of(tx, person, exclude_round=round_id)
    near = frozenset(
        s.id
        for s in free
        for start, length in busy
        if s.starts_at == start + timedelta(minutes=length)
        or s.starts_at + timedelta(minutes=round_.minutes) == start
    )
    return Choice(round_, pupil, free, mine, other, near)


async def _bookings_of(
    tx: Tx, person: tuple[PersonKind, str], exclude_round: int | None = None
) -> list[tuple[datetime, int]]:
    """(start, minutes) of this person's other booked talks in open rounds."""
    out = []
    for round_ in await tx.all_rounds_of_booker(person):
        if round_.id == exclude_round:
            continue
        for slot in await tx.slots(round_.id):
            if slot.booked_by == person:
                out.append((slot.starts_at, round_.minutes))
    return out


async def book(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    round_id: int,
    pupil_id: str,
    slot_id: int,
) -> tuple[Booked, Slot | None]:
    found = await choice(tx, settings, now, person=person, round_id=round_id, pupil_id=pupil_id)
    if isinstance(found, Booked):
        return found, None
    if found.other_booking is not None:
        return Booked.ALREADY, found.other_booking[2]
    slot = await tx.slot(slot_id)
    if slot is None or slot.round_id != round_id:
        return Booked.NOT_YOURS, None
    for start, length in await _bookings_of(tx, person, exclude_round=round_id):
        if start < slot.starts_at + timedelta(minutes=found.round.minutes) and (
            slot.starts_at < start + timedelta(minutes=length)
        ):
            return Booked.OVERLAP, None
    if found.mine is not None and found.mine.id == slot_id:
        return Booked.BOOKED, found.mine
    if not await tx.book_slot(slot_id, pupil_id, person, now):
        return Booked.TAKEN, None
    if found.mine is not None:
        await _release(tx, texts, settings, now, found.round, found.mine)
    staff = await tx.staff_member(found.round.created_by)
    assert staff is not None
    only = [person] if found.round.separate_slots else None
    planned = await meetings.plan_meeting(
        tx,
        texts,
        settings,
        now,
        staff=staff,
        pupil_id=pupil_id,
        kind=ROUND_KIND,
        starts_at=slot.starts_at,
        minutes=found.round.minutes,
        place_kind="room",
        place=found.round.place,
        goal=round_goal(texts, found.round),
        round_id=round_id,
        booked_by=person,
        only=only,
    )
    await tx.set_slot_meeting(slot_id, planned.meeting_id)
    await _send_calendar_file(tx, texts, settings, now, person, planned.meeting_id, staff)
    await tx.audit(
        now=now,
        actor=(person[0].value, person[1]),
        action="slot_booked",
        pupil_id=pupil_id,
        details={"round_id": round_id, "slot_id": slot_id},
    )
    return Booked.BOOKED, await tx.slot(slot_id)


async def _send_calendar_file(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    person: tuple[PersonKind, str],
    meeting_id: int,
    staff: StaffMember,
) -> None:
    meeting = await tx.meeting(meeting_id)
    chat = await tx.chat_of_person(*person)
    if meeting is None or chat is None:
        return
    pupil = await tx.pupil(meeting.pupil_id)
    assert pupil is not None
    tr = texts(await tx.language_of_person(*person))
    await tx.enqueue(
        chat_id=chat,
        text=tr._("📅 Add it to your calendar: tap the file."),
        purpose="meeting_ics",
        now=now,
        recipient=person,
        pupil_id=pupil.pupil_id,
        document=meetings.ics_for(tr, meeting, pupil, staff, settings, now),
        document_name="samen.ics",
    )


def round_goal(texts: Catalogues, round_: Round) -> str:
    """The goal shown with a booked slot: the teacher's words are not asked for, so a fixed
    Dutch sentence stands in (shown as the teacher's words)."""
    return texts("nl").label("How is it going at school and at home?")


async def _release(
    tx: Tx, texts: Catalogues, settings: Settings, now: datetime, round_: Round, slot: Slot
) -> None:
    meeting_id = await tx.slot_meeting_id(slot.id)
    await tx.release_slot(slot.id)
    staff = await tx.staff_member(round_.created_by)
    if meeting_id is not None and staff is not None:
        await meetings.cancel(tx, texts, settings, now, staff=staff, meeting_id=meeting_id)


async def block(tx: Tx, staff: StaffMember, round_id: int, slot_id: int) -> bool:
    round_ = await tx.round(round_id)
    slot = await tx.slot(slot_id)
    if (
        round_ is None
        or slot is None
        or slot.round_id != round_id
        or (round_.created_by != staff.staff_id)
    ):
        return False
    return await tx.block_slot(slot_id, not slot.blocked)


# --- reminders and the overview (scheduled) --------------------------------------------


async def due_round_work(
    tx: Tx, texts: Catalogues, settings: Settings, now: datetime
) -> dict[str, int]:
    reminded = overviews = 0
    quiet = care.quiet_hours(settings)
    if not in_quiet_hours(now, settings.timezone, quiet, settings.holidays):
        for round_ in await tx.open_rounds(now):
            moment = next_allowed(
                days_later(round_.deadline, -1, settings.timezone),
                settings.timezone,
                quiet,
                settings.holidays,
            )
            if round_.reminded_at is None and now >= moment:
                reminded += await _remind(tx, texts, settings, now, round_)
                await tx.set_round_reminded(round_.id, now)
    for round_ in await tx.rounds_needing_overview(now):
        await _overview(tx, texts, now, round_)
        await tx.set_round_overview_sent(round_.id, now)
        overviews += 1
    return {"round_reminders": reminded, "round_overviews": overviews}


async def _remind(
    tx: Tx, texts: Catalogues, settings: Settings, now: datetime, round_: Round
) -> int:
    booked = {s.pupil_id for s in await tx.slots(round_.id) if s.pupil_id}
    paused = await tx.paused_pupils()
    sent = 0
    for contacts in await tx.contacts_of_groups([round_.group]):
        pupil = contacts.pupil
        if pupil.pupil_id in booked or pupil.pupil_id in paused:
            continue
        people = await care.people_of_pupil(tx, pupil)
        for kind, person_id in await meetings.invitees_for(tx, settings, now, pupil.pupil_id):
            chat = await tx.chat_of_person(kind, person_id)
            if chat is None:
                continue
            tr = texts(await tx.language_of_person(kind, person_id))
            await tx.enqueue(
                chat_id=chat,
                text=tr._(
                    "⏰ {name}, please choose a time for the talk about {child},"
                    " before {deadline}.",
                    name=people[care.person_key(kind, person_id)].first_name,
                    child=pupil.first_name,
                    deadline=tr.datetime(round_.deadline),
                ),
                purpose="round_reminder",
                now=now,
                reply_markup=choose_button(tr, round_.id, pupil.pupil_id),
                recipient=(kind, person_id),
                pupil_id=pupil.pupil_id,
            )
            sent += 1
    return sent


async def overview_text(tx: Tx, tr: Translator, round_: Round) -> str:
    slots = await tx.slots(round_.id)
    pupils = {c.pupil.pupil_id: c.pupil for c in await tx.contacts_of_groups([round_.group])}
    # staff:
    lines = [tr._("📋 <b>Short talks for group {group}</b>", group=round_.group)]
    day = None
    for slot in slots:
        if slot.pupil_id is None and not slot.blocked:
            continue
        local = slot.starts_at.astimezone(tr.timezone).date()
        if local != day:
            day = local
            lines.append(f"<b>{tr.date(local)}</b>")
        if slot.blocked:
            # staff:
            lines.append(tr._("{time} · blocked", time=tr.time(slot.starts_at)))
            continue
        pupil = pupils.get(slot.pupil_id or "")
        people = await care.people_of_pupil(tx, pupil) if pupil else {}
        booker = people.get(care.person_key(*slot.booked_by)) if slot.booked_by else None
        # staff:
        lines.append(
            tr._(
                "{time} · {pupil} ({booker})",
                time=tr.time(slot.starts_at),
                pupil=pupil.first_name if pupil else "?",
                booker=booker.full_name if booker else "?",
            )
        )
    missing = sorted(
        f"{p.first_name} {p.last_name}"
        for pid, p in pupils.items()
        if pid not in {s.pupil_id for s in slots}
    )
    if missing:
        # staff:
        lines.append(tr._("Not booked: {names}. Please call or write.", names=tr.list_of(missing)))
    else:
        # staff:
        lines.append(tr._("✅ Every family booked a time."))
    return "\n".join(lines)


async def _overview(tx: Tx, texts: Catalogues, now: datetime, round_: Round) -> None:
    chat = await tx.chat_of_person(PersonKind.STAFF, round_.created_by)
    if chat is None:
        return
    tr = texts(await tx.language_of_person(PersonKind.STAFF, round_.created_by))
    await tx.enqueue(
        chat_id=chat,
        text=await overview_text(tx, tr, round_),
        purpose="round_overview",
        now=now,
        recipient=(PersonKind.STAFF, round_.created_by),
    )
