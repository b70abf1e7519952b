"""End to end: families write to school and school answers, each reading the other; who may
be told what follows the rights rules; outside working hours a message waits for the teacher.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n.translator import RLM
from bot.rules.models import PersonKind
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.test_care import delivered, people, press

G, P, S = PersonKind.GUARDIAN, PersonKind.PUPIL, PersonKind.STAFF
ANSWER = r"fm:\d+"


async def test_a_turkish_father_writes_and_the_mentor_answers(harness: Harness) -> None:
    users = await people(harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"))
    mehmet, marieke = users["G003"], users["S001"]
    before = len(marieke.messages)
    shown = await harness.say(mehmet, "Elif is vandaag ziek.")
    # One child: no question; he is told who reads it.
    assert "Marieke van den Berg" in shown[-1].text
    await delivered(harness, marieke, before + 1)
    note = marieke.last
    assert "Mehmet Yılmaz" in note.text and "Elif" in note.text
    assert "“Elif is vandaag ziek.”" in note.text
    assert "Turks" in note.text  # in which language it was written
    assert note.protect_content
    # The teacher answers with one tap, in Dutch.
    await press(harness, marieke, ANSWER)
    before = len(mehmet.messages)
    shown = await harness.say(marieke, "Beterschap, en dank voor het laten weten.")
    assert "Mehmet Yılmaz" in shown[-1].text
    await delivered(harness, mehmet, before + 1)
    answer = mehmet.last
    assert "Marieke van den Berg" in answer.text
    assert "“Beterschap, en dank voor het laten weten.”" in answer.text
    assert answer.protect_content
    # He answers back the same way; it reaches her again.
    before = len(marieke.messages)
    await press(harness, mehmet, ANSWER)
    await harness.say(mehmet, "Teşekkürler!")
    await delivered(harness, marieke, before + 1)
    assert "“Teşekkürler!”" in marieke.last.text
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        stored = [await tx.family_message(i) for i in (1, 2, 3)]
    assert [(m.from_school, m.language, m.answer_to) for m in stored if m] == [
        (False, "tr", None),
        (True, "nl", 1),
        (False, "tr", 2),
    ]


async def test_a_teacher_answers_by_replying_in_telegram(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    await harness.say(marloes, "Kan Sem morgen eerder weg?")
    await delivered(harness, marieke, before + 1)
    before = len(marloes.messages)
    await harness.say(marieke, "Ja hoor, om 14:00.", reply_to=marieke.last)
    await delivered(harness, marloes, before + 1)
    assert "“Ja hoor, om 14:00.”" in marloes.last.text


async def test_a_parent_of_two_chooses_the_child_and_the_words_wait(harness: Harness) -> None:
    users = await people(harness, (G, "G005", "Mohamed"), (S, "S001", "Marieke"))
    mohamed, marieke = users["G005"], users["S001"]
    before = len(marieke.messages)
    shown = await harness.say(mohamed, "Adam heeft een nieuwe bril.")
    question = shown[-1]
    # Mohamed reads Arabic: each button starts with a right-to-left mark, a name too.
    assert question.labels == [f"{RLM}Adam", f"{RLM}Yasmina"]
    await harness.tap(mohamed, f"{RLM}Adam", question)
    assert "Marieke van den Berg" in mohamed.last.text
    await delivered(harness, marieke, before + 1)
    assert "“Adam heeft een nieuwe bril.”" in marieke.last.text and "Adam" in marieke.last.text


async def test_from_the_menu_a_pupil_of_12_writes_to_their_mentors(harness: Harness) -> None:
    users = await people(harness, (P, "P011", "Finn"), (S, "S002", "Hakan"))
    finn, hakan = users["P011"], users["S002"]
    await harness.say(finn, "/help")
    await harness.tap(finn, "💬 Schrijf de leraar", finn.last)
    before = len(hakan.messages)
    shown = await harness.say(finn, "Ik ben mijn gymspullen vergeten.")
    assert "Hakan Öztürk" in shown[-1].text
    await delivered(harness, hakan, before + 1)
    assert "Finn Mulder" in hakan.last.text


async def test_a_father_without_authority_writes_but_is_not_told_about_the_child(
    harness: Harness,
) -> None:
    users = await people(harness, (G, "G010", "Dennis"), (S, "S001", "Marieke"))
    dennis, marieke = users["G010"], users["S001"]
    before = len(marieke.messages)
    await harness.say(dennis, "Hoe gaat het met Sem?")
    await delivered(harness, marieke, before + 1)
    # The school is reachable for him, and the teacher sees why she may not share.
    assert "“Hoe gaat het met Sem?”" in marieke.last.text
    assert "⚠️" in marieke.last.text
    await press(harness, marieke, ANSWER)
    before = len(dennis.messages)
    shown = await harness.say(marieke, "Sem doet het goed.")
    assert "Dennis Bakker" in shown[-1].text and "✅" not in shown[-1].text
    assert len(dennis.messages) == before  # nothing reached him
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        assert await tx.family_message(2) is None  # nothing of it was stored as sent


async def test_at_night_messages_wait_for_the_teachers_digest_and_the_parent_is_told(
    harness: Harness,
) -> None:
    users = await people(
        harness, (G, "G009", "Marloes"), (G, "G003", "Mehmet"), (S, "S001", "Marieke")
    )
    marloes, mehmet, marieke = users["G009"], users["G003"], users["S001"]
    assert harness.runtime is not None
    services = harness.runtime.services
    harness.clock.set(datetime(2026, 11, 30, 22, 0, tzinfo=AMSTERDAM))  # Monday night
    before = len(marieke.messages)
    shown = await harness.say(marloes, "Sem slaapt slecht.")
    assert "07:30" in shown[-1].text  # when the teacher will read it
    harness.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=AMSTERDAM))
    await harness.say(mehmet, "Elif is ziek.")
    assert (await due_work(services))["family_digests"] == 0  # not at night
    await harness.runtime.outbox.deliver_due()
    assert len(marieke.messages) == before
    harness.clock.set(datetime(2026, 12, 1, 7, 30, tzinfo=AMSTERDAM))
    assert (await due_work(services))["family_digests"] == 1  # one digest …
    assert (await due_work(services))["family_digests"] == 0  # … once
    await delivered(harness, marieke, before + 1)
    digest = marieke.last
    assert "“Sem slaapt slecht.”" in digest.text and "“Elif is ziek.”" in digest.text
    assert len(digest.buttons) == 2 and digest.protect_content
    # Each message is answered from its own button.
    await harness.tap(marieke, digest.buttons[1][0].text, digest)
    before = len(mehmet.messages)
    await harness.say(marieke, "Beterschap!")
    await delivered(harness, mehmet, before + 1)
    assert "“Beterschap!”" in mehmet.last.text


async def test_under_a_safety_exception_the_answer_waits_for_the_coordinator(
    harness: Harness,
) -> None:
    from tests.test_care import flow

    users = await people(
        harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"), (S, "S004", "Ingrid")
    )
    marloes, marieke, ingrid = users["G009"], users["S001"], users["S004"]
    await harness.say(ingrid, "/leerling")
    await harness.say(ingrid, "Sem")
    await flow(harness, ingrid, "safety")
    await harness.say(ingrid, "Meldcode stap 2.")
    before = len(marieke.messages)
    await harness.say(marloes, "Mag ik even bellen?")
    await delivered(harness, marieke, before + 1)  # the family still reaches school
    await press(harness, marieke, ANSWER)
    before = len(marloes.messages)
    shown = await harness.say(marieke, "Ik bel u vanmiddag.")
    assert "⏸" in shown[-1].text
    assert harness.runtime is not None
    await harness.runtime.outbox.deliver_due()
    assert len(marloes.messages) == before


async def test_a_forged_answer_button_changes_nothing(harness: Harness) -> None:
    users = await people(
        harness, (G, "G009", "Marloes"), (G, "G003", "Mehmet"), (S, "S001", "Marieke")
    )
    marloes, mehmet, marieke = users["G009"], users["G003"], users["S001"]
    before = len(marieke.messages)
    await harness.say(marloes, "Sem is ziek.")
    await delivered(harness, marieke, before + 1)
    await press(harness, marieke, ANSWER)
    await harness.say(marieke, "Beterschap!")
    # Another family taps "Answer" with the id of Marloes's conversation.
    await harness.tap_data(mehmet, "fm:2", mehmet.last)
    assert "artık çalışmıyor" in mehmet.last.text  # "this button no longer works"
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        assert await tx.family_message(3) is None


async def test_a_voice_note_and_a_photo_reach_the_mentor_as_they_are(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    await harness.tracker.wait(marloes.send_voice())
    assert "Marieke van den Berg" in marloes.last.text  # she is told who hears it
    await delivered(harness, marieke, before + 1)
    voice = marieke.last
    # A copy of the very message (never transcribed), headed by who sent it about whom.
    assert voice.copy_of is not None and voice.copy_of[0] == marloes.chat_id
    assert "Marloes Bakker" in voice.text and "Sem" in voice.text
    assert voice.protect_content
    await harness.tracker.wait(marloes.send_photo())
    await delivered(harness, marieke, before + 2)
    assert marieke.last.copy_of is not None and marieke.last.copy_of != voice.copy_of
    # The teacher answers the voice note like any message.
    await press(harness, marieke, ANSWER)
    before = len(marloes.messages)
    await harness.say(marieke, "Dank u, ik heb het beluisterd.")
    await delivered(harness, marloes, before + 1)
    assert "“Dank u, ik heb het beluisterd.”" in marloes.last.text


async def test_the_overview_lists_families_waiting_two_school_days_for_an_answer(
    harness: Harness,
) -> None:
    users = await people(
        harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"), (S, "S004", "Ingrid")
    )
    marloes, marieke, ingrid = users["G009"], users["S001"], users["S004"]
    before = len(marieke.messages)
    await harness.say(marloes, "Kunnen we praten over Sem?")  # Monday 09:00
    await delivered(harness, marieke, before + 1)
    harness.clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=AMSTERDAM))  # Wednesday: not yet
    await harness.say(ingrid, "/overzicht")
    assert "Sem Bakker" not in ingrid.last.text
    harness.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=AMSTERDAM))  # Thursday
    await harness.say(ingrid, "/overzicht")
    assert "Sem Bakker (SO-Zon)" in ingrid.last.text
    await press(harness, marieke, ANSWER)
    await harness.say(marieke, "Natuurlijk, ik bel u vandaag.")
    await harness.say(ingrid, "/overzicht")
    assert "Sem Bakker (SO-Zon)" not in ingrid.last.text


async def test_a_teacher_writes_to_a_family_first_and_sees_whom_she_may_not_inform(
    harness: Harness,
) -> None:
    users = await people(
        harness, (G, "G009", "Marloes"), (G, "G010", "Dennis"), (S, "S001", "Marieke")
    )
    marloes, dennis, marieke = users["G009"], users["G010"], users["S001"]
    await harness.say(marieke, "/schrijf")
    await harness.say(marieke, "Sem")
    whom = marieke.last
    assert "⚠️ Dennis Bakker" in whom.labels and "Marloes Bakker" in whom.labels
    await harness.tap(marieke, "Marloes Bakker", whom)
    before = len(marloes.messages)
    shown = await harness.say(marieke, "Sem heeft vandaag prachtig gezongen!")
    assert "Marloes Bakker" in shown[-1].text and "✅" in shown[-1].text
    await delivered(harness, marloes, before + 1)
    assert "“Sem heeft vandaag prachtig gezongen!”" in marloes.last.text
    assert marloes.last.protect_content
    # The father without authority: nothing is sent, and she is told why.
    await harness.say(marieke, "/schrijf")
    await harness.say(marieke, "Sem")
    await harness.tap(marieke, "⚠️ Dennis Bakker", marieke.last)
    before = len(dennis.messages)
    shown = await harness.say(marieke, "Sem heeft vandaag prachtig gezongen!")
    assert "✅" not in shown[-1].text and "Dennis Bakker" in shown[-1].text
    assert len(dennis.messages) == before
    # A teacher of another group does not see Sem at all.
    hakan = (await people(harness, (S, "S002", "Hakan")))["S002"]
    await harness.say(hakan, "/schrijf")
    shown = await harness.say(hakan, "Sem")
    assert not any("Sem" in label for m in shown for label in m.labels)


async def test_a_teacher_away_has_a_coordinator_read_and_families_are_told(
    harness: Harness,
) -> None:
    users = await people(
        harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"), (S, "S004", "Ingrid")
    )
    marloes, marieke, ingrid = users["G009"], users["S001"], users["S004"]
    await harness.say(marieke, "/help")
    await harness.tap(marieke, "🌴", marieke.last)
    shown = await harness.say(marieke, "vr 4 dec")
    assert "Ingrid Postma" in shown[-1].text
    before = len(ingrid.messages), len(marieke.messages)
    told = await harness.say(marloes, "Sem heeft morgen een afspraak bij de dokter.")
    assert "Marieke van den Berg" in told[-1].text and "4 december" in told[-1].text  # away
    assert "Ingrid Postma" in told[-1].text  # who reads instead
    await delivered(harness, ingrid, before[0] + 1)
    assert "“Sem heeft morgen een afspraak bij de dokter.”" in ingrid.last.text
    assert len(marieke.messages) == before[1]
    # Back early: messages come to her again.
    await harness.say(marieke, "/help")
    await harness.tap(marieke, "🌴", marieke.last)
    await harness.tap(marieke, "👋", marieke.last)
    before = len(marieke.messages)
    await harness.say(marloes, "Dank u!")
    await delivered(harness, marieke, before + 1)
    assert "“Dank u!”" in marieke.last.text


async def test_the_coordinator_writes_to_a_family_from_the_pupil_card(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"), (S, "S004", "Ingrid"))
    marloes, ingrid = users["G009"], users["S004"]
    await harness.say(ingrid, "/leerling")
    await harness.say(ingrid, "Sem")
    await harness.tap(ingrid, "💬", ingrid.last)
    assert "Marloes Bakker" in ingrid.last.labels  # the pupil is known: straight to whom
    await harness.tap(ingrid, "Marloes Bakker", ingrid.last)
    before = len(marloes.messages)
    await harness.say(ingrid, "Kunt u morgen even bellen?")
    await delivered(harness, marloes, before + 1)
    assert (
        "Ingrid Postma" in marloes.last.text and "“Kunt u morgen even bellen?”" in marloes.last.text
    )
