"""Slot rounds: slots are booked once, blocked only while free, and released."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import PersonKind, Round
from bot.storage import Database, Tx
from tests.storage.support import MOTHER_KEY, NOW

FIRST = NOW + timedelta(days=7)
SLOTS = (FIRST, FIRST + timedelta(minutes=15), FIRST + timedelta(minutes=30))


async def add(tx: Tx) -> int:
    return await tx.add_round(
        group="5A",
        created_by="T1",
        now=NOW,
        deadline=NOW + timedelta(days=3),
        minutes=15,
        place="Room 4",
        separate_slots=True,
        slots=SLOTS,
    )


async def test_a_round_and_its_slots_read_back(db: Database) -> None:
    async with db.transaction() as tx:
        round_id = await add(tx)
    async with db.reading() as tx:
        assert await tx.round(round_id) == Round(
            id=round_id,
            group="5A",
            created_by="T1",
            deadline=NOW + timedelta(days=3),
            minutes=15,
            place="Room 4",
            separate_slots=True,
            reminded_at=None,
            overview_sent_at=None,
        )
        slots = await tx.slots(round_id)
        assert [s.starts_at for s in slots] == list(SLOTS)
        assert all(s.pupil_id is None and not s.blocked for s in slots)
        assert await tx.slot(slots[0].id) == slots[0]
        assert [r.id for r in await tx.open_rounds(NOW)] == [round_id]
        assert await tx.open_rounds(NOW + timedelta(days=3)) == []
        assert await tx.busy_times_of_staff("T1", FIRST, FIRST + timedelta(hours=1)) == [
            (s, 15) for s in SLOTS
        ]
        assert await tx.round(404) is None
        assert await tx.slot(404) is None


async def test_a_slot_is_booked_once_and_blocked_only_while_free(db: Database) -> None:
    async with db.transaction() as tx:
        round_id = await add(tx)
        first, second, _ = await tx.slots(round_id)
        assert await tx.book_slot(first.id, "P1", MOTHER_KEY, NOW) is True
        assert await tx.book_slot(first.id, "P2", MOTHER_KEY, NOW) is False
        assert await tx.block_slot(first.id, True) is False
        assert await tx.block_slot(second.id, True) is True
        assert await tx.book_slot(second.id, "P2", MOTHER_KEY, NOW) is False
        booked = await tx.slot(first.id)
        assert booked is not None
        assert (booked.pupil_id, booked.booked_by) == ("P1", (PersonKind.GUARDIAN, "G1"))
        assert [r.id for r in await tx.all_rounds_of_booker(MOTHER_KEY)] == [round_id]
        meeting_id = await tx.add_meeting(
            pupil_id="P1",
            kind="round",
            starts_at=FIRST,
            minutes=15,
            place_kind="room",
            place="Room 4",
            goal="",
            alternatives=(),
            created_by="T1",
            now=NOW,
            round_id=round_id,
        )
        await tx.set_slot_meeting(first.id, meeting_id)
        assert await tx.slot_meeting_id(first.id) == meeting_id
        await tx.release_slot(first.id)
        assert await tx.slot_meeting_id(first.id) is None
        assert (await tx.slot(first.id)).booked_by is None  # type: ignore[union-attr]
        assert await tx.book_slot(first.id, "P2", MOTHER_KEY, NOW) is True


async def test_reminders_and_the_overview_are_recorded(db: Database) -> None:
    after = NOW + timedelta(days=4)
    async with db.transaction() as tx:
        round_id = await add(tx)
        assert await tx.rounds_needing_overview(NOW) == []
        assert [r.id for r in await tx.rounds_needing_overview(after)] == [round_id]
        await tx.set_round_reminded(round_id, NOW)
        await tx.set_round_overview_sent(round_id, after)
        assert await tx.rounds_needing_overview(after) == []
        done = await tx.round(round_id)
    assert done is not None and (done.reminded_at, done.overview_sent_at) == (NOW, after)
