"""Positive news over twelve school weeks with a Christmas holiday: reminders on the right
Fridays with the right pupils, none in the holiday, one catch-up after downtime, scheduled
and refused sending times, and coverage figures that match what was sent."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from bot import positive
from bot.models import PersonKind
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import flow, people, press, with_data

G, S = PersonKind.GUARDIAN, PersonKind.STAFF


def at(month: int, day: int, hour: int = 13, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year if month > 7 else 2027, month, day, hour, minute, tzinfo=AMSTERDAM)


async def send_news(harness: Harness, pupil_id: str) -> None:
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await positive.send_positive_news(
            tx,
            harness.runtime.texts,
            harness.runtime.services.settings,
            harness.clock.now(),
            staff=staff,
            pupil_id=pupil_id,
            words="Goed gedaan vandaag.",
        )


def listed(message_text: str) -> list[str]:
    return re.findall(r"• (\w+)", message_text)


async def test_twelve_weeks_with_a_holiday(harness: Harness) -> None:
    assert harness.runtime is not None
    services = harness.runtime.services
    services.settings = replace(services.settings, region="noord")
    users = await people(harness, (S, "S001", "Marieke"), (S, "S004", "Ingrid"))
    teacher = users["S001"]
    reminders: dict[str, list[str]] = {}

    async def friday(day: datetime) -> int:
        harness.clock.set(day - timedelta(minutes=1))
        assert (await due_work(services))["news_reminders"] == 0  # not before 13:00
        harness.clock.set(day)
        before = len(teacher.messages)
        count = (await due_work(services))["news_reminders"]
        assert (await due_work(services))["news_reminders"] == 0  # never twice
        if count:
            await harness.server.wait_for(lambda: len(teacher.messages) > before)
            reminders[day.date().isoformat()] = listed(teacher.last.text)
        return count

    assert await friday(at(12, 4)) == 1
    assert len(reminders["2026-12-04"]) == 9  # nobody had good news yet
    for pupil_id in ("P001", "P002", "P003"):  # Daan, Elif, Adam
        await send_news(harness, pupil_id)
    assert await friday(at(12, 11)) == 1
    assert sorted(reminders["2026-12-11"]) == sorted(
        ["Lotte", "Mykyta", "Noor", "Omar", "Sem", "Zofia"]
    )
    for pupil_id in ("P004", "P005", "P006", "P007", "P008", "P009"):
        await send_news(harness, pupil_id)
    assert await friday(at(12, 18)) == 0  # everybody had good news: no message at all
    assert await friday(at(12, 25)) == 0  # Christmas holiday
    assert await friday(at(1, 1)) == 0  # holiday
    for day in (at(1, 8), at(1, 15), at(1, 22), at(1, 29)):
        assert await friday(day) == 0  # holiday weeks do not count towards six weeks
    # Six school weeks after 4 December (not counting the two holiday weeks): 5 February.
    assert await friday(at(2, 5)) == 1
    assert sorted(reminders["2027-02-05"]) == ["Adam", "Daan", "Elif"]
    assert await friday(at(2, 12)) == 1
    assert sorted(reminders["2027-02-12"]) == sorted(
        ["Adam", "Daan", "Elif", "Lotte", "Mykyta", "Noor", "Omar", "Sem", "Zofia"]
    )
    # The first Friday after the spring holiday of region noord (13–21 February) is allowed.
    await send_news(harness, "P001")

    # Coverage at the end matches what was sent: Daan just had good news, the rest not.
    coordinator = users["S004"]
    await harness.say(coordinator, "/overzicht positief")
    text = coordinator.last.text
    assert "SO-Zon" in text and "1" in text and "9" in text and "11%" in text
    assert "Elif Yılmaz" in text and "Daan de Vries" not in text.split("SO-Zon")[1].split("\n")[1]


async def test_one_catch_up_reminder_after_downtime(harness: Harness) -> None:
    assert harness.runtime is not None
    users = await people(harness, (S, "S001", "Marieke"))
    harness.clock.set(at(12, 4, 12, 0))
    await harness.stop_bot()
    harness.clock.set(at(12, 5, 9, 0))  # down over Friday 13:00; back on Saturday
    await harness.start_bot()
    assert harness.runtime is not None
    assert (await due_work(harness.runtime.services))["news_reminders"] == 1
    assert (await due_work(harness.runtime.services))["news_reminders"] == 0
    await harness.server.wait_for(lambda: users["S001"].last.text.startswith("🌟"))
    # Down for longer: a reminder more than three days old is no longer worth sending.
    await harness.stop_bot()
    harness.clock.set(at(12, 14, 14, 0))  # Monday after Friday 11 December
    await harness.start_bot()
    assert (await due_work(harness.runtime.services))["news_reminders"] == 0


async def test_composer_preview_schedule_and_quiet_hours(harness: Harness) -> None:
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G005", "Mohamed"), (G, "G006", "Fatima")
    )
    teacher, mohamed, fatima = users["S001"], users["G005"], users["G006"]
    harness.clock.set(at(12, 2, 10, 0))  # Wednesday
    await harness.say(teacher, "/positief")
    await harness.say(teacher, "Adam")
    await flow(harness, teacher, "t:helping")
    await flow(harness, teacher, "t:reading")
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Adam las vandaag voor aan de hele klas.")
    preview = with_data(teacher, r"f:[^:]+:later")
    assert "Fatima" in preview.text and "Mohamed" in preview.text
    assert re.search("[\u0600-\u06ff]", preview.text)  # Mohamed's version is in Arabic
    await flow(harness, teacher, "later")
    await harness.say(teacher, "za 5 dec 10:00")  # Saturday: quiet for families
    suggestion = with_data(teacher, r"f:[^:]+:at:.*")
    assert "maandag 7 december, 07:30" in suggestion.text
    await flow(harness, teacher, "back")
    await flow(harness, teacher, "later")
    await harness.say(teacher, "vr 4 dec 15:00")
    assert "vrijdag 4 december, 15:00" in teacher.last.text
    assert len(fatima.messages) == 1  # not yet
    assert harness.runtime is not None
    harness.clock.set(at(12, 4, 15, 0))
    harness.runtime.outbox.wake()
    await harness.server.wait_for(lambda: len(fatima.messages) == 2 and len(mohamed.messages) == 2)
    assert "Adam las vandaag voor aan de hele klas." in fatima.last.text
    # A reaction reaches the teacher.
    await press(harness, fatima, r"pn:\d+:heart")
    await harness.server.wait_for(lambda: "❤️" in teacher.last.text)
    await press(harness, mohamed, r"pn:\d+:words")
    await harness.say(mohamed, "Dank u, hij was zo trots!")
    await harness.server.wait_for(lambda: "zo trots" in teacher.last.text)
