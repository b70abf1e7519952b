"""A pupil's support route: the step it is at and the items ticked off on the way."""

from __future__ import annotations

from datetime import datetime

from bot.storage.executor import Executor
from bot.storage.records import from_iso, iso


class RouteQueries(Executor):
    """The step of the route and its ticks, per pupil."""

    async def route_step(self, pupil_id: str) -> tuple[str, datetime | None]:
        """The pupil's step on the support route and since when ('0' and None before any)."""
        row = await self._one("SELECT * FROM support_route WHERE pupil_id = ?", (pupil_id,))
        return ("0", None) if row is None else (row["step"], from_iso(row["since"]))

    async def set_route_step(self, pupil_id: str, step: str, by: str, now: datetime) -> None:
        """Move the pupil to a step of the support route."""
        await self._run(
            "INSERT INTO support_route (pupil_id, step, since, moved_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pupil_id) DO UPDATE SET step = excluded.step,"
            " since = excluded.since, moved_by = excluded.moved_by",
            (pupil_id, step, iso(now), by),
        )

    async def route_ticks(self, pupil_id: str) -> dict[tuple[str, str], tuple[datetime, str]]:
        """The ticked items of the pupil's route: (step, item) -> (when, by whom)."""
        rows = await self._all("SELECT * FROM support_route_ticks WHERE pupil_id = ?", (pupil_id,))
        return {(r["step"], r["item"]): (from_iso(r["ticked_at"]), r["ticked_by"]) for r in rows}

    async def toggle_route_tick(
        self, pupil_id: str, step: str, item: str, by: str, now: datetime
    ) -> bool:
        """Tick an item, or untick it; returns whether it is ticked now."""
        removed = await self._run(
            "DELETE FROM support_route_ticks WHERE pupil_id = ? AND step = ? AND item = ?",
            (pupil_id, step, item),
        )
        if removed:
            return False
        await self._run(
            "INSERT INTO support_route_ticks (pupil_id, step, item, ticked_at, ticked_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (pupil_id, step, item, iso(now), by),
        )
        return True
