"""The pupil file's rows: everything about one pupil, and nothing about another."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import PersonKind
from bot.storage import Database, Tx
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW


async def talk(tx: Tx, pupil_id: str, person: tuple[PersonKind, str]) -> int:
    meeting_id = await tx.add_meeting(
        pupil_id=pupil_id,
        kind="progress",
        starts_at=NOW + timedelta(days=1),
        minutes=30,
        place_kind="room",
        place="Room 4",
        goal=f"about {pupil_id}",
        alternatives=(),
        created_by="T1",
        now=NOW,
    )
    await tx.add_summary_reader(meeting_id, *person, None)
    await tx.toggle_route_tick(pupil_id, "1", "observe", "T1", NOW)
    return meeting_id


async def test_the_file_holds_the_pupils_rows_only(db: Database) -> None:
    async with db.transaction() as tx:
        mine = await talk(tx, "P1", FATHER_KEY)
        await talk(tx, "P2", MOTHER_KEY)
        await tx.add_invitation("secret-hash", *FATHER_KEY, NOW, NOW + timedelta(days=30))
        await tx.audit(now=NOW, actor=("staff", "C1"), action="linked", subject=("guardian", "G2"))
        await tx.audit(now=NOW, actor=("staff", "C1"), action="noted", pupil_id="P2")
    async with db.reading() as tx:
        rows = await tx.pupil_file_rows("P1")
    assert set(rows) == {table for table, _ in tx._PUPIL_FILE_QUERIES}
    assert [m["id"] for m in rows["meetings"]] == [mine]
    assert [(r["meeting_id"], r["person_id"]) for r in rows["summary_readers"]] == [(mine, "G2")]
    assert [t["pupil_id"] for t in rows["support_route_ticks"]] == ["P1"]
    [invitation] = rows["invitations"]
    assert invitation["person_id"] == "G2" and "code_hash" not in invitation
    assert [a["action"] for a in rows["audit_log"]] == ["linked"]  # the father's, not Sara's


async def test_an_unknown_pupil_has_an_empty_file(db: Database) -> None:
    async with db.reading() as tx:
        rows = await tx.pupil_file_rows("nobody")
    assert rows and all(found == [] for found in rows.values())
