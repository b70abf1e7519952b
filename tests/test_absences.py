"""End to end: a parent reports a child sick or absent — today, tomorrow, some days, after
the school's cut-off — the mentors (and whom the school named) read one line, and at the start
of the school day they get the list of who is absent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.rules.models import PersonKind
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import delivered, flow, people

G, S = PersonKind.GUARDIAN, PersonKind.STAFF
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=AMSTERDAM)


async def report(harness: Harness, parent, when: str, reason: str | None = None) -> str:
    await harness.say(parent, "/help")
    await harness.tap(parent, "🤒 Ziekmelden", parent.last)
    await flow(harness, parent, when)
    if reason is None:
        await flow(harness, parent, "skip")
    else:
        await harness.say(parent, reason)
    return parent.last.text


async def test_today_reaches_the_mentor_and_the_parent_is_told_who_knows(
    harness: Harness,
) -> None:
    harness.clock.set(MONDAY_8)
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    told = await report(harness, marloes, "today", "Koorts.")
    assert "Sem" in told and "vandaag" in told and "Marieke van den Berg" in told
    await delivered(harness, marieke, before + 1)
    line = marieke.last.text
    assert "Sem Bakker" in line and "SO-Zon" in line and "vandaag" in line
    assert "“Koorts.”" in line and "Marloes Bakker" in line


async def test_the_reason_by_voice_reaches_the_mentor_as_it_is(harness: Harness) -> None:
    harness.clock.set(MONDAY_8)
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    await harness.say(marloes, "/help")
    await harness.tap(marloes, "🤒 Ziekmelden", marloes.last)
    await flow(harness, marloes, "tomorrow")
    before = len(marieke.messages)
    await harness.tracker.wait(marloes.send_voice())
    told = marloes.last.text
    assert "dinsdag 1 december" in told and "Marieke van den Berg" in told  # reported
    await delivered(harness, marieke, before + 2)
    line, voice = marieke.messages[-2:]
    assert "Sem Bakker" in line.text and "spraakbericht" in line.text  # "in a voice note"
    assert voice.copy_of is not None and voice.copy_of[0] == marloes.chat_id
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        [absence] = await tx.absences_on(datetime(2026, 12, 1).date())
        message = await tx.family_message(1)
        assert await tx.flow(marloes.id) is None  # nothing left half-done
    assert absence.reason == "" and message is not None and message.media == "voice"


async def test_after_the_cutoff_today_counts_from_the_next_school_day(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=AMSTERDAM))  # Friday, after 08:30
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes = users["G009"]
    told = await report(harness, marloes, "today")
    assert "maandag 7 december" in told  # Monday: the weekend does not count
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        assert await tx.absences_on(datetime(2026, 12, 4).date()) == []
        [absence] = await tx.absences_on(datetime(2026, 12, 7).date())
    assert absence.pupil_id == "P005"


async def test_some_days_and_the_morning_overview(harness: Harness) -> None:
    assert harness.runtime is not None
    services = harness.runtime.services
    services.settings = replace(services.settings, absence_notify=("coordinator",))
    harness.clock.set(MONDAY_8)
    users = await people(
        harness, (G, "G005", "Mohamed"), (S, "S001", "Marieke"), (S, "S004", "Ingrid")
    )
    mohamed, marieke, ingrid = users["G005"], users["S001"], users["S004"]
    await harness.say(mohamed, "/help")
    await harness.tap(mohamed, "🤒", mohamed.last)
    await harness.tap(mohamed, "Adam", mohamed.last)  # two children: which one
    await flow(harness, mohamed, "days")
    await harness.say(mohamed, "١ ديسمبر - ٢ ديسمبر")  # his month name, his digits
    await flow(harness, mohamed, "skip")
    assert "ديسمبر" in mohamed.last.text  # he reads Arabic: "December"
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        [absence] = await tx.absences_on(datetime(2026, 12, 2).date())
    assert (absence.pupil_id, absence.first_day.day, absence.last_day.day) == ("P003", 1, 2)
    await delivered(harness, ingrid, 2)  # the coordinator was named: she knows too
    # Tuesday 07:30: the list of who is absent today, once.
    harness.clock.set(datetime(2026, 12, 1, 7, 30, tzinfo=AMSTERDAM))
    before = len(marieke.messages)
    assert (await due_work(services))["absence_overviews"] == 2
    assert (await due_work(services))["absence_overviews"] == 0
    await delivered(harness, marieke, before + 1)
    assert "Adam El Amrani" in marieke.last.text and "SO-Zon" in marieke.last.text
    # Thursday: no one is absent, no list.
    harness.clock.set(datetime(2026, 12, 3, 7, 30, tzinfo=AMSTERDAM))
    assert (await due_work(services))["absence_overviews"] == 0


async def test_tomorrow(harness: Harness) -> None:
    harness.clock.set(MONDAY_8)
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    told = await report(harness, marloes, "tomorrow", "Naar het ziekenhuis.")
    assert "dinsdag 1 december" in told
    await delivered(harness, marieke, before + 1)
    assert "dinsdag 1 december" in marieke.last.text
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        assert await tx.absences_on(MONDAY_8.date()) == []
        [absence] = await tx.absences_on(datetime(2026, 12, 1).date())
    assert absence.reason == "Naar het ziekenhuis."
