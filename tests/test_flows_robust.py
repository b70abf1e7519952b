"""Every multi-step flow survives a restart, and unexpected input at a step (a sticker, a
photo, an unknown command, text where a button is expected) gets a helpful answer and
keeps the flow where it was."""

from __future__ import annotations

import pytest

from bot.models import PersonKind
from tests.harness import Harness
from tests.test_care import people

S = PersonKind.STAFF
# command, what the first step takes, and a word on the second step's screen
FLOWS = [
    ("cvb", "Sem", "Stap 2 van 4"),
    ("toestemming", "Sem", "Stap 2 van 7"),
    ("leerling", "Sem", "Sem Bakker"),
    ("gesprek", "Sem", "Stap 2 van 9"),
    ("zorgroute", "Sem", "Sem Bakker"),
    ("positief", "Sem", "Stap 2 van 4"),
]


@pytest.mark.parametrize(("command", "answer", "second"), FLOWS, ids=[f[0] for f in FLOWS])
async def test_a_flow_continues_after_a_restart_and_shrugs_off_odd_input(
    harness: Harness, command: str, answer: str, second: str
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"))
    coordinator = users["S004"]
    await harness.say(coordinator, f"/{command}")
    for odd in (coordinator.send_sticker, coordinator.send_photo):
        before = len(coordinator.messages)
        await harness.tracker.wait(odd())
        assert coordinator.messages[before].text.startswith("Ik begrijp dit niet.")
    shown = await harness.say(coordinator, "/onbekend")
    assert shown[0].text.startswith("Ik begrijp dit niet.")
    await harness.stop_bot()
    await harness.start_bot()
    shown = await harness.say(coordinator, answer)
    assert second in shown[-1].text, shown[-1].text[:200]


async def test_text_where_a_button_is_expected_re_asks(harness: Harness) -> None:
    users = await people(harness, (S, "S004", "Ingrid"))
    coordinator = users["S004"]
    await harness.say(coordinator, "/toestemming")
    await harness.say(coordinator, "Sem")  # now at "what kind of discussion?" (buttons)
    shown = await harness.say(coordinator, "ZAT graag")
    assert "knoppen" in shown[0].text or "buttons" in shown[0].text
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        state = await tx.flow(coordinator.id)
    assert state is not None and state.step == "kind"


async def test_the_round_flow_survives_a_restart(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"))
    teacher = users["S001"]
    await harness.say(teacher, "/ronde")
    await harness.tap_data(
        teacher, next(b.data for r in teacher.last.buttons for b in r), teacher.last
    )
    await harness.stop_bot()
    await harness.start_bot()
    shown = await harness.say(teacher, "di 8 dec")
    assert "Stap 3 van 7" in shown[-1].text


async def test_days_of_downtime_catch_up_every_missed_job_once(harness: Harness) -> None:
    from datetime import datetime

    from scheduler import due_work
    from tests.harness import AMSTERDAM
    from tests.test_care import request
    from tests.test_meetings import plan

    users = await people(harness, (S, "S001", "Marieke"), (PersonKind.GUARDIAN, "G009", "M"))
    harness.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM))  # Tuesday
    await request(harness, "P005", days=20)  # consent: reminder due on Friday
    await plan(harness, users["S001"], "Sem", "ma 7 dec 10:00")  # reminder due on Sunday → Monday
    await harness.stop_bot()
    harness.clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=AMSTERDAM))  # back on Monday morning
    await harness.start_bot()
    assert harness.runtime is not None
    first = await due_work(harness.runtime.services)
    again = await due_work(harness.runtime.services)
    assert first["consent_reminders"] == 1
    assert first["meeting_reminders"] == 1
    assert first["news_reminders"] == 1  # Friday 13:00 was missed over the weekend
    assert first["prepare_prompts"] == 1  # the talk is today: preparing is still useful
    assert all(count == 0 for count in again.values()), again
