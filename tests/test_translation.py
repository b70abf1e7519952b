"""End to end with machine translation: a Turkish father and a Dutch teacher each read the
other in their own language, through a fake LibreTranslate or a fake DeepL speaking the real
HTTP API. Only the words people wrote are sent; a service that is down delays the translation
but never the message, and nothing arrives twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.fake_telegram import FakeUser
from bot.platform.config import TranslationService
from bot.rules.models import PersonKind
from bot.services.translations import translate_pending
from tests.conftest import START
from tests.fake_translation import DEEPL_KEY, FakeDeepL, FakeLibreTranslate
from tests.harness import Harness
from tests.test_care import delivered, flow, people, press

G, S = PersonKind.GUARDIAN, PersonKind.STAFF
ANSWER = r"fm:\d+"
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
STALE_NL = "Deze knop werkt niet meer. Dit kunt u nu doen:"


@pytest.fixture
async def libre() -> AsyncIterator[FakeLibreTranslate]:
    service = FakeLibreTranslate(LANGUAGES)
    yield service
    await service.stop()


async def school(tmp_path: Path, database: Any, *services: TranslationService) -> Harness:
    """The example school on `database` (each backend's), with these translation services."""
    harness = Harness(tmp_path, START)
    await harness.open(settings={"translation": services}, database=database)
    return harness


async def translate(harness: Harness) -> int:
    assert harness.runtime is not None
    services = harness.runtime.services
    return await translate_pending(services, services.translation)


async def test_each_reads_the_other_in_their_language_with_libretranslate(
    tmp_path: Path, any_db: Any, libre: FakeLibreTranslate
) -> None:
    url = await libre.start()
    harness = await school(tmp_path, any_db, TranslationService("libretranslate", url))
    try:
        users = await people(harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"))
        mehmet, marieke = users["G003"], users["S001"]
        before = len(marieke.messages)
        sends = len(harness.server.calls_of("sendMessage"))
        await harness.say(mehmet, "Elif bugün hasta.")
        await delivered(harness, marieke, before + 1)
        note = marieke.last
        assert "“[tr→nl] Elif bugün hasta.”" in note.text  # the translation first …
        assert "🤖" in note.text and "“Elif bugün hasta.”" in note.text  # … marked, original
        # One message to her and the confirmation to him: translating cost no extra call.
        assert len(harness.server.calls_of("sendMessage")) == sends + 2
        assert harness.server.calls_of("editMessageText") == [] and note.edits == 0
        assert await translate(harness) == 0  # nothing left to translate
        # Only the words went to the service: no name, no catalogued text.
        assert libre.requests == [
            {"q": "Elif bugün hasta.", "source": "tr", "target": "nl", "format": "text"}
        ]
        await press(harness, marieke, ANSWER)
        before = len(mehmet.messages)
        await harness.say(marieke, "Beterschap!")
        await delivered(harness, mehmet, before + 1)
        assert "“[nl→tr] Beterschap!”" in mehmet.last.text
        assert "“Beterschap!”" in mehmet.last.text  # the teacher's own words beside it
        # Her confirmation shows what he reads: his language, her own words beside it.
        assert "“[nl→tr] Beterschap!”" in marieke.last.text
        assert "“Beterschap!”" in marieke.last.text
        assert len(libre.requests) == 2  # the translation she saw is the one he reads
    finally:
        await harness.close()


async def test_with_deepl(tmp_path: Path, any_db: Any) -> None:
    deepl_service = FakeDeepL(LANGUAGES)
    url = await deepl_service.start()
    harness = await school(tmp_path, any_db, TranslationService("deepl", url, DEEPL_KEY))
    try:
        users = await people(harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"))
        mehmet, marieke = users["G003"], users["S001"]
        before = len(marieke.messages)
        await harness.say(mehmet, "Elif bugün hasta.")
        await delivered(harness, marieke, before + 1)
        assert "[tr→nl] Elif bugün hasta." in marieke.last.text
        assert [r["text"] for r in deepl_service.requests] == [["Elif bugün hasta."]]
        assert deepl_service.requests[0]["target_lang"] == "NL"
        await press(harness, marieke, ANSWER)
        before = len(mehmet.messages)
        await harness.say(marieke, "Beterschap!")
        await delivered(harness, mehmet, before + 1)
        assert "“[nl→tr] Beterschap!”" in mehmet.last.text and "“Beterschap!”" in mehmet.last.text
        assert deepl_service.requests[1]["target_lang"] == "TR"
    finally:
        await harness.close()
        await deepl_service.stop()


@pytest.fixture
async def libre_school(
    tmp_path: Path, any_db: Any, libre: FakeLibreTranslate
) -> AsyncIterator[Harness]:
    service = TranslationService("libretranslate", await libre.start())
    harness = await school(tmp_path, any_db, service)
    yield harness
    await harness.close()


async def written_while_down(harness: Harness, libre: FakeLibreTranslate) -> FakeUser:
    """The father writes while the service is down; returns the teacher, who has it as
    written (the service was asked once, before sending)."""
    users = await people(harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"))
    mehmet, marieke = users["G003"], users["S001"]
    libre.down = True
    before = len(marieke.messages)
    await harness.say(mehmet, "Elif bugün hasta.")
    await delivered(harness, marieke, before + 1)
    assert "Turks" in marieke.last.text  # untranslated, with the language it was written in
    return marieke


async def test_a_service_that_is_down_delays_the_translation_not_the_message(
    libre_school: Harness, libre: FakeLibreTranslate
) -> None:
    marieke = await written_while_down(libre_school, libre)
    count = len(marieke.messages)
    libre.down = False
    assert await translate(libre_school) == 1  # the second try: the translation follows
    await libre_school.server.wait_for(lambda: "[tr→nl]" in marieke.last.text)
    assert len(marieke.messages) == count and marieke.last.edits == 1  # edited, not resent
    assert await translate(libre_school) == 0  # and only once
    assert len(libre.requests) == 2


async def test_after_two_failed_tries_the_words_stay_as_written(
    libre_school: Harness, libre: FakeLibreTranslate
) -> None:
    marieke = await written_while_down(libre_school, libre)
    assert await translate(libre_school) == 0  # the second try fails too
    libre.down = False
    assert await translate(libre_school) == 0  # no third try
    assert len(libre.requests) == 2
    assert marieke.last.edits == 0


async def test_a_language_the_service_lacks_is_delivered_untranslated(
    tmp_path: Path, any_db: Any, libre: FakeLibreTranslate
) -> None:
    url = await libre.start()
    harness = await school(tmp_path, any_db, TranslationService("libretranslate", url))
    try:
        # Tigrinya is not among the service's languages.
        users = await people(harness, (G, "G011", "Petra"), (S, "S001", "Marieke"))
        petra, marieke = users["G011"], users["S001"]
        async with harness.db.transaction() as tx:  # type: ignore[union-attr]
            await tx.set_chosen_language(petra.id, "ti")
        before = len(marieke.messages)
        await harness.say(petra, "ሰላም")
        await delivered(harness, marieke, before + 1)
        assert await translate(harness) == 0
        assert libre.requests == []  # not even asked
        assert "“ሰላም”" in marieke.last.text
    finally:
        await harness.close()


async def father_mentor_and_other_teacher(harness: Harness) -> tuple[FakeUser, ...]:
    """Mehmet (reads Turkish), Elif's mentor Marieke and Hakan, who teaches another group."""
    users = await people(
        harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"), (S, "S002", "Hakan")
    )
    return users["G003"], users["S001"], users["S002"]


async def test_the_teacher_changes_what_she_sent_and_his_copy_is_edited(
    libre_school: Harness, libre: FakeLibreTranslate
) -> None:
    harness = libre_school
    mehmet, marieke, hakan = await father_mentor_and_other_teacher(harness)
    before = len(marieke.messages)
    await harness.say(mehmet, "Elif bugün hasta.")
    await delivered(harness, marieke, before + 1)
    await press(harness, marieke, ANSWER)
    before = len(mehmet.messages)
    await harness.say(marieke, "Beterschap, tot maandag!")
    await delivered(harness, mehmet, before + 1)
    sent = mehmet.last
    confirmation = marieke.last
    # Another teacher cannot change her words, even with the button's data.
    await harness.tap_data(hakan, "fx:2", hakan.last)
    assert hakan.last.text == STALE_NL
    await harness.tap(marieke, "✏️", confirmation)
    await harness.say(marieke, "Beterschap, tot dinsdag!")
    await harness.server.wait_for(lambda: "dinsdag" in sent.text)
    assert len(mehmet.messages) == before + 1 and sent.edits == 1  # edited, not sent again
    assert "“[nl→tr] Beterschap, tot dinsdag!”" in sent.text and "maandag" not in sent.text
    assert "“[nl→tr] Beterschap, tot dinsdag!”" in marieke.last.text  # what he reads now
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        message = await tx.family_message(2)
        assert message is not None and message.text == "Beterschap, tot dinsdag!"
        assert await tx.translation_of(2, "tr") == (
            "[nl→tr] Beterschap, tot dinsdag!",
            "libretranslate",
        )
        actions = [e.action for e in await tx.audit_entries("P002")]
    assert actions.count("family_message_changed") == 1


async def test_a_long_message_shows_its_translation_and_the_words_as_written_a_tap_away(
    libre_school: Harness, libre: FakeLibreTranslate
) -> None:
    harness = libre_school
    mehmet, marieke, hakan = await father_mentor_and_other_teacher(harness)
    words = "Elif bu hafta çok yorgun, geceleri iyi uyuyamıyor. " * 12  # 600+ characters
    before = len(marieke.messages)
    await harness.say(mehmet, words)
    await delivered(harness, marieke, before + 1)
    note = marieke.last
    assert f"[tr→nl] {words}"[:200] in note.text  # the translation, read once …
    assert note.text.count("geceleri") == 12  # … not the words as written under it
    assert note.labels == ["↩️ Antwoorden", "📝 Zoals geschreven"]
    # Another group's teacher cannot read them, even with the button's data.
    await harness.tap_data(hakan, "fw:1", hakan.last)
    assert hakan.last.text == STALE_NL
    await harness.tap(marieke, "📝", note)
    assert marieke.last.protect_content
    assert "Turks" in marieke.last.text and words.strip() in marieke.last.text
    # Her long answer reaches him the same way, with the button in his language.
    await press(harness, marieke, ANSWER)
    before = len(mehmet.messages)
    await harness.say(marieke, "Dank u wel voor het laten weten. " * 20)
    await delivered(harness, mehmet, before + 1)
    assert "📝 Yazıldığı hâli" in mehmet.last.labels
    assert mehmet.last.text.count("laten weten") == 20


async def test_an_absence_reason_in_turkish_reaches_the_mentor_translated(
    libre_school: Harness, libre: FakeLibreTranslate
) -> None:
    harness = libre_school
    users = await people(harness, (G, "G003", "Mehmet"), (S, "S001", "Marieke"))
    mehmet, marieke = users["G003"], users["S001"]
    await harness.say(mehmet, "/help")
    await harness.tap(mehmet, "🤒", mehmet.last)
    await flow(harness, mehmet, "tomorrow")
    before = len(marieke.messages)
    await harness.say(mehmet, "Ateşi var.")
    await delivered(harness, marieke, before + 1)
    line = marieke.last.text
    assert "“[tr→nl] Ateşi var.”" in line and "“Ateşi var.”" in line and "🤖" in line
    assert libre.requests == [{"q": "Ateşi var.", "source": "tr", "target": "nl", "format": "text"}]


async def test_each_language_goes_to_the_first_service_that_has_it(
    tmp_path: Path, any_db: Any
) -> None:
    """The school's LibreTranslate has no Polish; DeepL, listed second, has."""
    local = FakeLibreTranslate(("nl", "tr"))
    deepl_service = FakeDeepL(("nl", "pl"))
    services = (
        TranslationService("libretranslate", await local.start()),
        TranslationService("deepl", await deepl_service.start(), DEEPL_KEY),
    )
    harness = await school(tmp_path, any_db, *services)
    try:
        users = await people(
            harness, (G, "G003", "Mehmet"), (G, "G007", "Katarzyna"), (S, "S001", "Marieke")
        )
        mehmet, katarzyna, marieke = users["G003"], users["G007"], users["S001"]
        for parent, words in ((mehmet, "Elif bugün hasta."), (katarzyna, "Zofia jest chora.")):
            before = len(marieke.messages)
            await harness.say(parent, words)
            await delivered(harness, marieke, before + 1)
        assert [r["q"] for r in local.requests] == ["Elif bugün hasta."]
        assert [r["text"] for r in deepl_service.requests] == [["Zofia jest chora."]]
        assert "[pl→nl] Zofia jest chora." in marieke.last.text
    finally:
        await harness.close()
        await local.stop()
        await deepl_service.stop()
