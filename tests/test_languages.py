"""Every shipped language, end to end: a consent request and a meeting invitation as a parent
reads them; right-to-left languages isolate names, dates and numbers."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from bot.i18n.translator import FSI, PDI, RIGHT_TO_LEFT, RLM, SUPPORTED_LANGUAGES
from bot.rules.models import PersonKind
from bot.services import meetings
from bot.services.notify import language_read
from bot.services.work import Work
from bot.texts import care_messages
from tests.harness import Harness
from tests.test_care import delivered, people, request, with_data

ARABIC = re.compile("[\u0600-\u06ff]")


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_a_consent_request_and_an_invitation_in_each_language(
    harness: Harness, language: str
) -> None:
    users = await people(harness, (PersonKind.GUARDIAN, "G023", "Ruud"))
    ruud = users["G023"]
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        await tx.set_chosen_language(ruud.id, language)
    consent = await request(harness, "P014")
    texts = harness.runtime.texts
    tr = texts(language)
    async with harness.db.transaction() as tx:
        discussion = await tx.discussion(consent.discussion_id)
        pupil = await tx.pupil("P014")
        hakan = await tx.staff_member("S002")
        assert discussion is not None and pupil is not None and hakan is not None
        expected = care_messages.consent_request(
            tr,
            texts("nl"),
            discussion=discussion,
            name="Ruud",
            child="Milan",
            birth_date=pupil.birth_date,
            school=harness.runtime.settings.school_name,
            sender="Ingrid Postma",
            to_pupil=False,
            years=harness.runtime.settings.retention.years_for("care"),
        )
        planned = await meetings.plan_meeting(
            Work(tx, texts, harness.runtime.settings, harness.clock.now()),
            staff=hakan,
            pupil_id="P014",
            kind="zat",
            starts_at=harness.clock.now() + timedelta(days=5),
            minutes=45,
            place_kind="room",
            place="lokaal 12",
            goal="Hoe gaat het?",
        )
        meeting = await tx.meeting(planned.meeting_id)
        assert meeting is not None
    await delivered(harness, ruud, 4)
    request_message = with_data(ruud, rf"c:{consent.discussion_id}:agree")
    assert request_message.text == plain(expected)
    assert "Ik geef toestemming dat Milan" in request_message.text  # the binding Dutch text
    invitation = with_data(ruud, rf"m:{planned.meeting_id}:1:come")
    assert invitation.text == plain(
        meetings.invitation_text(
            tr,
            meeting,
            name="Ruud",
            child="Milan",
            teacher="Hakan Öztürk",
            settings=harness.runtime.settings,
        )
    )
    if language != "en":
        english = harness.runtime.texts("en")
        assert invitation.labels[0] != english.label("✅ Yes, I'll come")
    if language in RIGHT_TO_LEFT:
        for message in (request_message, invitation):
            assert f"{FSI}Ruud{PDI}" in message.text
            assert f"{FSI}Milan{PDI}" in message.text
        # Every line reads from the right (the binding Dutch text below the request does not).
        lines = [line for line in invitation.text.split("\n") if line]
        assert all(line.startswith(RLM) and line.count(RLM) == 1 for line in lines)
        assert all(label.startswith(RLM) for label in invitation.labels)
        dutch = request_message.text[request_message.text.index("Ik geef toestemming") :]
        assert RLM not in dutch


async def test_a_school_switches_languages_on_and_off(harness: Harness) -> None:
    from dataclasses import replace

    assert harness.runtime is not None
    harness.runtime.services.settings = replace(
        harness.runtime.services.settings, languages=("nl", "ar", "so")
    )
    users = await people(harness, (PersonKind.GUARDIAN, "G009", "Marloes"))
    marloes = users["G009"]
    shown = await harness.say(marloes, "/taal")
    assert shown[0].labels == ["✅ Nederlands", "العربية", "Soomaali"]
    await harness.tap_data(marloes, "lang:set:tr", shown[0])  # switched off at this school
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        assert await language_read(tx, PersonKind.GUARDIAN, "G009") == "nl"
    await harness.tap_data(marloes, "lang:set:so", marloes.last)
    async with harness.db.transaction() as tx:
        assert await language_read(tx, PersonKind.GUARDIAN, "G009") == "so"


async def switched_off(harness: Harness, *languages: str) -> None:
    """Restart the bot for a school that offers only these languages."""
    from dataclasses import replace

    assert harness.settings is not None
    harness.settings = replace(harness.settings, languages=languages)
    await harness.stop_bot()
    await harness.start_bot()


async def test_a_guardian_whose_roster_language_is_switched_off_reads_dutch_and_it_says_so(
    harness: Harness,
) -> None:
    """The roster accepts every language; the school loads only its own. What is sent is
    recorded in the language it was written in, and Dutch is never sent twice."""
    await switched_off(harness, "nl", "en", "tr", "ar")
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        await tx._run("UPDATE guardians SET language = 'so' WHERE guardian_id = 'G009'")
    users = await people(harness, (PersonKind.GUARDIAN, "G009", "Marloes"))
    marloes = users["G009"]
    consent = await request(harness, "P005")
    notice = await request(harness, "P005", kind="cvb")
    await delivered(harness, marloes, 3)
    async with harness.db.transaction() as tx:
        sent = {
            r.discussion_id: r.language
            for d in (consent.discussion_id, notice.discussion_id)
            for r in await tx.recipients(d)
        }
    assert sent == {consent.discussion_id: "nl", notice.discussion_id: "nl"}
    cvb = with_data(marloes, rf"n:{notice.discussion_id}:come")
    assert cvb.text.count("Beste Marloes") == 1  # the Dutch text once, not again as "binding"


async def test_every_message_about_a_talk_uses_the_language_the_parent_reads_now(
    harness: Harness,
) -> None:
    """Invited in Turkish, he switches to Arabic: the reminder and the cancellation follow."""
    from datetime import datetime

    from scheduler import due_work
    from tests.harness import AMSTERDAM
    from tests.test_meetings import plan

    users = await people(
        harness, (PersonKind.STAFF, "S001", "Marieke"), (PersonKind.GUARDIAN, "G003", "Mehmet")
    )
    teacher, mehmet = users["S001"], users["G003"]
    assert harness.runtime is not None and harness.db is not None
    turkish, arabic = harness.runtime.texts("tr"), harness.runtime.texts("ar")
    await plan(harness, teacher, "Elif", "di 8 dec 10:00")
    await delivered(harness, mehmet, 3)
    invitation = with_data(mehmet, r"m:\d+:1:come")
    assert invitation.labels[0] == turkish.label("✅ Yes, I'll come")
    shown = await harness.say(mehmet, "/taal")
    await harness.tap_data(mehmet, "lang:set:ar", shown[0])
    before = len(mehmet.messages)
    harness.clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=AMSTERDAM))
    await due_work(harness.runtime.services)
    await delivered(harness, mehmet, before + 1)
    assert ARABIC.search(mehmet.last.text), mehmet.last.text  # the reminder

    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S001")
        (meeting_id,) = [row[0] for row in await tx._all("SELECT id FROM meetings")]
        assert staff is not None
        assert await meetings.cancel(
            Work(tx, harness.runtime.texts, harness.runtime.settings, harness.clock.now()),
            staff=staff,
            meeting_id=meeting_id,
        )
    await delivered(harness, mehmet, before + 2)
    cancelled = mehmet.last.text
    assert ARABIC.search(cancelled) and "✖️" in cancelled
    assert arabic.datetime(datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM)) in cancelled


async def test_the_bot_describes_itself_in_each_language_before_start(harness: Harness) -> None:
    server = harness.server
    # Every language with a two-letter code; Dari (prs) has none, and its readers' phones
    # say Persian.
    assert set(server.descriptions) == {"", *SUPPORTED_LANGUAGES} - {"prs"}
    assert server.descriptions[""] == server.descriptions["nl"]  # any other Telegram: Dutch
    assert "De Brug" in server.descriptions["tr"] and "kod" in server.descriptions["tr"]
    assert re.search("[\u0600-\u06ff]", server.descriptions["ar"])
    assert all(len(text) <= 120 for text in server.short_descriptions.values())
    # A restart with nothing changed sends nothing again.
    calls = len(server.calls_of("setMyDescription"))
    await harness.stop_bot()
    await harness.start_bot()
    assert len(server.calls_of("setMyDescription")) == calls
