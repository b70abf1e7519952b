"""The roster (staff, pupils, guardians, links) and the facts behind a guardian's rights."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.rules.models import PersonKind
from bot.rules.rights import MessageKind, Restriction, RestrictionKind
from bot.storage import Database
from tests.storage.support import (
    COORDINATOR,
    FATHER,
    LINKS,
    MOTHER,
    NOW,
    PIM,
    SARA,
    TEACHER,
    link,
)


async def test_the_roster_reads_back_as_written(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.all_staff() == [COORDINATOR, TEACHER]
        assert await tx.staff_member("T1") == TEACHER
        assert await tx.all_pupils() == [PIM, SARA]
        assert await tx.pupil("P2") == SARA
        assert await tx.pupil_ids() == {"P1", "P2"}
        assert await tx.all_guardians() == [MOTHER, FATHER]
        assert await tx.guardian("G2") == FATHER
        assert await tx.all_guardian_links() == sorted(
            LINKS, key=lambda li: (li.guardian_id, li.pupil_id)
        )
        assert await tx.roster_counts() == {
            "staff": 2,
            "pupils": 2,
            "guardians": 2,
            "accounts": 0,
        }


async def test_unknown_people_are_none(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.staff_member("nobody") is None
        assert await tx.pupil("nobody") is None
        assert await tx.guardian("nobody") is None
        assert await tx.rights_facts("nobody") is None


async def test_an_upsert_replaces_the_row_and_the_groups(db: Database) -> None:
    moved = replace(TEACHER, last_name="de Vries", groups=("6A", "6B"))
    async with db.transaction() as tx:
        await tx.upsert_staff(moved, NOW)
        await tx.upsert_pupil(replace(PIM, group="6A"), NOW)
        await tx.upsert_guardian(replace(FATHER, language="en"), NOW)
        await tx.upsert_guardian_link(replace(LINKS[1], authority=True))
    async with db.reading() as tx:
        assert await tx.staff_member("T1") == moved
        assert await tx.staff_of_group("6B") == [replace(moved, groups=("6B",))]
        assert await tx.staff_of_group("5A") == []
        assert (await tx.pupil("P1")).group == "6A"  # type: ignore[union-attr]
        assert (await tx.guardian("G2")).language == "en"  # type: ignore[union-attr]
        assert [li.authority for _, li in await tx.guardians_of_pupil("P1")] == [True, True]


async def test_families_and_groups(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.children_of_guardian("G1") == [PIM, SARA]
        assert await tx.guardian_children_ids("G1") == ["P1", "P2"]
        assert await tx.guardians_of_pupil("P1") == [(MOTHER, LINKS[0]), (FATHER, LINKS[1])]
        assert await tx.mentors_of_guardian("G2") == [(TEACHER, PIM)]
        assert await tx.groups() == ["5A", "8B"]
        assert await tx.pupils_of_groups(["8B", "5A"]) == [PIM, SARA]
        assert await tx.pupils_of_groups([]) == []
        assert await tx.contacts_of_groups([]) == []


async def test_contacts_show_who_is_linked_reachable_and_invited(db: Database) -> None:
    async with db.transaction() as tx:
        await link(tx, PersonKind.GUARDIAN, "G1", 101)
        await tx.mark_unreachable(101, NOW)
        await tx.add_invitation("hash", PersonKind.GUARDIAN, "G2", NOW, NOW)
    async with db.reading() as tx:
        [contacts] = await tx.contacts_of_groups(["5A"])
    assert contacts.pupil == PIM
    assert [(c.guardian_id, c.linked, c.unreachable, c.invited) for c in contacts.guardians] == [
        ("G1", True, True, False),
        ("G2", False, False, True),
    ]


async def test_a_pupil_who_left_leaves_the_groups(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.set_left_on("P2", date(2026, 7, 10))
    async with db.reading() as tx:
        assert await tx.left_on_by_pupil() == {"P1": None, "P2": date(2026, 7, 10)}
        assert await tx.groups() == ["5A"]
        assert await tx.children_of_guardian("G1", at_school=True) == [PIM]
        assert await tx.children_of_guardian("G1") == [PIM, SARA]
    async with db.transaction() as tx:
        await tx.set_left_on("P2", None)
        assert (await tx.left_on_by_pupil())["P2"] is None


async def test_rights_facts_read_back_what_was_recorded(db: Database) -> None:
    restriction = Restriction(
        RestrictionKind.COURT_ARRANGEMENT, "ruling", frozenset({MessageKind.STUDY_PROGRESS})
    )
    async with db.transaction() as tx:
        await tx.set_capability("P1", False, "too young to weigh it")
        await tx.set_information_request("G2", "P1", NOW)
        await tx.set_recognised("G2", "P1", False)
        await tx.set_adult_consent("G2", "P1", NOW)
        await tx.set_day_to_day_allowed("G2", "P1", "G1")
        await tx.add_restriction("G2", "P1", restriction, NOW, "C1")
    async with db.reading() as tx:
        facts = await tx.rights_facts("P1")
    assert facts is not None
    pupil, links = facts
    assert (pupil.birth_date, pupil.capable, pupil.capability_reason) == (
        PIM.birth_date,
        False,
        "too young to weigh it",
    )
    assert [li.guardian_id for li in links] == ["G1", "G2"]
    father = links[1]
    assert not father.recognised
    assert father.information_requested and father.adult_pupil_consents
    assert father.day_to_day_allowed_by == "G1"
    assert father.restriction == restriction
    assert links[0].restriction is None


async def test_a_new_restriction_replaces_the_active_one_and_lifting_twice_is_false(
    db: Database,
) -> None:
    first = Restriction(RestrictionKind.WITHHELD, "first")
    second = Restriction(RestrictionKind.WITHHELD, "second")
    async with db.transaction() as tx:
        await tx.add_restriction("G2", "P1", first, NOW, "C1")
        await tx.add_restriction("G2", "P1", second, NOW, "C1")
        _, links = await tx.rights_facts("P1")  # type: ignore[misc]
        assert links[1].restriction == second
        assert await tx.lift_restriction("G2", "P1", NOW, "C1") is True
        assert await tx.lift_restriction("G2", "P1", NOW, "C1") is False
        _, links = await tx.rights_facts("P1")  # type: ignore[misc]
        assert links[1].restriction is None


async def test_capability_not_judged_counts_as_capable(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.set_capability("P1", None, None)
        pupil, _ = await tx.rights_facts("P1")  # type: ignore[misc]
    assert pupil.capable and pupil.capability_reason is None
