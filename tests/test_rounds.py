"""Slot rounds: no slot is booked twice, siblings are offered back-to-back times, separated
parents book as the school decides, and the teacher's overview at the deadline is right."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import icalendar
import pytest

from bot.i18n.translator import RLM
from bot.rules.models import PersonKind
from bot.services import rounds
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import data_of, flow, people, press, with_data

G, S = PersonKind.GUARDIAN, PersonKind.STAFF


async def open_round(harness: Harness, teacher, group_value: str, days: str) -> None:
    await harness.say(teacher, "/ronde")
    await flow(harness, teacher, group_value)
    await harness.say(teacher, days)
    await harness.say(teacher, "15:00-16:00")
    await flow(harness, teacher, "min:10")
    await harness.say(teacher, "lokaal 12")
    await harness.say(teacher, "vr 4 dec 12:00")
    await flow(harness, teacher, "open")


async def choose(harness: Harness, user, text: str, pupil: str = "") -> None:
    """Tap the newest time button with this label (for this pupil), on its own message."""
    for message in reversed(user.messages):
        for row in message.buttons:
            for b in row:
                if (
                    b.data
                    and b.data.startswith("rs:")
                    and f":{pupil}:" in b.data
                    and b.text.endswith(text)
                ):
                    await harness.tap_data(user, b.data, message)
                    return
    raise LookupError(text)


async def test_siblings_back_to_back_no_double_booking_and_the_overview(harness: Harness) -> None:
    users = await people(
        harness,
        (S, "S001", "Marieke"),  # SO-Zon: Adam
        (S, "S002", "Hakan"),  # VSO-1: Yasmina
        (G, "G006", "Fatima"),
        (G, "G005", "Mohamed"),
        (G, "G001", "Jeroen"),
    )
    fatima, mohamed, jeroen = users["G006"], users["G005"], users["G001"]
    await open_round(harness, users["S001"], "g:0", "di 8 dec")  # SO-Zon
    assert "6" in users["S001"].last.text  # six times of ten minutes
    await open_round(harness, users["S002"], "g:0", "di 8 dec")  # VSO-1
    await harness.server.wait_for(lambda: len([m for m in fatima.messages if m.labels]) >= 3)

    # Fatima books 15:00 for Adam.
    await press(harness, fatima, r"rb:\d+:P003")
    chooser = with_data(fatima, r"rs:\d+:P003:\d+")
    taken = next(b.data for row in chooser.buttons for b in row if b.text == "15:00")
    await choose(harness, fatima, "15:00", "P003")
    assert chooser.text.startswith("✅")
    # Jeroen tries the same slot for Daan: it is taken, he is offered the others.
    await press(harness, jeroen, r"rb:\d+:P001")
    assert taken is not None
    daan = with_data(jeroen, r"rs:\d+:P001:\d+")
    await harness.tap_data(jeroen, taken.replace(":P003:", ":P001:"), daan)
    assert "15:00" not in [b.text for row in daan.buttons for b in row]
    await choose(harness, jeroen, "15:10", "P001")
    # For Yasmina, Fatima sees the times next to Adam's talk starred, and books one.
    await press(harness, fatima, r"rb:\d+:P010")
    yasmina = with_data(fatima, r"rs:\d+:P010:\d+")
    labels = [b.text for row in yasmina.buttons for b in row]
    assert "⭐ 15:10" in labels and "15:00" in labels  # 15:00 is free in her group's round
    await choose(harness, fatima, "15:00", "P010")  # the same time as Adam's talk
    assert "already have a talk" in yasmina.text or "al een gesprek" in yasmina.text
    await choose(harness, fatima, "15:10", "P010")
    assert yasmina.text.startswith("✅")
    # Mohamed shares the bookings (one slot per child by default): he is told, nothing changes.
    seen = len(mohamed.messages)
    tapped = await press(harness, mohamed, r"rb:\d+:P003")
    # The answer edits the tapped message or follows it; the invitations for Fatima's
    # bookings reach him from the outbox meanwhile, so it need not be the last message.
    await harness.server.wait_for(
        lambda: any("Fatima Bouzid" in m.text for m in [tapped, *mohamed.messages[seen:]])
    )
    # A time overlapping another talk of the same parent is refused.
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        rounds_ = await tx.open_rounds(harness.clock.now())
        slots = {r.group: await tx.slots(r.id) for r in rounds_}
    assert sum(1 for s in slots["SO-Zon"] if s.pupil_id) == 2
    assert [s.pupil_id for s in slots["SO-Zon"] if s.pupil_id] == ["P003", "P001"]

    # At the deadline each teacher gets one overview.
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=AMSTERDAM))
    done = await due_work(harness.runtime.services)
    assert done["round_overviews"] == 2
    await harness.server.wait_for(lambda: "📋" in users["S001"].last.text)
    overview = users["S001"].last.text
    assert "15:00 · Adam (Fatima Bouzid)" in overview
    assert "15:10 · Daan (Jeroen de Vries)" in overview
    assert "Sem Bakker" in overview.split("\n")[-1]  # among those not booked
    assert (await due_work(harness.runtime.services))["round_overviews"] == 0


async def test_separated_parents_may_each_book_when_the_school_allows(harness: Harness) -> None:
    assert harness.runtime is not None
    harness.runtime.services.settings = replace(
        harness.runtime.services.settings, separate_slots=True
    )
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G001", "Jeroen"), (G, "G002", "Linda")
    )
    await open_round(harness, users["S001"], "g:0", "di 8 dec")
    jeroen, linda = users["G001"], users["G002"]
    await harness.server.wait_for(lambda: any(m.labels for m in linda.messages[1:]))
    await press(harness, jeroen, r"rb:\d+:P001")
    await choose(harness, jeroen, "15:00", "P001")
    await press(harness, linda, r"rb:\d+:P001")
    await choose(harness, linda, "15:30", "P001")
    assert with_data(linda, r"rb:\d+:P001").text.startswith("✅")
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        (round_,) = await tx.open_rounds(harness.clock.now())
        booked = [(s.booked_by, s.pupil_id) for s in await tx.slots(round_.id) if s.pupil_id]
    assert booked == [((G, "G001"), "P001"), ((G, "G002"), "P001")]


@pytest.mark.sqlite_only  # SQLite's statements are counted; the unit of work is the same
async def test_a_booking_asks_the_database_only_what_it_needs(harness: Harness) -> None:
    """A rush of parents tapping a time is a rush of these units of work (issue 25): the
    round, the child and who may book are read once, the confirmation reuses what the booking
    read, and a round's talk gets no card of its own, so none is built."""
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"), (G, "G005", "Mohamed")
    )
    await open_round(harness, users["S001"], "g:0", "di 8 dec")
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.reading() as tx:
        (round_,) = await tx.open_rounds(harness.clock.now())
        first = (await tx.slots(round_.id))[0]
    statements: list[str] = []
    async with harness.runtime.services.work() as w:
        # Inside the transaction, which holds the writer: its statements only (the outbox
        # writes down what it sent between transactions).
        harness.db._writer.set_trace_callback(statements.append)
        try:
            booking = await rounds.book(
                w, person=(G, "G006"), round_id=round_.id, pupil_id="P003", slot_id=first.id
            )
            assert booking.slot is not None
            line = await rounds.booked_text(
                w.tx, w.texts("nl"), (G, "G006"), booking.slot, booking.meeting_id
            )
        finally:
            harness.db._writer.set_trace_callback(None)
    assert booking.outcome is rounds.Booked.BOOKED and line.startswith("✅ Fatima")
    assert not [s for s in statements if "summar" in s]  # the teacher's card: not built
    # The booking's reads and writes, and the other parent's notice.
    assert len(statements) <= 24


async def test_families_that_did_not_choose_are_reminded_once(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    await open_round(harness, users["S001"], "g:0", "di 8 dec")
    assert harness.runtime is not None
    harness.clock.set(datetime(2026, 12, 3, 11, 59, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["round_reminders"] == 0
    harness.clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["round_reminders"] == 1
    assert (await due_work(harness.runtime.services))["round_reminders"] == 0
    await harness.server.wait_for(lambda: users["G009"].last.text.startswith("⏰"))
    assert data_of(users["G009"].last, r"rb:\d+:P005")


async def test_a_blocked_time_is_not_offered(harness: Harness) -> None:
    users = await people(harness, (S, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher, marloes = users["S001"], users["G009"]
    await open_round(harness, teacher, "g:0", "di 8 dec")
    await press(harness, teacher, r"rbk:\d+")
    block = with_data(teacher, r"rbk:\d+:\d+")
    first = block.buttons[0][0]
    assert first.data is not None and first.text.endswith("15:00")
    await harness.tap_data(teacher, first.data, block)
    assert block.buttons[0][0].text.startswith("🚫")
    await harness.server.wait_for(lambda: any(m.labels for m in marloes.messages[1:]))
    await press(harness, marloes, r"rb:\d+:P005")
    times = [b.text for row in with_data(marloes, r"rs:\d+:P005:\d+").buttons for b in row]
    assert "15:00" not in times and "15:10" in times


def _all_buttons(user) -> list[str]:
    return [b.data or "" for m in user.messages for row in m.buttons for b in row]


async def test_a_booked_slot_stays_a_short_talk_and_the_other_parent_may_join(
    harness: Harness,
) -> None:
    """Issue 17, point 8: the booking is the round's short talk in every message; the other
    parent is told of it and may join, and is not invited to a new "progress talk"."""
    assert harness.runtime is not None
    texts = harness.runtime.texts
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"), (G, "G005", "Mohamed")
    )
    teacher, fatima, mohamed = users["S001"], users["G006"], users["G005"]
    await open_round(harness, teacher, "g:0", "di 8 dec")
    await harness.server.wait_for(
        lambda: all(any(m.labels for m in p.messages[1:]) for p in (fatima, mohamed))
    )
    await press(harness, fatima, r"rb:\d+:P003")
    await choose(harness, fatima, "15:00", "P003")
    confirmation = with_data(fatima, r"rb:\d+:P003")
    nl, ar = texts("nl"), texts("ar")
    short_talk = ar.label("short talk").replace(RLM, "")  # inside a line: without its mark
    assert confirmation.text.startswith("✅")
    assert nl.label("short talk") in confirmation.text and "Adam" in confirmation.text

    # Mohamed is told that Fatima booked, and may come too: no "can't" or "another time".
    await harness.server.wait_for(lambda: any(d.startswith("rj:") for d in _all_buttons(mohamed)))
    notice = with_data(mohamed, r"rj:\d+:\d+:come")
    assert not [d for d in _all_buttons(mohamed) if re.fullmatch(r"m:\d+:\d+:\w+", d)]
    assert ar.label("✅ I'll come too") in notice.labels
    assert ar.label("No, thanks") in notice.labels
    for label in (ar.label("❌ I can't"), ar.label("🕒 Another time")):
        assert label not in notice.labels
    assert "Mohamed" in notice.text and "Adam" in notice.text and "Fatima" in notice.text
    assert "15:00" in notice.text and short_talk in notice.text
    join = data_of(notice, r"rj:\d+:\d+:come")
    meeting_id = int(join.split(":")[1])
    # A forged tap (another meeting, or a wrong version) changes nothing.
    await harness.tap_data(mohamed, f"rj:{meeting_id + 50}:1:come", notice)
    await harness.tap_data(mohamed, f"rj:{meeting_id}:9:come", notice)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        answers = {i.person_id: i.answer for i in await tx.invitees(meeting_id)}
    assert answers == {"G006": "come", "G005": None}
    await press(harness, mohamed, join)
    async with harness.db.transaction() as tx:
        answers = {i.person_id: i.answer for i in await tx.invitees(meeting_id)}
        meeting = await tx.meeting(meeting_id)
    assert answers == {"G006": "come", "G005": "come"}
    assert meeting is not None and meeting.round_id is not None
    # The notice keeps the talk and shows the answer below it.
    assert "Adam" in notice.text and ar.label("✅ I'll come too") in notice.labels
    assert notice.text.endswith(ar._("✅ You will come too. See you then!"))

    # The teacher's overview at the deadline shows that Mohamed comes too.
    harness.clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["round_overviews"] == 1
    await harness.server.wait_for(lambda: "📋" in teacher.last.text)
    line = next(x for x in teacher.last.text.splitlines() if x.startswith("15:00"))
    assert "Fatima Bouzid" in line and "Mohamed El Amrani" in line

    # The reminder the day before names it as the first messages did.
    harness.clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=AMSTERDAM))
    assert (await due_work(harness.runtime.services))["meeting_reminders"] == 2
    await harness.server.wait_for(
        lambda: fatima.last.text.startswith("⏰") and mohamed.last.text.startswith(f"{RLM}⏰")
    )
    assert nl.label("short talk") in fatima.last.text and "Adam" in fatima.last.text
    assert short_talk in mohamed.last.text

    # Nothing any parent got calls it a progress talk or carries a stock goal, calendar
    # files included.
    banned = [
        texts(lang).label(msgid)
        for lang in ("nl", "ar", "en")
        for msgid in ("progress talk", "How is it going at school and at home?")
    ]
    for parent in (fatima, mohamed):
        for message in parent.messages:
            assert not any(b in message.text for b in banned), message.text
    chats = {fatima.chat_id, mohamed.chat_id}
    files = [c for c in harness.server.calls_of("sendDocument") if int(c["chat_id"]) in chats]
    assert len(files) == 2  # Fatima's on booking, Mohamed's when he said he would come
    for call in files:
        ics = icalendar.Calendar.from_ical(call["document"]["content"])
        event = next(iter(ics.walk("VEVENT")))
        summary, description = str(event["summary"]), str(event["description"])
        assert "Adam" in summary
        assert not any(b in summary or b in description for b in banned)
        assert nl.label("short talk") in summary or short_talk in summary


async def test_another_time_moves_the_short_talk_and_tells_the_other_parent(
    harness: Harness,
) -> None:
    """Choosing another time moves the same short talk: no "will not take place" message,
    the other parent is told of the new time, and the old join button is stale."""
    assert harness.runtime is not None and harness.db is not None
    ar = harness.runtime.texts("ar")
    short_talk = ar.label("short talk").replace(RLM, "")  # inside a line: without its mark
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"), (G, "G005", "Mohamed")
    )
    fatima, mohamed = users["G006"], users["G005"]
    await open_round(harness, users["S001"], "g:0", "di 8 dec")
    await harness.server.wait_for(
        lambda: all(any(m.labels for m in p.messages[1:]) for p in (fatima, mohamed))
    )
    await press(harness, fatima, r"rb:\d+:P003")
    await choose(harness, fatima, "15:00", "P003")
    await harness.server.wait_for(lambda: any(d.startswith("rj:") for d in _all_buttons(mohamed)))
    first = with_data(mohamed, r"rj:\d+:1:come")
    meeting_id = int(data_of(first, r"rj:\d+:1:come").split(":")[1])
    await press(harness, mohamed, rf"rj:{meeting_id}:1:come")

    await press(harness, fatima, r"rb:\d+:P003")
    await choose(harness, fatima, "15:20", "P003")
    assert "15:20" in with_data(fatima, r"rb:\d+:P003").text
    await harness.server.wait_for(
        lambda: any(d == f"rj:{meeting_id}:2:come" for d in _all_buttons(mohamed))
    )
    moved = with_data(mohamed, rf"rj:{meeting_id}:2:come")
    assert "15:20" in moved.text and short_talk in moved.text
    assert not any(m.text.startswith("✖️") for p in (fatima, mohamed) for m in p.messages)
    # His "I'll come too" was for 15:00: he is asked again, and the old button is stale.
    await harness.tap_data(mohamed, f"rj:{meeting_id}:1:come", first)
    assert mohamed.last.text == ar._(
        "The time of this talk has changed. Please use the newest message."
    )
    async with harness.db.transaction() as tx:
        meeting = await tx.meeting(meeting_id)
        answers = {i.person_id: i.answer for i in await tx.invitees(meeting_id)}
        (round_,) = await tx.open_rounds(harness.clock.now())
        booked = [
            (s.starts_at.astimezone(AMSTERDAM).hour, s.starts_at.minute, s.pupil_id)
            for s in await tx.slots(round_.id)
            if s.pupil_id
        ]
    assert meeting is not None and meeting.cancelled_at is None
    assert meeting.starts_at == datetime(2026, 12, 8, 15, 20, tzinfo=AMSTERDAM)
    assert answers == {"G006": "come", "G005": None}
    assert booked == [(15, 20, "P003")]
    # Both calendars get the new time for the same entry (a higher SEQUENCE).
    for user in (fatima, mohamed):
        await harness.server.wait_for(
            lambda user=user: sum(1 for m in user.messages if m.document) >= 2
        )
        calls = [
            c for c in harness.server.calls_of("sendDocument") if int(c["chat_id"]) == user.chat_id
        ]
        event = next(
            iter(icalendar.Calendar.from_ical(calls[-1]["document"]["content"]).walk("VEVENT"))
        )
        assert event.decoded("dtstart") == datetime(2026, 12, 8, 15, 20, tzinfo=AMSTERDAM)
        assert int(event["sequence"]) == 1


async def test_a_deadline_whose_weekday_contradicts_the_date_is_asked(harness: Harness) -> None:
    """ "wo 4 dec 12:00": 4 December 2026 is a Friday. The teacher is asked which day she
    means; only the two readings count, and the one chosen is shown with its weekday."""
    users = await people(harness, (S, "S001", "Marieke"))
    teacher = users["S001"]
    await harness.say(teacher, "/ronde")
    await flow(harness, teacher, "g:0")
    await harness.say(teacher, "di 8 dec")
    await harness.say(teacher, "15:00-16:00")
    await flow(harness, teacher, "min:10")
    await harness.say(teacher, "lokaal 12")
    await harness.say(teacher, "wo 4 dec 12:00")
    question = with_data(teacher, r"f:[^:]+:at:.+")
    readings = [b.data or "" for row in question.buttons for b in row if "at:" in (b.data or "")]
    assert [d.split(":at:")[1][:10] for d in readings] == ["2026-12-04", "2026-12-02"]
    nonce = readings[0].split(":")[1]
    # A reading that was not offered changes nothing.
    await harness.tap_data(teacher, f"f:{nonce}:at:2026-12-03T12:00:00+01:00", question)
    assert not any("✅" in label for label in teacher.last.labels)
    await harness.say(teacher, "wo 4 dec 12:00")
    await flow(harness, teacher, "at:2026-12-04T12:00:00+01:00")
    confirm = with_data(teacher, r"f:[^:]+:open")
    assert "vrijdag 4 december" in confirm.text and "12:00" in confirm.text
    await flow(harness, teacher, "open")
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        (round_,) = await tx.open_rounds(harness.clock.now())
    assert round_.deadline == datetime(2026, 12, 4, 12, 0, tzinfo=AMSTERDAM)
