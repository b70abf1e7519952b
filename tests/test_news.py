"""Positive news over twelve school weeks with a Christmas holiday: reminders on the right
Fridays with the right pupils, none in the holiday, one catch-up after downtime, scheduled
and refused sending times, and coverage figures that match what was sent."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from bot.demo.fake_telegram import ChatMessage
from bot.rules.models import PersonKind
from bot.services import good_news
from bot.services.work import Work
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import delivered, flow, people, press, with_data

G, S = PersonKind.GUARDIAN, PersonKind.STAFF


def at(month: int, day: int, hour: int = 13, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year if month > 7 else 2027, month, day, hour, minute, tzinfo=AMSTERDAM)


async def send_news(harness: Harness, pupil_id: str) -> None:
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        assert staff is not None
        await good_news.send_positive_news(
            Work(tx, harness.runtime.texts, harness.runtime.services.settings, harness.clock.now()),
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


def readings(message: ChatMessage) -> list[tuple[str, datetime]]:
    """The (label, moment) of each `at:` button on a which-day question."""
    return [
        (b.text, datetime.fromisoformat(b.data.split(":at:", 1)[1]))
        for row in message.buttons
        for b in row
        if b.data and ":at:" in b.data
    ]


async def test_a_weekday_that_contradicts_the_date_is_asked_about(harness: Harness) -> None:
    """ "di 3 dec" is a Thursday in 2026: the teacher is asked which day she means, sees both
    written out with their weekday, and the day she taps is when the news goes out."""
    assert harness.runtime is not None
    nl = harness.runtime.texts("nl")
    users = await people(harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"))
    teacher, fatima = users["S001"], users["G006"]
    await harness.say(teacher, "/positief")
    await harness.say(teacher, "Adam")
    await flow(harness, teacher, "t:helping")
    await flow(harness, teacher, "next")
    await flow(harness, teacher, "skip")
    await flow(harness, teacher, "later")
    await harness.say(teacher, "di 3 dec 15:30")
    question = with_data(teacher, r"f:[^:]+:at:.*")
    assert question.text.startswith(
        nl._(
            "⚠️ The weekday you typed does not match the date: it is {date}. Which day do you mean?",
            date=nl.date(at(12, 3).date()),
        )
    )
    assert "donderdag 3 december" in question.text
    assert readings(question) == [
        (nl.datetime(at(12, 3, 15, 30)), at(12, 3, 15, 30)),
        (nl.datetime(at(12, 1, 15, 30)), at(12, 1, 15, 30)),
    ]
    assert [label for label, _ in readings(question)] == [
        "donderdag 3 december, 15:30",
        "dinsdag 1 december, 15:30",
    ]
    assert all(len(b.data.encode()) <= 64 for row in question.buttons for b in row if b.data)
    assert "back" in [b.data.rsplit(":", 1)[1] for row in question.buttons for b in row if b.data]
    # Nothing is scheduled until she has chosen.
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        assert await tx.flow(teacher.id) is not None
    await flow(harness, teacher, f"at:{at(12, 1, 15, 30).isoformat()}")
    assert "dinsdag 1 december, 15:30" in teacher.last.text
    assert len(fatima.messages) == 1  # her welcome; the news waits for Tuesday
    harness.clock.set(at(12, 1, 15, 30))
    harness.runtime.outbox.wake()
    await harness.server.wait_for(lambda: len(fatima.messages) == 2)


async def test_a_chosen_reading_in_quiet_hours_is_still_refused(harness: Harness) -> None:
    """ "vr 5 dec 10:00": 5 December is a Saturday. Tapping the Saturday reading leads to the
    quiet-hours suggestion, exactly as if Saturday had been typed; tapping Friday schedules."""
    users = await people(harness, (S, "S001", "Marieke"), (G, "G006", "Fatima"))
    teacher = users["S001"]
    await harness.say(teacher, "/positief")
    await harness.say(teacher, "Adam")
    await flow(harness, teacher, "next")
    await harness.say(teacher, "Adam las voor aan de klas.")
    await flow(harness, teacher, "later")
    await harness.say(teacher, "vr 5 dec 10:00")
    question = with_data(teacher, r"f:[^:]+:at:.*")
    assert [moment for _, moment in readings(question)] == [at(12, 5, 10), at(12, 4, 10)]
    await flow(harness, teacher, f"at:{at(12, 5, 10).isoformat()}")
    suggestion = with_data(teacher, r"f:[^:]+:at:.*")
    assert "maandag 7 december, 07:30" in suggestion.text
    await flow(harness, teacher, "back")
    await flow(harness, teacher, "later")
    await harness.say(teacher, "vr 5 dec 10:00")
    await flow(harness, teacher, f"at:{at(12, 4, 10).isoformat()}")
    assert "vrijdag 4 december, 10:00" in teacher.last.text
    assert "✅" in teacher.last.text


async def test_a_cvb_moment_with_a_contradicting_weekday_is_asked_about(
    harness: Harness,
) -> None:
    """The CvB flow asks too, echoes the chosen moment with its weekday, and sends it."""
    assert harness.runtime is not None
    nl = harness.runtime.texts("nl")
    users = await people(harness, (S, "S004", "Ingrid"), (G, "G006", "Fatima"))
    coordinator, fatima = users["S004"], users["G006"]
    await harness.say(coordinator, "/cvb")
    await harness.say(coordinator, "Adam")
    await harness.say(coordinator, "di 17 dec 14:00")  # 17 December is a Thursday
    question = with_data(coordinator, r"f:[^:]+:at:.*")
    assert "donderdag 17 december" in question.text
    assert [moment for _, moment in readings(question)] == [at(12, 17, 14), at(12, 15, 14)]
    await flow(harness, coordinator, f"at:{at(12, 15, 14).isoformat()}")
    # The next step shows the moment as understood, weekday written out.
    assert nl.datetime(at(12, 15, 14)) in coordinator.last.text
    await harness.say(coordinator, "Samen kijken hoe het met Adam gaat.")
    await flow(harness, coordinator, "why:help")
    assert "dinsdag 15 december, 14:00" in coordinator.last.text
    await flow(harness, coordinator, "send")
    await delivered(harness, fatima, 2)
    assert "dinsdag 15 december" in fatima.last.text


async def test_a_typed_matching_moment_is_echoed_with_its_weekday(harness: Harness) -> None:
    """No conflict: no question, and the next step shows the moment with its weekday."""
    users = await people(harness, (S, "S004", "Ingrid"))
    coordinator = users["S004"]
    await harness.say(coordinator, "/cvb")
    await harness.say(coordinator, "Adam")
    shown = await harness.say(coordinator, "volgende week dinsdag half een")
    assert "dinsdag 8 december, 12:30" in shown[-1].text


async def test_telegrams_own_reaction_on_good_news_reaches_the_teacher(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    await send_news(harness, "P005")
    await delivered(harness, marloes, 2)
    news = marloes.last
    before = len(marieke.messages)
    await harness.tracker.wait(marloes.react(news, "❤"))
    await delivered(harness, marieke, before + 1)
    assert "❤️" in marieke.last.text and "Marloes Bakker" in marieke.last.text
    assert len(marloes.messages) == 2  # a reaction needs no answer


async def test_a_teacher_not_in_samen_yet_has_the_waiting_families_counted(
    harness: Harness,
) -> None:
    """Each teacher's reminder is recorded with how many families it names: for a teacher
    in Samen the families listed, for one not in Samen yet the same count, nothing sent."""
    assert harness.db is not None and harness.runtime is not None
    users = await people(harness, (S, "S001", "Marieke"))
    await send_news(harness, "P001")
    harness.clock.set(at(12, 4))
    assert (await due_work(harness.runtime.services))["news_reminders"] == 1
    await harness.server.wait_for(lambda: users["S001"].last.text.startswith("🌟"))
    async with harness.db.reading() as tx:
        teachers = await tx.teachers_to_remind(at(12, 11))
        recorded = {staff_id: await tx.news_reminders_sent(staff_id) for staff_id, _ in teachers}
        # Every pupil of their groups but Daan, who just had good news.
        expected = {
            staff_id: len([p for p in await tx.pupils_of_groups(groups) if p.pupil_id != "P001"])
            for staff_id, groups in teachers
        }
    assert len(recorded) == 3 and "S001" in recorded
    assert recorded == {staff_id: [(at(12, 4), n)] for staff_id, n in expected.items()}
    assert len(listed(users["S001"].last.text)) == expected["S001"] == 8
