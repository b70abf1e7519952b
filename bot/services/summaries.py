"""After a talk: the summary goes to the people the rules name (a parent without authority who
asked for information gets the important ones, foster parents allowed day-to-day information
the agreements and advice for home), who read it and ask about it; the teacher answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.rules.callback_data import AnswerQuestionTap, WriteSummaryTap
from bot.rules.models import (
    Agreement,
    Meeting,
    PersonKind,
    Pupil,
    StaffMember,
    Summary,
)
from bot.rules.rights import LinkFacts, MessageKind, PupilFacts, Why, age_on, audience
from bot.services import pupil_discussions
from bot.services.meeting_card import refresh_card
from bot.services.notify import Reader, notify, reader
from bot.services.work import Units, Work, batches
from bot.texts import care_messages
from bot.texts.meeting_messages import (
    own_words,
    summary_keyboard,
    summary_text,
    teacher_name,
)

# Talks whose summary one unit of work asks for: a short transaction however many ended.
MEETINGS_PER_UNIT = 8


async def prompt_summaries(units: Units) -> int:
    """When a meeting has ended, ask its teacher once for the summary. The database names
    the talks; each batch is asked in a short unit of work."""
    async with units.reading() as r:
        due = await r.tx.ended_ids_without_summary_prompt(r.now)
        # Who is in Samen, read once for all the batches (not once a batch).
        chats = await r.tx.staff_chats() if due else {}
    prompted = 0
    for some in batches(due, MEETINGS_PER_UNIT):
        async with units.work() as w:
            prompted += await _prompt_summaries(w, some, chats)
    return prompted


async def _prompt_summaries(w: Work, meeting_ids: Sequence[int], chats: Mapping[str, int]) -> int:
    meetings = await w.tx.ended_without_summary_prompt(w.now, meeting_ids)
    # Each talk is asked about once, whether its teacher is in Samen or not.
    await w.tx.set_summary_prompted([meeting.id for meeting in meetings], w.now)
    prompted = 0
    for meeting in meetings:
        if meeting.created_by not in chats:
            continue
        teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
        pupil = await w.tx.pupil(meeting.pupil_id)
        if pupil is None:
            continue
        tr = teacher.tr
        await notify(
            w,
            teacher,
            # staff:
            tr._(
                "✍️ How did the talk about {child} go? Please write a short summary"
                " for the parents.",
                child=pupil.first_name,
            ),
            purpose="summary_prompt",
            reply_markup=care_messages.keyboard(
                [
                    [
                        care_messages.button(
                            # staff:
                            tr.label("✍️ Write the summary"),
                            str(WriteSummaryTap(meeting.id)),
                        )
                    ]
                ]
            ),
        )
        prompted += 1
    return prompted


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


async def send_summary(
    w: Work,
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
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None or meeting.created_by != staff.staff_id or await w.tx.summary(meeting_id):
        return None
    pupil = await w.tx.pupil(meeting.pupil_id)
    facts = await w.tx.rights_facts(meeting.pupil_id)
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
        w.now,
    )
    await w.tx.add_summary(summary)
    today = w.today
    rules = summary_readers(meeting, pupil, facts, today)
    readers = await _readers_after_leaving_out(w, staff, meeting, rules, left_out or {})
    # Foster parents get the agreements and the advice for home: only when there are some.
    home_readers = rules.home_only if summary.agreements or summary.advice_home else ()
    reached = await _send_to_readers(w, summary, meeting, pupil, staff, readers, home_readers)
    await w.audit(
        staff,
        "summary_sent",
        pupil_id=pupil.pupil_id,
        details={
            "meeting_id": meeting_id,
            "readers": len(readers),
            "home_only": len(home_readers),
        },
    )
    await refresh_card(w, meeting_id)
    return tuple(reached)


async def _readers_after_leaving_out(
    w: Work,
    staff: StaffMember,
    meeting: Meeting,
    rules: SummaryReaders,
    left_out: Mapping[str, str],
) -> list[PersonRef]:
    """Who reads the whole summary: everyone the rules name, but for an optional reader the
    teacher left out with a reason (which goes to the audit trail)."""
    readers = []
    for kind, person_id in rules.whole:
        reason = left_out.get(pupil_discussions.person_key(kind, person_id))
        if reason and (kind, person_id) in rules.optional:
            await w.audit(
                staff,
                "summary_reader_left_out",
                pupil_id=meeting.pupil_id,
                subject=(kind.value, person_id),
                details={"meeting_id": meeting.id, "reason": reason},
            )
        else:
            readers.append((kind, person_id))
    return readers


async def _send_to_readers(
    w: Work,
    summary: Summary,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
    readers: Sequence[PersonRef],
    home_readers: Sequence[PersonRef],
) -> list[str]:
    """Send the summary to each reader in Samen and record every reader, reached or not;
    returns the names of those reached."""
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    reached = []
    for kind, person_id in [*readers, *home_readers]:
        to = await reader(w, kind, person_id)
        outbox_id = None
        if to.in_samen:
            home_only = (kind, person_id) in home_readers
            outbox_id = await _send_one(w, to, summary, meeting, pupil, staff, home_only)
            reached.append(people[pupil_discussions.person_key(kind, person_id)].full_name)
        await w.tx.add_summary_reader(meeting.id, kind, person_id, outbox_id)
    return reached


async def _send_one(
    w: Work,
    to: Reader,
    summary: Summary,
    meeting: Meeting,
    pupil: Pupil,
    staff: StaffMember,
    home_only: bool,
) -> int | None:
    """The summary to one reader, protected, in their language."""
    text = summary_text(
        to.tr,
        summary,
        meeting,
        child=pupil.first_name,
        teacher=teacher_name(staff),
        attended=summary.attended,
        to_pupil=to.kind is PersonKind.PUPIL,
        home_only=home_only,
    )
    return await notify(
        w,
        to,
        text,
        purpose="summary",
        reply_markup=summary_keyboard(to.tr, meeting.id),
        protect_content=True,
        pupil_id=pupil.pupil_id,
    )


async def read_summary(w: Work, *, person: tuple[PersonKind, str], meeting_id: int) -> bool | None:
    """Record a "Read" tap; None when this summary was not sent to this person."""
    readers = await w.tx.summary_readers(meeting_id)
    if not any((k, p) == person for k, p, _ in readers):
        return None
    newly = await w.tx.mark_summary_read(meeting_id, person[0], person[1], w.now)
    if newly:
        await refresh_card(w, meeting_id)
    return newly


async def react_to_summary(
    w: Work, *, person: tuple[PersonKind, str], meeting_id: int, emoji: str
) -> bool:
    """A reader's reaction (👍, ❤️, …) to a summary reaches the teacher who wrote it."""
    readers = await w.tx.summary_readers(meeting_id)
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None or not any((k, p) == person for k, p, _ in readers):
        return False
    pupil = await w.tx.pupil(meeting.pupil_id)
    teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
    if pupil is not None and teacher.in_samen:
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        who = pupil_discussions.describe(
            teacher.tr, people[pupil_discussions.person_key(*person)], pupil.first_name
        )
        # staff:
        text = teacher.tr._(
            "{who} reacted to the summary of the talk about {child}: {emoji}",
            who=who,
            child=pupil.first_name,
            emoji=emoji,
        )
        await notify(w, teacher, text, purpose="summary_reaction")
    await w.audit(
        (person[0].value, person[1]),
        "summary_reaction",
        pupil_id=meeting.pupil_id,
        details={"meeting_id": meeting_id, "emoji": emoji},
    )
    return True


async def ask_question(
    w: Work, *, person: tuple[PersonKind, str], meeting_id: int, question: str
) -> bool:
    """A reader's question about a summary reaches the teacher, with a way to answer."""
    readers = await w.tx.summary_readers(meeting_id)
    meeting = await w.tx.meeting(meeting_id)
    if meeting is None or not any((k, p) == person for k, p, _ in readers):
        return False
    question_id = await w.tx.add_question(meeting_id, person[0], person[1], question, w.now)
    teacher = await reader(w, PersonKind.STAFF, meeting.created_by)
    pupil = await w.tx.pupil(meeting.pupil_id)
    if teacher.in_samen and pupil is not None:
        tr = teacher.tr
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        who = pupil_discussions.describe(
            tr, people[pupil_discussions.person_key(*person)], pupil.first_name
        )
        await notify(
            w,
            teacher,
            # staff:
            tr._(
                "❓ {who} has a question about the summary: “{question}”",
                who=who,
                question=question,
            ),
            purpose="summary_question",
            reply_markup=care_messages.keyboard(
                [[care_messages.button(tr.label("↩️ Answer"), str(AnswerQuestionTap(question_id)))]]
            ),
        )
    await w.audit(
        (person[0].value, person[1]),
        "summary_question",
        pupil_id=meeting.pupil_id,
        details={"meeting_id": meeting_id},
    )
    return True


async def answer_question(w: Work, *, staff: StaffMember, question_id: int, answer: str) -> bool:
    question = await w.tx.question(question_id)
    meeting = await w.tx.meeting(question.meeting_id) if question else None
    if question is None or meeting is None or meeting.created_by != staff.staff_id:
        return False
    if not await w.tx.answer_question(question_id, answer, w.now):
        return False
    kind, person_id = question.person_kind, question.person_id
    asker = await reader(w, kind, person_id)
    pupil = await w.tx.pupil(meeting.pupil_id)
    if asker.in_samen and pupil is not None:
        tr = asker.tr
        await notify(
            w,
            asker,
            tr._(
                "💬 {teacher} answers your question about {child}:",
                teacher=teacher_name(staff),
                child=pupil.first_name,
            )
            + "\n"
            + own_words(tr, answer, teacher_name(staff)).html,
            purpose="summary_answer",
            protect_content=True,
            pupil_id=pupil.pupil_id,
        )
    await w.audit(
        staff,
        "summary_question_answered",
        pupil_id=meeting.pupil_id,
        details={"question_id": question_id},
    )
    return True
