"""End to end: the preparation prompt comes at the configured lead time, the wizard walks the
tips (skips and back allowed, and it survives a restart), the card is stored and shown again
15 minutes before the talk; the support route refuses moves the rules do not allow yet."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from bot.i18n.translator import language_name
from bot.rules.models import Agreement, PersonKind
from bot.services import good_news, meetings, summaries
from bot.services.work import Work
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


async def send_news(harness: Harness, pupil_id: str, words: str) -> None:
    """Good news sent by Marieke (S001) at the clock's now, as from /positief."""
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await good_news.send_positive_news(
            Work(tx, harness.runtime.texts, harness.runtime.services.settings, harness.clock.now()),
            staff=staff,
            pupil_id=pupil_id,
            words=words,
        )


async def talk(
    harness: Harness, pupil_id: str, starts_at: datetime, goal: str = "Hoe gaat het in de klas?"
) -> int:
    """A progress talk planned by Marieke (S001); the planning flow has its own tests."""
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        planned = await meetings.plan_meeting(
            Work(tx, harness.runtime.texts, harness.runtime.services.settings, harness.clock.now()),
            staff=staff,
            pupil_id=pupil_id,
            kind="progress",
            starts_at=starts_at,
            minutes=15,
            place_kind="room",
            place="lokaal 12",
            goal=goal,
        )
    return planned.meeting_id


def typed_by(harness: Harness, user) -> int:
    """How many messages the user has typed so far."""
    return sum(1 for m in harness.server.chats[user.id] if not m.from_bot)


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
    # Step 1 of 7: Samen knows of no CvB or ZAT for Sem, so that tip waits until it is added.
    assert "1" in wizard(teacher).text and "7" in wizard(teacher).text
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
    await harness.say(teacher, "Extra leeshulp, twee keer per week.")
    # Samen knows of no CvB or ZAT for Sem, so that tip is no step of its own until added.
    await flow(harness, teacher, "team")
    for answer in ("Geen tolk nodig.", "De CvB bespreekt Sem in januari."):
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
        await good_news.send_positive_news(
            Work(tx, harness.runtime.texts, harness.runtime.settings, harness.clock.now()),
            staff=staff,
            pupil_id="P005",
            words="Sem las vandaag een heel boek.",
        )
    await plan(harness, teacher, "Sem", "do 10 dec 15:30")
    await harness.say(teacher, "/voorbereiden")
    await flow(harness, teacher, "keep")
    assert not has_news_button(wizard(teacher))
    # Six school weeks later (complete weeks after the week of the news) the nudge is back.
    harness.clock.advance(timedelta(weeks=7))
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
        actions = [e.action for e in await tx.audit_entries("P005")]
    assert step == "4a"
    assert actions.count("route_moved") == 4
    # Starting the trajectory (step 2) sent the support-route notice.
    assert "support_route_notice_sent" in actions


async def test_holiday_weeks_do_not_count_towards_the_six_week_warning(harness: Harness) -> None:
    assert harness.runtime is not None
    services = harness.runtime.services
    services.settings = replace(services.settings, region="noord")  # Christmas: 19 Dec–3 Jan
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    await send_news(harness, "P005", "Sem las vandaag een heel boek.")  # Monday 30 November
    warning = harness.runtime.texts("nl")._(
        "⚠️ This family had no good news from school in the last {weeks}"
        " weeks. Send something positive first?",
        weeks=6,
    )

    # Thursday 14 January is six weeks and three days later, but only three school weeks
    # (7 and 14 December, 4 January): the two Christmas weeks do not count.
    harness.clock.set(datetime(2027, 1, 14, 9, 0, tzinfo=AMSTERDAM))
    await talk(harness, "P005", datetime(2027, 1, 21, 15, 30, tzinfo=AMSTERDAM))
    await harness.say(teacher, "/voorbereiden")
    await flow(harness, teacher, "keep")
    assert "2" in wizard(teacher).text  # step 2: start positive
    assert not has_news_button(wizard(teacher)) and warning not in wizard(teacher).text

    # Thursday 11 February: seven school weeks since the news. Now the warning is right.
    harness.clock.set(datetime(2027, 2, 11, 9, 0, tzinfo=AMSTERDAM))
    await talk(harness, "P005", datetime(2027, 2, 11, 15, 30, tzinfo=AMSTERDAM))
    await harness.say(teacher, "/voorbereiden")
    await flow(harness, teacher, "keep")
    assert has_news_button(wizard(teacher)) and warning in wizard(teacher).text


async def test_step_seven_names_the_language_in_the_teachers_language(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G012", "Olena"))
    teacher = users["S001"]
    await talk(harness, "P007", datetime(2026, 12, 10, 15, 30, tzinfo=AMSTERDAM))  # Mykyta
    await harness.server.wait_for(lambda: "mt:" in str(teacher.last.buttons))  # the talk's card
    await harness.say(teacher, "/voorbereiden")
    for _ in range(6):
        await flow(harness, teacher, "skip")
    step = wizard(teacher)
    assert harness.runtime is not None
    question = "🌍 Language and culture: interpreter, customs, who comes along?"
    assert harness.runtime.texts("nl")._(question) in step.text
    assert language_name("uk", "nl") == "Oekraïens"
    assert "Oekraïens (Українська)" in step.text
    # The same on the card (parents who read Dutch need no language line at all).
    await flow(harness, teacher, "skip")
    card = next(m for m in teacher.messages if m.message_id == step.message_id)
    assert card.text.startswith("🗒") and "Oekraïens (Українська)" in card.text


async def test_a_talk_is_prepared_in_eight_taps_with_samens_suggestions(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G012", "Olena"))
    teacher, olena = users["S001"], users["G012"]
    assert harness.db is not None and harness.runtime is not None
    services = harness.runtime.services
    # What Samen knows about Mykyta's family: an agreement from an earlier talk, good news,
    # and the mother's request for an interpreter for this talk.
    earlier = await talk(harness, "P007", datetime(2026, 11, 30, 8, 0, tzinfo=AMSTERDAM))
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await summaries.send_summary(
            Work(tx, harness.runtime.texts, services.settings, harness.clock.now()),
            staff=staff,
            meeting_id=earlier,
            attended=["Olena Shevchenko"],
            going_well="Mykyta leest beter.",
            agreements=[Agreement("Elke dag tien minuten lezen", "Olena", "tot de kerst")],
            advice_school="",
            advice_home="",
            next_step="follow_up",
        )
    await send_news(harness, "P007", "Mykyta hielp vandaag een klasgenoot met rekenen.")
    meeting_id = await talk(harness, "P007", datetime(2026, 12, 10, 15, 30, tzinfo=AMSTERDAM))
    await harness.server.wait_for(
        lambda: any(m.buttons for m in olena.messages if f"m:{meeting_id}:" in str(m.buttons))
    )
    await press(harness, olena, rf"m:{meeting_id}:1:come")
    await press(harness, olena, rf"m:{meeting_id}:1:interp")

    harness.clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=AMSTERDAM))
    assert (await due_work(services))["prepare_prompts"] == 1
    await harness.server.wait_for(lambda: "prep:" in str(teacher.last.buttons))
    shown, typed = len(teacher.messages), typed_by(harness, teacher)

    taps = 0

    async def tap(pattern: str) -> None:
        nonlocal taps
        taps += 1
        await press(harness, teacher, pattern)

    await tap(rf"prep:{meeting_id}")  # the prompt's button
    await tap(r"f:[^:]+:keep")  # 1 goal: the invitation's
    for _ in range(6):  # 2–7: Samen's first suggestion each time
        await tap(r"f:[^:]+:s:0")
    assert taps == 8 and typed_by(harness, teacher) == typed
    # The prompt became the wizard and then the card: not one message more.
    assert len(teacher.messages) == shown
    card = teacher.last.text
    assert card.startswith("🗒") and "Mykyta hielp vandaag een klasgenoot" in card
    async with harness.db.transaction() as tx:
        answers = await tx.preparation(meeting_id)
    assert answers is not None
    assert set(answers) == {"goal", "positive", "behaviour", "ask", "absorb", "school", "culture"}
    assert answers["goal"] == "Hoe gaat het in de klas?"
    assert answers["positive"] == "Mykyta hielp vandaag een klasgenoot met rekenen."
    assert "Elke dag tien minuten lezen" in answers["school"]
    assert "Olena Shevchenko" in answers["culture"] and "Oekraïens" in answers["culture"]
    for answer in answers.values():
        assert answer in card


async def test_typing_keeps_the_wizard_in_one_message(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    await talk(harness, "P005", datetime(2026, 12, 10, 15, 30, tzinfo=AMSTERDAM))
    await harness.server.wait_for(lambda: "mt:" in str(teacher.last.buttons))  # the talk's card
    shown = len(teacher.messages)
    await harness.say(teacher, "/voorbereiden")
    wizard_message = wizard(teacher)
    for answer in ("Samen kijken wat Sem helpt.", "Sem helpt graag bij het opruimen."):
        await harness.say(teacher, answer)  # typing stays possible for every step
    await flow(harness, teacher, "s:0")  # 3: a suggestion
    await flow(harness, teacher, "back")
    await harness.say(teacher, "Sem loopt in de rekenles vaak weg.")  # 3 again, typed
    for answer in ("Wat merkt u thuis?", "Geen", "Leeshulp", "Geen tolk nodig."):
        await harness.say(teacher, answer)
    new = teacher.messages[shown:]
    assert len(new) <= 2, [m.text for m in new]
    assert len(new) == 1 and new[0].message_id == wizard_message.message_id  # the card itself
    assert new[0].text.startswith("🗒") and "Sem loopt in de rekenles vaak weg." in new[0].text
    assert not re.search(r"f:[^:]+:", str(new[0].buttons))
