"""Parent meetings: invitations to the people the rules name, answers, the teacher's card kept
up to date in place, moves and cancellations, reminders the day before, and summaries.

Every function takes an open transaction: what it queues is committed with what it changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n.translator import Translator
from bot.paper.calendar_file import meeting_ics
from bot.platform.config import Settings
from bot.rules.models import (
    Invitee,
    Meeting,
    PersonKind,
    Pupil,
    StaffMember,
)
from bot.rules.rights import MessageKind, audience
from bot.rules.schooltime import days_later, in_quiet_hours, is_school_day, next_allowed
from bot.services import pupil_discussions
from bot.services.meeting_card import refresh_card
from bot.services.notify import Reader, notify, reader
from bot.services.work import Units, Work, batches
from bot.texts import care_messages
from bot.texts.meeting_messages import (
    KINDS,
    goal_plain,
    goal_text,
    invitation_keyboard,
    place_text,
    teacher_name,
)

# How long a talk of each kind usually takes, in minutes: the planning flow's default.
USUAL_MINUTES = {"start": 30, "progress": 15, "opp": 30, "care": 30, "cvb": 30, "zat": 45}
ANSWERS = frozenset({"come", "cannot", "other_time"})
# Words that suggest medical or diagnostic detail, which belongs in the file, not in chat.
MEDICAL_HINTS = re.compile(
    r"\b(diagnos\w*|adhd|add|autis\w*|ass|odd|medicij\w*|medicatie|ritalin|psychiat\w*|"
    r"psycholog\w* onderzoek|iq|stoornis\w*|dyslexie|epilepsie|depressi\w*|angststoornis)\b",
    re.IGNORECASE,
)


def looks_medical(*texts: str) -> bool:
    return any(MEDICAL_HINTS.search(t) for t in texts if t)


def team_line(tr: Translator, meeting: Meeting, settings: Settings) -> str:
    if meeting.kind == "cvb":
        members = tr.list_of([care_messages.role(tr, m) for m in settings.care.cvb_members])
        return tr._("In the CvB are: {members}.", members=members)
    if meeting.kind == "zat":
        lines = [tr._("In the ZAT are:"), *care_messages.participant_lines(tr, settings.care.team)]
        return "\n".join(lines)
    return ""


def invitation_text(
    tr: Translator,
    meeting: Meeting,
    *,
    name: str,
    child: str,
    teacher: str,
    settings: Settings,
    moved: bool = False,
) -> str:
    kind = tr.label(KINDS[meeting.kind])
    if moved:
        head = tr._(
            "🕒 {name}, the {kind} about {child} has a new time.",
            name=name,
            kind=kind,
            child=child,
        )
    else:
        head = tr._(
            "📅 {name}, {teacher} invites you to a {kind} about {child}.",
            name=name,
            teacher=teacher,
            kind=kind,
            child=child,
        )
    lines = [
        head,
        tr._(
            "When: {date}, {minutes} minutes.",
            date=tr.datetime(meeting.starts_at),
            minutes=tr.number(meeting.minutes),
        ),
        tr._("Where: {place}.", place=place_text(tr, meeting)),
    ]
    team = team_line(tr, meeting, settings)
    if team:
        lines.append(team)
    goal = goal_text(tr, meeting, teacher)
    if goal:
        lines += ["", goal]
    return "\n".join(lines)


@dataclass(frozen=True)
class Planned:
    meeting_id: int
    reached: tuple[str, ...]
    not_linked: tuple[str, ...]
    paused: bool


async def invitees_for(w: Work, pupil_id: str) -> list[tuple[PersonKind, str]]:
    facts = await w.tx.rights_facts(pupil_id)
    if facts is None:
        raise LookupError(pupil_id)
    return audience(MessageKind.MEETING_INVITATION, facts[0], facts[1], w.today).people(pupil_id)


async def plan_meeting(
    w: Work,
    *,
    staff: StaffMember,
    pupil_id: str,
    kind: str,
    starts_at: datetime,
    minutes: int,
    place_kind: str,
    place: str,
    goal: str,
    alternatives: Sequence[datetime] = (),
    round_id: int | None = None,
    booked_by: tuple[PersonKind, str] | None = None,
    only: Sequence[tuple[PersonKind, str]] | None = None,
) -> Planned:
    """Invite everyone the rules name (or `only` these). A parent who booked the slot
    themselves gets no invitation to answer: they said yes by booking."""
    pupil = await w.tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    meeting_id = await w.tx.add_meeting(
        pupil_id=pupil_id,
        kind=kind,
        starts_at=starts_at,
        minutes=minutes,
        place_kind=place_kind,
        place=place,
        goal=goal,
        alternatives=alternatives,
        created_by=staff.staff_id,
        now=w.now,
        round_id=round_id,
    )
    meeting = await w.tx.meeting(meeting_id)
    assert meeting is not None
    targets = list(only) if only is not None else await invitees_for(w, pupil_id)
    reached, not_linked = await _invite(w, meeting, pupil, staff, targets, booked_by)
    # A booked slot of a round gets no card of its own: the teacher gets one overview.
    await refresh_card(w, meeting_id, create=round_id is None)
    await w.audit(
        staff,
        "meeting_planned",
        pupil_id=pupil_id,
        details={"meeting_id": meeting_id, "kind": kind, "invited": len(reached) + len(not_linked)},
    )
    paused = bool(await w.tx.safety_exceptions(pupil_id))
    return Planned(meeting_id, tuple(reached), tuple(not_linked), paused)


async def _invite(
    w: Work,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
    targets: Sequence[tuple[PersonKind, str]],
    booked_by: tuple[PersonKind, str] | None,
) -> tuple[list[str], list[str]]:
    """Record every target as invited and send each their invitation, except the booker:
    (names reached, names not in Samen)."""
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    reached: list[str] = []
    not_linked: list[str] = []
    for kind_, person_id in targets:
        person = people[pupil_discussions.person_key(kind_, person_id)]
        to = await reader(w, kind_, person_id)
        outbox_id = None
        if (kind_, person_id) == booked_by:
            reached.append(person.full_name)  # they said yes by booking; no invitation
        else:
            outbox_id = await _send_invitation(w, meeting, pupil, staff, to, person.first_name)
            (reached if outbox_id else not_linked).append(person.full_name)
        await w.tx.add_invitee(
            Invitee(meeting.id, kind_, person_id, to.language, None, None, False, False, None),
            outbox_id,
        )
        if (kind_, person_id) == booked_by:
            await w.tx.set_invitee_answer(meeting.id, kind_, person_id, "come", None, w.now)
    return reached, not_linked


async def _send_invitation(
    w: Work,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
    to: Reader,
    first_name: str,
    *,
    moved: bool = False,
) -> int | None:
    """The invitation and its .ics; None when the person is not in Samen."""
    if not to.in_samen:
        return None
    tr = to.tr
    text = invitation_text(
        tr,
        meeting,
        name=first_name,
        child=pupil.first_name,
        teacher=teacher_name(staff),
        settings=w.settings,
        moved=moved,
    )
    outbox_id = await notify(
        w,
        to,
        text,
        purpose="meeting_invitation",
        reply_markup=invitation_keyboard(tr, meeting),
        pupil_id=pupil.pupil_id,
    )
    await queue_calendar_file(w, to, meeting, pupil, staff)
    return outbox_id


async def queue_calendar_file(
    w: Work, to: Reader, meeting: Meeting, pupil: Pupil, staff: StaffMember
) -> None:
    """The talk as a calendar file (.ics) in the reader's language, after its message."""
    await notify(
        w,
        to,
        to.tr._("📅 Add it to your calendar: tap the file."),
        purpose="meeting_ics",
        pupil_id=pupil.pupil_id,
        document=ics_for(to.tr, meeting, pupil, staff, w.settings, w.now),
        document_name="samen.ics",
    )


def ics_for(
    tr: Translator,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
    settings: Settings,
    now: datetime,
) -> bytes:
    """The calendar entry names the talk as the messages do, with its goal when it has one."""
    teacher = teacher_name(staff)
    goal = goal_plain(tr, meeting)
    return meeting_ics(
        meeting,
        title=tr.label(
            "{kind}: {child}", kind=tr.label(KINDS[meeting.kind]), child=pupil.first_name
        ),
        location=place_text(tr, meeting),
        description=f"{teacher}: {goal}" if goal else tr.label("With {teacher}", teacher=teacher),
        now=now,
        school=settings.school_name or "Samen",  # only in the file's PRODID
        tz=settings.timezone,
    )


# --- the teacher's card -----------------------------------------------------------------


def suggested_times(
    now: datetime,
    settings: Settings,
    *,
    usual: Sequence[tuple[int, int]],
    busy: Sequence[tuple[datetime, int]],
    minutes: int,
    days: int = 3,
    most: int = 6,
) -> list[datetime]:
    """A teacher's next free times: her usual clock times on the next `days` school days,
    never overlapping one of her talks or round slots (`busy`: start and minutes)."""
    tz = settings.timezone
    day = now.astimezone(tz).date()
    picks: list[datetime] = []
    school_days = 0
    while school_days < days and len(picks) < most:
        day += timedelta(days=1)
        if not is_school_day(day, settings.holidays):
            continue
        school_days += 1
        for hour, minute in usual:
            start = datetime.combine(day, time(hour, minute), tz)
            end = start + timedelta(minutes=minutes)
            clash = any(
                start < other + timedelta(minutes=length) and other < end for other, length in busy
            )
            if not clash and len(picks) < most:
                picks.append(start)
    return picks


# Clock times offered to a teacher who has not planned talks in Samen yet.
FIRST_TIMES = ((15, 0), (16, 30))


def usual_times(earlier: Sequence[Meeting], tz: ZoneInfo) -> list[tuple[int, int]]:
    """The clock times a teacher plans most (at most two), learned from her earlier talks."""
    counts: dict[tuple[int, int], int] = {}
    for meeting in earlier:
        local = meeting.starts_at.astimezone(tz)
        counts[(local.hour, local.minute)] = counts.get((local.hour, local.minute), 0) + 1
    ranked = sorted(counts, key=lambda t: (-counts[t], t))[:2]
    return sorted(ranked) or list(FIRST_TIMES)


# --- answers, moves, cancellations -----------------------------------------------------


async def move(
    w: Work, *, staff: StaffMember, meeting_id: int, starts_at: datetime
) -> Meeting | None:
    """A new time: every invitee is told in their language, with a new calendar file."""
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None or meeting.cancelled_at is not None or meeting.created_by != staff.staff_id:
        return None
    await w.tx.move_meeting(meeting_id, starts_at)
    moved = await w.tx.meeting(meeting_id)
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert moved is not None and pupil is not None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    for invitee in await w.tx.invitees(meeting_id):
        person = people[pupil_discussions.person_key(invitee.person_kind, invitee.person_id)]
        to = await reader(w, invitee.person_kind, invitee.person_id)
        await _send_invitation(w, moved, pupil, staff, to, person.first_name, moved=True)
    await w.audit(
        staff,
        "meeting_moved",
        pupil_id=meeting.pupil_id,
        details={
            "meeting_id": meeting_id,
            "from": meeting.starts_at.isoformat(),
            "to": starts_at.isoformat(),
        },
    )
    await refresh_card(w, meeting_id)
    return moved


async def cancel(w: Work, *, staff: StaffMember, meeting_id: int) -> bool:
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None or meeting.cancelled_at is not None or meeting.created_by != staff.staff_id:
        return False
    await w.tx.cancel_meeting(meeting_id, w.now)
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    for invitee in await w.tx.invitees(meeting_id):
        to = await reader(w, invitee.person_kind, invitee.person_id)
        tr = to.tr
        person = people[pupil_discussions.person_key(invitee.person_kind, invitee.person_id)]
        await notify(
            w,
            to,
            tr._(
                "✖️ {name}, the {kind} about {child} on {date} will not take place."
                " {teacher} will contact you about a new time.",
                name=person.first_name,
                kind=tr.label(KINDS[meeting.kind]),
                child=pupil.first_name,
                date=tr.datetime(meeting.starts_at),
                teacher=teacher_name(staff),
            ),
            purpose="meeting_cancelled",
            pupil_id=pupil.pupil_id,
        )
    await w.audit(
        staff, "meeting_cancelled", pupil_id=meeting.pupil_id, details={"meeting_id": meeting_id}
    )
    await refresh_card(w, meeting_id)
    return True


# --- reminders and summary prompts (scheduled) ------------------------------------------


def reminder_moment(meeting: Meeting, settings: Settings) -> datetime:
    """The day before, moved out of quiet hours (configurable through the quiet hours)."""
    return reminder_moment_of(meeting.starts_at, settings)


def reminder_moment_of(starts_at: datetime, settings: Settings) -> datetime:
    """`reminder_moment` of a talk starting then."""
    return next_allowed(
        days_later(starts_at, -1, settings.timezone),
        settings.timezone,
        pupil_discussions.quiet_hours(settings),
        settings.holidays,
    )


# Talks whose reminders one unit of work sends: a short transaction however many.
MEETINGS_PER_UNIT = 8
# A reminder is due the day before on the clock (an hour either way across summer time), and
# quiet hours only put it later: a talk further off than this has none due yet.
REMINDER_REACH = timedelta(hours=26)


async def send_reminders(units: Units) -> int:
    """The day-before reminder of each talk to those invited (not to whoever cannot come),
    never in quiet hours, never while the family's messages are paused. The database names
    the talks with someone still to remind; each is decided in a short unit of work."""
    async with units.reading() as r:
        settings = r.settings
        quiet = pupil_discussions.quiet_hours(settings)
        if in_quiet_hours(r.now, settings.timezone, quiet, settings.holidays):
            return 0
        due = [
            meeting_id
            for meeting_id, starts_at in await r.tx.starts_to_remind(r.now, r.now + REMINDER_REACH)
            if r.now >= reminder_moment_of(starts_at, settings)
        ]
    sent = 0
    for some in batches(due, MEETINGS_PER_UNIT):
        async with units.work() as w:
            sent += await _remind_of(w, some)
    return sent


async def _remind_of(w: Work, meeting_ids: Sequence[int]) -> int:
    quiet = pupil_discussions.quiet_hours(w.settings)
    if in_quiet_hours(w.now, w.settings.timezone, quiet, w.settings.holidays):
        return 0
    meetings = [
        meeting
        for meeting in await w.tx.meetings_to_remind(w.now, w.now + REMINDER_REACH, meeting_ids)
        if w.now >= reminder_moment(meeting, w.settings)
    ]
    # Who is still to remind, with their chats, in one query; each marked handled at once
    # below, whether reminded or not in Samen (then nobody asks again every minute).
    invitees = await w.tx.invitees_to_remind([meeting.id for meeting in meetings])
    sent = 0
    handled: list[tuple[int, PersonKind, str, int]] = []
    for meeting in meetings:
        in_samen = []
        for invitee, chat in invitees.get(meeting.id, []):
            handled.append((meeting.id, invitee.person_kind, invitee.person_id, meeting.version))
            if chat is not None:
                in_samen.append(invitee)
        if in_samen:
            sent += await _remind_of_meeting(w, meeting, in_samen)
    await w.tx.set_reminded(handled)
    return sent


async def _remind_of_meeting(w: Work, meeting: Meeting, invitees: Sequence[Invitee]) -> int:
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    sent = 0
    for invitee in invitees:
        # One whose link to the pupil was removed since the invitation is not reminded.
        person = people.get(pupil_discussions.person_key(invitee.person_kind, invitee.person_id))
        if person is None:
            continue
        to = await reader(w, invitee.person_kind, invitee.person_id)
        tr = to.tr
        await notify(
            w,
            to,
            tr._(
                "⏰ {name}, a reminder: the {kind} about {child} is on {date}. Where: {place}.",
                name=person.first_name,
                kind=tr.label(KINDS[meeting.kind]),
                child=pupil.first_name,
                date=tr.datetime(meeting.starts_at),
                place=place_text(tr, meeting),
            ),
            purpose="meeting_reminder",
            pupil_id=pupil.pupil_id,
        )
        sent += 1
    return sent


# --- summaries ------------------------------------------------------------------------
