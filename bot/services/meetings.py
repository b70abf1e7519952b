"""Parent meetings: invitations to the people the rules name, answers, the teacher's card kept
up to date in place, moves and cancellations, reminders the day before, and summaries.

Every function takes an open transaction: what it queues is committed with what it changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n.translator import N_, Catalogues, Markup, Translator
from bot.paper.calendar_file import meeting_ics
from bot.platform.config import Settings
from bot.rules.models import (
    Agreement,
    DeliveryState,
    Invitee,
    Meeting,
    PersonKind,
    Pupil,
    StaffMember,
    Summary,
)
from bot.rules.rights import LinkFacts, MessageKind, PupilFacts, Why, age_on, audience
from bot.rules.schooltime import days_later, in_quiet_hours, is_school_day, next_allowed
from bot.services import pupil_discussions
from bot.services.notify import Reader, notify, reader
from bot.storage import Tx
from bot.texts import care_messages, staff_labels

KINDS = {
    "start": N_("intake talk"),
    "progress": N_("progress talk"),
    "opp": N_("talk about the school's plan for your child (the OPP)"),
    "care": N_("talk about extra care"),
    "cvb": N_("talk with the school's care team (CvB)"),
    "zat": N_("talk with the support team with people from outside school (ZAT)"),
    # A time booked in a slot round (bot.services.rounds): named so in every message about it. It is
    # not a kind a teacher plans by hand, so the planning flow leaves it out.
    "round": N_("short talk"),
}
PLACE_KINDS = {"room": N_("at school: {place}"), "phone": N_("by phone: {place}"),
               "video": N_("video call: {place}")}  # fmt: skip
NEXT_STEPS = {
    "none": N_("no further step for now"),
    "follow_up": N_("another talk"),
    "cvb": N_("a talk in the school's care team (CvB)"),
    "zat": N_("a talk in the support team (ZAT)"),
    "outside_help": N_("help from outside school"),
}
# What a talk of each kind is about, when the teacher keeps Samen's suggestion: shown to each
# parent in their own language instead of the teacher's Dutch words.
GOALS = {
    "start": N_("To get to know each other: how your child is doing and what you find important."),
    "progress": N_("How it goes at school and at home, and what comes next."),
    "opp": N_(
        "The school's plan for your child (the OPP): what goes well and what the next goals are."
    ),
    "care": N_("What extra help your child needs, at school and at home."),
    "cvb": N_("What the school's care team (the CvB) can do for your child."),
    "zat": N_("What the support team with people from outside school (the ZAT) can offer."),
}
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


def teacher_name(staff: StaffMember) -> str:
    return f"{staff.first_name} {staff.last_name}"


def own_words(tr: Translator, text: str, author: str) -> Markup:
    """Free text is sent as written, marked as the author's own words in Dutch."""
    shown = tr._("{author} wrote (in Dutch): “{text}”", author=author, text=text)
    return Markup(shown, shown)


def goal_text(tr: Translator, meeting: Meeting, teacher: str) -> str:
    """The teacher's own words, marked as such; or the standard goal in the reader's language."""
    if meeting.goal:
        return own_words(tr, meeting.goal, teacher).html
    standard = GOALS.get(meeting.kind)
    return tr._(standard) if standard else ""


def goal_plain(tr: Translator, meeting: Meeting) -> str:
    """The goal as plain text (a calendar file): the teacher's words or the standard goal."""
    if meeting.goal or meeting.kind not in GOALS:
        return meeting.goal
    return tr.label(GOALS[meeting.kind])


def place_text(tr: Translator, meeting: Meeting) -> str:
    return tr.label(PLACE_KINDS[meeting.place_kind], place=meeting.place)


def team_line(tr: Translator, meeting: Meeting, settings: Settings) -> str:
    if meeting.kind == "cvb":
        members = tr.list_of([care_messages.role(tr, m) for m in settings.care.cvb_members])
        return tr._("In the CvB are: {members}.", members=members)
    if meeting.kind == "zat":
        return tr._(
            "In the ZAT are: {members}.",
            members=care_messages.participants_text(tr, settings.care.team),
        )
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


def invitation_keyboard(
    tr: Translator, meeting: Meeting, invitee: Invitee | None = None, *, choosing: bool = False
) -> str:
    """Five answers at most, the most likely first; once answered, a way to change it and the
    wishes, each saying what a tap will do now. The version makes old buttons stale."""
    base = f"m:{meeting.id}:{meeting.version}"
    interpreter = invitee is not None and invitee.interpreter
    companion = invitee is not None and invitee.companion
    wishes = [
        care_messages.button(
            tr.label("🗣 No interpreter needed")
            if interpreter
            else tr.label("🗣 I'd like an interpreter"),
            f"{base}:interp",
        ),
        care_messages.button(
            tr.label("👥 I'll come alone") if companion else tr.label("👥 I'll bring someone"),
            f"{base}:bring",
        ),
    ]
    if invitee is not None and invitee.answer is not None and not choosing:
        return care_messages.keyboard(
            [[care_messages.button(tr.label("↩️ Change my answer"), f"{base}:change")], wishes]
        )
    return care_messages.keyboard(
        [
            [care_messages.button(tr.label("✅ Yes, I'll come"), f"{base}:come")],
            [care_messages.button(tr.label("❌ I can't"), f"{base}:cannot")],
            [care_messages.button(tr.label("🕒 Another time"), f"{base}:other")],
            wishes,
        ]
    )


def answer_lines(tr: Translator, meeting: Meeting, invitee: Invitee) -> list[str]:
    """A person's current answer and wishes, as the invitation shows them under the talk."""
    lines = []
    if invitee.answer == "come":
        lines.append(
            tr._("✅ You will come on {date}. See you then!", date=tr.datetime(meeting.starts_at))
        )
    elif invitee.answer == "cannot":
        lines.append(tr._("❌ You cannot come. The school will contact you."))
    elif invitee.answer == "other_time":
        lines.append(tr._("🕒 Thank you. The school will propose a new time."))
        if invitee.preference:
            lines.append(tr._("Your wish: {wish}", wish=_wish(tr, invitee.preference)))
    if invitee.interpreter:
        lines.append(tr._("🗣 We will arrange an interpreter."))
    if invitee.companion:
        lines.append(tr._("👥 Good, you may bring someone."))
    return lines


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
    tx: Tx, tr: Translator, settings: Settings, meeting_id: int, person: tuple[PersonKind, str]
) -> InvitationScreen | None:
    """What one person's invitation shows now, in their current language; None when they are
    not invited to this talk."""
    meeting = await tx.meeting(meeting_id)
    if meeting is None:
        return None
    invitee = next(
        (i for i in await tx.invitees(meeting_id) if (i.person_kind, i.person_id) == person),
        None,
    )
    pupil = await tx.pupil(meeting.pupil_id)
    staff = await tx.staff_member(meeting.created_by)
    if invitee is None or pupil is None or staff is None:
        return None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    text = invitation_text(
        tr,
        meeting,
        name=people[pupil_discussions.person_key(*person)].first_name,
        child=pupil.first_name,
        teacher=teacher_name(staff),
        settings=settings,
        moved=meeting.version > 1,
    )
    status = answer_lines(tr, meeting, invitee)
    if status:
        text += "\n\n" + "\n".join(status)
    return InvitationScreen(meeting, invitee, text)


@dataclass(frozen=True)
class Planned:
    meeting_id: int
    reached: tuple[str, ...]
    not_linked: tuple[str, ...]
    paused: bool


async def invitees_for(
    tx: Tx, settings: Settings, now: datetime, pupil_id: str
) -> list[tuple[PersonKind, str]]:
    facts = await tx.rights_facts(pupil_id)
    if facts is None:
        raise LookupError(pupil_id)
    today = now.astimezone(settings.timezone).date()
    chosen = audience(MessageKind.MEETING_INVITATION, facts[0], facts[1], today)
    people: list[tuple[PersonKind, str]] = [(PersonKind.GUARDIAN, g) for g in chosen.guardians]
    if chosen.pupil:
        people.append((PersonKind.PUPIL, pupil_id))
    return people


async def plan_meeting(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
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
    pupil = await tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    meeting_id = await tx.add_meeting(
        pupil_id=pupil_id,
        kind=kind,
        starts_at=starts_at,
        minutes=minutes,
        place_kind=place_kind,
        place=place,
        goal=goal,
        alternatives=alternatives,
        created_by=staff.staff_id,
        now=now,
        round_id=round_id,
    )
    meeting = await tx.meeting(meeting_id)
    assert meeting is not None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    reached: list[str] = []
    not_linked: list[str] = []
    targets = list(only) if only is not None else await invitees_for(tx, settings, now, pupil_id)
    for kind_, person_id in targets:
        person = people[pupil_discussions.person_key(kind_, person_id)]
        to = await reader(tx, texts, kind_, person_id)
        outbox_id = None
        if (kind_, person_id) == booked_by:
            reached.append(person.full_name)  # they said yes by booking; no invitation
        else:
            outbox_id = await _send_invitation(
                tx, settings, now, meeting, pupil, staff, to, person.first_name
            )
            (reached if outbox_id else not_linked).append(person.full_name)
        await tx.add_invitee(
            Invitee(meeting_id, kind_, person_id, to.language, None, None, False, False, None),
            outbox_id,
        )
        if (kind_, person_id) == booked_by:
            await tx.set_invitee_answer(meeting_id, kind_, person_id, "come", None, now)
    # A booked slot of a round gets no card of its own: the teacher gets one overview.
    await refresh_card(tx, texts, settings, now, meeting_id, create=round_id is None)
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="meeting_planned",
        pupil_id=pupil_id,
        details={"meeting_id": meeting_id, "kind": kind, "invited": len(reached) + len(not_linked)},
    )
    paused = bool(await tx.safety_exceptions(pupil_id))
    return Planned(meeting_id, tuple(reached), tuple(not_linked), paused)


async def _send_invitation(
    tx: Tx,
    settings: Settings,
    now: datetime,
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
        settings=settings,
        moved=moved,
    )
    outbox_id = await notify(
        tx,
        to,
        text,
        purpose="meeting_invitation",
        now=now,
        reply_markup=invitation_keyboard(tr, meeting),
        pupil_id=pupil.pupil_id,
    )
    await queue_calendar_file(tx, to, settings, now, meeting, pupil, staff)
    return outbox_id


async def queue_calendar_file(
    tx: Tx,
    to: Reader,
    settings: Settings,
    now: datetime,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
) -> None:
    """The talk as a calendar file (.ics) in the reader's language, after its message."""
    await notify(
        tx,
        to,
        to.tr._("📅 Add it to your calendar: tap the file."),
        purpose="meeting_ics",
        now=now,
        pupil_id=pupil.pupil_id,
        document=ics_for(to.tr, meeting, pupil, staff, settings, now),
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


ANSWER_LABELS = {
    None: N_("⏳ no answer yet"),
    "come": N_("✅ will come"),
    "cannot": N_("❌ cannot come"),
    "other_time": N_("🕒 asks for another time"),
}


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
            wish = _wish(tr, invitee.preference)
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


def _wish(tr: Translator, preference: str) -> str:
    """A chosen alternative is stored as a moment; a typed wish as the parent wrote it."""
    try:
        return tr.datetime(datetime.fromisoformat(preference))
    except ValueError:
        return preference


def card_keyboard(
    tr: Translator, meeting: Meeting, now: datetime, *, summarised: bool
) -> str | None:
    """What fits now: move or cancel before the talk; once it has started, the summary."""
    if meeting.cancelled_at is not None:
        return None
    if now < meeting.starts_at:
        actions = [
            # staff:
            care_messages.button(tr.label("🕒 Move"), f"mt:{meeting.id}:move"),
            # staff:
            care_messages.button(tr.label("✖️ Cancel"), f"mt:{meeting.id}:cancel"),
        ]
    elif summarised:
        # staff:
        actions = [care_messages.button(tr.label("📝 See the summary"), f"sumv:{meeting.id}")]
    else:
        # staff:
        actions = [care_messages.button(tr.label("✍️ Write the summary"), f"sum:{meeting.id}")]
    return care_messages.keyboard([actions])


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
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    meeting_id: int,
    version: int,
    answer: str,
    preference: str | None = None,
) -> AnswerOutcome:
    found = await find_invitation(tx, person, meeting_id, version, now)
    if not found.ok or answer not in ANSWERS:
        return found
    await tx.set_invitee_answer(meeting_id, person[0], person[1], answer, preference, now)
    await tx.audit(
        now=now,
        actor=(person[0].value, person[1]),
        action=f"meeting_{answer}",
        pupil_id=found.meeting.pupil_id if found.meeting else None,
        details={"meeting_id": meeting_id, "version": version},
    )
    await refresh_card(tx, texts, settings, now, meeting_id)
    return found


async def toggle_wish(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    meeting_id: int,
    version: int,
    wish: str,
) -> tuple[AnswerOutcome, bool]:
    """An interpreter or a companion; tapping again takes the wish back."""
    found = await find_invitation(tx, person, meeting_id, version, now)
    if not found.ok or found.invitee is None:
        return found, False
    current = found.invitee.interpreter if wish == "interpreter" else found.invitee.companion
    await tx.set_invitee_wish(meeting_id, person[0], person[1], wish, not current)
    await refresh_card(tx, texts, settings, now, meeting_id)
    return found, not current


async def move(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    staff: StaffMember,
    meeting_id: int,
    starts_at: datetime,
) -> Meeting | None:
    """A new time: every invitee is told in their language, with a new calendar file."""
    meeting = await tx.meeting(meeting_id)
    if meeting is None or meeting.cancelled_at is not None or meeting.created_by != staff.staff_id:
        return None
    await tx.move_meeting(meeting_id, starts_at)
    moved = await tx.meeting(meeting_id)
    pupil = await tx.pupil(meeting.pupil_id)
    assert moved is not None and pupil is not None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    for invitee in await tx.invitees(meeting_id):
        person = people[pupil_discussions.person_key(invitee.person_kind, invitee.person_id)]
        to = await reader(tx, texts, invitee.person_kind, invitee.person_id)
        await _send_invitation(
            tx, settings, now, moved, pupil, staff, to, person.first_name, moved=True
        )
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="meeting_moved",
        pupil_id=meeting.pupil_id,
        details={
            "meeting_id": meeting_id,
            "from": meeting.starts_at.isoformat(),
            "to": starts_at.isoformat(),
        },
    )
    await refresh_card(tx, texts, settings, now, meeting_id)
    return moved


async def cancel(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    staff: StaffMember,
    meeting_id: int,
) -> bool:
    meeting = await tx.meeting(meeting_id)
    if meeting is None or meeting.cancelled_at is not None or meeting.created_by != staff.staff_id:
        return False
    await tx.cancel_meeting(meeting_id, now)
    pupil = await tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    for invitee in await tx.invitees(meeting_id):
        to = await reader(tx, texts, invitee.person_kind, invitee.person_id)
        tr = to.tr
        person = people[pupil_discussions.person_key(invitee.person_kind, invitee.person_id)]
        await notify(
            tx,
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
            now=now,
            pupil_id=pupil.pupil_id,
        )
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="meeting_cancelled",
        pupil_id=meeting.pupil_id,
        details={"meeting_id": meeting_id},
    )
    await refresh_card(tx, texts, settings, now, meeting_id)
    return True


# --- reminders and summary prompts (scheduled) ------------------------------------------


def reminder_moment(meeting: Meeting, settings: Settings) -> datetime:
    """The day before, moved out of quiet hours (configurable through the quiet hours)."""
    return next_allowed(
        days_later(meeting.starts_at, -1, settings.timezone),
        settings.timezone,
        pupil_discussions.quiet_hours(settings),
        settings.holidays,
    )


async def send_reminders(tx: Tx, texts: Catalogues, settings: Settings, now: datetime) -> int:
    if in_quiet_hours(
        now, settings.timezone, pupil_discussions.quiet_hours(settings), settings.holidays
    ):
        return 0
    paused = await tx.paused_pupils()
    chats = await tx.all_chats()  # one read for everyone, not one per invitee
    sent = 0
    for meeting in await tx.meetings_between(now, now + timedelta(days=4)):
        if meeting.pupil_id in paused or now < reminder_moment(meeting, settings):
            continue
        pupil = await tx.pupil(meeting.pupil_id)
        assert pupil is not None
        people: dict[str, pupil_discussions.PersonOnFile] | None = None
        for invitee in await tx.invitees(meeting.id):
            if invitee.answer == "cannot" or invitee.reminded_version == meeting.version:
                continue
            # A round's short talk is the booker's; another parent was only told of it, so
            # only one who said they would come too is reminded.
            if meeting.round_id is not None and invitee.answer != "come":
                continue
            if (invitee.person_kind, invitee.person_id) in chats:
                if people is None:
                    people = await pupil_discussions.people_of_pupil(tx, pupil)
                to = await reader(tx, texts, invitee.person_kind, invitee.person_id)
                tr = to.tr
                person = people[
                    pupil_discussions.person_key(invitee.person_kind, invitee.person_id)
                ]
                await notify(
                    tx,
                    to,
                    tr._(
                        "⏰ {name}, a reminder: the {kind} about {child} is on {date}."
                        " Where: {place}.",
                        name=person.first_name,
                        kind=tr.label(KINDS[meeting.kind]),
                        child=pupil.first_name,
                        date=tr.datetime(meeting.starts_at),
                        place=place_text(tr, meeting),
                    ),
                    purpose="meeting_reminder",
                    now=now,
                    pupil_id=pupil.pupil_id,
                )
                sent += 1
            await tx.set_reminded(
                meeting.id, invitee.person_kind, invitee.person_id, meeting.version
            )
    return sent


async def prompt_summaries(tx: Tx, texts: Catalogues, now: datetime) -> int:
    """When a meeting has ended, ask its teacher once for the summary."""
    prompted = 0
    for meeting in await tx.ended_without_summary_prompt(now):
        await tx.set_summary_prompted(meeting.id, now)
        teacher = await reader(tx, texts, PersonKind.STAFF, meeting.created_by)
        pupil = await tx.pupil(meeting.pupil_id)
        if not teacher.in_samen or pupil is None:
            continue
        tr = teacher.tr
        await notify(
            tx,
            teacher,
            # staff:
            tr._(
                "✍️ How did the talk about {child} go? Please write a short summary"
                " for the parents.",
                child=pupil.first_name,
            ),
            purpose="summary_prompt",
            now=now,
            # staff:
            reply_markup=care_messages.keyboard(
                [[care_messages.button(tr.label("✍️ Write the summary"), f"sum:{meeting.id}")]]
            ),
        )
        prompted += 1
    return prompted


# --- summaries ------------------------------------------------------------------------


def summary_text(
    tr: Translator,
    summary: Summary,
    meeting: Meeting,
    *,
    child: str,
    teacher: str,
    attended: Sequence[str],
    to_pupil: bool = False,
    home_only: bool = False,
) -> str:
    """Fixed parts in the reader's language; the teacher's own words as written, marked. A
    pupil reads it written to them; a foster parent allowed day-to-day information reads
    only the agreements and the advice for home (`home_only`)."""

    def said(text: str) -> str:
        return tr.fill("“{text}”", text=text)

    if home_only:
        lines = [
            tr._("📝 <b>What we agreed about {child}</b>", child=child),
            tr._("From the talk at school on {date}.", date=tr.datetime(meeting.starts_at)),
        ]
    else:
        heading = (
            tr._("📝 <b>Summary of the talk about you</b>")
            if to_pupil
            else tr._("📝 <b>Summary of the talk about {child}</b>", child=child)
        )
        lines = [
            heading,
            tr._(
                "{date}. Present: {names}.",
                date=tr.datetime(meeting.starts_at),
                names=tr.list_of(list(attended)) or "–",
            ),
            "",
            tr._("<b>What goes well</b>"),
            said(summary.going_well),
        ]
    if summary.agreements:
        lines += ["", tr._("<b>What we agreed</b>")]
        for agreement in summary.agreements:
            parts = [said(agreement.what)]
            if agreement.who:
                parts.append(tr.fill("({text})", text=agreement.who))
            if agreement.when:
                parts.append(tr._("by {when}", when=agreement.when))
            lines.append("• " + " ".join(parts))
    if summary.advice_school and not home_only:
        lines += ["", tr._("<b>Advice for school</b>"), said(summary.advice_school)]
    if summary.advice_home:
        lines += ["", tr._("<b>Advice for home</b>"), said(summary.advice_home)]
    if not home_only:
        lines += [
            "",
            tr._("<b>Next step:</b> {step}", step=tr.label(NEXT_STEPS[summary.next_step])),
        ]
    lines += [
        "",
        tr._("<i>Text in quotes: {teacher}'s own words, in Dutch.</i>", teacher=teacher),
    ]
    return "\n".join(lines)


def pupil_may_be_left_out(pupil: Pupil, today: date) -> bool:
    """A teacher may keep a summary from a pupil of 12-15 (with a reason); from 16 the pupil
    reads what is said about them."""
    return 12 <= age_on(pupil.birth_date, today) < 16


# Talks whose summary is an important fact (results, development, the start of support): a
# parent without authority who asked for information receives it. Not a first acquaintance.
IMPORTANT_GOALS = frozenset({"progress", "opp", "care", "cvb", "zat", "round"})

PersonRef = tuple[PersonKind, str]


@dataclass(frozen=True)
class SummaryReaders:
    """Who reads a talk's summary, by the information rules."""

    whole: tuple[PersonRef, ...]
    # Foster parents the guardian allowed day-to-day information: agreements and home advice.
    home_only: tuple[PersonRef, ...]
    # Of `whole`, those the teacher may leave out of one summary with a reason: a pupil of
    # 12-15, a parent without authority who asked for information.
    optional: tuple[PersonRef, ...]


def summary_readers(
    meeting: Meeting, pupil: Pupil, facts: tuple[PupilFacts, Sequence[LinkFacts]], today: date
) -> SummaryReaders:
    kind = (
        MessageKind.IMPORTANT_SUMMARY
        if meeting.kind in IMPORTANT_GOALS
        else MessageKind.OUTCOME_SUMMARY
    )
    chosen = audience(kind, facts[0], facts[1], today)
    whole: list[PersonRef] = [(PersonKind.GUARDIAN, g) for g in chosen.guardians]
    optional: list[PersonRef] = [
        (PersonKind.GUARDIAN, g)
        for g in chosen.guardians
        if chosen.reasons[g] is Why.INFORMATION_REQUEST
    ]
    if chosen.pupil:
        whole.append((PersonKind.PUPIL, pupil.pupil_id))
        if pupil_may_be_left_out(pupil, today):
            optional.append((PersonKind.PUPIL, pupil.pupil_id))
    home = audience(MessageKind.HOME_ADVICE, facts[0], facts[1], today)
    home_only = tuple(
        (PersonKind.GUARDIAN, g) for g in home.guardians if (PersonKind.GUARDIAN, g) not in whole
    )
    return SummaryReaders(tuple(whole), home_only, tuple(optional))


def summary_keyboard(tr: Translator, meeting_id: int, *, read: bool = False) -> str:
    """ "Read" until it is tapped; a question can always be asked."""
    rows = [[care_messages.button(tr.label("❓ I have a question"), f"sr:{meeting_id}:ask")]]
    if not read:
        rows.insert(0, [care_messages.button(tr.label("✅ Read"), f"sr:{meeting_id}:read")])
    return care_messages.keyboard(rows)


async def send_summary(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    staff: StaffMember,
    meeting_id: int,
    attended: Sequence[str],
    going_well: str,
    agreements: Sequence[Agreement],
    advice_school: str,
    advice_home: str,
    next_step: str,
    left_out: Mapping[str, str] | None = None,
) -> tuple[str, ...] | None:
    """Store the summary for the pupil file and send it, protected, to the people the rules
    name; foster parents allowed day-to-day information get its agreements and home advice.
    `left_out` maps person keys of optional readers (`summary_readers`) to the teacher's
    reason for leaving them out of this one; each goes to the audit trail. Returns the names
    reached, or None when there is nothing (more) to send."""
    meeting = await tx.meeting(meeting_id)
    if meeting is None or meeting.created_by != staff.staff_id or await tx.summary(meeting_id):
        return None
    pupil = await tx.pupil(meeting.pupil_id)
    facts = await tx.rights_facts(meeting.pupil_id)
    assert pupil is not None and facts is not None
    summary = Summary(
        meeting_id,
        tuple(attended),
        going_well,
        tuple(agreements),
        advice_school,
        advice_home,
        next_step,
        staff.staff_id,
        now,
    )
    await tx.add_summary(summary)
    today = now.astimezone(settings.timezone).date()
    rules = summary_readers(meeting, pupil, facts, today)
    readers = []
    for kind, person_id in rules.whole:
        reason = (left_out or {}).get(pupil_discussions.person_key(kind, person_id))
        if reason and (kind, person_id) in rules.optional:
            await tx.audit(
                now=now,
                actor=("staff", staff.staff_id),
                action="summary_reader_left_out",
                pupil_id=pupil.pupil_id,
                subject=(kind.value, person_id),
                details={"meeting_id": meeting_id, "reason": reason},
            )
        else:
            readers.append((kind, person_id))
    people = await pupil_discussions.people_of_pupil(tx, pupil)
    reached = []
    # Foster parents get the agreements and the advice for home: only when there are some.
    home_readers = rules.home_only if summary.agreements or summary.advice_home else ()
    for kind, person_id in [*readers, *home_readers]:
        home_only = (kind, person_id) in home_readers
        to = await reader(tx, texts, kind, person_id)
        outbox_id = None
        if to.in_samen:
            tr = to.tr
            text = summary_text(
                tr,
                summary,
                meeting,
                child=pupil.first_name,
                teacher=teacher_name(staff),
                attended=attended,
                to_pupil=kind is PersonKind.PUPIL,
                home_only=home_only,
            )
            outbox_id = await notify(
                tx,
                to,
                text,
                purpose="summary",
                now=now,
                reply_markup=summary_keyboard(tr, meeting_id),
                protect_content=True,
                pupil_id=pupil.pupil_id,
            )
            reached.append(people[pupil_discussions.person_key(kind, person_id)].full_name)
        await tx.add_summary_reader(meeting_id, kind, person_id, outbox_id)
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="summary_sent",
        pupil_id=pupil.pupil_id,
        details={
            "meeting_id": meeting_id,
            "readers": len(readers),
            "home_only": len(home_readers),
        },
    )
    await refresh_card(tx, texts, settings, now, meeting_id)
    return tuple(reached)


async def read_summary(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    meeting_id: int,
) -> bool | None:
    """Record a "Read" tap; None when this summary was not sent to this person."""
    readers = await tx.summary_readers(meeting_id)
    if not any((k, p) == person for k, p, _ in readers):
        return None
    newly = await tx.mark_summary_read(meeting_id, person[0], person[1], now)
    if newly:
        await refresh_card(tx, texts, settings, now, meeting_id)
    return newly


async def ask_question(
    tx: Tx,
    texts: Catalogues,
    now: datetime,
    *,
    person: tuple[PersonKind, str],
    meeting_id: int,
    question: str,
) -> bool:
    """A reader's question about a summary reaches the teacher, with a way to answer."""
    readers = await tx.summary_readers(meeting_id)
    meeting = await tx.meeting(meeting_id)
    if meeting is None or not any((k, p) == person for k, p, _ in readers):
        return False
    question_id = await tx.add_question(meeting_id, person[0], person[1], question, now)
    teacher = await reader(tx, texts, PersonKind.STAFF, meeting.created_by)
    pupil = await tx.pupil(meeting.pupil_id)
    if teacher.in_samen and pupil is not None:
        tr = teacher.tr
        people = await pupil_discussions.people_of_pupil(tx, pupil)
        who = pupil_discussions.describe(
            tr, people[pupil_discussions.person_key(*person)], pupil.first_name
        )
        await notify(
            tx,
            teacher,
            # staff:
            tr._(
                "❓ {who} has a question about the summary: “{question}”",
                who=who,
                question=question,
            ),
            purpose="summary_question",
            now=now,
            # staff:
            reply_markup=care_messages.keyboard(
                [[care_messages.button(tr.label("↩️ Answer"), f"qa:{question_id}")]]
            ),
        )
    await tx.audit(
        now=now,
        actor=(person[0].value, person[1]),
        action="summary_question",
        pupil_id=meeting.pupil_id,
        details={"meeting_id": meeting_id},
    )
    return True


async def answer_question(
    tx: Tx,
    texts: Catalogues,
    now: datetime,
    *,
    staff: StaffMember,
    question_id: int,
    answer: str,
) -> bool:
    question = await tx.question(question_id)
    meeting = await tx.meeting(question["meeting_id"]) if question else None
    if question is None or meeting is None or meeting.created_by != staff.staff_id:
        return False
    if not await tx.answer_question(question_id, answer, now):
        return False
    kind, person_id = PersonKind(question["person_kind"]), question["person_id"]
    asker = await reader(tx, texts, kind, person_id)
    pupil = await tx.pupil(meeting.pupil_id)
    if asker.in_samen and pupil is not None:
        tr = asker.tr
        await notify(
            tx,
            asker,
            tr._(
                "💬 {teacher} answers your question about {child}:",
                teacher=teacher_name(staff),
                child=pupil.first_name,
            )
            + "\n"
            + own_words(tr, answer, teacher_name(staff)).html,
            purpose="summary_answer",
            now=now,
            protect_content=True,
            pupil_id=pupil.pupil_id,
        )
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="summary_question_answered",
        pupil_id=meeting.pupil_id,
        details={"question_id": question_id},
    )
    return True
