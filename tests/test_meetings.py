"""End to end: a teacher plans a talk, parents answer in their own language, the teacher moves
it, reminders and the summary follow, and the teacher sees who has read it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar

from bot.rules.models import PersonKind
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import data_of, delivered, flow, people, press, with_data

G, S = PersonKind.GUARDIAN, PersonKind.STAFF
ARABIC = re.compile("[\u0600-\u06ff]")


async def plan(
    harness: Harness,
    teacher,
    pupil: str,
    when: str,
    alternative: str | None = None,
    place: str = "lokaal 12",
    goal: str = "We praten over hoe het gaat in de klas.",
):
    """Plan a progress talk, typing the time, and changing place and goal on the card."""
    await harness.say(teacher, "/gesprek")
    await harness.say(teacher, pupil)
    await flow(harness, teacher, "kind:progress")
    await harness.say(teacher, when)
    await flow(harness, teacher, "change:place_kind")
    await flow(harness, teacher, "pk:room")
    await harness.say(teacher, place)
    await flow(harness, teacher, "change:goal")
    await harness.say(teacher, goal)
    if alternative:
        await flow(harness, teacher, "change:alternatives")
        await harness.say(teacher, alternative)
        await flow(harness, teacher, "confirm")
    await flow(harness, teacher, "send")


async def test_plan_answer_move_remind_summarise_and_read(harness: Harness) -> None:
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"), (G, "G005", "Mohamed")
    )
    teacher, fatima, mohamed = users["S001"], users["G006"], users["G005"]
    await plan(harness, teacher, "Adam", "do 3 dec 15:30", alternative="vr 4 dec 14:00")
    assert "2" in teacher.last.text  # "Invitation sent to 2 people"
    for parent in (fatima, mohamed):
        await delivered(harness, parent, 3)  # welcome, invitation, calendar file
    invitation = with_data(fatima, r"m:\d+:1:come")
    assert "donderdag 3 december, 15:30" in invitation.text and "lokaal 12" in invitation.text
    assert "Marieke van den Berg" in invitation.text
    assert len(invitation.buttons) <= 5
    arabic = with_data(mohamed, r"m:\d+:1:come")
    assert ARABIC.search(arabic.text) and "lokaal 12" in arabic.text

    # The calendar file parses back to the right start, end and time zone.
    calls = harness.server.calls_of("sendDocument")
    ics = icalendar.Calendar.from_ical(calls[0]["document"]["content"])
    event = next(iter(ics.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert start == datetime(2026, 12, 3, 15, 30, tzinfo=AMSTERDAM)
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert event.decoded("dtend") - start == timedelta(minutes=15)
    assert [tz["TZID"] for tz in ics.walk("VTIMEZONE")] == ["Europe/Amsterdam"]

    meeting_id = int(data_of(invitation, r"m:\d+:1:come").split(":")[1])
    await press(harness, fatima, rf"m:{meeting_id}:1:come")
    # The invitation itself shows the answer, below its text.
    assert "✅" in invitation.text and invitation.text.startswith("📅")
    await press(harness, mohamed, rf"m:{meeting_id}:1:other")
    await press(harness, mohamed, rf"m:{meeting_id}:1:alt0")
    await press(harness, mohamed, rf"m:{meeting_id}:1:interp")

    # The teacher's card is one message, edited in place as the answers arrive.
    card = with_data(teacher, rf"mt:{meeting_id}:move")
    await harness.server.wait_for(lambda: "vrijdag 4 december" in card.text and "🗣" in card.text)
    assert "Fatima Bouzid" in card.text and card.edits >= 1

    # The teacher moves the talk to the time Mohamed asked for; both parents are told.
    await press(harness, teacher, rf"mt:{meeting_id}:move")
    await harness.say(teacher, "vr 4 dec 14:00")
    for parent in (fatima, mohamed):
        await delivered(harness, parent, 5)
    moved = with_data(fatima, rf"m:{meeting_id}:2:come")
    assert "vrijdag 4 december, 14:00" in moved.text
    # An old button from before the move changes nothing.
    await harness.tap_data(fatima, f"m:{meeting_id}:1:cannot", invitation)
    assert fatima.last.text == harness.runtime.texts("nl")._(  # type: ignore[union-attr]
        "The time of this talk has changed. Please use the newest message."
    )
    await press(harness, fatima, rf"m:{meeting_id}:2:come")
    await press(harness, mohamed, rf"m:{meeting_id}:2:come")

    # The reminder comes the day before, at an allowed hour, once.
    assert harness.runtime is not None
    services = harness.runtime.services
    harness.clock.set(datetime(2026, 12, 3, 13, 59, tzinfo=AMSTERDAM))
    assert (await due_work(services))["meeting_reminders"] == 0
    harness.clock.set(datetime(2026, 12, 3, 14, 0, tzinfo=AMSTERDAM))
    assert (await due_work(services))["meeting_reminders"] == 2
    assert (await due_work(services))["meeting_reminders"] == 0
    await delivered(harness, fatima, 7)
    assert fatima.last.text.startswith("⏰")

    # After the talk the teacher is asked for the summary.
    harness.clock.set(datetime(2026, 12, 4, 14, 20, tzinfo=AMSTERDAM))
    assert (await due_work(services))["summary_prompts"] == 1
    await harness.server.wait_for(
        lambda: any(
            b.data == f"sum:{meeting_id}" for m in teacher.messages for r in m.buttons for b in r
        )
    )
    await press(harness, teacher, f"sum:{meeting_id}")
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Adam helpt andere kinderen graag.")
    await harness.say(teacher, "Elke dag 10 minuten lezen; ouders; 1 februari")
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await harness.say(teacher, "Lees samen een prentenboek voor het slapengaan.")
    await flow(harness, teacher, "ns:follow_up")
    await flow(harness, teacher, "send")
    for parent in (fatima, mohamed):
        await harness.server.wait_for(
            lambda p=parent: any(
                "sr:" in (b.data or "") for m in p.messages for r in m.buttons for b in r
            )
        )
    summary_nl = with_data(fatima, rf"sr:{meeting_id}:read")
    summary_ar = with_data(mohamed, rf"sr:{meeting_id}:read")
    assert summary_nl.protect_content and summary_ar.protect_content
    assert "Adam helpt andere kinderen graag." in summary_nl.text
    assert "Adam helpt andere kinderen graag." in summary_ar.text  # the teacher's own words
    assert ARABIC.search(summary_ar.text)
    assert "Elke dag 10 minuten lezen" in summary_nl.text and "1 februari" in summary_nl.text

    await press(harness, fatima, rf"sr:{meeting_id}:read")
    await press(harness, mohamed, rf"sr:{meeting_id}:read")
    await harness.server.wait_for(
        lambda: (
            "Fatima Bouzid" in card.text.split("📝")[-1]
            and "Mohamed El Amrani" in card.text.split("📝")[-1]
        )
    )

    # A question about the summary reaches the teacher, and the answer comes back.
    await press(harness, mohamed, rf"sr:{meeting_id}:ask")
    await harness.say(mohamed, "Welk boek is goed?")
    await harness.server.wait_for(lambda: "Welk boek is goed?" in teacher.last.text)
    await press(harness, teacher, r"qa:\d+")
    await harness.say(teacher, "Kijk eens naar de boeken van Dick Bruna.")
    await harness.server.wait_for(lambda: "Dick Bruna" in mohamed.last.text)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries("P003")]
    for action in ("meeting_planned", "meeting_moved", "summary_sent", "summary_question"):
        assert action in actions


async def test_a_cancelled_meeting_tells_the_parents_and_refuses_old_buttons(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher, marloes = users["S001"], users["G009"]
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    await delivered(harness, marloes, 3)
    invitation = with_data(marloes, r"m:\d+:1:come")
    meeting_id = int(data_of(invitation, r"m:\d+:1:come").split(":")[1])
    await press(harness, teacher, rf"mt:{meeting_id}:cancel")
    await flow(harness, teacher, "yes")
    await delivered(harness, marloes, 4)
    assert marloes.last.text.startswith("✖️")
    await harness.tap_data(marloes, f"m:{meeting_id}:1:come", invitation)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        (invitee,) = await tx.invitees(meeting_id)
    assert invitee.answer is None


async def test_no_reminder_for_who_declined_or_while_the_family_is_paused(
    harness: Harness,
) -> None:
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G001", "Jeroen"), (G, "G002", "Linda")
    )
    teacher = users["S001"]
    await plan(harness, teacher, "Daan", "di 8 dec 10:00")
    await delivered(harness, users["G002"], 3)
    meeting_id = int(
        data_of(with_data(users["G002"], r"m:\d+:1:come"), r"m:\d+:1:come").split(":")[1]
    )
    await press(harness, users["G001"], rf"m:{meeting_id}:1:cannot")
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["meeting_reminders"] == 1  # only Linda


async def test_a_parent_no_longer_linked_gets_no_reminder_and_stops_nothing(
    harness: Harness,
) -> None:
    """Jeroen is invited, then his link to Daan is removed from the database: he gets no
    reminder, Linda still does, and the next tick has nothing left to do (the unit of
    meetings is not stuck on him)."""
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G001", "Jeroen"), (G, "G002", "Linda")
    )
    await plan(harness, users["S001"], "Daan", "di 8 dec 10:00")
    await delivered(harness, users["G002"], 3)
    assert harness.runtime is not None and harness.db is not None
    async with harness.db.transaction() as tx:  # the link corrected outside Samen
        await tx._run("DELETE FROM guardian_links WHERE guardian_id = 'G001'")
    jeroen, linda = len(users["G001"].messages), len(users["G002"].messages)
    harness.clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["meeting_reminders"] == 1
    await delivered(harness, users["G002"], linda + 1)
    assert "⏰" in users["G002"].messages[-1].text
    assert not any("⏰" in m.text for m in users["G001"].messages[jeroen:])
    assert (await due_work(harness.runtime.services))["meeting_reminders"] == 0


async def test_the_summary_warns_about_medical_detail(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    await delivered(harness, users["G009"], 3)
    meeting_id = int(
        data_of(with_data(users["G009"], r"m:\d+:1:come"), r"m:\d+:1:come").split(":")[1]
    )
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 8, 10, 30, tzinfo=AMSTERDAM))
    await due_work(harness.runtime.services)
    await harness.server.wait_for(
        lambda: any(
            b.data == f"sum:{meeting_id}" for m in teacher.messages for r in m.buttons for b in r
        )
    )
    await press(harness, teacher, f"sum:{meeting_id}")
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Sem heeft de diagnose ADHD gekregen.")
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "ns:none")
    assert "⚠️" in with_data(teacher, r"f:[^:]+:send").text
    await flow(harness, teacher, "restart")
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Sem leest elke dag een bladzijde.")
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "ns:none")
    assert "⚠️" not in with_data(teacher, r"f:[^:]+:send").text
    await flow(harness, teacher, "send")
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        summary = await tx.summary(meeting_id)
    assert summary is not None and summary.going_well == "Sem leest elke dag een bladzijde."


async def write_summary(harness: Harness, teacher, meeting_id: int, going_well: str) -> None:
    """From the prompt after the talk up to the confirmation screen (not sent yet)."""
    assert harness.runtime is not None
    await due_work(harness.runtime.services)
    await harness.server.wait_for(
        lambda: any(
            b.data == f"sum:{meeting_id}" for m in teacher.messages for r in m.buttons for b in r
        )
    )
    await press(harness, teacher, f"sum:{meeting_id}")
    await flow(harness, teacher, "next")
    await harness.say(teacher, going_well)
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "ns:none")


async def test_a_pupil_of_12_to_15_reads_the_summary_unless_it_does_not_suit_them(
    harness: Harness,
) -> None:
    users = await people(
        harness, (S, "S002", "Hakan"), (PersonKind.PUPIL, "P011", "Finn"), (G, "G018", "Ilse")
    )
    teacher, finn, ilse = users["S002"], users["P011"], users["G018"]
    assert harness.runtime is not None and harness.db is not None
    tr = harness.runtime.texts("nl")

    await plan(harness, teacher, "Finn", "di 8 dec 10:00")
    await delivered(harness, ilse, 3)
    first = int(data_of(with_data(ilse, r"m:\d+:1:come"), r"m:\d+:1:come").split(":")[1])
    harness.clock.set(datetime(2026, 12, 8, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, first, "Finn werkt goed mee in de klas.")
    confirm = with_data(teacher, r"f:[^:]+:send")
    assert tr._("{child} gets it too, written to them.", child="Finn") in confirm.html
    await flow(harness, teacher, "send")
    await harness.server.wait_for(
        lambda: any(
            f"sr:{first}:read" in (b.data or "")
            for m in finn.messages
            for r in m.buttons
            for b in r
        )
    )
    summary = with_data(finn, rf"sr:{first}:read")
    assert tr._("📝 <b>Summary of the talk about you</b>") in summary.html  # Finn is 12
    assert "Finn werkt goed mee in de klas." in summary.text

    # A second talk whose summary does not suit him: the teacher says why, and he gets nothing.
    await plan(harness, teacher, "Finn", "do 10 dec 10:00")
    await delivered(harness, ilse, 6)  # welcome, invitation, file, summary, invitation, file
    second = int(data_of(with_data(ilse, r"m:\d+:1:come"), r"m:\d+:1:come").split(":")[1])
    harness.clock.set(datetime(2026, 12, 10, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, second, "Het gaat beter.")
    await flow(harness, teacher, "out:0")  # Finn is the one reader who may be left out
    await harness.say(teacher, "Het gaat vooral over zorgen van thuis.")
    confirm = with_data(teacher, r"f:[^:]+:send")
    assert "Het gaat vooral over zorgen van thuis." in confirm.text
    await flow(harness, teacher, "send")
    await harness.server.wait_for(
        lambda: any(
            f"sr:{second}:read" in (b.data or "")
            for m in ilse.messages
            for r in m.buttons
            for b in r
        )
    )
    assert not any(
        f"sr:{second}:" in (b.data or "") for m in finn.messages for r in m.buttons for b in r
    )
    async with harness.db.reading() as tx:
        readers = await tx.summary_readers(second)
        entries = await tx.audit_entries("P011")
    assert (PersonKind.PUPIL, "P011") not in {(k, p) for k, p, _ in readers}
    left_out = [e for e in entries if e.action == "summary_reader_left_out"]
    assert len(left_out) == 1 and "zorgen van thuis" in left_out[0].details


async def test_a_thumbs_up_on_the_summary_reaches_the_teacher(harness: Harness) -> None:
    users = await people(harness, (S, "S002", "Hakan"), (G, "G018", "Ilse"))
    teacher, ilse = users["S002"], users["G018"]
    await plan(harness, teacher, "Finn", "di 8 dec 10:00")
    await delivered(harness, ilse, 3)
    talk = int(data_of(with_data(ilse, r"m:\d+:1:come"), r"m:\d+:1:come").split(":")[1])
    harness.clock.set(datetime(2026, 12, 8, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, talk, "Finn werkt goed mee in de klas.")
    await flow(harness, teacher, "send")
    await harness.server.wait_for(
        lambda: any(f"sr:{talk}:read" in (b.data or "") for r in ilse.last.buttons for b in r)
    )
    before = len(teacher.messages)
    await harness.tracker.wait(ilse.react(ilse.last, "👍"))
    await delivered(harness, teacher, before + 1)
    assert "👍" in teacher.last.text and "Ilse Mulder-de Jong" in teacher.last.text
