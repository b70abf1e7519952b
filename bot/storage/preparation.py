"""Preparing a parent talk: the teacher's preparation card stored with a meeting, the prompts to
prepare it and to show it again before the talk, and the agreements of earlier talks."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.rules.models import Agreement, Meeting
from bot.storage.executor import Executor
from bot.storage.records import _meeting, among_ids, from_iso, iso

# Talks outside rounds in (now, horizon] not prompted for nor prepared yet ({columns}: what
# of them to read).
_TO_PREPARE = (
    "SELECT {columns} FROM meetings m WHERE m.cancelled_at IS NULL"
    " AND m.prepare_prompted_at IS NULL AND m.round_id IS NULL"
    " AND m.starts_at > ? AND m.starts_at <= ?"
    " AND NOT EXISTS (SELECT 1 FROM preparations p WHERE p.meeting_id = m.id)"
)


class PreparationQueries(Executor):
    """Preparation cards and the prompts around them."""

    async def save_preparation(
        self, meeting_id: int, answers: dict[str, str], by: str, now: datetime
    ) -> None:
        """Store a meeting's preparation card, replacing an earlier one."""
        await self._run(
            "INSERT INTO preparations (meeting_id, answers, written_by, written_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET"
            " answers = excluded.answers, written_by = excluded.written_by,"
            " written_at = excluded.written_at",
            (meeting_id, json.dumps(answers, ensure_ascii=False), by, iso(now)),
        )

    async def preparation(self, meeting_id: int) -> dict[str, str] | None:
        """The answers on a meeting's preparation card, or None."""
        row = await self._one(
            "SELECT answers FROM preparations WHERE meeting_id = ?", (meeting_id,)
        )
        return None if row is None else dict(json.loads(row["answers"]))

    async def prepared_meeting_ids(self) -> set[int]:
        """The ids of the meetings that have a preparation card."""
        return {r["meeting_id"] for r in await self._all("SELECT meeting_id FROM preparations")}

    async def meetings_to_prepare(
        self, now: datetime, horizon: datetime, ids: Iterable[int]
    ) -> list[Meeting]:
        """Of these talks, those in (now, horizon] whose teacher was not asked to prepare
        them yet and has not prepared them either, soonest first."""
        params: list[Any] = [iso(now), iso(horizon)]
        narrowed = among_ids(_TO_PREPARE.format(columns="m.*"), params, ids, "m.id")
        if narrowed is None:
            return []
        rows = await self._all(narrowed + " ORDER BY m.starts_at, m.id", params)
        return [_meeting(r) for r in rows]

    async def meeting_ids_to_prepare(self, now: datetime, horizon: datetime) -> list[int]:
        """The ids of `meetings_to_prepare` among all talks: only the ids, as a tick asks
        for all of them and reads each batch's talks again in the unit of work that asks."""
        rows = await self._all(
            _TO_PREPARE.format(columns="m.id") + " ORDER BY m.starts_at, m.id",
            (iso(now), iso(horizon)),
        )
        return [r["id"] for r in rows]

    async def set_prepare_prompted(self, meeting_ids: Sequence[int], now: datetime) -> None:
        """Record that the teachers were asked to prepare these talks."""
        await self._run_many(
            "UPDATE meetings SET prepare_prompted_at = ? WHERE id = ?",
            [(iso(now), meeting_id) for meeting_id in meeting_ids],
        )

    async def meetings_to_show_preparation(self, now: datetime, soon: datetime) -> list[Meeting]:
        """Prepared talks starting after `now` and by `soon` whose card was not shown again yet."""
        rows = await self._all(
            "SELECT m.* FROM meetings m JOIN preparations p ON p.meeting_id = m.id"
            " WHERE m.cancelled_at IS NULL AND m.preparation_shown_at IS NULL"
            " AND m.starts_at > ? AND m.starts_at <= ? ORDER BY m.starts_at",
            (iso(now), iso(soon)),
        )
        return [_meeting(r) for r in rows]

    async def set_preparation_shown(self, meeting_id: int, now: datetime) -> None:
        """Record that the preparation card was shown again before the talk."""
        await self._run(
            "UPDATE meetings SET preparation_shown_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def open_agreements(self, pupil_id: str) -> list[tuple[datetime, Agreement]]:
        """Agreements from earlier summaries about this pupil, newest first."""
        rows = await self._all(
            "SELECT s.sent_at, s.agreements FROM summaries s JOIN meetings m"
            " ON m.id = s.meeting_id WHERE m.pupil_id = ? ORDER BY s.sent_at DESC",
            (pupil_id,),
        )
        return [
            (from_iso(r["sent_at"]), Agreement(**a))
            for r in rows
            for a in json.loads(r["agreements"])
        ]
