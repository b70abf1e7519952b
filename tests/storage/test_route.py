"""A pupil's support route: its step and the ticks on the way."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Database
from tests.storage.support import NOW


async def test_a_pupil_starts_at_step_zero_and_moves_on(db: Database) -> None:
    later = NOW + timedelta(days=1)
    async with db.transaction() as tx:
        assert await tx.route_step("P1") == ("0", None)
        await tx.set_route_step("P1", "1", "C1", NOW)
        await tx.set_route_step("P1", "2", "C1", later)
        assert await tx.route_step("P1") == ("2", later)
        assert await tx.route_step("P2") == ("0", None)


async def test_a_tick_toggles(db: Database) -> None:
    async with db.transaction() as tx:
        assert await tx.toggle_route_tick("P1", "1", "observe", "T1", NOW) is True
        assert await tx.route_ticks("P1") == {("1", "observe"): (NOW, "T1")}
        assert await tx.toggle_route_tick("P1", "1", "observe", "T1", NOW) is False
        assert await tx.route_ticks("P1") == {}
