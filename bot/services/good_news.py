"""Positive news to a family: the handbook's quality indicator, and what makes a hard talk
possible later. Sent to the people the rules name, with one-tap reactions for the teacher."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from bot.i18n.translator import N_, Translator
from bot.platform.config import Settings
from bot.rules.callback_data import GoodNewsTap, ReactionTap
from bot.rules.models import NewsRecipient, PersonKind, Pupil, StaffMember
from bot.rules.rights import MessageKind, audience
from bot.rules.schooltime import is_school_day
from bot.services import pupil_discussions
from bot.services.notify import notify, reader
from bot.services.work import Units, Work, batches
from bot.texts import care_messages
from bot.texts.meeting_messages import own_words, teacher_name
from bot.texts.news_themes import THEMES

REACTIONS = {
    "thanks": N_("🙏 Thank you!"),
    "heart": N_("❤️"),
    "well_done": N_("👏 Tell {child}: well done!"),
    "words": N_("💬 Write a few words"),
}


@dataclass(frozen=True)
class NewsSent:
    news_id: int
    reached: tuple[str, ...]
    not_linked: tuple[str, ...]
    held: bool = False  # a safety exception holds it; the coordinator decides


def news_text(
    tr: Translator,
    *,
    name: str,
    child: str,
    teacher: str,
    words: str,
    themes: Sequence[str] = (),
) -> str:
    """The themes in the reader's language; the teacher's own sentence as written, marked."""
    lines = [
        tr._(
            "🌟 {name}, good news about {child} from {teacher}!",
            name=name,
            child=child,
            teacher=teacher,
        )
    ]
    if themes:
        chosen = [tr.label(THEMES[t]) for t in themes if t in THEMES]
        lines.append(
            tr._("{child} did really well at: {themes}.", child=child, themes=tr.list_of(chosen))
        )
    if words:
        lines.append(own_words(tr, words, teacher).html)
    return "\n".join(lines)


def reactions_keyboard(tr: Translator, news_id: int, child: str) -> str:
    return care_messages.keyboard(
        [
            [
                care_messages.button(
                    tr.label(REACTIONS["thanks"]), str(ReactionTap(news_id, "thanks"))
                ),
                care_messages.button(
                    tr.label(REACTIONS["heart"]), str(ReactionTap(news_id, "heart"))
                ),
            ],
            [
                care_messages.button(
                    tr.label(REACTIONS["well_done"], child=child),
                    str(ReactionTap(news_id, "well_done")),
                )
            ],
            [
                care_messages.button(
                    tr.label(REACTIONS["words"]), str(ReactionTap(news_id, "words"))
                )
            ],
        ]
    )


async def send_positive_news(
    w: Work,
    *,
    staff: StaffMember,
    pupil_id: str,
    words: str,
    themes: Sequence[str] = (),
    send_at: datetime | None = None,
) -> NewsSent:
    pupil = await w.tx.pupil(pupil_id)
    facts = await w.tx.rights_facts(pupil_id)
    if pupil is None or facts is None:
        raise LookupError(pupil_id)
    when = send_at or w.now
    news_id = await w.tx.add_positive_news(
        pupil_id=pupil_id,
        staff_id=staff.staff_id,
        themes=themes,
        own_words=words,
        now=w.now,
        send_at=when,
    )
    targets = audience(MessageKind.POSITIVE_NEWS, facts[0], facts[1], w.today).people(pupil_id)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    reached, not_linked = [], []
    for kind, person_id in targets:
        person = people[pupil_discussions.person_key(kind, person_id)]
        to = await reader(w, kind, person_id)
        outbox_id = None
        if not to.in_samen:
            not_linked.append(person.full_name)
        else:
            tr = to.tr
            outbox_id = await notify(
                w,
                to,
                news_text(
                    tr,
                    name=person.first_name,
                    child=pupil.first_name,
                    teacher=teacher_name(staff),
                    words=words,
                    themes=themes,
                ),
                purpose="positive_news",
                not_before=when,
                reply_markup=reactions_keyboard(tr, news_id, pupil.first_name),
                pupil_id=pupil_id,
            )
            reached.append(person.full_name)
        await w.tx.add_news_recipient(news_id, kind, person_id, outbox_id)
    await w.audit(
        staff,
        "positive_news_sent",
        pupil_id=pupil_id,
        details={"news_id": news_id, "recipients": len(targets)},
    )
    held = bool(reached) and bool(await w.tx.safety_exceptions(pupil_id))
    return NewsSent(news_id, tuple(reached), tuple(not_linked), held)


# --- cadence, reminders to mentors, coverage ---------------------------------------------


def school_weeks_since(start: datetime, now: datetime, settings: Settings) -> int:
    """Whole weeks with at least one school day between `start` and `now`: holidays do not
    count towards the cadence."""
    tz = settings.timezone
    day = start.astimezone(tz).date()
    monday_after = day - timedelta(days=day.weekday()) + timedelta(days=7)
    mondays = _school_mondays(now.astimezone(tz).date(), settings.holidays)
    return len(mondays) - bisect_left(mondays, monday_after)


@lru_cache(maxsize=32)
def _school_mondays(end: date, holidays: frozenset[date]) -> tuple[date, ...]:
    """Mondays of the complete weeks up to `end` (two years back) that have a school day;
    computed once per day, then each pupil's count is a binary search."""
    monday = end - timedelta(days=730)
    monday -= timedelta(days=monday.weekday())
    found = []
    while monday + timedelta(days=6) <= end:
        if any(is_school_day(monday + timedelta(days=d), holidays) for d in range(5)):
            found.append(monday)
        monday += timedelta(days=7)
    return tuple(found)


def news_due_before(now: datetime, settings: Settings) -> datetime | None:
    """Good news sent before this moment leaves a family due at `now` (at least
    `positive_news_weeks` school weeks since); None while fewer school weeks have passed in
    all (then only a family that never had any is due). The week count of each pupil needs
    the school calendar; this one moment lets the database pick out who is due."""
    mondays = _school_mondays(now.astimezone(settings.timezone).date(), settings.holidays)
    weeks = settings.positive_news_weeks
    if len(mondays) < weeks:
        return None
    # `school_weeks_since` counts the school weeks from the Monday after the day of the news:
    # at least `weeks` of them exactly when that day lies before this Monday.
    return datetime.combine(mondays[-weeks], time(0), settings.timezone)


@dataclass(frozen=True)
class Due:
    pupil: Pupil
    last: datetime | None  # the family's last good news; None if never


def due_among(
    pupils: Sequence[Pupil], last: dict[str, datetime], now: datetime, settings: Settings
) -> list[Due]:
    """Of these pupils, those whose family is due or overdue for good news, oldest first."""
    return oldest_first(
        Due(pupil, last.get(pupil.pupil_id))
        for pupil in pupils
        if pupil.pupil_id not in last
        or school_weeks_since(last[pupil.pupil_id], now, settings) >= settings.positive_news_weeks
    )


def oldest_first(due: Iterable[Due]) -> list[Due]:
    """Families that never had good news first, then the longest waiting; by first name."""
    return sorted(
        due,
        key=lambda d: (
            d.last is not None,
            d.last.timestamp() if d.last else 0.0,
            d.pupil.first_name,
        ),
    )


async def due_pupils(
    w: Work, groups: Sequence[str], last: dict[str, datetime] | None = None
) -> list[Due]:
    """Pupils of these groups whose family is due or overdue for good news, oldest first.
    `last` (when each pupil last had good news) can be passed in when asking for many groups."""
    if last is None:
        last = await w.tx.last_news_by_pupil(w.now)
    return due_among(await w.tx.pupils_of_groups(groups), last, w.now, w.settings)


# A reminder missed while Samen was down is still worth sending for a few days (a weekend).
CATCH_UP = timedelta(days=3)


def latest_occurrence(now: datetime, settings: Settings) -> datetime:
    """The most recent reminder moment (e.g. Friday 13:00) at or before `now`."""
    local = now.astimezone(settings.timezone)
    day = local.date() - timedelta(days=(local.weekday() - settings.news_reminder_weekday) % 7)
    moment = datetime.combine(day, settings.news_reminder_time, settings.timezone)
    if moment > local:
        moment -= timedelta(days=7)
    return moment


# Teachers whose reminders one unit of work makes: a short transaction in any school.
TEACHERS_PER_UNIT = 4


async def remind_mentors(units: Units) -> int:
    """Each teacher, at the configured moment, gets the pupils of their groups who are due
    for good news, oldest first. Nothing when nobody is due or it is a holiday. A moment
    missed while Samen was down is caught up once, within the week."""
    async with units.reading() as r:
        occurrence = await _moment_to_remind(r)
        if occurrence is None:
            return 0
        teachers = await r.tx.teachers_to_remind(occurrence)
        if not teachers:  # every tick after the first of the week
            return 0
        chats = await r.tx.staff_chats()
    sent = 0
    for some in batches(teachers, TEACHERS_PER_UNIT):
        async with units.work() as w:
            sent += await _remind_teachers(w, occurrence, some, chats)
    return sent


async def _remind_teachers(
    w: Work,
    occurrence: datetime,
    teachers: Sequence[tuple[str, tuple[str, ...]]],
    chats: dict[str, int],
) -> int:
    """The reminders of these teachers, each recorded (with how many pupils it named)."""
    in_samen = [(staff, groups) for staff, groups in teachers if chats.get(staff) is not None]
    # The pupils themselves only for the reminders sent; of the other teachers' groups, how
    # many (a teacher not in Samen yet has their reminder recorded, not sent).
    shown = {group for _, groups in in_samen for group in groups}
    counted = {group for _, groups in teachers for group in groups} - shown
    sent_before = news_due_before(w.now, w.settings)
    by_group: dict[str, list[Pupil]] = {}
    last: dict[str, datetime] = {}
    for pupil, when in await w.tx.waiting_for_news(sorted(shown), sent_before, w.now):
        by_group.setdefault(pupil.group, []).append(pupil)
        if when is not None:
            last[pupil.pupil_id] = when
    how_many = await w.tx.how_many_waiting_for_news(sorted(counted), sent_before, w.now)
    how_many.update((group, len(pupils)) for group, pupils in by_group.items())
    sent = 0
    recorded = [
        (staff_id, sum(how_many.get(group, 0) for group in groups)) for staff_id, groups in teachers
    ]
    for staff_id, own_groups in in_samen:
        # The database picked out who is due (news_due_before): only the order is left.
        due = oldest_first(
            Due(pupil, last.get(pupil.pupil_id))
            for group in own_groups
            for pupil in by_group.get(group, [])
        )
        if due:
            await _remind_mentor(w, staff_id, due)
            sent += 1
    await w.tx.record_news_reminders(occurrence, recorded, w.now)
    return sent


async def _moment_to_remind(w: Work) -> datetime | None:
    """The reminder moment to handle now; None when it is too long ago to catch up, fell on
    a day without school, or came before Samen ran at this school."""
    occurrence = latest_occurrence(w.now, w.settings)
    if w.now - occurrence >= CATCH_UP or not is_school_day(
        occurrence.astimezone(w.settings.timezone).date(), w.settings.holidays
    ):
        return None
    started = await w.tx.get_meta("first_started_at")
    if started is not None and occurrence < datetime.fromisoformat(started):
        return None  # before Samen ran at this school: nothing was missed
    return occurrence


async def _remind_mentor(w: Work, staff_id: str, due: Sequence[Due]) -> None:
    """One teacher's reminder: the families waiting (the first twelve), with the date of
    their last good news and a button to write some."""
    mentor = await reader(w, PersonKind.STAFF, staff_id)
    tr = mentor.tr
    lines = [
        # staff:
        tr.n_(
            "🌟 {n} family is waiting for good news:",
            "🌟 {n} families are waiting for good news:",
            len(due),
        )
    ]
    rows = []
    for item in due[:12]:
        lines.append(_due_line(tr, item, w.settings))
        rows.append(
            [
                care_messages.button(
                    tr.lines("🌟 " + item.pupil.first_name), str(GoodNewsTap(item.pupil.pupil_id))
                )
            ]
        )
    await notify(
        w,
        mentor,
        "\n".join(lines),
        purpose="news_reminder",
        reply_markup=care_messages.keyboard(rows),
    )


def _due_line(tr: Translator, item: Due, settings: Settings) -> str:
    """'• Daan de Vries (3 March)': a pupil and when their family last had good news."""
    if item.last is None:
        # staff:
        since = tr.label("never")
    else:
        since = tr.date(item.last.astimezone(settings.timezone).date())
    return tr.fill(
        "• {pupil} ({since})",
        pupil=f"{item.pupil.first_name} {item.pupil.last_name}",
        since=since,
    )


@dataclass(frozen=True)
class Coverage:
    group: str
    families: int
    reached: int  # good news within the period
    overdue: tuple[str, ...]
    unreachable: tuple[str, ...]


async def coverage(w: Work, groups: Sequence[str]) -> list[Coverage]:
    last = await w.tx.last_news_by_pupil(w.now)
    out = []
    for group in groups:
        contacts = await w.tx.contacts_of_groups([group])
        reached = 0
        overdue, unreachable = [], []
        for item in contacts:
            name = f"{item.pupil.first_name} {item.pupil.last_name}"
            when = last.get(item.pupil.pupil_id)
            if (
                when is not None
                and school_weeks_since(when, w.now, w.settings) < w.settings.positive_news_weeks
            ):
                reached += 1
            else:
                overdue.append(name)
            if not any(g.linked and not g.unreachable for g in item.guardians):
                unreachable.append(name)
        out.append(Coverage(group, len(contacts), reached, tuple(overdue), tuple(unreachable)))
    return out


# --- reactions from the family ------------------------------------------------------------


async def record_reaction(
    w: Work,
    *,
    news_id: int,
    person: tuple[PersonKind, str],
    reaction: str,
    words: str | None = None,
) -> NewsRecipient | None:
    """A reader's reaction to good news (a button, or a few words), told to the teacher who
    sent it. None when this news was not sent to this person."""
    kind, person_id = person
    found = await w.tx.news_recipient(news_id, kind, person_id)
    if found is None:
        return None
    await w.tx.set_news_reaction(news_id, kind, person_id, reaction, w.now, words)
    pupil = await w.tx.pupil(found.pupil_id)
    teacher = await reader(w, PersonKind.STAFF, found.staff_id)
    if pupil is None or not teacher.in_samen:
        return found
    tr = teacher.tr
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    who = pupil_discussions.describe(
        tr, people[pupil_discussions.person_key(kind, person_id)], pupil.first_name
    )
    if words is not None:
        # staff:
        text = tr._("💬 {who} wrote about your good news: “{text}”", who=who, text=words)
    else:
        # staff:
        text = tr._(
            "{who} reacted to your good news: {reaction}",
            who=who,
            reaction=tr.label(REACTIONS[reaction], child=pupil.first_name),
        )
    await notify(w, teacher, text, purpose="news_reaction")
    return found
