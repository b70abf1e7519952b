"""Telegram users, accounts, languages, reachability, invitation codes and failed starts."""

from __future__ import annotations

from datetime import date, timedelta

from bot.rules.models import PersonKind, Role, UserFacts
from bot.storage import Database
from tests.storage.support import (
    COORDINATOR,
    FATHER,
    FATHER_KEY,
    MOTHER_KEY,
    NOW,
    PIM,
    TEACHER,
    link,
)


async def test_a_linked_user_reads_back_with_their_person(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await tx.touch_telegram_user(102, 102, NOW)  # seen, never linked
    async with db.reading() as tx:
        assert await tx.user_facts(101) == UserFacts(
            chat_id=101,
            unreachable=False,
            chosen_language=None,
            kind=PersonKind.GUARDIAN,
            person_id="G1",
            first_name="Mia",
            role=Role.GUARDIAN,
            roster_language="nl",
        )
        assert await tx.user_facts(102) == UserFacts(
            chat_id=102, unreachable=False, chosen_language=None
        )
        assert await tx.account_of_user(101) == MOTHER_KEY
        assert await tx.chat_of_person(*MOTHER_KEY) == 101
        assert await tx.person_is_linked(*MOTHER_KEY)
        assert await tx.account_since(*MOTHER_KEY) == NOW


async def test_unknown_users_and_people_give_none(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.user_facts(999) is None
        assert await tx.account_of_user(999) is None
        assert await tx.chat_of_person(*FATHER_KEY) is None
        assert not await tx.person_is_linked(*FATHER_KEY)
        assert await tx.account_since(*FATHER_KEY) is None


async def test_a_touch_keeps_the_chat_current(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await tx.touch_telegram_user(101, 555, NOW + timedelta(days=1))
    async with db.reading() as tx:
        assert await tx.chat_of_person(*MOTHER_KEY) == 555


async def test_language_facts_are_the_choice_and_the_roster(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        assert await tx.language_facts(*FATHER_KEY) == (None, "ar")  # roster, not linked
        assert await tx.language_facts(*MOTHER_KEY) == (None, "nl")
        await tx.set_chosen_language(101, "uk")
        assert await tx.language_facts(*MOTHER_KEY) == ("uk", "nl")
        assert (await tx.user_facts(101)).chosen_language == "uk"  # type: ignore[union-attr]
        assert await tx.language_facts(PersonKind.PUPIL, "P2") == (None, "ar")
        assert await tx.language_facts(PersonKind.GUARDIAN, "nobody") == (None, None)
        assert await tx.language_facts(PersonKind.STAFF, "T1") == (None, None)
        # With the chat, in one statement, for telling someone something.
        assert await tx.reader_facts(*MOTHER_KEY) == (101, "uk", "nl")
        assert await tx.reader_facts(*FATHER_KEY) == (None, None, "ar")
        await link(tx, PersonKind.STAFF, "T1", 103)
        assert await tx.reader_facts(PersonKind.STAFF, "T1") == (103, None, None)
        assert await tx.reader_facts(PersonKind.PUPIL, "nobody") == (None, None, None)


async def test_reachability_is_marked_once_and_cleared_once(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await link(tx, PersonKind.GUARDIAN, "G2", 102)
        assert await tx.mark_unreachable(999, NOW) is None  # nobody behind that chat
        assert await tx.mark_unreachable(101, NOW) == ("guardian", "G1", True)
        assert await tx.mark_unreachable(101, NOW) == ("guardian", "G1", False)
        assert await tx.reachable_people() == {FATHER_KEY}
        assert await tx.reachable_among([MOTHER_KEY, FATHER_KEY]) == {FATHER_KEY}
        assert await tx.clear_unreachable(101) is True
        assert await tx.clear_unreachable(101) is False
        assert await tx.reachable_people() == {MOTHER_KEY, FATHER_KEY}


async def test_chats_of_everyone_of_staff_and_of_coordinators(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await link(tx, PersonKind.STAFF, "T1", 201)
        await link(tx, PersonKind.STAFF, "C1", 202)
    async with db.reading() as tx:
        assert await tx.all_chats() == {
            MOTHER_KEY: 101,
            (PersonKind.STAFF, "T1"): 201,
            (PersonKind.STAFF, "C1"): 202,
        }
        assert await tx.staff_chats() == {"T1": 201, "C1": 202}
        assert await tx.linked_coordinators() == [(COORDINATOR, 202)]


async def test_an_invitation_is_stored_used_and_revoked(db: Database) -> None:
    expires = NOW + timedelta(days=30)
    async with db.transaction() as tx:
        await tx.add_invitation("used", PersonKind.GUARDIAN, "G2", NOW, expires)
        await tx.add_invitation("open", PersonKind.GUARDIAN, "G2", NOW, expires)
        await tx.use_invitation("used", 102, NOW)
        assert await tx.revoke_open_invitations(*FATHER_KEY, NOW) == 1
        assert await tx.revoke_open_invitations(*FATHER_KEY, NOW) == 0
        used = await tx.invitation("used")
        revoked = await tx.invitation("open")
        assert await tx.invitation("unknown") is None
    assert used is not None and revoked is not None
    assert (used.kind, used.person_id, used.used_by) == (PersonKind.GUARDIAN, "G2", 102)
    assert used.revoked_at is None and used.expires_at == expires
    assert revoked.revoked_at is not None and revoked.used_at is None


async def test_failed_starts_are_counted_and_forgotten(db: Database) -> None:
    async with db.transaction() as tx:
        for hours in (0, 1, 5):
            await tx.record_start_failure(7, NOW - timedelta(hours=hours))
        assert await tx.start_failures_since(7, NOW - timedelta(hours=2)) == [
            NOW - timedelta(hours=1),
            NOW,
        ]
        assert await tx.start_failures_since(8, NOW - timedelta(days=1)) == []
        assert await tx.forget_start_failures_before(NOW - timedelta(hours=2)) == 1
        assert len(await tx.start_failures_since(7, NOW - timedelta(days=1))) == 2


async def test_people_without_an_account(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await link(tx, PersonKind.STAFF, "C1", 202)
        await tx.set_left_on("P2", date(2026, 7, 10))
    async with db.reading() as tx:
        assert await tx.unlinked_staff() == [TEACHER]
        assert await tx.unlinked_guardians() == [(FATHER, ["P1"])]
        assert await tx.unlinked_pupils() == [PIM]
