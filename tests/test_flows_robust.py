"""Every multi-step flow survives a restart, and unexpected input at a step (a sticker, a
photo, an unknown command, text where a button is expected) gets a helpful answer and
keeps the flow where it was."""

from __future__ import annotations

import pytest

from bot.rules.models import PersonKind
from bot.services.work import Work
from tests.harness import Harness
from tests.test_care import people

S = PersonKind.STAFF
# command, what the first step takes, and a word on the second step's screen
FLOWS = [
    ("cvb", "Sem", "Stap 2 van 4"),
    ("toestemming", "Sem", "Stap 2 van 7"),
    ("leerling", "Sem", "Sem Bakker"),
    ("gesprek", "Sem", "Stap 2 van 4"),
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
    await harness.say(coordinator, answer)
    # A new message, or (in a flow that keeps one message) its own message edited.
    screens = [m.text for m in coordinator.messages if m.from_bot]
    assert any(second in text for text in screens), screens[-1][:200]


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


async def test_the_remaining_flows_survive_a_restart(harness: Harness) -> None:
    """Move, summary, reply to a question, a parent's wish for another time, a parent's
    question, a parent's words to good news: each continues after a restart."""
    from datetime import datetime

    from bot.services import good_news
    from scheduler import due_work
    from tests.harness import AMSTERDAM
    from tests.test_care import delivered, flow, press, with_data
    from tests.test_meetings import plan

    async def restart() -> None:
        await harness.stop_bot()
        await harness.start_bot()

    users = await people(harness, (S, "S001", "Marieke"), (PersonKind.GUARDIAN, "G009", "Marloes"))
    teacher, marloes = users["S001"], users["G009"]
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    await delivered(harness, marloes, 3)
    # A parent types a wish for another time.
    await press(harness, marloes, r"m:\d+:1:other")
    await press(harness, marloes, r"m:\d+:1:type")
    await restart()
    await harness.say(marloes, "Liever na drie uur")
    assert "Liever na drie uur" in with_data(marloes, r"m:\d+:1:change").text
    # The teacher moves the talk.
    await press(harness, teacher, r"mt:\d+:move")
    await restart()
    await harness.say(teacher, "di 8 dec 15:30")
    await harness.server.wait_for(lambda: "15:30" in with_data(teacher, r"mt:\d+:move").text)
    # The summary after the talk.
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=AMSTERDAM))
    await due_work(harness.runtime.services)
    # Both the card (the talk has started) and the prompt offer to write it.
    await harness.server.wait_for(
        lambda: (
            sum(
                any((b.data or "").startswith("sum:") for r in m.buttons for b in r)
                for m in teacher.messages
            )
            == 2
        )
    )
    await press(harness, teacher, r"sum:\d+")
    await flow(harness, teacher, "next")
    await restart()
    shown = await harness.say(teacher, "Sem werkt goed mee.")
    assert "3" in shown[0].text  # step 3 of 7: the agreements
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "ns:none")
    await flow(harness, teacher, "send")
    # A parent's question about it, and the teacher's answer.
    await harness.server.wait_for(
        lambda: any(
            (b.data or "").startswith("sr:") for m in marloes.messages for r in m.buttons for b in r
        )
    )
    await press(harness, marloes, r"sr:\d+:ask")
    await restart()
    await harness.say(marloes, "Hoe gaat het met rekenen?")
    await harness.server.wait_for(lambda: "rekenen" in teacher.last.text)
    await press(harness, teacher, r"qa:\d+")
    await restart()
    await harness.say(teacher, "Rekenen gaat steeds beter.")
    await harness.server.wait_for(lambda: "steeds beter" in marloes.last.text)
    # A parent's words in reaction to good news.
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await good_news.send_positive_news(
            Work(tx, harness.runtime.texts, harness.runtime.services.settings, harness.clock.now()),
            staff=staff,
            pupil_id="P005",
            words="Knap gedaan!",
        )
    await harness.server.wait_for(
        lambda: any(
            (b.data or "").startswith("pn:") for m in marloes.messages for r in m.buttons for b in r
        )
    )
    await press(harness, marloes, r"pn:\d+:words")
    await restart()
    await harness.say(marloes, "Wat fijn om te horen!")
    await harness.server.wait_for(lambda: "Wat fijn om te horen!" in teacher.last.text)
