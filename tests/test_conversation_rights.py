"""One row per rule of who may write to school and who may be answered, through the chat: a
family member can always write (the school must be reachable) and the mentor always reads it;
whether her answer reaches them follows the rights rules, and when it does not she sees why
on the message and in her confirmation. Under a safety exception the answer waits for the
coordinator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.rules.models import PersonKind
from bot.rules.rights import Restriction, RestrictionKind
from bot.services import information_rights
from bot.services.work import Work
from tests.harness import Harness
from tests.test_care import delivered, people

Setup = Callable[[Work], Awaitable[object]]


def nothing(w: Work) -> Awaitable[object]:
    async def none() -> None:
        return None

    return none()


def by_coordinator(action: Callable[..., Awaitable[object]], *args: object) -> Setup:
    async def setup(w: Work) -> object:
        coordinator = await w.tx.staff_member("S004")
        return await action(w, coordinator, *args)

    return setup


ROWS = [
    # (row, guardian, pupil's mentor, set-up, the mentor is warned, the answer's outcome)
    ("holds authority", "G009", "S001", nothing, False, "sent"),
    ("no authority, no request", "G010", "S001", nothing, True, "refused"),
    (
        "no authority, asked to be informed",
        "G010",
        "S001",
        by_coordinator(information_rights.record_information_request, "G010", "P005"),
        False,
        "sent",
    ),
    (
        "the school withholds information",
        "G009",
        "S001",
        by_coordinator(
            information_rights.record_restriction,
            "G009",
            "P005",
            Restriction(RestrictionKind.WITHHELD, "In het belang van het kind."),
        ),
        True,
        "refused",
    ),
    (
        "a pupil of 17 refused",
        "G034",
        "S003",
        by_coordinator(
            information_rights.record_restriction,
            "G034",
            "P021",
            Restriction(RestrictionKind.REFUSED_BY_PUPIL, "Kerem wil dit niet."),
        ),
        True,
        "refused",
    ),
    ("a pupil of 19, no consent", "G039", "S003", nothing, True, "refused"),
    (
        "a pupil of 19 who consents",
        "G039",
        "S003",
        by_coordinator(information_rights.toggle_adult_consent, "G039", "P025"),
        False,
        "sent",
    ),
    (
        "a safety exception",
        "G009",
        "S001",
        by_coordinator(information_rights.record_safety_exception, "P005", None, "Meldcode."),
        False,
        "held",
    ),
]


@pytest.mark.parametrize(
    ("guardian", "mentor", "setup", "warned", "outcome"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
async def test_who_may_write_and_who_is_answered(
    harness: Harness, guardian: str, mentor: str, setup: Setup, warned: bool, outcome: str
) -> None:
    assert harness.runtime is not None and harness.db is not None
    async with harness.db.transaction() as tx:
        w = Work(tx, harness.runtime.texts, harness.runtime.settings, harness.clock.now())
        assert await setup(w) is None  # recorded
    users = await people(
        harness, (PersonKind.GUARDIAN, guardian, "Ouder"), (PersonKind.STAFF, mentor, "Mentor")
    )
    parent, teacher = users[guardian], users[mentor]
    before = len(teacher.messages)
    await harness.say(parent, "Kunt u mij even bellen?")
    await delivered(harness, teacher, before + 1)  # always: the school is reachable
    note = teacher.last
    assert "“Kunt u mij even bellen?”" in note.text
    assert ("⚠️" in note.text) is warned
    before = len(parent.messages)
    confirmation = (await harness.say(teacher, "Ik bel u om vier uur.", reply_to=note))[-1].text
    await harness.runtime.outbox.deliver_due()
    reached = [m for m in parent.messages[before:] if "Ik bel u om vier uur." in m.text]
    assert len(reached) == (1 if outcome == "sent" else 0)
    if outcome == "refused":
        assert confirmation.startswith("Niet verstuurd") and "(" in confirmation  # and why
    elif outcome == "held":
        assert confirmation.startswith("⏸")
    else:
        assert confirmation.startswith("✅")
