"""Safety exceptions (meldcode) and the pupils they pause."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Database
from tests.storage.support import NOW


async def test_an_exception_is_recorded_told_and_lifted(db: Database) -> None:
    later = NOW + timedelta(days=3)
    async with db.transaction() as tx:
        exception_id = await tx.add_safety_exception("P1", None, "signs of harm", "C1", NOW)
        await tx.record_parents_told(exception_id, "phone", later)
        assert await tx.paused_pupils() == {"P1"}
        [active] = await tx.safety_exceptions("P1")
    assert (active.id, active.pupil_id, active.discussion_id, active.reason) == (
        exception_id,
        "P1",
        None,
        "signs of harm",
    )
    assert (active.recorded_by, active.recorded_at) == ("C1", NOW)
    assert (active.parents_told_at, active.parents_told_how, active.lifted_at) == (
        later,
        "phone",
        None,
    )
    async with db.transaction() as tx:
        assert await tx.lift_safety_exceptions("P1", "C1", later) == 1
        assert tx.outbox_changed  # held messages may go now
        assert await tx.paused_pupils() == set()
        assert await tx.safety_exceptions("P1") == []
        [lifted] = await tx.safety_exceptions("P1", active_only=False)
    assert lifted.lifted_at == later


async def test_lifting_without_an_active_exception_changes_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        assert await tx.lift_safety_exceptions("P2", "C1", NOW) == 0
        assert await tx.safety_exceptions("P2", active_only=False) == []
