"""End to end: the preparation prompt comes at the configured lead time, the wizard walks the
tips (skips and back allowed, and it survives a restart), the card is stored and shown again
15 minutes before the talk; the support route refuses moves the rules do not allow yet."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import positive
from bot.models import PersonKind
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import delivered, flow, people, press, request, with_data
from tests.test_meetings import plan

G, S = PersonKind.GUARDIAN, PersonKind.STAFF


def wizard(teacher):
    """The wizard's current step (other messages, like a meeting card, may arrive after it)."""
    return with_data(teacher, r"f:[^:]+:skip")


def has_news_button(message) -> bool:
    return any(b.data and b.data.endswith(":news") for r in message.buttons for b in r)


async def test_prompt_wizard_with_skips_restart_card_and_the_card_again(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    await plan(harness, teacher, "Sem", "do 10 dec 15:30")  # Thursday
    assert harness.runtime is not None
    services = harness.runtime.services

    # Two school days before (Tuesday 08:00), not earlier.
    harness.clock.set(datetime(2026, 12, 8, 7, 59, tzinfo=AMSTERDAM))
    assert (await due_work(services))["prepare_prompts"] == 0
    harness.clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=AMSTERDAM))
    assert (await due_work(services))["prepare_prompts"] == 1
    assert (await due_work(services))["prepare_prompts"] == 0
    await harness.server.wait_for(
        lambda: any(
            (b.data or "").startswith("prep:")
            for m in teacher.messages
            for r in m.buttons
            for b in r
        )
    )
    await press(harness, teacher, r"prep:\d+")
    assert "1" in wizard(teacher).text and "8" in wizard(teacher).text  # step 1 of 8
    await flow(harness, teacher, "keep")  # 1: keep the goal of the invitation
    # 2: no good news in six weeks, so the wizard nudges; the teacher sends some first.
    assert has_news_button(wizard(teacher))
    await flow(harness, teacher, "news")
    await harness.say(teacher, "Sem heeft vandaag heel goed samengewerkt.")
    await delivered(harness, users["G009"], 4)  # welcome, invitation, calendar, good news
    assert "Sem heeft vandaag heel goed samengewerkt." in users["G009"].last.text
    assert not has_news_button(wizard(teacher))
    await harness.say(teacher, "Sem helpt graag bij het opruimen.")
    await flow(harness, teacher, "skip")  # 3: skipped
    await harness.stop_bot()  # a restart halfway through
    await harness.start_bot()
    await harness.say(teacher, "Hoe gaat het huiswerk thuis?")  # 4: continues the same wizard
    await flow(harness, teacher, "back")
    await harness.say(teacher, "Wat merkt u thuis bij het huiswerk?")  # 4 again, changed
    await flow(harness, teacher, "skip")  # 5: skipped
    for answer in ("Extra leeshulp, twee keer per week.", "Geen tolk nodig.", "Geen CvB gepland."):
        await harness.say(teacher, answer)
    card = next(m.text for m in reversed(teacher.messages) if m.text.startswith("🗒"))
    assert "Sem helpt graag bij het opruimen." in card
    assert "Wat merkt u thuis bij het huiswerk?" in card and "Hoe gaat het huiswerk" not in card
    assert "We praten over hoe het gaat in de klas." in card  # the kept goal
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        (meeting,) = await tx.meetings_of_staff("S001", harness.clock.now())
        answers = await tx.preparation(meeting.id)
    assert answers is not None and set(answers) == {
        "goal",
        "positive",
        "ask",
        "school",
        "culture",
        "team",
    }

    # The card comes back 15 minutes before the talk, once.
    harness.clock.set(datetime(2026, 12, 10, 15, 14, tzinfo=AMSTERDAM))
    assert (await due_work(services))["preparation_cards"] == 0
    harness.clock.set(datetime(2026, 12, 10, 15, 15, tzinfo=AMSTERDAM))
    assert (await due_work(services))["preparation_cards"] == 1
    assert (await due_work(services))["preparation_cards"] == 0
    await harness.server.wait_for(lambda: "Wat merkt u thuis" in teacher.last.text)


async def test_no_nudge_when_there_was_recent_good_news(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await positive.send_positive_news(
            tx,
            harness.runtime.texts,
            harness.runtime.settings,
            harness.clock.now(),
            staff=staff,
            pupil_id="P005",
            words="Sem las vandaag een heel boek.",
        )
    await plan(harness, teacher, "Sem", "do 10 dec 15:30")
    await harness.say(teacher, "/voorbereiden")
    await flow(harness, teacher, "keep")
    assert not has_news_button(wizard(teacher))
    # Six weeks later the nudge is back.
    harness.clock.advance(timedelta(weeks=6, days=1))
    await plan(harness, teacher, "Sem", "do 28 jan 15:30")
    await harness.say(teacher, "/voorbereiden")  # the earlier talk is over: one to prepare
    await flow(harness, teacher, "keep")
    assert has_news_button(wizard(teacher))


async def test_the_support_route_refuses_until_the_rules_allow(harness: Harness) -> None:
    users = await people(
        harness, (S, "S004", "Ingrid"), (G, "G009", "Marloes"), (G, "G010", "Dennis")
    )
    coordinator = users["S004"]
    await harness.say(coordinator, "/zorgroute")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "to:1")
    await flow(harness, coordinator, "to:2")
    assert "⚠️" in coordinator.last.text  # share the concern with the parents first
    await flow(harness, coordinator, "tick:inform")
    assert "☑️" in coordinator.last.text
    await flow(harness, coordinator, "to:2")
    assert "⚠️" not in coordinator.last.text
    await flow(harness, coordinator, "to:3")
    assert "⚠️" in coordinator.last.text  # tell the parents about the CvB first
    await request(harness, "P005", kind="cvb")
    await flow(harness, coordinator, "to:3")
    await flow(harness, coordinator, "to:4a")
    assert "⚠️" in coordinator.last.text  # a ZAT needs consent first
    delivery = await request(harness, "P005")
    await flow(harness, coordinator, "to:4a")
    assert "⚠️" in coordinator.last.text  # still waiting for answers
    marloes = users["G009"]
    await harness.server.wait_for(
        lambda: any(
            (b.data or "").startswith(f"c:{delivery.discussion_id}:")
            for m in marloes.messages
            for r in m.buttons
            for b in r
        )
    )
    await press(harness, marloes, f"c:{delivery.discussion_id}:agree")
    await press(harness, marloes, f"c:{delivery.discussion_id}:yes")
    await flow(harness, coordinator, "to:4a")
    assert "⚠️" not in coordinator.last.text
    await flow(harness, coordinator, "sdq")
    await harness.server.wait_for(lambda: "SDQ" in marloes.last.text)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        step, _ = await tx.route_step("P005")
        actions = [e["action"] for e in await tx.audit_entries("P005")]
    assert step == "4a"
    assert actions.count("route_moved") == 4
    # Starting the trajectory (step 2) sent the support-route notice.
    assert "support_route_notice_sent" in actions
