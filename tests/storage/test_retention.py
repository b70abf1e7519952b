"""Retention: a dry run counts exactly what an apply removes, only of the given pupils, and the
roster goes last with what the audit trail still needs remembered."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from bot.rules.models import FlowState, PersonKind, Recipient
from bot.services.retention import purge_chat
from bot.storage import Database, Tx
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW, link

LEFT = date(2020, 7, 10)


def pseudonym(kind: str, person_id: str) -> str:
    return "anon:" + hashlib.sha256(f"{kind}:{person_id}".encode()).hexdigest()[:12]


def redact(details: str) -> str:
    return json.dumps({"redacted": True})


async def history(tx: Tx, pupil_id: str, person: tuple[PersonKind, str], user_id: int) -> None:
    """One row of every kind about a pupil, sent to one parent."""
    message = await tx.enqueue(
        chat_id=user_id,
        text="about",
        purpose="notice",
        now=NOW,
        recipient=person,
        pupil_id=pupil_id,
    )
    meeting_id = await tx.add_meeting(
        pupil_id=pupil_id,
        kind="progress",
        starts_at=NOW,
        minutes=30,
        place_kind="room",
        place="Room 4",
        goal="",
        alternatives=(),
        created_by="T1",
        now=NOW,
    )
    await tx.save_preparation(meeting_id, {"goal": "x"}, "T1", NOW)
    discussion_id = await tx.add_discussion(
        pupil_id=pupil_id,
        kind="zat",
        purpose="p",
        starts_at=NOW,
        participants=(),
        shared_info=(),
        created_by="C1",
        now=NOW,
        notice_deadline=None,
    )
    recipient = Recipient(discussion_id, person[0], person[1], True, "nl", "h", "v2", NOW)
    await tx.add_recipient(recipient, message)
    await tx.add_answer(recipient, "agree", user_id, NOW)
    news_id = await tx.add_positive_news(
        pupil_id=pupil_id, staff_id="T1", themes=(), own_words="", now=NOW, send_at=NOW
    )
    await tx.add_news_recipient(news_id, *person, None)
    await tx.set_route_step(pupil_id, "1", "C1", NOW)
    written = await tx.add_family_message(
        pupil_id=pupil_id,
        family=person,
        from_school=False,
        staff_id=None,
        text="Ziek vandaag.",
        language="nl",
        now=NOW,
    )
    answered = await tx.add_family_message(
        pupil_id=pupil_id,
        family=person,
        from_school=True,
        staff_id="T1",
        text="Beterschap.",
        language="nl",
        now=NOW,
        answer_to=written,
    )
    await tx.add_family_message_copy(answered, message)
    await tx.want_translation(answered, "tr")
    await tx.add_absence(
        pupil_id=pupil_id, guardian_id=person[1], days=(NOW.date(), NOW.date()), reason="", now=NOW
    )
    await tx.audit(now=NOW, actor=("staff", "C1"), action="noted", pupil_id=pupil_id)


async def seed_history(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, *FATHER_KEY, 102)
        await link(tx, *MOTHER_KEY, 101)
        await tx.save_flow(FlowState(102, "menu", "start", {}, "n", NOW))
        await history(tx, "P1", FATHER_KEY, 102)
        await history(tx, "P2", MOTHER_KEY, 101)
        await tx.set_left_on("P1", LEFT)


async def purge_all(tx: Tx, pupils: list[str], guardians: list[str], apply: bool) -> dict:
    return {
        "chat": await purge_chat(tx, pupils, guardians, ["Pim Jansen"], apply=apply),
        "meetings": await tx.purge_meetings(pupils, apply=apply),
        "care": await tx.purge_care(pupils, apply=apply, pseudonym=pseudonym),
        "news": await tx.purge_news(pupils, apply=apply),
        "route": await tx.purge_route(pupils, apply=apply),
        "audit": await tx.purge_audit(
            pupils, guardians, apply=apply, pseudonym=pseudonym, redact=redact
        ),
    }


async def test_leavers_and_their_exclusive_guardians(db: Database) -> None:
    await seed_history(db)
    async with db.reading() as tx:
        assert await tx.leavers() == [("P1", LEFT, True)]
        assert await tx.exclusive_guardians(["P1"]) == {"G2"}  # the mother has Sara too
        assert await tx.exclusive_guardians(["P1", "P2"]) == {"G1", "G2"}
        assert await tx.exclusive_guardians([]) == set()


async def test_a_dry_run_counts_what_the_apply_removes(db: Database) -> None:
    await seed_history(db)
    async with db.transaction() as tx:
        counted = await purge_all(tx, ["P1"], ["G2"], apply=False)
        applied = await purge_all(tx, ["P1"], ["G2"], apply=True)
        again = await purge_all(tx, ["P1"], ["G2"], apply=False)
        left = await tx.pupil_file_rows("P2")
        gone = await tx.pupil_file_rows("P1")
    assert counted == applied
    assert counted["chat"] == {
        "outbox": 1,
        "flows": 1,
        "family_messages_waiting": 0,
        "family_message_translations": 1,
        "family_message_copies": 1,
        "family_messages": 2,
        "absences": 1,
    }
    assert counted["care"]["answers pseudonymised"] == 1
    assert counted["news"] == {"positive_news_recipients": 1, "positive_news": 1}
    assert counted["route"] == {"support_route_ticks": 0, "support_route": 1}
    assert counted["audit"] == {"audit_log pseudonymised": 1}
    assert all(n == 0 for kind in again.values() for n in kind.values())
    for table in ("meetings", "preparations", "discussions", "positive_news", "support_route"):
        assert len(left[table]) == 1, table  # Sara's history stays
        assert gone[table] == [], table
    assert len(left["family_messages"]) == 2 and gone["family_messages"] == []
    assert [a["person_id"] for a in gone["answers"]] == []  # no discussion to reach them by
    async with db.reading() as tx:
        [answer, kept] = await tx._all("SELECT person_id, user_id FROM answers ORDER BY id")
    assert (answer["person_id"], answer["user_id"]) == (pseudonym("guardian", "G2"), None)
    assert kept["person_id"] == "G1"


async def test_the_roster_goes_last_and_remembers_what_the_audit_needs(db: Database) -> None:
    await seed_history(db)
    async with db.transaction() as tx:
        await purge_all(tx, ["P1"], ["G2"], apply=True)
        keep = [("P1", LEFT, ["G2"])]
        counted = await tx.purge_roster(["P1"], ["G2"], apply=False, keep_for_audit=keep)
        applied = await tx.purge_roster(["P1"], ["G2"], apply=True, keep_for_audit=keep)
        assert counted == applied
        assert applied["pupils"] == 1 and applied["guardians"] == 1
        assert applied["accounts"] == 1 and applied["telegram_users"] == 1
        assert applied["guardian_links"] == 2
        assert await tx.pupil("P1") is None and await tx.guardian("G2") is None
        assert await tx.pupil("P2") is not None and await tx.guardian("G1") is not None
        assert await tx.leavers() == [("P1", LEFT, False)]
        assert await tx.pending_guardians(["P1"]) == {"G2"}


async def test_no_pupils_means_nothing_to_count(db: Database) -> None:
    async with db.transaction() as tx:
        assert await purge_all(tx, [], [], apply=True) == {
            "chat": {},
            "meetings": {},
            "care": {},
            "news": {},
            "route": {},
            "audit": {},
        }
        assert await tx.purge_roster([], [], apply=True) == {}
        assert await tx.pending_guardians([]) == set()
