"""Requests to see what Samen keeps about oneself (AVG right of access): due dates, reminders
and who answered."""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.models import AccessRequest, PersonKind
from bot.storage.executor import Executor
from bot.storage.records import _access_request, iso


class AccessRequestQueries(Executor):
    """At most one open request per requester; each is answered once."""

    async def open_access_request(self, kind: PersonKind, person_id: str) -> AccessRequest | None:
        """The requester's request that is not answered yet, or None."""
        row = await self._one(
            "SELECT * FROM access_requests WHERE requester_kind = ? AND requester_id = ?"
            " AND answered_at IS NULL",
            (kind.value, person_id),
        )
        return None if row is None else _access_request(row)

    async def add_access_request(
        self, kind: PersonKind, person_id: str, now: datetime, due_on: date
    ) -> int:
        """Record a request to see one's data, due on `due_on`; returns its id."""
        return await self._insert(
            "INSERT INTO access_requests (requester_kind, requester_id, requested_at, due_on)"
            " VALUES (?, ?, ?, ?)",
            (kind.value, person_id, iso(now), due_on.isoformat()),
        )

    async def access_request(self, request_id: int) -> AccessRequest | None:
        """One request by id, or None."""
        row = await self._one("SELECT * FROM access_requests WHERE id = ?", (request_id,))
        return None if row is None else _access_request(row)

    async def unanswered_access_requests(self) -> list[AccessRequest]:
        """Requests not answered yet, soonest due first."""
        rows = await self._all(
            "SELECT * FROM access_requests WHERE answered_at IS NULL ORDER BY due_on, id"
        )
        return [_access_request(r) for r in rows]

    async def count_access_reminder(self, request_id: int, reminders_sent: int) -> None:
        """Record how many reminders about this request have gone out."""
        await self._run(
            "UPDATE access_requests SET reminders_sent = ? WHERE id = ?",
            (reminders_sent, request_id),
        )

    async def answer_access_request(self, request_id: int, staff_id: str, now: datetime) -> bool:
        """Mark answered; False when someone else answered it first."""
        changed = await self._run(
            "UPDATE access_requests SET answered_at = ?, answered_by = ?"
            " WHERE id = ? AND answered_at IS NULL",
            (iso(now), staff_id, request_id),
        )
        return changed == 1
