"""Good news, the family's reactions, and the good-news reminders to teachers."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import Role, StaffMember
from bot.storage import Database, Tx
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW, SARA


async def news(tx: Tx, pupil_id: str, send_at: object, words: str = "") -> int:
    return await tx.add_positive_news(
        pupil_id=pupil_id,
        staff_id="T1",
        themes=("kind", "brave"),
        own_words=words,
        now=NOW,
        send_at=send_at,  # type: ignore[arg-type]
    )


async def test_news_its_recipients_and_a_reaction(db: Database) -> None:
    async with db.transaction() as tx:
        news_id = await news(tx, "P1", NOW, "Helped a classmate")
        message = await tx.enqueue(chat_id=101, text="news", purpose="news", now=NOW)
        await tx.add_news_recipient(news_id, *MOTHER_KEY, message)
        await tx.set_news_reaction(news_id, *MOTHER_KEY, "heart", NOW, "Thank you!")
        row = await tx.news_recipient(news_id, *MOTHER_KEY)
        assert await tx.news_recipient(news_id, *FATHER_KEY) is None
        assert await tx.last_positive_news("P1", NOW) == (
            NOW,
            ("kind", "brave"),
            "Helped a classmate",
        )
    assert row is not None
    assert (row.pupil_id, row.staff_id, row.outbox_id) == ("P1", "T1", message)
    assert (row.reaction, row.reaction_text) == ("heart", "Thank you!")


async def test_news_planned_for_later_does_not_count_yet(db: Database) -> None:
    async with db.transaction() as tx:
        await news(tx, "P1", NOW - timedelta(days=3))
        await news(tx, "P1", NOW - timedelta(days=1))
        await news(tx, "P2", NOW + timedelta(days=1))
        assert await tx.last_news_by_pupil(NOW) == {"P1": NOW - timedelta(days=1)}
        assert await tx.last_positive_news("P2", NOW) is None
        assert await tx.last_positive_news("P2", NOW + timedelta(days=1)) is not None


async def test_reminders_are_recorded_once_per_occurrence(db: Database) -> None:
    monday = NOW - timedelta(days=7)
    async with db.transaction() as tx:
        assert not await tx.news_reminder_handled("T1", monday)
        await tx.record_news_reminder("T1", monday, 3, NOW)
        await tx.record_news_reminders(NOW, [("T1", 2), ("C1", 0)], NOW)
        assert await tx.news_reminder_handled("T1", monday)
        assert await tx.news_reminders_handled(NOW) == {"T1", "C1"}
        assert await tx.news_reminders_handled(NOW + timedelta(days=7)) == set()
        assert await tx.news_reminders_sent("T1") == [(monday, 3), (NOW, 2)]


async def test_teachers_to_remind_are_those_with_groups_not_handled_yet(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.upsert_staff(StaffMember("T2", "Ties", "Smit", Role.TEACHER, ("8B", "5A")), NOW)
        assert await tx.teachers_to_remind(NOW) == [("T1", ("5A",)), ("T2", ("5A", "8B"))]
        await tx.record_news_reminders(NOW, [("T1", 1)], NOW)
        assert await tx.teachers_to_remind(NOW) == [("T2", ("5A", "8B"))]
        assert len(await tx.teachers_to_remind(NOW + timedelta(days=7))) == 2


async def test_waiting_for_news_are_the_pupils_without_recent_news(db: Database) -> None:
    async with db.transaction() as tx:
        await news(tx, "P1", NOW - timedelta(days=50))
        await news(tx, "P2", NOW - timedelta(days=5))
        await news(tx, "P2", NOW + timedelta(days=1))  # planned: does not count yet
        both = ["5A", "8B"]
        before = NOW - timedelta(days=30)
        assert [(p.pupil_id, when) for p, when in await tx.waiting_for_news(both, before, NOW)] == [
            ("P1", NOW - timedelta(days=50))
        ]
        everyone = await tx.waiting_for_news(both, NOW, NOW)
        assert [(p.pupil_id, p.group) for p, _ in everyone] == [("P1", "5A"), ("P2", "8B")]
        assert await tx.how_many_waiting_for_news(both, NOW, NOW) == {"5A": 1, "8B": 1}
        assert await tx.how_many_waiting_for_news(both, before, NOW) == {"5A": 1}
        assert await tx.how_many_waiting_for_news([], NOW, NOW) == {}
        assert await tx.waiting_for_news(both, None, NOW) == []  # each had some
        assert await tx.how_many_waiting_for_news(both, None, NOW) == {}
        assert await tx.waiting_for_news(["8B"], before, NOW - timedelta(days=10)) == [(SARA, None)]
        # Neither a pupil who left nor one whose family's messages are paused.
        await tx.set_left_on("P1", NOW.date())
        await tx.add_safety_exception("P2", None, "meldcode", "C1", NOW)
        assert await tx.waiting_for_news(both, NOW, NOW) == []
        assert await tx.how_many_waiting_for_news(both, NOW, NOW) == {}
