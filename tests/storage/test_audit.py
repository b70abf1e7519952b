"""The audit trail: entries in order, per pupil, append-only."""

from __future__ import annotations

import pytest

from bot.storage import Database
from tests.storage.support import NOW, REFUSED


async def test_entries_come_back_in_order_with_their_details(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.audit(
            now=NOW,
            actor=("staff", "C1"),
            action="restriction_added",
            pupil_id="P1",
            subject=("guardian", "G2"),
            details={"kind": "withheld"},
        )
        await tx.audit(now=NOW, actor=("system", None), action="roster_import")
        await tx.audit(now=NOW, actor=("staff", "T1"), action="meeting_planned", pupil_id="P1")
    async with db.reading() as tx:
        mine = await tx.audit_entries("P1")
        everything = await tx.audit_entries()
    assert [e.action for e in mine] == ["restriction_added", "meeting_planned"]
    assert mine[0].subject_kind == "guardian" and mine[0].subject_id == "G2"
    assert mine[0].details == '{"kind": "withheld"}'
    assert [e.action for e in everything] == [
        "restriction_added",
        "roster_import",
        "meeting_planned",
    ]


async def test_a_pupil_without_entries_has_none(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.audit_entries("P2") == []


async def test_an_entry_cannot_be_deleted(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.audit(now=NOW, actor=("staff", "T1"), action="x", pupil_id="P1")
    with pytest.raises(REFUSED, match="append-only"):
        async with db.transaction() as tx:
            await tx._run("DELETE FROM audit_log")
