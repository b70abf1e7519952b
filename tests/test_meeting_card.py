"""End to end: a standard talk planned in four taps, a teacher's card that is never lost, and a
parent's invitation that always shows the talk, her answer and the buttons that fit."""

from __future__ import annotations

from datetime import datetime

from bot.demo.fake_telegram import ChatMessage, FakeUser
from bot.rules.models import PersonKind
from bot.texts import meeting_messages
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import data_of, delivered, flow, people, press, with_data
from tests.test_meetings import plan, write_summary

G, S = PersonKind.GUARDIAN, PersonKind.STAFF


def bot_messages(user: FakeUser) -> list[ChatMessage]:
    return [m for m in user.messages if m.from_bot]


def data(message: ChatMessage) -> list[str]:
    return [b.data or "" for row in message.buttons for b in row]


def nl(harness: Harness, text: str, **values: object) -> str:
    assert harness.runtime is not None
    return harness.runtime.texts("nl")._(text, **values)


async def planned_for_sem(harness: Harness) -> tuple[FakeUser, FakeUser, int]:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher, marloes = users["S001"], users["G009"]
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    await delivered(harness, marloes, 3)
    invitation = with_data(marloes, r"m:\d+:1:come")
    meeting_id = int(data_of(invitation, r"m:\d+:1:come").split(":")[1])
    return teacher, marloes, meeting_id


async def test_a_standard_talk_takes_four_taps_and_leaves_two_messages(harness: Harness) -> None:
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"), (G, "G005", "Mohamed")
    )
    teacher, fatima, mohamed = users["S001"], users["G006"], users["G005"]
    await harness.say(teacher, "/help")
    before = len(bot_messages(teacher))
    await press(harness, teacher, "menu:meeting")  # opens the flow on the menu message
    taps = 0
    for value in ("pup:P003", "kind:progress"):
        await flow(harness, teacher, value)
        taps += 1
    picks = [d for d in data(bot_messages(teacher)[-1]) if ":at:" in d]
    assert picks, "quick picks for the time"
    first = datetime.fromisoformat(picks[0].split(":at:", 1)[1])
    # Her next free times: tomorrow afternoon, as nobody taught Samen her hours yet.
    assert first == datetime(2026, 12, 1, 15, 0, tzinfo=AMSTERDAM)
    await flow(harness, teacher, f"at:{first.isoformat()}")
    taps += 1
    confirm = with_data(teacher, r"f:[^:]+:send")
    assert "dinsdag 1 december" in confirm.text and "15 min" in confirm.text
    await flow(harness, teacher, "send")
    taps += 1
    assert taps == 4
    for parent in (fatima, mohamed):
        await delivered(harness, parent, 3)
    card = with_data(teacher, r"mt:\d+:move")
    # The flow's one message and the card: no trail of bot messages.
    assert len(bot_messages(teacher)) - before <= 2
    assert card is bot_messages(teacher)[-1]

    assert harness.runtime is not None
    for parent, language in ((fatima, "nl"), (mohamed, "ar")):
        tr = harness.runtime.texts(language)
        invitation = with_data(parent, r"m:\d+:1:come")
        # The standard goal in the parent's own language, not the teacher's Dutch.
        assert tr._(meeting_messages.GOALS["progress"]) in invitation.html
        assert tr.datetime(first) in invitation.text
        assert "SO-Zon" in invitation.text  # the group's room, until she names another place


async def test_quick_picks_learn_her_hours_and_skip_her_other_talks(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"))
    teacher = users["S001"]
    await plan(harness, teacher, "Sem", "di 1 dec 14:15")
    await harness.say(teacher, "/gesprek")
    await harness.say(teacher, "Daan")
    await flow(harness, teacher, "kind:progress")
    picks = [
        datetime.fromisoformat(d.split(":at:", 1)[1])
        for d in data(bot_messages(teacher)[-1])
        if ":at:" in d
    ]
    # Her usual hour is 14:15; tomorrow at 14:15 she already has a talk with Sem's family.
    assert picks[0] == datetime(2026, 12, 2, 14, 15, tzinfo=AMSTERDAM)
    assert all((p.hour, p.minute) == (14, 15) for p in picks)


async def test_a_weekday_that_contradicts_the_date_is_asked(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"))
    teacher = users["S001"]
    await harness.say(teacher, "/gesprek")
    await harness.say(teacher, "Sem")
    await flow(harness, teacher, "kind:progress")
    await harness.say(teacher, "di 3 dec 15:30")  # 3 December 2026 is a Thursday
    question = bot_messages(teacher)[-1]
    labels = " ".join(question.labels)
    assert "donderdag 3 december" in labels and "dinsdag 1 december" in labels
    await flow(harness, teacher, "at:2026-12-01T15:30:00+01:00")
    assert "dinsdag 1 december" in with_data(teacher, r"f:[^:]+:send").text


async def test_move_then_back_gives_the_card_back_as_it_was(harness: Harness) -> None:
    teacher, _, meeting_id = await planned_for_sem(harness)
    card = with_data(teacher, rf"mt:{meeting_id}:move")
    await harness.server.wait_for(lambda: "Marloes" in card.text)
    text, buttons = card.text, data(card)
    await press(harness, teacher, rf"mt:{meeting_id}:move")
    assert card.text != text  # the question shows on the card
    await flow(harness, teacher, "stop")
    assert card.text == text and data(card) == buttons


async def test_cancel_then_back_gives_the_card_back_as_it_was(harness: Harness) -> None:
    teacher, _, meeting_id = await planned_for_sem(harness)
    card = with_data(teacher, rf"mt:{meeting_id}:cancel")
    await harness.server.wait_for(lambda: "Marloes" in card.text)
    text, buttons = card.text, data(card)
    await press(harness, teacher, rf"mt:{meeting_id}:cancel")
    await flow(harness, teacher, "stop")
    assert card.text == text and data(card) == buttons
    assert harness.db is not None
    async with harness.db.reading() as tx:
        meeting = await tx.meeting(meeting_id)
    assert meeting is not None and meeting.cancelled_at is None


async def test_a_moved_talk_ends_on_the_card(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher, marloes = users["S001"], users["G009"]
    await plan(harness, teacher, "Sem", "wo 2 dec 10:00")
    await delivered(harness, marloes, 3)
    card = with_data(teacher, r"mt:\d+:move")
    meeting_id = int(data_of(card, r"mt:\d+:move").split(":")[1])
    await press(harness, teacher, rf"mt:{meeting_id}:move")
    picks = [d.split(":at:", 1)[1] for d in data(card) if ":at:" in d]
    # Her free times at her usual 10:00, but not the talk's own time.
    assert "2026-12-01T10:00:00+01:00" in picks
    assert "2026-12-02T10:00:00+01:00" not in picks
    await harness.say(teacher, "do 10 dec 14:00")
    await harness.server.wait_for(lambda: "donderdag 10 december" in card.text)
    assert f"mt:{meeting_id}:move" in data(card)
    await delivered(harness, marloes, 5)
    assert with_data(marloes, rf"m:{meeting_id}:2:come")


async def test_a_typed_time_keeps_the_invitation_whole(harness: Harness) -> None:
    _, marloes, meeting_id = await planned_for_sem(harness)
    invitation = with_data(marloes, rf"m:{meeting_id}:1:come")
    await press(harness, marloes, rf"m:{meeting_id}:1:come")
    await press(harness, marloes, rf"m:{meeting_id}:1:change")
    await press(harness, marloes, rf"m:{meeting_id}:1:other")
    await press(harness, marloes, rf"m:{meeting_id}:1:type")
    assert "dinsdag 8 december" in invitation.text  # the talk stays above the question
    shown = await harness.say(marloes, "Liever woensdag na drie uur")
    assert shown == []  # no new message: the invitation itself shows it
    assert "dinsdag 8 december" in invitation.text and "lokaal 12" in invitation.text
    assert nl(harness, "🕒 Thank you. The school will propose a new time.") in invitation.html
    assert "Liever woensdag na drie uur" in invitation.text
    assert f"m:{meeting_id}:1:change" in data(invitation)


async def test_an_interpreter_wish_keeps_the_answer(harness: Harness) -> None:
    _, marloes, meeting_id = await planned_for_sem(harness)
    invitation = with_data(marloes, rf"m:{meeting_id}:1:come")
    await press(harness, marloes, rf"m:{meeting_id}:1:come")
    await press(harness, marloes, rf"m:{meeting_id}:1:interp")
    assert "dinsdag 8 december" in invitation.text
    assert "✅" in invitation.text and "🗣" in invitation.text
    assert nl(harness, "🗣 We will arrange an interpreter.") in invitation.html
    assert f"m:{meeting_id}:1:come" not in data(invitation)  # she answered already
    assert f"m:{meeting_id}:1:change" in data(invitation)


async def test_the_card_of_a_talk_that_started_offers_the_summary(harness: Harness) -> None:
    teacher, _, meeting_id = await planned_for_sem(harness)
    card = with_data(teacher, rf"mt:{meeting_id}:move")
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 8, 10, 1, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["started_cards"] == 1
    assert (await due_work(harness.runtime.services))["started_cards"] == 0
    await harness.server.wait_for(lambda: f"sum:{meeting_id}" in data(card))
    assert f"mt:{meeting_id}:move" not in data(card)

    # Writing the summary from the card: the card stays, the summary gets its own message;
    # afterwards the card offers to see it.
    text = card.text
    await press(harness, teacher, f"sum:{meeting_id}")
    assert card.text == text and f"sum:{meeting_id}" in data(card)
    assert bot_messages(teacher)[-1] is not card
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Sem leest elke dag.")
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "ns:none")
    await flow(harness, teacher, "send")
    await harness.server.wait_for(lambda: f"sumv:{meeting_id}" in data(card))
    await press(harness, teacher, f"sumv:{meeting_id}")
    assert "Sem leest elke dag." in bot_messages(teacher)[-1].text


async def test_an_old_move_button_after_the_start_changes_nothing(harness: Harness) -> None:
    teacher, _, meeting_id = await planned_for_sem(harness)
    harness.clock.set(datetime(2026, 12, 8, 10, 1, tzinfo=AMSTERDAM))
    card = await press(harness, teacher, rf"mt:{meeting_id}:move")
    assert f"mt:{meeting_id}:move" not in data(card) and f"sum:{meeting_id}" in data(card)
    assert harness.db is not None
    async with harness.db.reading() as tx:
        assert await tx.flow(teacher.id) is None


async def test_after_adding_a_time_the_way_on_says_done(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"))
    teacher = users["S001"]
    await harness.say(teacher, "/gesprek")
    await harness.say(teacher, "Sem")
    await flow(harness, teacher, "kind:progress")
    await harness.say(teacher, "di 8 dec 10:00")
    await flow(harness, teacher, "change:alternatives")
    assert harness.runtime is not None
    tr = harness.runtime.texts("nl")
    assert tr.label("➡️ No other times") in bot_messages(teacher)[-1].labels
    await harness.say(teacher, "wo 9 dec 10:00")
    labels = bot_messages(teacher)[-1].labels
    assert tr.label("➡️ Done, continue") in labels
    assert tr.label("➡️ No other times") not in labels


async def test_the_read_button_goes_once_tapped(harness: Harness) -> None:
    teacher, marloes, meeting_id = await planned_for_sem(harness)
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 8, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, meeting_id, "Sem leest elke dag.")
    await flow(harness, teacher, "send")
    await harness.server.wait_for(
        lambda: any(f"sr:{meeting_id}:read" in data(m) for m in marloes.messages)
    )
    summary = with_data(marloes, rf"sr:{meeting_id}:read")
    await press(harness, marloes, rf"sr:{meeting_id}:read")
    assert f"sr:{meeting_id}:read" not in data(summary)
    assert f"sr:{meeting_id}:ask" in data(summary)
    tr = harness.runtime.texts("nl")
    read_line = tr._("✅ Read on {date}. Thank you.", date=tr.datetime(harness.clock.now()))
    assert read_line in summary.html and "Sem leest elke dag." in summary.text


async def test_under_a_safety_exception_the_teacher_is_not_told_the_family_was_invited(
    harness: Harness,
) -> None:
    users = await people(
        harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G009", "Marloes")
    )
    coordinator, teacher, marloes = users["S004"], users["S001"], users["G009"]
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "safety")
    await harness.say(coordinator, "Signalen van huiselijk geweld; meldcode stap 2.")
    before = len(marloes.messages)
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    assert harness.runtime is not None
    tr = harness.runtime.texts("nl")
    not_sent = tr._(
        "⏸ Not sent: a safety exception applies to {child}. The coordinator decides"
        " whether and when the family hears of this talk.",
        child="Sem",
    )
    flow_message = next(m for m in bot_messages(teacher) if not_sent in m.html)
    assert "✅" not in flow_message.text
    await harness.server.wait_for(
        lambda: any(d.startswith("mt:") for m in teacher.messages for d in data(m))
    )
    card = with_data(teacher, r"mt:\d+:move")
    held = tr.label("⏸ held: safety exception, the coordinator decides")
    await harness.server.wait_for(lambda: held in card.text)
    assert tr.label("⏳ no answer yet") not in card.text
    assert len(marloes.messages) == before  # nothing reached the family
