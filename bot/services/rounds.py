"""Slot rounds: ten-minute talks for a whole group. Families pick a free slot with buttons;
a slot is never booked twice, siblings in other groups are offered the times right before or
after their other talk, families who have not booked are reminded once, and the teacher gets
one overview at the deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n.translator import Translator
from bot.rules.models import Invitee, Meeting, PersonKind, Pupil, Round, Slot, StaffMember
from bot.rules.schooltime import days_later, in_quiet_hours, next_allowed
from bot.services import meeting_answers, meetings, pupil_discussions
from bot.services.notify import notify, reader
from bot.services.work import Units, Work, batches
from bot.storage import Tx
from bot.texts import meeting_messages
from bot.texts.round_messages import (
    JOIN_ANSWERS,
    ROUND_KIND,
    choose_button,
    notice_keyboard,
    notice_text,
    talk_name,
    when_where,
)


@dataclass(frozen=True)
class Opened:
    round_id: int
    slots: int
    invited: tuple[str, ...]
    not_linked: tuple[str, ...]


async def open_round(
    w: Work,
    *,
    staff: StaffMember,
    group: str,
    slots: Sequence[datetime],
    minutes: int,
    place: str,
    deadline: datetime,
) -> Opened:
    round_id = await w.tx.add_round(
        group=group,
        created_by=staff.staff_id,
        now=w.now,
        deadline=deadline,
        minutes=minutes,
        place=place,
        separate_slots=w.settings.separate_slots,
        slots=slots,
    )
    invited: list[str] = []
    not_linked: list[str] = []
    for contacts in await w.tx.contacts_of_groups([group]):
        pupil = contacts.pupil
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        for kind, person_id in await meetings.invitees_for(w, pupil.pupil_id):
            person = people[pupil_discussions.person_key(kind, person_id)]
            to = await reader(w, kind, person_id)
            if not to.in_samen:
                not_linked.append(person.full_name)
                continue
            tr = to.tr
            await notify(
                w,
                to,
                tr._(
                    "📅 {name}, {teacher} invites you to a short talk about {child}"
                    " ({minutes} minutes). Please choose a time before {deadline}.",
                    name=person.first_name,
                    teacher=meeting_messages.teacher_name(staff),
                    child=pupil.first_name,
                    minutes=minutes,
                    deadline=tr.datetime(deadline),
                ),
                purpose="round_invitation",
                reply_markup=choose_button(tr, round_id, pupil.pupil_id),
                pupil_id=pupil.pupil_id,
            )
            invited.append(person.full_name)
    await w.audit(
        staff, "round_opened", details={"round_id": round_id, "group": group, "slots": len(slots)}
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
    busy: tuple[tuple[datetime, int], ...] = ()  # (start, minutes) of the booker's other talks
    slots: tuple[Slot, ...] = ()  # all of the round's slots, as this unit of work read them


async def _may_book(w: Work, person: tuple[PersonKind, str], pupil_id: str) -> bool:
    return person in await meetings.invitees_for(w, pupil_id)


async def choice(
    w: Work, *, person: tuple[PersonKind, str], round_id: int, pupil_id: str
) -> Choice | Booked:
    round_ = await w.tx.round(round_id)
    pupil = await w.tx.pupil(pupil_id)
    if round_ is None or pupil is None or pupil.group != round_.group:
        return Booked.NOT_YOURS
    if not await _may_book(w, person, pupil_id):
        return Booked.NOT_YOURS
    if w.now >= round_.deadline:
        return Booked.CLOSED
    slots = await w.tx.slots(round_id)
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
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        booker = people.get(pupil_discussions.person_key(*mine.booked_by))
        other = (booker.full_name if booker else "", pupil.first_name, mine)
        mine = None
    free = tuple(s for s in slots if s.pupil_id is None and not s.blocked and s.starts_at > w.now)
    busy = await _bookings_of(w.tx, person, exclude_round=round_id)
    near = frozenset(
        s.id
        for s in free
        for start, length in busy
        if s.starts_at == start + timedelta(minutes=length)
        or s.starts_at + timedelta(minutes=round_.minutes) == start
    )
    return Choice(round_, pupil, free, mine, other, near, tuple(busy), tuple(slots))


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


@dataclass(frozen=True)
class Booking:
    outcome: Booked
    slot: Slot | None = None
    # With TAKEN or OVERLAP: the times to offer instead, as this unit of work saw them (a
    # rush of taps on one time then costs one look at the round each, not two).
    instead: Choice | None = None
    meeting_id: int | None = None  # with BOOKED: the talk of the booked slot


async def book(
    w: Work, *, person: tuple[PersonKind, str], round_id: int, pupil_id: str, slot_id: int
) -> Booking:
    found = await choice(w, person=person, round_id=round_id, pupil_id=pupil_id)
    if isinstance(found, Booked):
        return Booking(found)
    if found.other_booking is not None:
        return Booking(Booked.ALREADY, found.other_booking[2])
    slot = next((s for s in found.slots if s.id == slot_id), None)
    if slot is None:
        return Booking(Booked.NOT_YOURS)
    if _overlaps(found, slot):
        return Booking(Booked.OVERLAP, instead=found)
    if found.mine is not None and found.mine.id == slot_id:
        return Booking(Booked.BOOKED, found.mine, meeting_id=await w.tx.slot_meeting_id(slot_id))
    booked, earlier_meeting = await _take_slot(w, found, person, pupil_id, slot_id)
    if not booked:
        # Taken by someone else first (on a database server maybe just now): not offered.
        free = tuple(s for s in found.free if s.id != slot_id)
        return Booking(Booked.TAKEN, instead=replace(found, free=free))
    meeting_id = await _talk_for_slot(w, found, person, pupil_id, slot, earlier_meeting)
    await send_calendar_file(w, person, meeting_id)
    await w.audit(
        (person[0].value, person[1]),
        "slot_booked",
        pupil_id=pupil_id,
        details={"round_id": round_id, "slot_id": slot_id},
    )
    # What the UPDATE that booked it wrote: asking the database again would say the same.
    mine = replace(slot, pupil_id=pupil_id, booked_by=person)
    return Booking(Booked.BOOKED, mine, meeting_id=meeting_id)


def _overlaps(found: Choice, slot: Slot) -> bool:
    """Whether the slot overlaps another talk this person booked in another round."""
    end = slot.starts_at + timedelta(minutes=found.round.minutes)
    return any(
        start < end and slot.starts_at < start + timedelta(minutes=length)
        for start, length in found.busy
    )


async def _take_slot(
    w: Work, found: Choice, person: tuple[PersonKind, str], pupil_id: str, slot_id: int
) -> tuple[bool, int | None]:
    """Book the slot in place of this child's earlier one: (booked, the earlier slot's talk)."""
    # One booking per child and booker: the earlier time is let go first, and taken back
    # when the new one is gone (the transaction holds the database, so it is still free).
    earlier = found.mine
    earlier_meeting = await w.tx.slot_meeting_id(earlier.id) if earlier is not None else None
    if earlier is not None:
        await w.tx.release_slot(earlier.id)
    if not await w.tx.book_slot(slot_id, pupil_id, person, w.now):
        if earlier is not None:
            await w.tx.book_slot(earlier.id, pupil_id, person, w.now)
            if earlier_meeting is not None:
                await w.tx.set_slot_meeting(earlier.id, earlier_meeting)
        return False, earlier_meeting
    return True, earlier_meeting


async def _talk_for_slot(
    w: Work,
    found: Choice,
    person: tuple[PersonKind, str],
    pupil_id: str,
    slot: Slot,
    earlier_meeting: int | None,
) -> int:
    """The talk of the booked slot: the earlier slot's talk moved to it, or a new one."""
    staff = await w.tx.staff_member(found.round.created_by)
    assert staff is not None
    meeting = await w.tx.meeting(earlier_meeting) if earlier_meeting is not None else None
    if meeting is not None and meeting.cancelled_at is None:
        await _move_talk(w, found.round, meeting.id, person, slot)
        return meeting.id
    # The booker said yes by booking: plan_meeting sends them no invitation. The other
    # entitled parents are told of the booking below, and are not invited to a new talk.
    planned = await meetings.plan_meeting(
        w,
        staff=staff,
        pupil_id=pupil_id,
        kind=ROUND_KIND,
        starts_at=slot.starts_at,
        minutes=found.round.minutes,
        place_kind="room",
        place=found.round.place,
        goal="",
        round_id=found.round.id,
        booked_by=person,
        only=[person],
    )
    await w.tx.set_slot_meeting(slot.id, planned.meeting_id)
    if not found.round.separate_slots:
        await _tell_others(w, planned.meeting_id, person)
    return planned.meeting_id


async def _move_talk(
    w: Work, round_: Round, meeting_id: int, person: tuple[PersonKind, str], slot: Slot
) -> None:
    """Another time for the same talk: the talk moves, so old buttons become stale."""
    coming = {
        (i.person_kind, i.person_id) for i in await w.tx.invitees(meeting_id) if i.answer == "come"
    }
    await w.tx.move_meeting(meeting_id, slot.starts_at)  # the answers start again
    await w.tx.set_slot_meeting(slot.id, meeting_id)
    await w.tx.set_invitee_answer(meeting_id, person[0], person[1], "come", None, w.now)
    if not round_.separate_slots:
        await _tell_others(w, meeting_id, person, moved_from=coming)


async def booked_text(
    tx: Tx, tr: Translator, person: tuple[PersonKind, str], slot: Slot, meeting_id: int | None
) -> str:
    """The booker's confirmation: the talk (of the booked `slot`), when and where, in the words
    the other messages about it use."""
    meeting = await tx.meeting(meeting_id) if meeting_id is not None else None
    pupil = await tx.pupil(slot.pupil_id or "")
    if meeting is None or pupil is None:
        return tr._("✅ Booked: {date}. See you then!", date=tr.datetime(slot.starts_at))
    staff = await tx.staff_member(meeting.created_by)
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    reader = people.get(pupil_discussions.person_key(*person))
    lines = [
        tr._(
            "✅ {name}, you booked the {kind} about {child} with {teacher}.",
            name=reader.first_name if reader else "",
            kind=talk_name(tr),
            child=pupil.first_name,
            teacher=meeting_messages.teacher_name(staff) if staff else "",
        ),
        *when_where(tr, meeting),
    ]
    return "\n".join(lines)


# --- the other parent: told of the booking, free to join ------------------------------


async def _booker_of(tx: Tx, meeting: Meeting) -> tuple[PersonKind, str] | None:
    """Who booked the slot this talk belongs to (the database says, not the button)."""
    if meeting.round_id is None:
        return None
    for slot in await tx.slots(meeting.round_id):
        if slot.pupil_id == meeting.pupil_id and await tx.slot_meeting_id(slot.id) == meeting.id:
            return slot.booked_by
    return None


async def _notice_for(
    tx: Tx,
    tr: Translator,
    meeting: Meeting,
    person: tuple[PersonKind, str],
    answer: str | None,
    *,
    moved: bool = False,
    booker: tuple[PersonKind, str] | None = None,
) -> str | None:
    """The notice of a booking to another parent; `booker`: who booked, when the caller
    knows (else the database says)."""
    pupil = await tx.pupil(meeting.pupil_id)
    staff = await tx.staff_member(meeting.created_by)
    booker = booker or await _booker_of(tx, meeting)
    if pupil is None or staff is None or booker is None:
        return None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    reader, by = (
        people.get(pupil_discussions.person_key(*person)),
        people.get(pupil_discussions.person_key(*booker)),
    )
    if reader is None or by is None:
        return None
    return notice_text(
        tr,
        meeting,
        name=reader.first_name,
        booker=by.first_name,
        child=pupil.first_name,
        teacher=meeting_messages.teacher_name(staff),
        answer=answer,
        moved=moved,
    )


async def _tell_others(
    w: Work,
    meeting_id: int,
    booker: tuple[PersonKind, str],
    *,
    moved_from: set[tuple[PersonKind, str]] | None = None,
) -> None:
    """Every other person the rules name for this child is told of the booking and may join;
    their answer is kept as theirs on the talk, so reminders and the overview follow it.
    `moved_from`: the talk got a new time, and these people had said they would come."""
    moved = moved_from is not None
    meeting = await w.tx.meeting(meeting_id)
    assert meeting is not None
    known = {(i.person_kind, i.person_id): i for i in await w.tx.invitees(meeting_id)}
    for kind, person_id in await meetings.invitees_for(w, meeting.pupil_id):
        if (kind, person_id) == booker:
            continue
        to = await reader(w, kind, person_id)
        outbox_id = None
        if to.in_samen:
            text = await _notice_for(
                w.tx, to.tr, meeting, (kind, person_id), None, moved=moved, booker=booker
            )
            if text is not None:
                outbox_id = await notify(
                    w,
                    to,
                    text,
                    purpose="round_booking_notice",
                    reply_markup=notice_keyboard(to.tr, meeting),
                    pupil_id=meeting.pupil_id,
                )
        earlier = known.get((kind, person_id))
        if earlier is None:
            await w.tx.add_invitee(
                Invitee(meeting_id, kind, person_id, to.language, None, None, False, False, None),
                outbox_id,
            )
        elif moved_from and (kind, person_id) in moved_from and to.in_samen:
            # Their calendar holds the old time: the file with the new one replaces it.
            await send_calendar_file(w, (kind, person_id), meeting_id)


@dataclass(frozen=True)
class Joined:
    ok: bool
    reason: str = ""  # not_yours | stale | past | cancelled
    text: str = ""  # the notice as it reads now, with the answer below it
    meeting: Meeting | None = None


async def join(
    w: Work, *, person: tuple[PersonKind, str], meeting_id: int, version: int, pick: str
) -> Joined:
    """The other parent's answer to a booking notice. Everything is checked against the
    database: the talk is a round's, this person was told of it and did not book it, and the
    time has not changed since."""
    found = await meeting_answers.find_invitation(w.tx, person, meeting_id, version, w.now)
    meeting = found.meeting
    answer = JOIN_ANSWERS.get(pick)
    if meeting is None or meeting.round_id is None or found.invitee is None or answer is None:
        return Joined(False, "not_yours")
    if await _booker_of(w.tx, meeting) in (None, person):
        return Joined(False, "not_yours" if meeting.cancelled_at is None else "cancelled")
    if not found.ok:
        return Joined(False, found.reason, meeting=meeting)
    before = found.invitee.answer
    if before != answer:
        await w.tx.set_invitee_answer(meeting_id, person[0], person[1], answer, None, w.now)
        await w.audit(
            (person[0].value, person[1]),
            f"round_talk_{pick}",
            pupil_id=meeting.pupil_id,
            details={"meeting_id": meeting_id, "version": version},
        )
        if answer == "come":
            await send_calendar_file(w, person, meeting_id)
    tr = (await reader(w, *person)).tr  # today's language, as the menu's
    text = await _notice_for(w.tx, tr, meeting, person, answer)
    return Joined(True, text=text or "", meeting=meeting)


async def send_calendar_file(w: Work, person: tuple[PersonKind, str], meeting_id: int) -> None:
    meeting = await w.tx.meeting(meeting_id)
    to = await reader(w, *person)
    if meeting is None or not to.in_samen:
        return
    pupil = await w.tx.pupil(meeting.pupil_id)
    staff = await w.tx.staff_member(meeting.created_by)
    assert pupil is not None and staff is not None
    await meetings.queue_calendar_file(w, to, meeting, pupil, staff)


async def block(w: Work, staff: StaffMember, round_id: int, slot_id: int) -> bool:
    round_ = await w.tx.round(round_id)
    slot = await w.tx.slot(slot_id)
    if (
        round_ is None
        or slot is None
        or slot.round_id != round_id
        or (round_.created_by != staff.staff_id)
    ):
        return False
    return await w.tx.block_slot(slot_id, not slot.blocked)


# --- reminders and the overview (scheduled) --------------------------------------------


# Rounds whose overviews one unit of work sends: each is a few reads and one message.
OVERVIEWS_PER_UNIT = 4


async def remind_to_book(units: Units) -> int:
    """The day before a round's deadline (out of quiet hours), the families of its group who
    have not booked are reminded, once; each round in a unit of work of its own."""
    async with units.reading() as r:
        quiet = pupil_discussions.quiet_hours(r.settings)
        if in_quiet_hours(r.now, r.settings.timezone, quiet, r.settings.holidays):
            return 0
        due = [
            round_.id
            for round_ in await r.tx.open_rounds(r.now)
            if round_.reminded_at is None
            and r.now
            >= next_allowed(
                days_later(round_.deadline, -1, r.settings.timezone),
                r.settings.timezone,
                quiet,
                r.settings.holidays,
            )
        ]
    reminded = 0
    for round_id in due:
        async with units.work() as w:
            round_ = await w.tx.round(round_id)
            if round_ is None or round_.reminded_at is not None:
                continue
            reminded += await _remind(w, round_)
            await w.tx.set_round_reminded(round_.id, w.now)
    return reminded


async def send_overviews(units: Units) -> int:
    """After a round's deadline its teacher gets the overview, once; a few rounds in each
    unit of work."""
    async with units.reading() as r:
        due = [round_.id for round_ in await r.tx.rounds_needing_overview(r.now)]
    sent = 0
    for some in batches(due, OVERVIEWS_PER_UNIT):
        async with units.work() as w:
            for round_id in some:
                round_ = await w.tx.round(round_id)
                if round_ is None or round_.overview_sent_at is not None:
                    continue
                await _overview(w, round_)
                await w.tx.set_round_overview_sent(round_.id, w.now)
                sent += 1
    return sent


async def _remind(w: Work, round_: Round) -> int:
    booked = {s.pupil_id for s in await w.tx.slots(round_.id) if s.pupil_id}
    paused = await w.tx.paused_pupils()
    sent = 0
    for contacts in await w.tx.contacts_of_groups([round_.group]):
        pupil = contacts.pupil
        if pupil.pupil_id in booked or pupil.pupil_id in paused:
            continue
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        for kind, person_id in await meetings.invitees_for(w, pupil.pupil_id):
            to = await reader(w, kind, person_id)
            if not to.in_samen:
                continue
            tr = to.tr
            await notify(
                w,
                to,
                tr._(
                    "⏰ {name}, please choose a time for the short talk about {child},"
                    " before {deadline}.",
                    name=people[pupil_discussions.person_key(kind, person_id)].first_name,
                    child=pupil.first_name,
                    deadline=tr.datetime(round_.deadline),
                ),
                purpose="round_reminder",
                reply_markup=choose_button(tr, round_.id, pupil.pupil_id),
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
        people = await pupil_discussions.people_of_pupil(tx, pupil) if pupil else {}
        booker = (
            people.get(pupil_discussions.person_key(*slot.booked_by)) if slot.booked_by else None
        )
        # staff:
        line = tr._(
            "{time} · {pupil} ({booker})",
            time=tr.time(slot.starts_at),
            pupil=pupil.first_name if pupil else "?",
            booker=booker.full_name if booker else "?",
        )
        # Another parent who said they would come too is named with the booker.
        meeting_id = await tx.slot_meeting_id(slot.id)
        joining = []
        for invitee in await tx.invitees(meeting_id) if meeting_id is not None else []:
            who = (invitee.person_kind, invitee.person_id)
            other = people.get(pupil_discussions.person_key(*who))
            if invitee.answer == "come" and other is not None and who != slot.booked_by:
                joining.append(other.full_name)
        if joining:
            # staff:
            line = tr.lines(line + " · " + tr._("also coming: {names}", names=tr.list_of(joining)))
        lines.append(line)
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


async def _overview(w: Work, round_: Round) -> None:
    teacher = await reader(w, PersonKind.STAFF, round_.created_by)
    if teacher.in_samen:
        text = await overview_text(w.tx, teacher.tr, round_)
        await notify(w, teacher, text, purpose="round_overview")
