"""A teacher away until a day, with who stands in; back early, or simply past the day."""

from __future__ import annotations

from datetime import date

from bot.storage import Database
from tests.storage.support import NOW


async def test_away_until_a_day_and_back(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.set_away("T1", date(2026, 12, 4), "C1", NOW)
        assert await tx.away("T1", date(2026, 12, 4)) == (date(2026, 12, 4), "C1")
        assert await tx.away("T1", date(2026, 12, 5)) is None  # past the last day
        await tx.set_away("T1", date(2026, 12, 11), "C2", NOW)  # changed
        assert await tx.away("T1", date(2026, 12, 5)) == (date(2026, 12, 11), "C2")
        assert await tx.back_at_work("T1") is True
        assert await tx.back_at_work("T1") is False
        assert await tx.away("T1", date(2026, 12, 5)) is None
