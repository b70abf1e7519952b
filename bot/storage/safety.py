"""Safety exceptions (meldcode): while one is active for a pupil, nothing automated reaches
the family."""

from __future__ import annotations

from datetime import datetime

from bot.rules.models import SafetyException
from bot.storage.executor import Executor
from bot.storage.records import _safety, iso


class SafetyQueries(Executor):
    """Recording, listing and lifting safety exceptions."""

    async def add_safety_exception(
        self,
        pupil_id: str,
        discussion_id: int | None,
        reason: str,
        by: str,
        now: datetime,
    ) -> int:
        """Record a safety exception for a pupil; returns its id."""
        return await self._insert(
            "INSERT INTO safety_exceptions (pupil_id, discussion_id, reason, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?)",
            (pupil_id, discussion_id, reason, by, iso(now)),
        )

    async def safety_exceptions(
        self, pupil_id: str, active_only: bool = True
    ) -> list[SafetyException]:
        """A pupil's safety exceptions, oldest first; all of them when `active_only` is False."""
        sql = "SELECT * FROM safety_exceptions WHERE pupil_id = ?"
        if active_only:
            sql += " AND lifted_at IS NULL"
        return [_safety(r) for r in await self._all(sql + " ORDER BY id", (pupil_id,))]

    async def paused_pupils(self) -> set[str]:
        """The pupils with an active safety exception."""
        rows = await self._all("SELECT pupil_id FROM safety_exceptions WHERE lifted_at IS NULL")
        return {r["pupil_id"] for r in rows}

    async def lift_safety_exceptions(self, pupil_id: str, by: str, now: datetime) -> int:
        """Lift a pupil's active safety exceptions (held messages may go); returns how many."""
        self.outbox_changed = True  # messages held for this family may be sent now
        return await self._run(
            "UPDATE safety_exceptions SET lifted_at = ?, lifted_by = ?"
            " WHERE pupil_id = ? AND lifted_at IS NULL",
            (iso(now), by, pupil_id),
        )

    async def record_parents_told(self, exception_id: int, how: str, now: datetime) -> None:
        """Record when and how the parents were told of a safety exception."""
        await self._run(
            "UPDATE safety_exceptions SET parents_told_at = ?, parents_told_how = ? WHERE id = ?",
            (iso(now), how, exception_id),
        )
