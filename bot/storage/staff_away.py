"""Staff away from school: until when, and who reads their families' messages meanwhile."""

from __future__ import annotations

from datetime import date, datetime

from bot.storage.executor import Executor
from bot.storage.records import iso


class StaffAwayQueries(Executor):
    """Who is away, until when, and who stands in."""

    async def set_away(self, staff_id: str, until: date, stand_in: str, now: datetime) -> None:
        """The teacher is away until `until` (included); `stand_in` reads meanwhile."""
        await self._run(
            "INSERT INTO staff_away (staff_id, until_day, stand_in, since) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (staff_id) DO UPDATE SET until_day = excluded.until_day,"
            " stand_in = excluded.stand_in, since = excluded.since",
            (staff_id, until.isoformat(), stand_in, iso(now)),
        )

    async def back_at_work(self, staff_id: str) -> bool:
        """The teacher is back; False when they were not away."""
        return await self._run("DELETE FROM staff_away WHERE staff_id = ?", (staff_id,)) > 0

    async def away(self, staff_id: str, today: date) -> tuple[date, str] | None:
        """(last day away, stand-in) while the teacher is away on `today`, else None."""
        row = await self._one(
            "SELECT until_day, stand_in FROM staff_away WHERE staff_id = ? AND until_day >= ?",
            (staff_id, today.isoformat()),
        )
        return None if row is None else (date.fromisoformat(row["until_day"]), row["stand_in"])
