"""Absence reports: found on every day they cover, and on no other."""

from __future__ import annotations

from datetime import date

from bot.storage import Database
from tests.storage.support import NOW


async def test_a_report_covers_its_days(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.add_absence(
            pupil_id="P1",
            guardian_id="G1",
            days=(date(2026, 12, 1), date(2026, 12, 2)),
            reason="Koorts.",
            now=NOW,
        )
        assert await tx.absences_on(date(2026, 11, 30)) == []
        [first] = await tx.absences_on(date(2026, 12, 1))
        [last] = await tx.absences_on(date(2026, 12, 2))
        assert await tx.absences_on(date(2026, 12, 3)) == []
    assert first == last
    assert (first.pupil_id, first.reported_by, first.reason) == ("P1", "G1", "Koorts.")
