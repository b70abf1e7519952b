"""Absence reports: which pupil, which days, why, and who reported it."""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.models import Absence
from bot.storage.executor import Executor
from bot.storage.records import _absence, iso


class AbsenceQueries(Executor):
    """What parents reported about their children being away."""

    async def add_absence(
        self,
        *,
        pupil_id: str,
        guardian_id: str,
        days: tuple[date, date],
        reason: str,
        now: datetime,
    ) -> int:
        """Record one report; returns its id."""
        return await self._insert(
            "INSERT INTO absences (pupil_id, reported_by, first_day, last_day, reason,"
            " reported_at) VALUES (?, ?, ?, ?, ?, ?)",
            (pupil_id, guardian_id, days[0].isoformat(), days[1].isoformat(), reason, iso(now)),
        )

    async def absences_on(self, day: date) -> list[Absence]:
        """The reports that cover `day`, in the order they came in."""
        rows = await self._all(
            "SELECT * FROM absences WHERE first_day <= ?1 AND last_day >= ?1 ORDER BY id",
            (day.isoformat(),),
        )
        return [_absence(r) for r in rows]
