"""Care discussions (CvB notices, consent requests) with their recipients, answers and
reminders."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import Answer, Discussion, Participant, PersonKind, Recipient
from bot.storage import Database, Tx
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW

TEAM = (Participant("Dr. Smit", "psychologist", "GGD"),)


async def add(tx: Tx, kind: str = "zat", pupil_id: str = "P1", days: int = 7) -> int:
    return await tx.add_discussion(
        pupil_id=pupil_id,
        kind=kind,
        purpose="reading support",
        starts_at=NOW + timedelta(days=days),
        participants=TEAM,
        shared_info=("report", "plan"),
        created_by="C1",
        now=NOW,
        notice_deadline=NOW + timedelta(days=2),
        purpose_key="support",
    )


def recipient(discussion_id: int, person: tuple[PersonKind, str], decides: bool) -> Recipient:
    return Recipient(
        discussion_id=discussion_id,
        person_kind=person[0],
        person_id=person[1],
        decides=decides,
        language="nl",
        text_hash="abc",
        text_version="consent-v2",
        sent_at=NOW,
    )


async def test_a_discussion_reads_back_as_written(db: Database) -> None:
    async with db.transaction() as tx:
        discussion_id = await add(tx)
    async with db.reading() as tx:
        assert await tx.discussion(discussion_id) == Discussion(
            id=discussion_id,
            pupil_id="P1",
            kind="zat",
            purpose="reading support",
            starts_at=NOW + timedelta(days=7),
            participants=TEAM,
            shared_info=("report", "plan"),
            created_by="C1",
            created_at=NOW,
            notice_deadline=NOW + timedelta(days=2),
            cancelled_at=None,
            purpose_key="support",
        )


async def test_lists_leave_out_cancelled_earlier_and_other_pupils(db: Database) -> None:
    async with db.transaction() as tx:
        soon = await add(tx, days=1)
        later = await add(tx, days=9)
        cancelled = await add(tx, days=5)
        sara = await add(tx, pupil_id="P2", days=3)
        await tx.cancel_discussion(cancelled, NOW)
    async with db.reading() as tx:
        assert [d.id for d in await tx.discussions()] == [soon, sara, later]
        assert [d.id for d in await tx.discussions(since=NOW + timedelta(days=2))] == [sara, later]
        assert [d.id for d in await tx.discussions(pupil_ids=["P1"])] == [soon, later]
        assert await tx.discussions(pupil_ids=[]) == []
        assert (await tx.discussion(cancelled)).cancelled_at == NOW  # type: ignore[union-attr]
        assert await tx.discussion(404) is None


async def test_recipients_answers_and_reminders(db: Database) -> None:
    async with db.transaction() as tx:
        discussion_id = await add(tx)
        to_mother = await tx.enqueue(chat_id=101, text="request", purpose="consent", now=NOW)
        await tx.add_recipient(recipient(discussion_id, FATHER_KEY, False), None)
        await tx.add_recipient(recipient(discussion_id, MOTHER_KEY, True), to_mother)
        await tx.add_answer(recipient(discussion_id, MOTHER_KEY, True), "talk", 101, NOW)
        await tx.add_answer(
            recipient(discussion_id, MOTHER_KEY, True), "agree", 101, NOW + timedelta(hours=1)
        )
        await tx.record_reminder(discussion_id, PersonKind.GUARDIAN, "G2", 1, NOW)
    async with db.reading() as tx:
        assert await tx.recipients(discussion_id) == [
            recipient(discussion_id, MOTHER_KEY, True),
            recipient(discussion_id, FATHER_KEY, False),
        ]
        assert await tx.recipient_outbox_ids(discussion_id) == {MOTHER_KEY: to_mother}
        assert await tx.recipient_outbox_id(discussion_id, *MOTHER_KEY) == to_mother
        assert await tx.recipient_outbox_id(discussion_id, *FATHER_KEY) is None
        assert await tx.answers(discussion_id) == [
            Answer(discussion_id, PersonKind.GUARDIAN, "G1", "talk", NOW),
            Answer(discussion_id, PersonKind.GUARDIAN, "G1", "agree", NOW + timedelta(hours=1)),
        ]
        assert await tx.reminders_sent(discussion_id) == {("guardian", "G2", 1)}
        assert await tx.answers(404) == []
        assert await tx.recipients(404) == []


async def test_a_person_sees_a_discussion_once_the_message_was_sent(db: Database) -> None:
    async with db.transaction() as tx:
        discussion_id = await add(tx)
        message = await tx.enqueue(chat_id=101, text="request", purpose="consent", now=NOW)
        await tx.add_recipient(recipient(discussion_id, MOTHER_KEY, True), message)
        assert await tx.discussions_of_person(*MOTHER_KEY) == []
        await tx.mark_sent(message, 9001, NOW, "request")
        assert [d.id for d in await tx.discussions_of_person(*MOTHER_KEY)] == [discussion_id]
        assert await tx.discussions_of_person(*FATHER_KEY) == []


async def test_cvb_notice_and_latest_consent_discussion(db: Database) -> None:
    async with db.transaction() as tx:
        assert not await tx.cvb_notice_sent("P1")
        assert await tx.latest_consent_discussion("P1") is None
        cvb = await add(tx, kind="cvb")
        await add(tx, kind="zat")
        newest = await add(tx, kind="assessment")
        assert await tx.cvb_notice_sent("P1")
        assert (await tx.latest_consent_discussion("P1")).id == newest  # type: ignore[union-attr]
        await tx.cancel_discussion(cvb, NOW)
        assert not await tx.cvb_notice_sent("P1")


async def test_reminder_candidates_are_requests_with_someone_still_to_remind(
    db: Database,
) -> None:
    later = NOW + timedelta(days=3)
    first, second = (1, NOW), (2, NOW - timedelta(days=4))  # sent by these moments
    async with db.transaction() as tx:
        waiting = await add(tx)
        answered = await add(tx, days=8)
        notice = await add(tx, kind="cvb", days=9)
        past = await add(tx, days=1)
        paused = await add(tx, pupil_id="P2", days=10)
        for discussion_id in (waiting, answered, notice, past, paused):
            await tx.add_recipient(recipient(discussion_id, MOTHER_KEY, True), None)
            await tx.add_recipient(recipient(discussion_id, FATHER_KEY, False), None)
        await tx.add_answer(recipient(answered, MOTHER_KEY, True), "talk", 1, NOW)
        await tx.add_safety_exception("P2", None, "meldcode", "C1", NOW)
    async with db.transaction() as tx:
        after_a_day = NOW + timedelta(days=1, hours=12)
        assert await tx.consent_reminder_candidates(after_a_day, [first, second]) == [waiting]
        # Not yet sent by the moment of any reminder; and none asked for.
        assert await tx.consent_reminder_candidates(after_a_day, [(1, NOW - timedelta(1))]) == []
        assert await tx.consent_reminder_candidates(after_a_day, []) == []
        # A recorded reminder is not due again; the next number still is.
        await tx.record_reminder(waiting, *MOTHER_KEY, 1, NOW)
        assert await tx.consent_reminder_candidates(after_a_day, [first]) == []
        assert await tx.consent_reminder_candidates(after_a_day, [first, (2, NOW)]) == [waiting]
        # Once the talk has begun, nobody is reminded of it.
        assert await tx.consent_reminder_candidates(later + timedelta(days=5), [(2, NOW)]) == []
        assert [d.id for d in await tx.discussions(ids=[paused, waiting, 404])] == [
            waiting,
            paused,
        ]
        assert await tx.discussions(ids=[]) == []
