"""Slot rounds: no slot is booked twice, siblings are offered back-to-back times, separated
parents book as the school decides, and the teacher's overview at the deadline is right."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.models import PersonKind
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
