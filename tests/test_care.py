"""End to end: CvB notices and consent requests reach exactly the people the rules name,
answers are recorded like a signature, and the coordinator sees the right status."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.demo.fake_telegram import ChatMessage, FakeUser
from bot.demo.school import data_of, with_data
from bot.rules.consent import ConsentStatus
from bot.rules.models import PersonKind
from bot.rules.rights import MessageKind, audience
from bot.services import information_rights, pupil_discussions, route_steps
from bot.services.work import Work
from tests.harness import AMSTERDAM, Harness

G, P = PersonKind.GUARDIAN, PersonKind.PUPIL


async def press(harness: Harness, user: FakeUser, pattern: str) -> ChatMessage:
    """Tap the newest button matching `pattern`; returns the message it was on."""
    return await harness.press(user, pattern)


async def flow(harness: Harness, user: FakeUser, value: str) -> None:
    await harness.flow(user, value)


async def people(harness: Harness, *who: tuple[PersonKind, str, str]) -> dict[str, FakeUser]:
    """Link each (kind, id, name) and return their users by id."""
    users = {}
    for index, (kind, person_id, name) in enumerate(who):
        user = harness.server.user(7000 + len(harness.server.chats) + index, name)
        await harness.link(user, kind, person_id)
        users[person_id] = user
    return users


async def request(
    harness: Harness, pupil_id: str, kind: str = "zat", days: int = 14
) -> pupil_discussions.Delivery:
    assert harness.db is not None and harness.settings is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S004")
        assert staff is not None
        return await pupil_discussions.send_discussion(
            Work(tx, harness.runtime.texts, harness.settings, harness.clock.now()),
            staff=staff,
            pupil_id=pupil_id,
            kind=kind,
            starts_at=harness.clock.now() + timedelta(days=days),
            purpose="Samen kijken welke hulp nodig is.",
            purpose_key="help",
            participants=harness.settings.care.team,
            shared_info=["learning", "behaviour"],
        )


async def status(harness: Harness, discussion_id: int) -> ConsentStatus | None:
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        discussion = await tx.discussion(discussion_id)
        assert discussion is not None
        return (
            await pupil_discussions.discussion_state(tx, discussion, harness.clock.now())
        ).status


async def delivered(harness: Harness, user: FakeUser, count: int) -> None:
    await harness.server.wait_for(lambda: len(user.messages) >= count)


async def agree(harness: Harness, user: FakeUser, discussion_id: int) -> None:
    await press(harness, user, f"c:{discussion_id}:agree")
    await press(harness, user, f"c:{discussion_id}:yes")


async def test_a_14_year_old_needs_three_answers_through_the_coordinators_flow(
    harness: Harness,
) -> None:
    users = await people(
        harness,
        (PersonKind.STAFF, "S004", "Ingrid"),
        (G, "G023", "Ruud"),
        (G, "G024", "Mark"),
        (P, "P014", "Milan"),
    )
    coordinator = users["S004"]
    await harness.say(coordinator, "/toestemming")
    await harness.say(coordinator, "Milan")
    await flow(harness, coordinator, "kind:zat")
    await harness.say(coordinator, "di 15 dec 14:00")
    await harness.say(coordinator, "We willen kijken welke hulp Milan nodig heeft.")
    await flow(harness, coordinator, "why:help")  # own words first, then what fits best
    assert "Stap 5 van 7" in coordinator.last.text
    await flow(harness, coordinator, "next")
    await flow(harness, coordinator, "info:learning")
    await flow(harness, coordinator, "next")
    confirm = coordinator.last.text
    assert "Ruud Smit" in confirm and "Mark de Wit" in confirm and "Milan Smit" in confirm
    await flow(harness, coordinator, "send")
    for person in ("G023", "G024", "P014"):
        await delivered(harness, users[person], 2)
        request_message = users[person].last
        assert request_message.protect_content
        assert "Ik geef toestemming dat Milan" in request_message.text  # the binding Dutch text
        assert "dinsdag 15 december" in request_message.text
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        (discussion,) = await tx.discussions(pupil_ids=["P014"])
        recipients = await tx.recipients(discussion.id)
    assert {(r.person_id, r.decides) for r in recipients} == {
        ("G023", True),
        ("G024", True),
        ("P014", True),
    }

    # Agreeing needs a second tap; until then nothing is recorded.
    await press(harness, users["G023"], f"c:{discussion.id}:agree")
    assert await status(harness, discussion.id) is ConsentStatus.PENDING
    async with harness.db.transaction() as tx:
        assert await tx.answers(discussion.id) == []
    await press(harness, users["G023"], f"c:{discussion.id}:yes")
    await agree(harness, users["G024"], discussion.id)
    assert await status(harness, discussion.id) is ConsentStatus.PENDING
    await press(harness, users["P014"], f"c:{discussion.id}:refuse")
    assert await status(harness, discussion.id) is ConsentStatus.ANONYMOUS
    await harness.server.wait_for(
        lambda: "Milan" in coordinator.last.text and "❌" in coordinator.last.text
    )

    # What was shown is on record with each answer: account, language, text hash and version.
    async with harness.db.transaction() as tx:
        entries = [e for e in await tx.audit_entries("P014") if e.action == "consent_agree"]
    assert len(entries) == 2
    assert '"text_version": "consent-v2"' in entries[0].details
    assert '"telegram_user": ' in entries[0].details


@pytest.mark.sqlite_only  # SQLite's statements are counted; the unit of work is the same
async def test_an_answer_reads_who_the_people_are_only_to_tell_the_sender(
    harness: Harness,
) -> None:
    """A rush of consent taps is a rush of these units of work (issue 25): the answer is
    checked against the request, its answers and any safety exception. Who the people are
    is read only to tell a sender who is in Samen; the coordinator here is not."""
    users = await people(harness, (G, "G023", "Ruud"))
    delivery = await request(harness, "P014")
    await delivered(harness, users["G023"], 2)
    assert harness.db is not None and harness.runtime is not None
    statements: list[str] = []
    said = {"user_id": users["G023"].id, "discussion_id": delivery.discussion_id}
    async with harness.runtime.services.work() as w:
        # Inside the transaction, which holds the writer: its statements only (the outbox
        # writes down what it sent between transactions).
        harness.db._writer.set_trace_callback(statements.append)
        try:
            await pupil_discussions.ask_confirmation(w, **said, answer="agree")
            outcome = await pupil_discussions.record_answer(
                w, person=(G, "G023"), **said, answer="agree"
            )
        finally:
            harness.db._writer.set_trace_callback(None)
    assert outcome is pupil_discussions.Outcome.RECORDED
    assert not [s for s in statements if "FROM guardians" in s]
    # The first tap, the request and its answers, the answer and its audit.
    assert len(statements) <= 10


async def test_parents_who_disagree_are_a_conflict_for_the_coordinator(harness: Harness) -> None:
    users = await people(
        harness,
        (PersonKind.STAFF, "S004", "Ingrid"),
        (G, "G023", "Ruud"),
        (G, "G024", "Mark"),
    )
    delivery = await request(harness, "P014")
    await delivered(harness, users["G024"], 2)
    await delivered(harness, users["G023"], 2)
    await agree(harness, users["G023"], delivery.discussion_id)
    await press(harness, users["G024"], f"c:{delivery.discussion_id}:refuse")
    assert await status(harness, delivery.discussion_id) is ConsentStatus.CONFLICT
    await harness.server.wait_for(lambda: "⚠️" in users["S004"].last.text)


async def test_a_10_year_old_with_one_holder_of_authority_asks_only_her(harness: Harness) -> None:
    users = await people(
        harness,
        (PersonKind.STAFF, "S004", "Ingrid"),
        (G, "G009", "Marloes"),
        (G, "G010", "Dennis"),
    )
    delivery = await request(harness, "P005")
    await delivered(harness, users["G009"], 2)
    assert len(users["G010"].messages) == 1  # only his welcome
    assert delivery.reached == ("Marloes Bakker",)

    # The father gets the support-route notice only after his request is recorded.
    assert harness.db is not None and harness.runtime is not None and harness.settings is not None

    async def support_notice() -> pupil_discussions.Delivery:
        async with harness.db.transaction() as tx:
            staff = await tx.staff_member("S004")
            assert staff is not None
            return await route_steps.send_support_route_notice(
                Work(tx, harness.runtime.texts, harness.settings, harness.clock.now()),
                staff=staff,
                pupil_id="P005",
            )

    assert (await support_notice()).reached == ("Marloes Bakker",)
    coordinator = users["S004"]
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "request:G010")
    await flow(harness, coordinator, "yes")
    assert "✅" in coordinator.last.text
    assert set((await support_notice()).reached) == {"Marloes Bakker", "Dennis Bakker"}
    await delivered(harness, users["G010"], 2)
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries("P005")]
    assert "information_request_recorded" in actions


async def test_a_17_year_old_refusing_information_to_his_father(harness: Harness) -> None:
    users = await people(
        harness,
        (PersonKind.STAFF, "S004", "Ingrid"),
        (G, "G035", "Sarah"),
        (G, "G036", "James"),
        (P, "P022", "Oliver"),
    )
    coordinator = users["S004"]
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Oliver")
    await flow(harness, coordinator, "restrict:G036")
    await flow(harness, coordinator, "kind:refused_by_pupil")
    await harness.say(coordinator, "Oliver wil niet dat zijn vader informatie krijgt.")
    assert "✅" in coordinator.last.text

    cvb = await request(harness, "P022", kind="cvb")
    assert set(cvb.reached) == {"Sarah Brown", "Oliver Brown"}
    consent = await request(harness, "P022")
    assert consent.reached == ("Oliver Brown",)
    assert harness.db is not None and harness.settings is not None
    async with harness.db.transaction() as tx:
        facts = await tx.rights_facts("P022")
    assert facts is not None
    today = harness.clock.now().date()
    assert "G036" in audience(MessageKind.STUDY_PROGRESS, *facts, today).guardians
    assert "G036" not in audience(MessageKind.OUTCOME_SUMMARY, *facts, today).guardians
    await delivered(harness, users["G035"], 2)
    assert len(users["G036"].messages) == 1


async def test_an_18_year_old_decides_alone(harness: Harness) -> None:
    users = await people(harness, (G, "G038", "Khadija"), (P, "P024", "Hamza"))
    delivery = await request(harness, "P024")
    assert delivery.reached == ("Hamza Benali",)
    await delivered(harness, users["P024"], 2)
    await agree(harness, users["P024"], delivery.discussion_id)
    assert await status(harness, delivery.discussion_id) is ConsentStatus.FULL
    assert len(users["G038"].messages) == 1


async def test_supervision_order_family_guardian_is_informed_but_not_asked(
    harness: Harness,
) -> None:
    users = await people(
        harness, (G, "G019", "Serkan"), (G, "G020", "Hatice"), (G, "G021", "Nicole")
    )
    consent = await request(harness, "P012")
    assert set(consent.reached) == {"Serkan Demir", "Hatice Demir"}
    assert consent.not_linked == ("Emre Demir",)  # the pupil is asked too, but not in Samen
    cvb = await request(harness, "P012", kind="cvb")
    assert set(cvb.reached) == {"Serkan Demir", "Hatice Demir", "Nicole Verbeek"}
    await delivered(harness, users["G021"], 2)
    # The family guardian's copy is a notice, never a consent request.
    nicole = users["G021"]
    forged = f"c:{consent.discussion_id}:yes"
    await harness.tap_data(nicole, forged, nicole.last)
    assert await status(harness, consent.discussion_id) is ConsentStatus.PENDING
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        assert await tx.answers(consent.discussion_id) == []


async def test_a_guardian_institution_decides_and_the_foster_parent_is_told_of_the_cvb(
    harness: Harness,
) -> None:
    await people(harness, (G, "G013", "Stichting"), (G, "G014", "Wendy"))
    consent = await request(harness, "P008")
    assert consent.reached == ("Stichting Jeugdbescherming Regio",)
    cvb = await request(harness, "P008", kind="cvb")
    assert set(cvb.reached) == {"Stichting Jeugdbescherming Regio", "Wendy Kramer"}


async def test_silence_after_the_notice_period_allows_outside_information_only(
    harness: Harness,
) -> None:
    await people(harness, (G, "G009", "Marloes"))
    delivery = await request(harness, "P005", days=30)
    harness.clock.advance(timedelta(days=13))  # 9 school days
    assert await status(harness, delivery.discussion_id) is ConsentStatus.PENDING
    harness.clock.advance(timedelta(days=1))  # the 10th school day
    assert await status(harness, delivery.discussion_id) is ConsentStatus.OUTSIDE_INFO_ONLY


async def test_reminders_come_on_day_3_and_7_at_allowed_hours_only(harness: Harness) -> None:
    from scheduler import due_work

    users = await people(harness, (G, "G009", "Marloes"), (G, "G001", "Jeroen"))
    harness.clock.set(datetime(2026, 11, 30, 20, 30, tzinfo=AMSTERDAM))  # Monday evening
    delivery = await request(harness, "P005", days=30)
    marloes = users["G009"]
    await delivered(harness, marloes, 2)
    assert harness.runtime is not None
    services = harness.runtime.services
    harness.clock.advance(timedelta(days=3))  # Thursday 20:30: allowed
    assert (await due_work(services))["consent_reminders"] == 1
    assert (await due_work(services))["consent_reminders"] == 0  # never twice
    await delivered(harness, marloes, 3)
    assert "c:" in data_of(marloes.last, rf"c:{delivery.discussion_id}:again")
    harness.clock.advance(timedelta(days=4, hours=1))  # Monday 21:30: quiet hours
    assert (await due_work(services))["consent_reminders"] == 0
    harness.clock.advance(timedelta(hours=10))  # Tuesday 07:30
    assert (await due_work(services))["consent_reminders"] == 1
    await delivered(harness, marloes, 4)
    # "Show the question again" brings back the full request with its buttons.
    await press(harness, marloes, rf"c:{delivery.discussion_id}:again")
    assert "Ik geef toestemming" in marloes.last.text
    await agree(harness, marloes, delivery.discussion_id)
    assert await status(harness, delivery.discussion_id) is ConsentStatus.FULL
    # The copy keeps the full text, with the answer shown below it.
    assert "Ik geef toestemming" in marloes.last.text and marloes.last.edits == 2


async def test_a_safety_exception_pauses_the_family_and_lifts_consent_rules(
    harness: Harness,
) -> None:
    from scheduler import due_work

    users = await people(harness, (PersonKind.STAFF, "S004", "Ingrid"), (G, "G009", "Marloes"))
    coordinator, marloes = users["S004"], users["G009"]
    consent = await request(harness, "P005", days=30)
    await delivered(harness, marloes, 2)
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "safety")
    await harness.say(coordinator, "Signalen van huiselijk geweld; meldcode stap 2.")
    assert "⏸" in coordinator.last.text
    assert await status(harness, consent.discussion_id) is ConsentStatus.SAFETY_EXCEPTION

    cvb = await request(harness, "P005", kind="cvb")
    assert cvb.paused
    assert harness.runtime is not None
    harness.clock.advance(timedelta(days=3))
    assert (await due_work(harness.runtime.services))[
        "consent_reminders"
    ] == 0  # no reminders while paused
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        held = await tx.due_messages(harness.clock.now(), 100)
    assert not [m for m in held if m.recipient_id == "G009"]  # the notice waits
    assert len(marloes.messages) == 2  # welcome and the request sent before the pause
    # Three days later the card is opened again (an unfinished flow expires after a day).
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "told")
    await harness.say(coordinator, "Moeder is op 3 december op school gesproken.")
    await flow(harness, coordinator, "unpause")
    await delivered(harness, marloes, 3)  # the held CvB notice goes out after the pause
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries("P005")]
    for action in ("safety_exception_recorded", "safety_parents_told", "safety_exception_lifted"):
        assert action in actions


async def test_forged_and_stale_buttons_change_nothing(harness: Harness) -> None:
    users = await people(
        harness,
        (G, "G009", "Marloes"),
        (G, "G023", "Ruud"),
        (G, "G024", "Mark"),
        (P, "P014", "Milan"),
    )
    sem = await request(harness, "P005")
    milan = await request(harness, "P014")
    await delivered(harness, users["G023"], 2)
    ruud = users["G023"]
    # Another pupil's request.
    await harness.tap_data(ruud, f"c:{sem.discussion_id}:yes", ruud.last)
    assert "not meant for you" in ruud.last.text or "niet voor u" in ruud.last.text
    # Nonsense and unknown requests.
    await harness.tap_data(ruud, "c:999:yes", ruud.last)
    await harness.tap_data(ruud, "c:abc:yes", ruud.last)
    # Withdrawing what was never given.
    await harness.tap_data(ruud, f"c:{milan.discussion_id}:withdrawyes", ruud.last)
    assert await status(harness, milan.discussion_id) is ConsentStatus.PENDING
    # A withdrawn consent tapped again.
    await agree(harness, ruud, milan.discussion_id)
    await press(harness, ruud, f"c:{milan.discussion_id}:withdraw")
    await press(harness, ruud, f"c:{milan.discussion_id}:withdrawyes")
    assert await status(harness, milan.discussion_id) is ConsentStatus.ANONYMOUS
    await harness.tap_data(ruud, f"c:{milan.discussion_id}:withdrawyes", ruud.last)
    # A request already decided: the discussion has taken place.
    harness.clock.advance(timedelta(days=15))
    mark = users["G024"]
    await harness.tap_data(mark, f"c:{milan.discussion_id}:yes", mark.last)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        answers = [(a.person_id, a.answer) for a in await tx.answers(milan.discussion_id)]
        assert await tx.answers(sem.discussion_id) == []
    assert answers == [("G023", "agree"), ("G023", "withdraw")]


async def test_withdrawing_from_the_menu_tells_the_coordinator(harness: Harness) -> None:
    users = await people(harness, (PersonKind.STAFF, "S004", "Ingrid"), (P, "P024", "Hamza"))
    delivery = await request(harness, "P024")
    hamza = users["P024"]
    await delivered(harness, hamza, 2)
    await agree(harness, hamza, delivery.discussion_id)
    await harness.say(hamza, "/help")
    await press(harness, hamza, "menu:permissions")
    await press(harness, hamza, f"c:{delivery.discussion_id}:withdraw")
    await press(harness, hamza, f"c:{delivery.discussion_id}:withdrawyes")
    assert await status(harness, delivery.discussion_id) is ConsentStatus.ANONYMOUS
    await harness.server.wait_for(lambda: "↩️" in users["S004"].last.text)


async def test_the_coordinator_overview_shows_status_and_who_has_not_answered(
    harness: Harness,
) -> None:
    users = await people(
        harness, (PersonKind.STAFF, "S004", "Ingrid"), (G, "G023", "Ruud"), (G, "G024", "Mark")
    )
    delivery = await request(harness, "P014")
    await delivered(harness, users["G023"], 2)
    await agree(harness, users["G023"], delivery.discussion_id)
    coordinator = users["S004"]
    await harness.say(coordinator, "/overzicht")
    assert "Milan Smit" in coordinator.last.text
    await press(harness, coordinator, f"d:{delivery.discussion_id}")
    detail = coordinator.last.text
    assert "Ruud Smit" in detail and "Mark de Wit" in detail and "Milan Smit" in detail
    # Milan is not in Samen: the coordinator is told to call or write.
    assert "⚠️" in detail
    # A teacher of another group cannot open it.
    teacher = harness.server.user(7999, "Marieke")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.tap_data(teacher, f"d:{delivery.discussion_id}", teacher.last)
    assert "Milan" not in teacher.last.text


async def test_records_refuse_what_the_rules_do_not_allow(harness: Harness) -> None:
    assert harness.db is not None
    now = harness.clock.now()
    async with harness.db.transaction() as tx:
        staff = await tx.staff_member("S004")
        assert staff is not None
        assert (
            await information_rights.record_information_request(
                Work(tx, harness.runtime.texts, harness.runtime.settings, now),
                staff,
                "G009",
                "P005",
            )
            is information_rights.NotRecorded.HOLDS_AUTHORITY
        )
        assert (
            await information_rights.record_capability(
                Work(tx, harness.runtime.texts, harness.runtime.settings, now),
                staff,
                "P005",
                False,
                "x",
            )
            is information_rights.NotRecorded.NOT_12_15
        )
        assert (
            await information_rights.record_capability(
                Work(tx, harness.runtime.texts, harness.runtime.settings, now),
                staff,
                "P012",
                False,
                " ",
            )
            is information_rights.NotRecorded.REASON_NEEDED
        )


async def test_the_audit_trail_of_a_pupil_exports_as_csv(harness: Harness, tmp_path) -> None:
    import asyncio
    import csv
    import os
    import sys

    users = await people(harness, (P, "P024", "Hamza"))
    delivery = await request(harness, "P024")
    await delivered(harness, users["P024"], 2)
    await agree(harness, users["P024"], delivery.discussion_id)
    assert harness.settings is not None
    target = tmp_path / "audit.csv"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "audit",
        "P024",
        "--csv",
        str(target),
        env={**os.environ, **harness.samen_environment()},
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["action"] for r in rows] == ["account_linked", "consent_requested", "consent_agree"]
    assert rows[-1]["subject_id"] == "P024" and "consent-v2" in rows[-1]["details"]


async def test_a_flow_half_done_continues_after_a_restart(harness: Harness) -> None:
    users = await people(harness, (PersonKind.STAFF, "S001", "Marieke"), (G, "G009", "Marloes"))
    teacher = users["S001"]
    await harness.say(teacher, "/cvb")
    await harness.say(teacher, "Sem")
    await harness.stop_bot()
    await harness.start_bot()
    await harness.say(teacher, "do 10 dec 14:30")  # the flow remembers the pupil
    await harness.say(teacher, "We bespreken hoe het gaat in de klas.")
    await flow(harness, teacher, "why:learning")
    await flow(harness, teacher, "send")
    await delivered(harness, users["G009"], 2)
    notice = users["G009"].last
    assert "donderdag 10 december, 14:30" in notice.text
    assert "Marieke van den Berg" in notice.text
    assert notice.buttons[0][0].data is not None and notice.buttons[0][0].data.startswith("n:")
    # Her answer reaches the teacher who sent the notice.
    await press(harness, users["G009"], r"n:\d+:come")
    await harness.server.wait_for(lambda: "Marloes Bakker" in teacher.last.text)


async def test_a_teacher_can_only_put_pupils_of_her_own_group_on_the_agenda(
    harness: Harness,
) -> None:
    users = await people(harness, (PersonKind.STAFF, "S001", "Marieke"))
    teacher = users["S001"]
    await harness.say(teacher, "/cvb")
    shown = await harness.say(teacher, "Emre")  # a pupil of VSO-1
    assert not [label for label in shown[0].labels if "Emre" in label]
    forged = data_of(with_data(teacher, r"f:[^:]+:pup:P\d+"), r"f:[^:]+:pup:P\d+")
    nonce = forged.split(":")[1]
    await harness.tap_data(teacher, f"f:{nonce}:pup:P012", teacher.last)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        state = await tx.flow(teacher.id)
    assert state is not None and "pupil_id" not in state.data
    assert harness.runtime is not None
    shown = await harness.say(teacher, "/toestemming")  # coordinators only
    refusal = harness.runtime.texts("nl")._(
        "That is not part of your role in Samen. Here is what you can do:"
    )
    assert shown[0].text == refusal


async def test_an_adult_pupil_can_have_a_parent_informed_again(harness: Harness) -> None:
    users = await people(harness, (PersonKind.STAFF, "S004", "Ingrid"), (G, "G038", "Khadija"))
    assert (await request(harness, "P024", kind="cvb")).reached == ()
    coordinator = users["S004"]
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Hamza")
    await flow(harness, coordinator, "adult:G038")
    assert (await request(harness, "P024", kind="cvb")).reached == ("Khadija Benali",)
    await flow(harness, coordinator, "adult:G038")  # and withdrawn again
    assert (await request(harness, "P024", kind="cvb")).reached == ()
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries("P024")]
    assert actions.count("adult_consent_recorded") == 1
    assert actions.count("adult_consent_withdrawn") == 1


async def test_a_request_held_by_a_safety_exception_is_not_in_the_familys_list(
    harness: Harness,
) -> None:
    users = await people(harness, (PersonKind.STAFF, "S004", "Ingrid"), (G, "G009", "Marloes"))
    coordinator, marloes = users["S004"], users["G009"]
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "safety")
    await harness.say(coordinator, "Signalen van huiselijk geweld; meldcode stap 2.")
    held = await request(harness, "P005", days=28)
    assert held.paused
    assert harness.runtime is not None
    tr = harness.runtime.texts("nl")
    await harness.say(marloes, "/help")
    await press(harness, marloes, "menu:permissions")
    # Nothing tells the family that a discussion about their child is planned.
    assert tr._("You have not been asked for permission yet.") in marloes.last.text
    assert tr._("no answer yet") not in marloes.last.text

    # Once the coordinator lifts the exception the request goes out, and then it is listed.
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, "Sem")
    await flow(harness, coordinator, "told")
    await harness.say(coordinator, "Moeder is op 3 december op school gesproken.")
    await flow(harness, coordinator, "unpause")
    await harness.server.wait_for(
        lambda: any(
            f"c:{held.discussion_id}:agree" in (b.data or "")
            for m in marloes.messages
            for r in m.buttons
            for b in r
        )
    )
    await harness.say(marloes, "/help")
    await press(harness, marloes, "menu:permissions")
    assert tr._("no answer yet") in marloes.last.text


async def test_the_second_tap_is_enforced_by_the_server(harness: Harness) -> None:
    """A forged "yes" without its "I agree" records nothing and asks for the confirmation;
    a confirmation too late asks again."""
    ruud = (await people(harness, (G, "G023", "Ruud")))["G023"]
    milan = await request(harness, "P014")
    await delivered(harness, ruud, 2)
    await harness.tap_data(ruud, f"c:{milan.discussion_id}:yes", ruud.last)
    assert harness.db is not None
    async with harness.db.reading() as tx:
        assert await tx.answers(milan.discussion_id) == []
    assert "Tik nog een keer om dit te bevestigen" in ruud.last.text  # the question, shown now
    # The second tap too late: asked again, nothing recorded.
    harness.clock.advance(timedelta(minutes=16))
    await press(harness, ruud, f"c:{milan.discussion_id}:yes")
    async with harness.db.reading() as tx:
        assert await tx.answers(milan.discussion_id) == []
    # Now in time: recorded, once.
    await press(harness, ruud, f"c:{milan.discussion_id}:yes")
    async with harness.db.reading() as tx:
        assert [a.answer for a in await tx.answers(milan.discussion_id)] == ["agree"]
