"""Meetings with their invitees, the teacher's card, summaries, readers and questions."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import Agreement, Invitee, Meeting, PersonKind, Summary
from bot.storage import Database, Tx
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW, link

START = NOW + timedelta(days=2)


async def add(tx: Tx, starts_at: object = START, **kw: object) -> int:
    fields: dict[str, object] = {
        "pupil_id": "P1",
        "kind": "progress",
        "starts_at": starts_at,
        "minutes": 30,
        "place_kind": "room",
        "place": "Room 4",
        "goal": "reading",
        "alternatives": (START + timedelta(days=1),),
        "created_by": "T1",
        "now": NOW,
        **kw,
    }
    return await tx.add_meeting(**fields)  # type: ignore[arg-type]


def invitee(meeting_id: int, person: tuple[PersonKind, str], **kw: object) -> Invitee:
    fields: dict[str, object] = {
        "answer": None,
        "preference": None,
        "interpreter": False,
        "companion": False,
        "reminded_version": None,
        **kw,
    }
    return Invitee(meeting_id, person[0], person[1], "nl", **fields)  # type: ignore[arg-type]


async def test_a_meeting_reads_back_as_written(db: Database) -> None:
    async with db.transaction() as tx:
        meeting_id = await add(tx)
    async with db.reading() as tx:
        assert await tx.meeting(meeting_id) == Meeting(
            id=meeting_id,
            pupil_id="P1",
            kind="progress",
            starts_at=START,
            minutes=30,
            place_kind="room",
            place="Room 4",
            goal="reading",
            alternatives=(START + timedelta(days=1),),
            created_by="T1",
            version=1,
            cancelled_at=None,
            card_outbox_id=None,
            round_id=None,
            summary_prompted_at=None,
        )
        assert await tx.meeting(404) is None


async def test_lists_of_meetings(db: Database) -> None:
    async with db.transaction() as tx:
        first = await add(tx)
        second = await add(tx, starts_at=START + timedelta(hours=1))
        cancelled = await add(tx, starts_at=START + timedelta(hours=2))
        await tx.cancel_meeting(cancelled, NOW)
        other_teacher = await add(tx, created_by="C1")
    async with db.reading() as tx:
        between = await tx.meetings_between(START, START + timedelta(hours=2))
        assert [m.id for m in between] == [first, other_teacher, second]
        assert [m.id for m in await tx.meetings_of_staff("T1", NOW)] == [first, second]
        assert [m.id for m in await tx.recent_meetings_of_staff("T1", limit=2)] == [
            cancelled,
            second,
        ]
        assert await tx.busy_times_of_staff("T1", START, START + timedelta(days=1)) == [
            (START, 30),
            (START + timedelta(hours=1), 30),
        ]
        assert await tx.meetings_of_staff("nobody", NOW) == []


async def test_invitees_answer_and_a_move_asks_again(db: Database) -> None:
    async with db.transaction() as tx:
        meeting_id = await add(tx)
        invite = await tx.enqueue(chat_id=101, text="invite", purpose="meeting", now=NOW)
        await tx.add_invitee(invitee(meeting_id, MOTHER_KEY), invite)
        await tx.add_invitee(invitee(meeting_id, FATHER_KEY), None)
        await tx.set_invitee_answer(meeting_id, *MOTHER_KEY, "other_time", "mornings", NOW)
        await tx.set_invitee_wish(meeting_id, *MOTHER_KEY, "interpreter", True)
        await tx.set_reminded([(meeting_id, *FATHER_KEY, 1)])
        assert await tx.invitees(meeting_id) == [
            invitee(
                meeting_id, MOTHER_KEY, answer="other_time", preference="mornings", interpreter=True
            ),
            invitee(meeting_id, FATHER_KEY, reminded_version=1),
        ]
        assert await tx.invite_outbox_ids(meeting_id) == {MOTHER_KEY: invite}
        assert await tx.invite_outbox_id(meeting_id, *MOTHER_KEY) == invite
        assert await tx.invite_outbox_id(meeting_id, *FATHER_KEY) is None
        assert [m.id for m in await tx.meetings_of_person(*MOTHER_KEY)] == [meeting_id]
        await tx.move_meeting(meeting_id, START + timedelta(days=1))
        moved = await tx.meeting(meeting_id)
        mother = (await tx.invitees(meeting_id))[0]
    assert moved is not None
    assert (moved.starts_at, moved.version, moved.alternatives) == (
        START + timedelta(days=1),
        2,
        (),
    )
    assert (mother.answer, mother.preference, mother.interpreter) == (None, None, True)


async def test_the_card_follows_the_talk(db: Database) -> None:
    async with db.transaction() as tx:
        meeting_id = await add(tx, starts_at=NOW - timedelta(hours=1))
        card = await tx.enqueue(chat_id=201, text="card", purpose="meeting_card", now=NOW)
        assert await tx.started_cards(NOW) == []  # no card yet
        await tx.set_meeting_card(meeting_id, card)
        assert [m.id for m in await tx.started_cards(NOW)] == [meeting_id]
        await tx.set_card_started(meeting_id, NOW)
        assert await tx.started_cards(NOW) == []
        assert await tx.ended_ids_without_summary_prompt(NOW) == [meeting_id]
        ended = await tx.ended_without_summary_prompt(NOW, [meeting_id])
        assert [m.id for m in ended] == [meeting_id]
        await tx.set_summary_prompted([meeting_id], NOW)
        assert await tx.ended_ids_without_summary_prompt(NOW) == []
        assert await tx.ended_without_summary_prompt(NOW, [meeting_id]) == []
        assert (await tx.meeting(meeting_id)).card_outbox_id == card  # type: ignore[union-attr]


async def test_a_summary_its_readers_and_questions(db: Database) -> None:
    summary = Summary(
        meeting_id=0,
        attended=("G1", "T1"),
        going_well="reading",
        agreements=(Agreement("read daily", "home", "weekly"), Agreement("check in")),
        advice_school="praise",
        advice_home="library",
        next_step="talk in March",
        written_by="T1",
        sent_at=NOW,
    )
    async with db.transaction() as tx:
        meeting_id = await add(tx)
        summary = Summary(**{**summary.__dict__, "meeting_id": meeting_id})
        assert await tx.summary(meeting_id) is None
        await tx.add_summary(summary)
        message = await tx.enqueue(chat_id=101, text="summary", purpose="summary", now=NOW)
        await tx.add_summary_reader(meeting_id, *MOTHER_KEY, message)
        await tx.add_summary_reader(meeting_id, *FATHER_KEY, None)
        assert await tx.mark_summary_read(meeting_id, *MOTHER_KEY, NOW) is True
        assert await tx.mark_summary_read(meeting_id, *MOTHER_KEY, NOW) is False
        question_id = await tx.add_question(meeting_id, *MOTHER_KEY, "Which books?", NOW)
        assert await tx.answer_question(question_id, "Any!", NOW) is True
        assert await tx.answer_question(question_id, "Again", NOW) is False
        question = await tx.question(question_id)
        assert await tx.summary(meeting_id) == summary
        assert await tx.summary_readers(meeting_id) == [
            (PersonKind.GUARDIAN, "G1", NOW),
            (PersonKind.GUARDIAN, "G2", None),
        ]
        assert await tx.summary_outbox_id(meeting_id, *MOTHER_KEY) == message
        assert await tx.summary_outbox_id(meeting_id, *FATHER_KEY) is None
        assert await tx.question(404) is None
    assert question is not None
    assert (question.question, question.answer, question.person_id) == (
        "Which books?",
        "Any!",
        "G1",
    )


async def test_meetings_to_remind_have_someone_still_to_remind(db: Database) -> None:
    end = START + timedelta(days=1)
    async with db.transaction() as tx:
        waiting = await add(tx)
        declined = await add(tx)
        reminded = await add(tx)
        short_talk = await add(tx, round_id=7)
        later = await add(tx, starts_at=end)
        paused = await add(tx, pupil_id="P2")
        cancelled = await add(tx)
        for meeting_id in (waiting, declined, reminded, short_talk, later, paused, cancelled):
            await tx.add_invitee(invitee(meeting_id, MOTHER_KEY), None)
        await tx.set_invitee_answer(declined, *MOTHER_KEY, "cannot", None, NOW)
        await tx.set_reminded([(reminded, *MOTHER_KEY, 1)])
        await tx.add_safety_exception("P2", None, "meldcode", "C1", NOW)
        await tx.cancel_meeting(cancelled, NOW)
        every = [waiting, declined, reminded, short_talk, later, paused, cancelled]
        assert await tx.starts_to_remind(NOW, end) == [(waiting, START)]
        assert [m.id for m in await tx.meetings_to_remind(NOW, end, every)] == [waiting]
        # Of a round's short talk, only a parent who comes too is reminded.
        await tx.set_invitee_answer(short_talk, *MOTHER_KEY, "come", None, NOW)
        assert [m for m, _ in await tx.starts_to_remind(NOW, end)] == [waiting, short_talk]
        assert [m.id for m in await tx.meetings_to_remind(NOW, end, every)] == [waiting, short_talk]
        assert [m.id for m in await tx.meetings_to_remind(NOW, end, [short_talk])] == [short_talk]
        assert await tx.meetings_to_remind(NOW, end, []) == []
        # A talk moved to another time is a new version: reminded again.
        await tx.move_meeting(reminded, START + timedelta(hours=1))
        assert (reminded, START + timedelta(hours=1)) in await tx.starts_to_remind(NOW, end)
        assert reminded in [m.id for m in await tx.meetings_to_remind(NOW, end, every)]


async def test_invitees_to_remind_come_with_their_chats_in_one_read(db: Database) -> None:
    async with db.transaction() as tx:
        first, second, short_talk = await add(tx), await add(tx), await add(tx, round_id=7)
        for meeting_id in (first, second, short_talk):
            await tx.add_invitee(invitee(meeting_id, MOTHER_KEY), None)
            await tx.add_invitee(invitee(meeting_id, FATHER_KEY), None)
        await link(tx, *MOTHER_KEY, 501)
        await tx.set_invitee_answer(first, *FATHER_KEY, "cannot", None, NOW)
        await tx.set_reminded([(second, *MOTHER_KEY, 1)])
        await tx.set_invitee_answer(short_talk, *MOTHER_KEY, "come", None, NOW)
        found = await tx.invitees_to_remind([first, second, short_talk, 999])
    # Not one who cannot come, nor one reminded of this version; of a round's short talk
    # only who comes too. The father is not in Samen: no chat.
    assert {
        meeting: [(i.person_id, chat) for i, chat in rows] for meeting, rows in found.items()
    } == {first: [("G1", 501)], second: [("G2", None)], short_talk: [("G1", 501)]}
    async with db.reading() as tx:
        assert await tx.invitees_to_remind([]) == {}


async def test_a_talk_still_going_on_is_not_asked_for_its_summary(db: Database) -> None:
    async with db.transaction() as tx:
        going_on = await add(tx, starts_at=NOW - timedelta(minutes=10))  # 30 minutes long
        ended = await add(tx, starts_at=NOW - timedelta(minutes=45))
        assert await tx.ended_ids_without_summary_prompt(NOW) == [ended]
        both = [going_on, ended]
        assert [m.id for m in await tx.ended_without_summary_prompt(NOW, both)] == [ended]
        assert await tx.ended_ids_without_summary_prompt(NOW + timedelta(minutes=20)) == [
            ended,
            going_on,
        ]
