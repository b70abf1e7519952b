"""Every reader exactly right: a father without authority who asked for information gets the
summaries that are important facts, foster parents the guardian allowed day-to-day
information get the agreements and advice for home, and consent requests say all that makes
consent informed (version 2 of the binding text)."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import legal
from bot.rules.models import PersonKind
from bot.services.roster_import import import_guardians
from tests.harness import AMSTERDAM, Harness
from tests.test_care import delivered, flow, people, press, request, with_data
from tests.test_meetings import plan, write_summary

S, G, P = PersonKind.STAFF, PersonKind.GUARDIAN, PersonKind.PUPIL


def summaries_of(user, meeting_id: int) -> list:
    return [
        m for m in user.messages for r in m.buttons for b in r if b.data == f"sr:{meeting_id}:ask"
    ]


async def record_information_request(harness: Harness, coordinator, child: str, guardian: str):
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, child)
    await flow(harness, coordinator, f"request:{guardian}")
    await flow(harness, coordinator, "yes")


async def plan_start_talk(harness: Harness, teacher, pupil: str, when: str) -> None:
    """A first acquaintance: not an important fact."""
    await harness.say(teacher, "/gesprek")
    await harness.say(teacher, pupil)
    await flow(harness, teacher, "kind:start")
    await harness.say(teacher, when)
    await flow(harness, teacher, "send")


async def test_a_father_who_asked_for_information_gets_the_summaries_that_are_important_facts(
    harness: Harness,
) -> None:
    users = await people(
        harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G010", "Dennis")
    )
    coordinator, teacher, dennis = users["S004"], users["S001"], users["G010"]
    assert harness.runtime is not None
    tr = harness.runtime.texts("nl")
    await record_information_request(harness, coordinator, "Sem", "G010")

    # A progress talk: he is not invited (no authority), but its summary is an important fact.
    await plan(harness, teacher, "Sem", "di 1 dec 10:00")
    progress_id = int((await harness.rows("SELECT max(id) FROM meetings"))[0][0])
    await plan_start_talk(harness, teacher, "Sem", "wo 2 dec 10:00")
    start_id = int((await harness.rows("SELECT max(id) FROM meetings"))[0][0])
    await plan(harness, teacher, "Sem", "do 3 dec 10:00")
    third_id = int((await harness.rows("SELECT max(id) FROM meetings"))[0][0])
    assert not [m for m in dennis.messages if any(
        b.data and b.data.startswith("m:") for r in m.buttons for b in r)]  # fmt: skip

    harness.clock.set(datetime(2026, 12, 1, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, progress_id, "Sem leest elke dag.")
    confirm = with_data(teacher, r"f:[^:]+:send").text
    assert tr._("{name} gets it too: asked the school for information.", name="Dennis Bakker") in (
        confirm
    )
    await flow(harness, teacher, "send")
    await harness.server.wait_for(lambda: bool(summaries_of(dennis, progress_id)))
    summary = summaries_of(dennis, progress_id)[0]
    assert "Sem leest elke dag." in summary.text
    # Information, never a decision: no answer to a talk, no consent.
    assert all(not (b.data or "").startswith(("m:", "c:")) for r in summary.buttons for b in r)

    # The summary of a first acquaintance is not an important fact.
    harness.clock.set(datetime(2026, 12, 2, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, start_id, "Kennismaking was fijn.")
    await flow(harness, teacher, "send")
    start_readers = await harness.rows(
        f"SELECT person_id FROM summary_readers WHERE meeting_id = {start_id}"
    )
    assert ("G009",) in start_readers and ("G010",) not in start_readers

    # The teacher leaves him out of one summary, with a reason on record.
    harness.clock.set(datetime(2026, 12, 3, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, third_id, "Het gaat beter.")
    await flow(harness, teacher, "out:0")
    await harness.say(teacher, "Gaat vooral over de thuissituatie van moeder.")
    assert "Gaat vooral over de thuissituatie van moeder." in teacher.last.text
    await flow(harness, teacher, "send")
    readers = await harness.rows(
        f"SELECT person_id FROM summary_readers WHERE meeting_id = {third_id}"
    )
    assert ("G010",) not in readers and ("G009",) in readers
    left_out = await harness.rows(
        "SELECT subject_id, json_extract(details, '$.reason') FROM audit_log"
        " WHERE action = 'summary_reader_left_out'",
    )
    assert left_out == [("G010", "Gaat vooral over de thuissituatie van moeder.")]


async def test_a_withholding_restriction_still_stops_every_summary(harness: Harness) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"))
    coordinator, teacher = users["S004"], users["S001"]
    await record_information_request(harness, coordinator, "Sem", "G010")
    await flow(harness, coordinator, "restrict:G010")
    await flow(harness, coordinator, "kind:withheld")
    await harness.say(coordinator, "Rechter: geen contact.")
    await plan(harness, teacher, "Sem", "di 1 dec 10:00")
    meeting_id = int((await harness.rows("SELECT max(id) FROM meetings"))[0][0])
    harness.clock.set(datetime(2026, 12, 1, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, meeting_id, "Sem leest elke dag.")
    await flow(harness, teacher, "send")
    readers = await harness.rows("SELECT person_id FROM summary_readers")
    assert readers and ("G010",) not in readers


async def test_foster_parents_get_the_agreements_and_home_advice_once_the_guardian_allows(
    harness: Harness,
) -> None:
    assert harness.db is not None and harness.runtime is not None
    tr = harness.runtime.texts("nl")
    users = await people(
        harness, (S, "S001", "Marieke"), (G, "G013", "Jeugdbescherming"), (G, "G014", "Wendy")
    )
    teacher, institution, wendy = users["S001"], users["G013"], users["G014"]

    async def talk_about_lotte(day: int) -> int:
        await plan(harness, teacher, "Lotte", f"{day} dec 10:00")
        meeting_id = int((await harness.rows("SELECT max(id) FROM meetings"))[0][0])
        harness.clock.set(datetime(2026, 12, day, 10, 30, tzinfo=AMSTERDAM))
        assert harness.runtime is not None
        await write_summary(harness, teacher, meeting_id, "Lotte helpt graag.")
        return meeting_id

    async def with_agreement_and_advice(meeting_id: int) -> None:
        # Start again, this time with an agreement and advice for home.
        await flow(harness, teacher, "restart")
        await flow(harness, teacher, "next")
        await harness.say(teacher, "Lotte helpt graag.")
        await harness.say(teacher, "Lotte leest elke dag tien minuten; pleegmoeder; vrijdag")
        await flow(harness, teacher, "next")
        await flow(harness, teacher, "skip")
        await harness.say(teacher, "Lees samen voor het slapengaan.")
        await flow(harness, teacher, "ns:none")
        await flow(harness, teacher, "send")

    # Before the guardian allows it, the foster mother gets no summary.
    first = await talk_about_lotte(1)
    await with_agreement_and_advice(first)
    await harness.server.wait_for(lambda: bool(summaries_of(institution, first)))
    assert not summaries_of(wendy, first)

    # The guardian institution allows day-to-day information, through the roster.
    sheet = (
        "guardian_id,pupil_id,first_name,last_name,relation,authority,language,"
        "day_to_day_allowed_by\n"
        "G014,P008,Wendy,Kramer,foster_parent,no,nl,Jeugdbescherming Regio (mw. Prins)\n"
    )
    await import_guardians(harness.db, sheet.encode(), "pleegzorg.csv", harness.clock.now())
    assert await harness.rows(
        "SELECT json_extract(details, '$.day_to_day_allowed_by') FROM audit_log"
        " WHERE action = 'link_facts_imported'",
    ) == [("Jeugdbescherming Regio (mw. Prins)",)]

    second = await talk_about_lotte(3)
    await with_agreement_and_advice(second)
    await harness.server.wait_for(lambda: bool(summaries_of(wendy, second)))
    home = summaries_of(wendy, second)[0]
    assert tr._("📝 <b>What we agreed about {child}</b>", child="Lotte") in home.html
    assert "Lotte leest elke dag tien minuten" in home.text
    assert "Lees samen voor het slapengaan." in home.text
    assert "Lotte helpt graag." not in home.text  # the rest of the summary is not hers
    whole = summaries_of(institution, second)[0]
    assert "Lotte helpt graag." in whole.text


async def test_a_consent_request_says_all_that_makes_consent_informed(harness: Harness) -> None:
    users = await people(harness, (G, "G003", "Mehmet"))
    mehmet = users["G003"]
    assert harness.runtime is not None
    turkish, dutch = harness.runtime.texts("tr"), harness.runtime.texts("nl")
    years = harness.runtime.settings.retention.years_for("care")
    sent = await request(harness, "P002")
    await delivered(harness, mehmet, 2)
    text = with_data(mehmet, rf"c:{sent.discussion_id}:agree").text
    # Why, in his language; the coordinator's own words marked as Dutch.
    assert turkish.label("to find out which help {child} needs at school", child="Elif") in text
    assert "Samen kijken welke hulp nodig is." in text
    # How long; withdrawing at any moment and what it means; no other effect; whom to ask.
    for line in (
        turkish._("This consent is only for this one talk."),
        turkish._(
            "You can take back your consent at any moment, also before it starts."
            " What was already shared stays shared. After that, the school shares nothing more."
        ),
        turkish._("Saying no has no other effect on the education of {child}.", child="Elif"),
        turkish._("Questions? Ask {sender}.", sender="Ingrid Postma"),
    ):
        assert line in text, line
    # The binding Dutch text names the purpose, the term and the contact too.
    chosen = dutch.label("to find out which help {child} needs at school", child="Elif")
    assert f"Waarom: {chosen[:1].upper()}{chosen[1:]}. Samen kijken welke hulp" in text
    assert f"tot {years} jaar nadat Elif van school is gegaan" in text
    assert "Vragen? Stel ze aan Ingrid Postma." in text
    recorded = await harness.rows("SELECT text_version, text_hash FROM discussion_recipients")
    assert recorded[0][0] == legal.CONSENT_VERSION == "consent-v2"
    stored = (await harness.rows("SELECT text FROM outbox WHERE purpose = 'zat_request'"))[0][0]
    assert recorded[0][1] == legal.text_hash(str(stored))


async def test_an_assessment_request_speaks_of_an_assessment(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"))
    marloes = users["G009"]
    sent = await request(harness, "P005", kind="assessment")
    await delivered(harness, marloes, 2)
    text = with_data(marloes, rf"c:{sent.discussion_id}:agree").text
    assert "een deskundige van buiten" in text and "een onderzoek doet bij Sem" in text
    assert "wordt besproken in een onderzoek" not in text
    assert "zonder toestemming het onderzoek niet doorgaat" in text


async def test_answers_given_under_version_1_keep_their_version(harness: Harness) -> None:
    users = await people(harness, (G, "G009", "Marloes"))
    marloes = users["G009"]
    sent = await request(harness, "P005")
    await delivered(harness, marloes, 2)
    # An answer given before version 2 was published: its text and version stay as they were.
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        await tx._run("UPDATE discussion_recipients SET text_version = 'consent-v1'")
    await press(harness, marloes, f"c:{sent.discussion_id}:agree")
    await press(harness, marloes, f"c:{sent.discussion_id}:yes")
    assert await harness.rows("SELECT text_version FROM answers") == [("consent-v1",)]
    assert legal.template("consent-v1").startswith("Toestemming voor het bespreken")
