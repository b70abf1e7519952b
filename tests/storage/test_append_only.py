"""The audit trail and the consent answers are append-only, enforced by the database itself
on either backend: the only change ever let through is `samen purge`'s pseudonymisation,
once (the same table of attempts as tests/test_retention.py, here on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.storage import Database
from tests.storage.support import NOW, REFUSED

ANON = "anon:0123456789ab"
OTHER_ANON = "anon:ba9876543210"
REDACTED = json.dumps({"redacted": True, "discussion_id": 7})


async def _refused(db: Any, sql: str, params: tuple[object, ...] = ()) -> None:
    with pytest.raises(REFUSED, match="append-only"):
        async with db.transaction() as tx:
            await tx._run(sql, params)


async def _rows(db: Any, table: str) -> list[dict[str, Any]]:
    async with db.reading() as tx:
        return [
            dict(zip(row.keys(), row, strict=True))
            for row in await tx._all(f"SELECT * FROM {table} ORDER BY id")
        ]


async def test_the_audit_trail_takes_only_purges_change_once(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.audit(
            now=NOW,
            actor=("guardian", "G2"),
            action="consent_agree",
            pupil_id="P1",
            subject=("guardian", "G2"),
            details={"discussion_id": 7, "language": "nl"},
        )
        await tx.audit(
            now=NOW,
            actor=("staff", "C1"),
            action="consent_requested",
            pupil_id="P1",
            details={"recipients": ["G2", "G3"]},
        )
    rows = await _rows(db, "audit_log")
    consent, requested = rows[0]["id"], rows[1]["id"]
    for sql, params in [
        ("UPDATE audit_log SET action = 'x' WHERE id = ?", (consent,)),
        ("UPDATE audit_log SET at = '2000-01-01' WHERE id = ?", (consent,)),
        ("UPDATE audit_log SET details = '{}' WHERE id = ?", (consent,)),
        ("UPDATE audit_log SET details = '{\"redacted\": 1}' WHERE id = ?", (consent,)),
        ("UPDATE audit_log SET pupil_id = ? WHERE id = ?", (ANON, consent)),  # details stay
        ("UPDATE audit_log SET pupil_id = 'P901', details = ? WHERE id = ?", (REDACTED, consent)),
        (
            "UPDATE audit_log SET pupil_id = 'anon:0123456789abc', details = ? WHERE id = ?",
            (REDACTED, consent),
        ),
        (
            "UPDATE audit_log SET details = ? WHERE id = ?",
            (json.dumps({"redacted": True, "approved": True}), consent),
        ),
        (
            "UPDATE audit_log SET details = ? WHERE id = ?",
            (json.dumps({"redacted": True, "discussion_id": 999}), consent),
        ),
        # a staff member's id is accountability, not the family's data
        (
            "UPDATE audit_log SET actor_id = ?, details = ? WHERE id = ?",
            (ANON, REDACTED, requested),
        ),
        ("DELETE FROM audit_log WHERE id = ?", (consent,)),
    ]:
        await _refused(db, sql, params)
    assert await _rows(db, "audit_log") == rows
    allowed = (
        "UPDATE audit_log SET pupil_id = ?, actor_id = ?, subject_id = ?, details = ? WHERE id = ?"
    )
    async with db.transaction() as tx:
        await tx._run(allowed, (ANON, OTHER_ANON, OTHER_ANON, REDACTED, consent))
        # a list of people becomes a list of pseudonyms
        listed = json.dumps({"redacted": True, "recipients": [ANON, OTHER_ANON]})
        await tx._run(
            "UPDATE audit_log SET pupil_id = ?, details = ? WHERE id = ?", (ANON, listed, requested)
        )
    await _refused(db, allowed, (OTHER_ANON, ANON, ANON, REDACTED, consent))  # only once
    await _refused(db, "UPDATE audit_log SET details = '{}' WHERE id = ?", (consent,))


async def test_an_answer_takes_only_a_pseudonym_for_its_person_once(db: Database) -> None:
    async with db.transaction() as tx:
        await tx._run(
            "INSERT INTO answers (discussion_id, person_kind, person_id, user_id, answer, at,"
            " language, text_hash, text_version) VALUES (7, 'guardian', 'G2', 8001, 'agree', ?,"
            " 'nl', 'h', 'v1')",
            (NOW.isoformat(),),
        )
    [answer] = await _rows(db, "answers")
    for sql in [
        "UPDATE answers SET answer = 'refuse' WHERE id = ?",
        "UPDATE answers SET at = '2000-01-01' WHERE id = ?",
        "UPDATE answers SET user_id = NULL WHERE id = ?",
        "UPDATE answers SET person_id = 'G999', user_id = NULL WHERE id = ?",
        f"UPDATE answers SET person_id = '{ANON}' WHERE id = ?",  # the account stays
        f"UPDATE answers SET person_id = '{ANON}', user_id = NULL, answer = 'refuse' WHERE id = ?",
        "DELETE FROM answers WHERE id = ?",
    ]:
        await _refused(db, sql, (answer["id"],))
    assert await _rows(db, "answers") == [answer]
    async with db.transaction() as tx:
        await tx._run(
            f"UPDATE answers SET person_id = '{ANON}', user_id = NULL WHERE id = ?", (answer["id"],)
        )
    await _refused(
        db, f"UPDATE answers SET person_id = '{OTHER_ANON}' WHERE id = ?", (answer["id"],)
    )
    assert [(a["person_id"], a["user_id"], a["answer"]) for a in await _rows(db, "answers")] == [
        (ANON, None, "agree")
    ]
