"""Requests to see one's data (right of access): one open per person, answered once."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.models import AccessRequest
from bot.storage import Database
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW, REFUSED

DUE = date(2026, 12, 30)


async def test_a_request_is_stored_reminded_and_answered_once(db: Database) -> None:
    async with db.transaction() as tx:
        request_id = await tx.add_access_request(*MOTHER_KEY, NOW, DUE)
        await tx.count_access_reminder(request_id, 2)
        assert await tx.open_access_request(*MOTHER_KEY) == AccessRequest(
            id=request_id, requester=MOTHER_KEY, requested_at=NOW, due_on=DUE, reminders_sent=2
        )
        assert [r.id for r in await tx.unanswered_access_requests()] == [request_id]
        assert await tx.answer_access_request(request_id, "C1", NOW) is True
        assert await tx.answer_access_request(request_id, "C1", NOW) is False
        answered = await tx.access_request(request_id)
        assert await tx.open_access_request(*MOTHER_KEY) is None
        assert await tx.unanswered_access_requests() == []
    assert answered is not None and (answered.answered_at, answered.answered_by) == (NOW, "C1")


async def test_unknown_requests_are_none_and_a_second_open_one_is_refused(db: Database) -> None:
    async with db.transaction() as tx:
        assert await tx.access_request(404) is None
        assert await tx.open_access_request(*FATHER_KEY) is None
        await tx.add_access_request(*FATHER_KEY, NOW, DUE)
    with pytest.raises(REFUSED):
        async with db.transaction() as tx:
            await tx.add_access_request(*FATHER_KEY, NOW, DUE)
