"""Preparing a parent talk: the handbook's eight conversation tips (BRIEF.md §3), filled with
what Samen knows about the family, a compact card stored with the meeting, and the prompts
before the talk (a couple of school days ahead, and the card again 15 minutes before)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.i18n.translator import N_, Translator, language_name
from bot.platform.config import Settings
from bot.rules.callback_data import PrepareTap
from bot.rules.models import Meeting, PersonKind, StaffMember
from bot.rules.schooltime import is_school_day
from bot.services import good_news, meetings, pupil_discussions
from bot.services.notify import notify, reader
from bot.services.work import Units, Work, batches
from bot.texts import care_messages, meeting_messages
from bot.texts.news_themes import THEMES
from bot.texts.staff_labels import STATUS_LABELS

# (key, question, example): one step of the wizard per tip.
TIPS: tuple[tuple[str, str, str], ...] = (
    ("goal", N_("🎯 What is the goal of this talk?"),
     N_("For example: agree together how we help {child} with reading.")),
    ("positive", N_("🌟 Start positive: what goes well with {child}?"),
     N_("For example: {child} helps other children when they are stuck.")),
    ("behaviour", N_("🔎 Your concern as concrete behaviour: what, when, how often? No labels."),
     N_("For example: in maths lessons {child} leaves the seat about five times.")),
    ("ask", N_("❓ What will you ask the parents? How is it at home, what matters to them?"),
     N_("For example: what do you notice at home when {child} has homework?")),
    ("absorb", N_("⏳ Is there hard news? Give time to let it sink in: no decision today."),
     N_("For example: we talk again next week, after you have thought about it.")),
    ("school", N_("🏫 What can the school do, and what not?"),
     N_("For example: extra reading help twice a week, but no one-to-one help all day.")),
    ("culture", N_("🌍 Language and culture: interpreter, customs, who comes along?"),
     N_("For example: an interpreter for Arabic; grandmother joins.")),
    ("team", N_("👥 Is a CvB or ZAT coming? What happens there, who attends, what do they offer?"),
     N_("For example: the ZAT meets on 12 January; the school doctor can advise on sleep.")),
)  # fmt: skip
TIP_KEYS = [key for key, _, _ in TIPS]
TIP_ICONS = dict(zip(TIP_KEYS, ("🎯", "🌟", "🔎", "❓", "⏳", "🏫", "🌍", "👥"), strict=True))
# Route steps (bot.rules.support_route) at which a CvB or ZAT is part of the picture.
TEAM_ROUTE_STEPS = frozenset({"3", "4a", "4b"})
SHOW_BEFORE = timedelta(minutes=15)
PROMPT_AT = time(8, 0)


@dataclass(frozen=True)
class Context:
    """What Samen already knows, shown while preparing and on the card."""

    last_news: datetime | None
    last_words: str  # the last good news in words: the teacher's own, else its themes
    needs_news: bool
    agreements: tuple[str, ...]
    consent: str | None
    languages: tuple[str, ...]
    interpreter_for: tuple[str, ...]
    interpreter_languages: tuple[str, ...]
    team: str | None
    team_involved: bool  # a CvB or ZAT talk, a ZAT consent question, or the route at CvB/ZAT


def language_label(code: str, reader: str) -> str:
    """A language named in the reader's language, its own name in brackets when that differs
    ('Oekraïens (Українська)'): the teacher knows which language, the name is recognisable."""
    theirs, own = language_name(code, reader), language_name(code)
    return theirs if theirs == own else f"{theirs} ({own})"


async def context_for(w: Work, tr: Translator, meeting: Meeting) -> Context:
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert pupil is not None
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    last, last_words = None, ""
    found = await w.tx.last_positive_news(pupil.pupil_id, w.now)
    if found is not None:
        last, themes, words = found
        chosen = [tr.label(THEMES[t]) for t in themes if t in THEMES]
        last_words = words or tr.list_of(chosen).plain
    # The same cadence as the mentors' reminders: school weeks, holiday weeks not counted.
    needs_news = (
        last is None
        or good_news.school_weeks_since(last, w.now, w.settings) >= w.settings.positive_news_weeks
    )
    agreements = tuple(
        " – ".join(p for p in (a.what, a.who, a.when) if p)
        for _, a in (await w.tx.open_agreements(pupil.pupil_id))[:3]
    )
    consent = None
    discussion = await w.tx.latest_consent_discussion(pupil.pupil_id)
    if discussion is not None:
        state = await pupil_discussions.discussion_state(w.tx, discussion, w.now)
        if state.status is not None:
            consent = tr.label(STATUS_LABELS[state.status.value])
    invitees = await w.tx.invitees(meeting.id)
    languages = tuple(
        sorted({language_label(i.language, tr.language) for i in invitees if i.language != "nl"})
    )
    interpreter = tuple(
        person.full_name
        for i in invitees
        if i.interpreter
        # one no longer linked to the pupil is left out rather than stopping the prompt
        and (person := people.get(pupil_discussions.person_key(i.person_kind, i.person_id)))
    )
    interpreter_languages = tuple(
        sorted(
            {
                language_label(i.language, tr.language)
                for i in invitees
                if i.interpreter and i.language != "nl"
            }
        )
    )
    team = None
    if meeting.kind in ("cvb", "zat"):
        team = meetings.team_line(tr, meeting, w.settings)
    route, _ = await w.tx.route_step(pupil.pupil_id)
    return Context(
        last_news=last,
        last_words=last_words,
        needs_news=needs_news,
        agreements=agreements,
        consent=consent,
        languages=languages,
        interpreter_for=interpreter,
        interpreter_languages=interpreter_languages,
        team=team,
        team_involved=bool(team) or discussion is not None or route in TEAM_ROUTE_STEPS,
    )


def context_lines(tr: Translator, context: Context) -> list[str]:
    # staff:
    lines = [tr._("<b>What Samen knows</b>")]
    if context.last_news is None:
        # staff:
        lines.append(tr._("🌟 No good news sent to this family yet."))
    else:
        # staff:
        lines.append(tr._("🌟 Last good news: {date}", date=tr.datetime(context.last_news)))
    if context.agreements:
        # staff:
        lines.append(
            tr._("📌 Agreements from earlier talks: {items}", items="; ".join(context.agreements))
        )
    if context.consent:
        # staff:
        lines.append(tr._("📝 Consent for the ZAT: {status}", status=context.consent))
    if context.languages:
        # staff:
        lines.append(
            tr._("🌍 Parents read: {languages}", languages=tr.list_of(list(context.languages)))
        )
    if context.interpreter_for:
        # staff:
        lines.append(
            tr._("🗣 Interpreter asked by: {names}", names=tr.list_of(list(context.interpreter_for)))
        )
    if context.team:
        lines.append(context.team)
    return lines


# Typical answers a teacher can take with one tap (typing stays possible at every step).
NO_CONCERN = N_("No concerns about behaviour this time.")
ASK_HOME = N_("How is it going at home, and what matters most to you?")
ASK_AGREEMENTS = N_("How did our agreements from last time work out at home?")
NO_HARD_NEWS = N_("No hard news: nothing has to be decided today.")
KEEP_AGREEMENTS = N_("We continue the agreements: {agreements}.")
INTERPRETER = N_("Interpreter for {languages}, asked by {names}.")
INTERPRETER_ANY = N_("Interpreter asked by {names}.")
NO_INTERPRETER = N_("Parents read {languages}; they did not ask for an interpreter.")
DUTCH_ONLY = N_("No interpreter needed: the parents read Dutch.")


def suggestions(tr: Translator, key: str, context: Context) -> list[str]:
    """Samen's one-tap answers for a tip, most likely first, taken from what it knows."""
    if key == "positive":
        return [context.last_words] if context.last_words else []
    if key == "behaviour":
        return [tr.label(NO_CONCERN)]
    if key == "ask":
        found = [tr.label(ASK_AGREEMENTS)] if context.agreements else []
        return [*found, tr.label(ASK_HOME)]
    if key == "absorb":
        return [tr.label(NO_HARD_NEWS)]
    if key == "school" and context.agreements:
        return [tr.label(KEEP_AGREEMENTS, agreements="; ".join(context.agreements))]
    if key == "culture":
        names = tr.list_of(list(context.interpreter_for))
        if context.interpreter_for and context.interpreter_languages:
            languages = tr.list_of(list(context.interpreter_languages))
            return [tr.label(INTERPRETER, languages=languages, names=names)]
        if context.interpreter_for:
            return [tr.label(INTERPRETER_ANY, names=names)]
        if context.languages:
            return [tr.label(NO_INTERPRETER, languages=tr.list_of(list(context.languages)))]
        return [tr.label(DUTCH_ONLY)]
    if key == "team":
        return [line for line in (context.team,) if line]
    return []


async def card(w: Work, tr: Translator, meeting: Meeting, answers: dict[str, str]) -> str:
    pupil = await w.tx.pupil(meeting.pupil_id)
    assert pupil is not None
    lines = [
        # staff:
        tr._(
            "🗒 <b>Preparation · {kind} · {pupil}</b>",
            kind=tr.label(meeting_messages.KINDS[meeting.kind]),
            pupil=f"{pupil.first_name} {pupil.last_name}",
        ),
        tr.datetime(meeting.starts_at),
    ]
    for key in TIP_KEYS:
        answer = answers.get(key)
        if answer:
            lines.append(tr.fill(TIP_ICONS[key] + " {answer}", answer=answer))
    lines.append("")
    lines.extend(context_lines(tr, await context_for(w, tr, meeting)))
    return "\n".join(lines)


async def save(
    w: Work, tr: Translator, meeting: Meeting, answers: dict[str, str], staff: StaffMember
) -> str:
    """Keep the teacher's preparation for this talk; the card it makes, to show now."""
    await w.tx.save_preparation(meeting.id, answers, staff.staff_id, w.now)
    return await card(w, tr, meeting, answers)


def prompt_moment(meeting: Meeting, settings: Settings) -> datetime:
    """08:00 on the school day that lies `prepare_days` school days before the talk."""
    return _prompt_moment_on(meeting.starts_at.astimezone(settings.timezone).date(), settings)


def _prompt_moment_on(day: date, settings: Settings) -> datetime:
    counted = 0
    while counted < settings.prepare_days:
        day -= timedelta(days=1)
        if is_school_day(day, settings.holidays):
            counted += 1
    return datetime.combine(day, PROMPT_AT, settings.timezone)


# Talks looked ahead to, and those one unit of work asks to prepare.
PROMPT_HORIZON = timedelta(days=21)
MEETINGS_PER_UNIT = 8


def prompts_due_before(now: datetime, settings: Settings) -> datetime:
    """The talks starting before this moment have their prompt due at `now`: the moment
    comes later for a later day, so the due days are the first few from today."""
    today = now.astimezone(settings.timezone).date()
    day = today
    while day <= today + PROMPT_HORIZON and _prompt_moment_on(day, settings) <= now:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), settings.timezone)


async def prompt_preparations(units: Units) -> int:
    """Ask each teacher to prepare a talk of theirs, `prepare_days` school days before it at
    08:00, once. The database names the talks whose moment has come; each is asked in a
    short unit of work."""
    async with units.reading() as r:
        end = min(r.now + PROMPT_HORIZON, prompts_due_before(r.now, r.settings))
        due = await r.tx.meeting_ids_to_prepare(r.now, end)
        # Who is in Samen, read once for all the batches (not once a batch).
        chats = await r.tx.staff_chats() if due else {}
    prompted = 0
    for some in batches(due, MEETINGS_PER_UNIT):
        async with units.work() as w:
            prompted += await _prompt(w, some, chats)
    return prompted


async def _prompt(w: Work, meeting_ids: Sequence[int], chats: Mapping[str, int]) -> int:
    meetings = [
        meeting
        for meeting in await w.tx.meetings_to_prepare(w.now, w.now + PROMPT_HORIZON, meeting_ids)
        if w.now >= prompt_moment(meeting, w.settings)
    ]
    # Each talk is asked about once, whether its teacher is in Samen or not.
    await w.tx.set_prepare_prompted([meeting.id for meeting in meetings], w.now)
    prompted = 0
    for meeting in meetings:
        if meeting.created_by not in chats:
            continue
        pupil = await w.tx.pupil(meeting.pupil_id)
        if pupil is None:
            continue
        teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
        tr = teacher.tr
        await notify(
            w,
            teacher,
            tr._(
                "🗒 The talk about {child} is on {date}. Prepare it now, in a few minutes?",
                child=pupil.first_name,
                date=tr.datetime(meeting.starts_at),
            ),
            purpose="prepare_prompt",
            reply_markup=care_messages.keyboard(
                # staff:
                [
                    [
                        care_messages.button(
                            tr.label("🗒 Prepare the talk"), str(PrepareTap(meeting.id))
                        )
                    ]
                ]
            ),
        )
        prompted += 1
    return prompted


async def show_preparations(w: Work) -> int:
    shown = 0
    for meeting in await w.tx.meetings_to_show_preparation(w.now, w.now + SHOW_BEFORE):
        await w.tx.set_preparation_shown(meeting.id, w.now)
        answers = await w.tx.preparation(meeting.id)
        teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
        if not teacher.in_samen or answers is None:
            continue
        tr = teacher.tr
        # staff:
        head = tr._("⏰ In a few minutes: your talk. Your preparation:")
        text = head + "\n" + await card(w, tr, meeting, answers)
        await notify(w, teacher, text, purpose="preparation_card")
        shown += 1
    return shown
