"""The right of access: asked from the menu, approved by a coordinator, answered in the chat
with a protected PDF; the deadline reminders run on the test clock."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n.translator import RLM
from bot.paper.pdf import find_fonts
from bot.rules.models import AccessRequest, PersonKind
from bot.rules.support_route import RouteStep
from bot.services import route_steps
from bot.services.right_of_access import access_copy, due_date, may_ask, reminder_due
from bot.services.work import Work
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.pdf_reading import pdf_text

ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (date(2026, 11, 30), date(2026, 12, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2027, 3, 31), date(2027, 4, 30)),
    ],
)
def test_the_deadline_is_one_calendar_month(asked: date, due: date) -> None:
    assert due_date(asked) == due


@pytest.mark.parametrize(
    ("kind", "birth", "allowed"),
    [
        (PersonKind.GUARDIAN, None, True),
        (PersonKind.PUPIL, date(2010, 12, 1), False),  # 15 on 2026-11-30
        (PersonKind.PUPIL, date(2010, 11, 30), True),  # 16 that day
        (PersonKind.PUPIL, date(2007, 1, 1), True),
        (PersonKind.PUPIL, None, False),
        (PersonKind.STAFF, None, False),
    ],
)
def test_who_may_ask(kind: PersonKind, birth: date | None, allowed: bool) -> None:
    assert may_ask(kind, birth, date(2026, 11, 30)) is allowed


@pytest.mark.parametrize(
    ("today", "sent", "wanted"),
    [
        (date(2026, 12, 22), 0, None),
        (date(2026, 12, 23), 0, 1),  # a week before
        (date(2026, 12, 23), 1, None),
        (date(2026, 12, 29), 1, None),
        (date(2026, 12, 30), 1, 2),  # on the day
        (date(2027, 1, 5), 0, 2),  # after downtime: one catch-up, not two
        (date(2027, 1, 5), 2, None),
    ],
)
def test_reminders_a_week_before_and_on_the_day(today: date, sent: int, wanted: int | None) -> None:
    request = AccessRequest(
        1,
        (PersonKind.GUARDIAN, "G001"),
        datetime(2026, 11, 30, 8, tzinfo=AMSTERDAM),
        date(2026, 12, 30),
        reminders_sent=sent,
    )
    assert reminder_due(request, today) == wanted


async def test_a_parent_asks_the_coordinator_is_reminded_and_sends_the_copy(
    harness: Harness,
) -> None:
    assert harness.runtime is not None
    services = harness.runtime.services
    arabic, dutch = harness.runtime.texts("ar"), harness.runtime.texts("nl")
    coordinator = harness.server.user(4001, "Ingrid")
    father = harness.server.user(4002, "Mohamed", "ar")
    teacher = harness.server.user(4003, "Marieke")
    await harness.link(coordinator, PersonKind.STAFF, "S004")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.link(father, PersonKind.GUARDIAN, "G005")

    await harness.say(father, "/help")
    await harness.tap(father, arabic.label("📄 What Samen keeps about me"))
    assert ARABIC.search(father.last.text)
    assert father.last.labels[0] == arabic.label("📄 Yes, ask for it")
    assert await harness.rows("SELECT count(*) FROM access_requests") == [(0,)]  # not yet asked

    await harness.tap(father, arabic.label("📄 Yes, ask for it"))
    due = arabic.date_with_year(date(2026, 12, 30))
    assert due in father.last.text
    assert await harness.rows(
        "SELECT requester_kind, requester_id, due_on, answered_at FROM access_requests"
    ) == [("guardian", "G005", "2026-12-30", None)]
    assert await harness.rows("SELECT action FROM audit_log WHERE action LIKE 'access%'") == [
        ("access_requested",)
    ]
    await harness.server.wait_for(lambda: "AVG" in coordinator.last.text)
    request_message = coordinator.last
    assert "Mohamed El Amrani" in request_message.text
    assert "Adam" in request_message.text and "Yasmina" in request_message.text
    assert dutch.date_with_year(date(2026, 12, 30)) in request_message.text

    # Asking again while the request is open starts no second clock.
    await harness.tap(father, arabic.label("📄 What Samen keeps about me"))
    assert due in father.last.text
    assert await harness.rows("SELECT count(*) FROM access_requests") == [(1,)]

    # The coordinator looks first: the same file, protected, and nothing is sent yet.
    await harness.tap(coordinator, dutch.label("👀 See the file first"), request_message)
    preview = coordinator.last
    assert preview.document is not None and preview.protect_content
    assert "Mohamed El Amrani" in preview.text
    assert ARABIC.search(pdf_text(preview.document["content"]))
    assert preview.labels == [dutch.label("📄 Send the file")]
    assert await harness.rows("SELECT answered_at FROM access_requests") == [(None,)]
    assert father.last.document is None

    # A teacher who forges the coordinator's buttons changes nothing and sees nothing.
    await harness.tap_data(teacher, "ar:1:send", request_message)
    await harness.tap_data(teacher, "ar:1:preview", request_message)
    assert await harness.rows("SELECT answered_at FROM access_requests") == [(None,)]
    assert all(m.document is None for m in teacher.messages)

    # The clock runs: a reminder a week before the deadline, in working hours, once.
    harness.clock.set(datetime(2026, 12, 23, 7, 0, tzinfo=AMSTERDAM))
    assert (await due_work(services))["access_request_reminders"] == 0
    harness.clock.set(datetime(2026, 12, 23, 9, 0, tzinfo=AMSTERDAM))
    assert (await due_work(services))["access_request_reminders"] == 1
    assert (await due_work(services))["access_request_reminders"] == 0
    await harness.server.wait_for(lambda: coordinator.last.text.startswith("⏰"))
    assert dutch.date_with_year(date(2026, 12, 30)) in coordinator.last.text
    harness.clock.set(datetime(2026, 12, 30, 8, 30, tzinfo=AMSTERDAM))
    assert (await due_work(services))["access_request_reminders"] == 1
    await harness.server.wait_for(
        lambda: sum(m.text.startswith("⏰") for m in coordinator.messages) == 2
    )

    # The coordinator sends the file from the reminder of the day.
    reminder = coordinator.last
    await harness.tap(coordinator, dutch.label("📄 Send the file"), reminder)
    assert reminder.text.startswith("✅") and "Mohamed El Amrani" in reminder.text
    await harness.server.wait_for(lambda: father.last.document is not None)
    copy = father.last
    assert copy.protect_content
    assert ARABIC.search(copy.text)
    assert copy.document is not None and copy.document["filename"].endswith(".pdf")
    text = pdf_text(copy.document["content"])
    assert ARABIC.search(text)
    assert "Mohamed" in text and "Adam" in text and "Yasmina" in text
    # The Dutch original follows the reader's language, with facts written out in Dutch.
    assert dutch.label("What Samen keeps about you") in text
    language = dutch.label("{label}: {value}", label=dutch.label("Language"), value="Arabisch")
    assert language in text
    assert dutch.date_with_year(date(2026, 11, 30)) in text  # connected to Samen since
    assert text.index(
        arabic.label("What Samen keeps about you").lstrip(RLM).split()[0]
    ) < text.index(dutch.label("What Samen keeps about you"))
    answered = await harness.rows("SELECT answered_by, answered_at FROM access_requests")
    assert answered[0][0] == "S004" and answered[0][1].startswith("2026-12-30")
    assert await harness.rows("SELECT action FROM audit_log WHERE action LIKE 'access%'") == [
        ("access_requested",),
        ("access_copy_previewed",),
        ("access_answered",),
    ]

    # A second tap on an old button: already answered, nothing sent twice.
    sent = len(father.messages)
    await harness.tap(coordinator, dutch.label("📄 Send the file"), request_message)
    assert request_message.text == dutch.label(
        "This request of {name} was already answered on {answered}.",
        name="Mohamed El Amrani",
        answered=dutch.date_with_year(date(2026, 12, 30)),
    )
    assert len(father.messages) == sent
    assert (await due_work(services))["access_request_reminders"] == 0


async def test_a_pupil_under_16_is_pointed_to_the_parents_and_16_may_ask(
    harness: Harness,
) -> None:
    assert harness.runtime is not None
    dutch = harness.runtime.texts("nl")
    young = harness.server.user(4101, "Emre")  # P012, 14
    older = harness.server.user(4102, "Anouk")  # P023, 18
    await harness.link(young, PersonKind.PUPIL, "P012")
    await harness.link(older, PersonKind.PUPIL, "P023")
    await harness.tap(young, dutch.label("📄 What Samen keeps about me"))
    assert "16" in young.last.text
    assert await harness.rows("SELECT count(*) FROM access_requests") == [(0,)]
    await harness.tap(older, dutch.label("📄 What Samen keeps about me"))
    await harness.tap(older, dutch.label("📄 Yes, ask for it"))
    assert await harness.rows("SELECT requester_kind, requester_id FROM access_requests") == [
        ("pupil", "P023")
    ]
    # A forged "ask" from the young pupil is refused and records nothing.
    await harness.tap_data(young, "ar:ask", young.last)
    assert await harness.rows("SELECT count(*) FROM access_requests") == [(1,)]


async def test_a_parent_without_a_right_to_the_file_gets_only_what_concerns_him(
    harness: Harness,
) -> None:
    """Sem's father (G010) has no authority and asked for no information: his copy names Sem
    but holds none of Sem's file; the mother's (G009, authority) holds the support step."""
    assert harness.runtime is not None and harness.db is not None
    services = harness.runtime.services
    now = harness.clock.now()
    async with harness.db.transaction() as tx:
        coordinator = await tx.staff_member("S004")
        assert coordinator is not None
        assert await route_steps.tick(
            Work(tx, harness.runtime.texts, harness.runtime.settings, now),
            staff=coordinator,
            pupil_id="P005",
            step=RouteStep.BASICS,
            item="school_guide",
        )
    dutch = harness.runtime.texts("nl")
    ticked = dutch.label("Done in the school's support")
    copies = {}
    for guardian in ("G009", "G010"):
        async with harness.db.transaction() as tx:
            copies[guardian] = pdf_text(
                await access_copy(
                    Work(tx, services.texts, services.settings, now),
                    find_fonts(),
                    PersonKind.GUARDIAN,
                    guardian,
                    written_in=dutch,
                )
            )
    assert ticked in copies["G009"]
    assert ticked not in copies["G010"]
    assert "Sem" in copies["G010"] and "Dennis Bakker" in copies["G010"]
    assert "Marloes" not in copies["G010"]  # nothing of the mother's own doings


async def test_someone_samen_cannot_reach_gets_the_copy_on_paper(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Asked in the chat, then gone (their account was removed): the coordinator is told to
    print the copy; `samen export copy` makes it and records the answer."""
    assert harness.runtime is not None and harness.settings is not None
    dutch = harness.runtime.texts("nl")
    coordinator = harness.server.user(4201, "Ingrid")
    father = harness.server.user(4202, "Mohamed", "ar")
    await harness.link(coordinator, PersonKind.STAFF, "S004")
    await harness.link(father, PersonKind.GUARDIAN, "G005")
    await harness.tap(father, harness.runtime.texts("ar").label("📄 What Samen keeps about me"))
    await harness.tap(father, harness.runtime.texts("ar").label("📄 Yes, ask for it"))
    await harness.server.wait_for(lambda: "AVG" in coordinator.last.text)
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        await tx._run("DELETE FROM accounts WHERE kind = 'guardian' AND person_id = 'G005'")
    request_message = coordinator.last
    await harness.tap(coordinator, dutch.label("📄 Send the file"), request_message)
    assert "samen export copy G005" in request_message.text
    assert dutch.date_with_year(date(2026, 12, 30)) in request_message.text
    assert await harness.rows("SELECT answered_at FROM access_requests") == [(None,)]

    for name, value in harness.samen_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "copy-G005.pdf"
    # The command runs beside the bot, as an administrator would run it.
    assert await asyncio.to_thread(main, ["export", "copy", "G005", "--pdf", str(target)]) == 0
    assert "is recorded as answered" in capsys.readouterr().out
    assert (target.stat().st_mode & 0o777) == 0o600
    text = pdf_text(target.read_bytes())
    assert ARABIC.search(text) and dutch.label("What Samen keeps about you") in text
    assert await harness.rows("SELECT answered_by FROM access_requests") == [("admin",)]
    assert await harness.rows(
        "SELECT actor_kind, json_extract(details, '$.how') FROM audit_log"
        " WHERE action = 'access_answered'",
    ) == [("admin", "paper")]
    missing = ["export", "copy", "G999", "--pdf", str(tmp_path / "x.pdf")]
    assert await asyncio.to_thread(main, missing) == 1
    assert "no guardian or pupil 'G999'" in capsys.readouterr().err


async def test_conversations_and_absences_are_in_the_copy_of_who_wrote_them_only(
    harness: Harness,
) -> None:
    """Sem's mother writes, the mentor answers, she reports Sem sick: all of it is in her
    copy; Sem's father (no authority) and another family's father find none of it in theirs."""
    from tests.test_care import delivered, flow, people, press

    assert harness.runtime is not None and harness.db is not None
    users = await people(
        harness,
        (PersonKind.GUARDIAN, "G009", "Marloes"),
        (PersonKind.STAFF, "S001", "Marieke"),
    )
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    await harness.say(marloes, "Sem heeft slecht geslapen.")
    await delivered(harness, marieke, before + 1)
    await press(harness, marieke, r"fm:\d+")
    answered = len(marloes.messages)
    await harness.say(marieke, "Dank u, ik let er vandaag op.")
    # The answer travels through the outbox; wait for it so that /help's menu is the last.
    await delivered(harness, marloes, answered + 1)
    await harness.say(marloes, "/help")
    await harness.tap(marloes, "🤒", marloes.last)
    await flow(harness, marloes, "tomorrow")
    await harness.say(marloes, "Buikpijn.")
    services = harness.runtime.services
    dutch = harness.runtime.texts("nl")
    copies = {}
    for guardian in ("G009", "G010", "G003"):
        async with harness.db.transaction() as tx:
            copies[guardian] = pdf_text(
                await access_copy(
                    Work(tx, services.texts, services.settings, harness.clock.now()),
                    find_fonts(),
                    PersonKind.GUARDIAN,
                    guardian,
                    written_in=dutch,
                )
            )
    own = ("Sem heeft slecht geslapen.", "Dank u, ik let er vandaag op.", "Buikpijn.")
    assert all(words in copies["G009"] for words in own)
    for other in ("G010", "G003"):
        assert not any(words in copies[other] for words in own), other


async def test_another_family_is_answered_while_a_copy_is_laid_out(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laying out a copy takes a fifth of a second or more: it holds up no one else. Here it
    waits until a mother's /help is answered, which it could never see if it ran on the
    event loop (or held the database)."""
    from bot.services import right_of_access

    assert harness.runtime is not None
    dutch, arabic = harness.runtime.texts("nl"), harness.runtime.texts("ar")
    coordinator = harness.server.user(4001, "Ingrid")
    father = harness.server.user(4002, "Mohamed", "ar")
    mother = harness.server.user(4005, "Linda")
    await harness.link(coordinator, PersonKind.STAFF, "S004")
    await harness.link(father, PersonKind.GUARDIAN, "G005")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    await harness.say(father, "/help")
    await harness.tap(father, arabic.label("📄 What Samen keeps about me"))
    await harness.tap(father, arabic.label("📄 Yes, ask for it"))
    await harness.server.wait_for(lambda: "AVG" in coordinator.last.text)
    request = coordinator.last

    released = threading.Event()
    laying_out = right_of_access._write_copy

    def held(*args: object, **kwargs: object) -> None:
        assert released.wait(timeout=30), "the copy was laid out where nothing else could run"
        laying_out(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(right_of_access, "_write_copy", held)
    preview = next(b.data for row in request.buttons for b in row if b.data.endswith("preview"))
    update_id, _ = coordinator.tap_data(preview, request)
    answered = await harness.say(mother, "/help")  # while the copy waits
    assert answered and answered[-1].buttons  # her help, with its menu
    assert coordinator.last is request  # nothing for the coordinator yet
    released.set()
    await harness.tracker.wait(update_id)
    assert coordinator.last.document is not None
    assert dutch.label("📄 Send the file") in coordinator.last.labels
