"""Slot rounds: a teacher offers the families of a group time slots to book before a deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.rules.models import PersonKind, Round, Slot
from bot.storage.executor import Executor
from bot.storage.records import _round, _slot, iso


class RoundQueries(Executor):
    """Rounds and their slots: booking, releasing and blocking."""

    async def add_round(
        self,
        *,
        group: str,
        created_by: str,
        now: datetime,
        deadline: datetime,
        minutes: int,
        place: str,
        separate_slots: bool,
        slots: Sequence[datetime],
    ) -> int:
        """Record a slot round of a group with its slots; returns its id."""
        round_id = await self._insert(
            "INSERT INTO rounds (group_name, created_by, created_at, deadline, minutes, place,"
            " separate_slots) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (group, created_by, iso(now), iso(deadline), minutes, place, int(separate_slots)),
        )
        await self._run_many(
            "INSERT INTO round_slots (round_id, starts_at) VALUES (?, ?)",
            [(round_id, iso(s)) for s in slots],
        )
        return round_id

    async def round(self, round_id: int) -> Round | None:
        """One round by id, or None."""
        row = await self._one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return None if row is None else _round(row)

    async def open_rounds(self, now: datetime) -> list[Round]:
        """Rounds not closed whose deadline is after `now`, soonest deadline first."""
        rows = await self._all(
            "SELECT * FROM rounds WHERE closed_at IS NULL AND deadline > ? ORDER BY deadline",
            (iso(now),),
        )
        return [_round(r) for r in rows]

    async def all_rounds_of_booker(self, person: tuple[PersonKind, str]) -> list[Round]:
        """Every round in which this person booked a slot."""
        rows = await self._all(
            "SELECT DISTINCT r.* FROM rounds r JOIN round_slots s ON s.round_id = r.id"
            " WHERE s.booked_by_kind = ? AND s.booked_by_id = ?",
            (person[0].value, person[1]),
        )
        return [_round(r) for r in rows]

    async def rounds_needing_overview(self, now: datetime) -> list[Round]:
        """Rounds past their deadline whose overview was not sent yet."""
        rows = await self._all(
            "SELECT * FROM rounds WHERE overview_sent_at IS NULL AND deadline <= ?", (iso(now),)
        )
        return [_round(r) for r in rows]

    async def set_round_reminded(self, round_id: int, now: datetime) -> None:
        """Record that the families of a round were reminded to book."""
        await self._run("UPDATE rounds SET reminded_at = ? WHERE id = ?", (iso(now), round_id))

    async def set_round_overview_sent(self, round_id: int, now: datetime) -> None:
        """Record that the overview of a round was sent."""
        await self._run("UPDATE rounds SET overview_sent_at = ? WHERE id = ?", (iso(now), round_id))

    async def slots(self, round_id: int) -> list[Slot]:
        """A round's slots in time order."""
        rows = await self._all(
            "SELECT * FROM round_slots WHERE round_id = ? ORDER BY starts_at", (round_id,)
        )
        return [_slot(r) for r in rows]

    async def slot(self, slot_id: int) -> Slot | None:
        """One slot by id, or None."""
        row = await self._one("SELECT * FROM round_slots WHERE id = ?", (slot_id,))
        return None if row is None else _slot(row)

    async def book_slot(
        self, slot_id: int, pupil_id: str, by: tuple[PersonKind, str], now: datetime
    ) -> bool:
        """Take a free slot; False when someone else was first or it is blocked."""
        return (
            await self._run(
                "UPDATE round_slots SET pupil_id = ?, booked_by_kind = ?, booked_by_id = ?,"
                " booked_at = ? WHERE id = ? AND pupil_id IS NULL AND blocked = 0",
                (pupil_id, by[0].value, by[1], iso(now), slot_id),
            )
            > 0
        )

    async def release_slot(self, slot_id: int) -> None:
        """Free a booked slot, forgetting its meeting."""
        await self._run(
            "UPDATE round_slots SET pupil_id = NULL, booked_by_kind = NULL, booked_by_id = NULL,"
            " booked_at = NULL, meeting_id = NULL WHERE id = ?",
            (slot_id,),
        )

    async def set_slot_meeting(self, slot_id: int, meeting_id: int) -> None:
        """Link a booked slot to the meeting made for it."""
        await self._run("UPDATE round_slots SET meeting_id = ? WHERE id = ?", (meeting_id, slot_id))

    async def block_slot(self, slot_id: int, blocked: bool) -> bool:
        """Block or unblock a free slot; False when it is booked."""
        return (
            await self._run(
                "UPDATE round_slots SET blocked = ? WHERE id = ? AND pupil_id IS NULL",
                (int(blocked), slot_id),
            )
            > 0
        )

    async def slot_meeting_id(self, slot_id: int) -> int | None:
        """The meeting of a booked slot, or None."""
        row = await self._one("SELECT meeting_id FROM round_slots WHERE id = ?", (slot_id,))
        return None if row is None or row["meeting_id"] is None else int(row["meeting_id"])
