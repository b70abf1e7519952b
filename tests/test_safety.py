"""A safety exception (meldcode) never shows itself to the family: one test per surface, each
before and after the coordinator decides. Staff read "held", never "sent"; the coordinator
sends or withdraws each held message, and decides what a copy of the family's data leaves out."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.models import PersonKind
from bot.services import good_news
from bot.services.work import Work
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.pdf_reading import pdf_text
from tests.test_care import delivered, flow, people, press, request, with_data
from tests.test_meetings import plan, write_summary

S, G = PersonKind.STAFF, PersonKind.GUARDIAN
REASON = "Signalen van huiselijk geweld; meldcode stap 2."


async def record_safety(harness: Harness, coordinator, child: str = "Sem") -> None:
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, child)
    await flow(harness, coordinator, "safety")
    await harness.say(coordinator, REASON)


async def lift_safety(harness: Harness, coordinator, child: str = "Sem") -> None:
    await harness.say(coordinator, "/leerling")
    await harness.say(coordinator, child)
    await flow(harness, coordinator, "told")
    await harness.say(coordinator, "Moeder is op 3 december op school gesproken.")
    await flow(harness, coordinator, "unpause")


def nl(harness: Harness):
    assert harness.runtime is not None
    return harness.runtime.texts("nl")


async def test_a_held_invitation_and_its_reminder_wait_and_go_out_once_lifted(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G009", "M"))
    coordinator, teacher, marloes = users["S004"], users["S001"], users["G009"]
    await record_safety(harness, coordinator)
    before = len(marloes.messages)
    await plan(harness, teacher, "Sem", "di 8 dec 10:00")
    # The day before the talk the reminder is due: nothing reaches the family.
    harness.clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=AMSTERDAM))
    assert harness.runtime is not None
    await due_work(harness.runtime.services)
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        due = await tx.due_messages(harness.clock.now(), 100)
    assert not [m for m in due if m.recipient_id == "G009"]
    assert len(marloes.messages) == before

    await lift_safety(harness, coordinator)
    await harness.server.wait_for(
        lambda: any(b.data and b.data.endswith(":1:come") for m in marloes.messages
                    for r in m.buttons for b in r)
    )  # fmt: skip
    assert "dinsdag 8 december" in with_data(marloes, r"m:\d+:1:come").text


async def test_the_coordinator_sends_one_held_message_and_withdraws_another(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (G, "G009", "Marloes"))
    coordinator, marloes = users["S004"], users["G009"]
    tr = nl(harness)
    await record_safety(harness, coordinator)
    notice = await request(harness, "P005", kind="cvb")
    consent = await request(harness, "P005", kind="zat")
    assert notice.paused and consent.paused
    before = len(marloes.messages)

    # The card lists what is held, each with its own screen.
    await harness.say(coordinator, "/leerling")
    card = (await harness.say(coordinator, "Sem"))[-1]
    assert tr.label("CvB notice") in " ".join(card.labels)
    assert tr.label("consent request (ZAT)") in " ".join(card.labels)
    held = await harness.rows(
        "SELECT id, purpose FROM outbox WHERE recipient_id = 'G009' AND status = 'pending'"
    )
    ids = {purpose: outbox_id for outbox_id, purpose in held}
    await flow(harness, coordinator, f"held:{ids['cvb_notice']}")
    assert "Dear Marloes" in coordinator.last.text or "Beste Marloes" in coordinator.last.text
    await flow(harness, coordinator, "release")
    # Sent while the exception lasts: the coordinator decided so.
    await delivered(harness, marloes, before + 1)
    assert any(b.data and b.data.startswith(f"n:{notice.discussion_id}:")
               for r in marloes.last.buttons for b in r)  # fmt: skip

    await flow(harness, coordinator, f"held:{ids['zat_request']}")
    await flow(harness, coordinator, "withdraw")
    assert tr._("🗑 Withdrawn: it will never be sent. Recorded in the file.") in (
        coordinator.last.text
    )
    # A forged tap on the withdrawn message's screen changes nothing.
    await flow(harness, coordinator, "card")
    assert f"held:{ids['zat_request']}" not in " ".join(
        b.data or "" for r in coordinator.last.buttons for b in r
    )

    # The overview says what happened to each person, not "no answer yet".
    await harness.say(coordinator, "/overzicht")
    await harness.tap_data(coordinator, f"d:{consent.discussion_id}", coordinator.last)
    assert tr.label("🗑 withdrawn by the coordinator: not told") in coordinator.last.text
    assert tr.label("⏳ no answer yet") not in coordinator.last.text

    # After the lift the withdrawn request stays unsent; the family never sees it listed.
    await lift_safety(harness, coordinator)
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        due = await tx.due_messages(harness.clock.now(), 100)
    assert not [m for m in due if m.recipient_id == "G009"]
    assert await harness.rows(f"SELECT status FROM outbox WHERE id = {ids['zat_request']}") == [
        ("failed",)
    ]
    await harness.say(marloes, "/help")
    await press(harness, marloes, "menu:permissions")
    assert tr._("You have not been asked for permission yet.") in marloes.last.text
    actions = [a for (a,) in await harness.rows("SELECT action FROM audit_log")]
    assert actions.count("held_message_released") == 1
    assert actions.count("held_message_withdrawn") == 1


async def test_a_summary_written_during_the_exception_is_held_and_the_teacher_told_so(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G009", "M"))
    coordinator, teacher, marloes = users["S004"], users["S001"], users["G009"]
    tr = nl(harness)
    await plan(harness, teacher, "Sem", "di 1 dec 10:00")
    await delivered(harness, marloes, 3)  # welcome, invitation, calendar file
    await record_safety(harness, coordinator)
    meeting_id = int((await harness.rows("SELECT id FROM meetings"))[0][0])
    harness.clock.set(datetime(2026, 12, 1, 10, 30, tzinfo=AMSTERDAM))
    await write_summary(harness, teacher, meeting_id, "Sem leest elke dag.")
    await flow(harness, teacher, "send")
    not_sent = tr._(
        "⏸ Not sent: a safety exception applies to {child}."
        " The coordinator decides whether it goes out.",
        child="Sem",
    )
    assert not_sent in teacher.last.text
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        due = await tx.due_messages(harness.clock.now(), 100)
    assert not [m for m in due if m.recipient_id == "G009"]
    assert len(marloes.messages) == 3

    await lift_safety(harness, coordinator)
    await harness.server.wait_for(lambda: "Sem leest elke dag." in marloes.last.text)


async def test_good_news_automation_skips_the_family_and_sent_news_is_held(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G009", "M"))
    coordinator, teacher, marloes = users["S004"], users["S001"], users["G009"]
    tr = nl(harness)
    await record_safety(harness, coordinator)
    # Friday 13:00: the mentor's list of families waiting for good news leaves Sem out.
    harness.clock.set(datetime(2026, 12, 4, 13, 5, tzinfo=AMSTERDAM))
    assert harness.runtime is not None
    await due_work(harness.runtime.services)
    await harness.server.wait_for(
        lambda: any(m.text.startswith("🌟") for m in teacher.messages if m.from_bot)
    )
    reminder = next(m for m in reversed(teacher.messages) if m.text.startswith("🌟"))
    assert "Sem Bakker" not in reminder.text and "pos:P005" not in str(reminder.buttons)
    assert "Daan de Vries" in reminder.text

    before = len(marloes.messages)
    async with harness.db.transaction() as tx:  # type: ignore[union-attr]
        staff = await tx.staff_member("S001")
        assert staff is not None
        sent = await good_news.send_positive_news(
            Work(tx, harness.runtime.texts, harness.runtime.settings, harness.clock.now()),
            staff=staff,
            pupil_id="P005",
            words="Sem hielp vandaag een klasgenoot.",
        )
    assert sent.held
    async with harness.db.reading() as tx:  # type: ignore[union-attr]
        due = await tx.due_messages(harness.clock.now(), 100)
    assert not [m for m in due if m.recipient_id == "G009"]
    assert len(marloes.messages) == before
    await harness.say(coordinator, "/leerling")
    card = (await harness.say(coordinator, "Sem"))[-1]
    assert tr.label("good news") in " ".join(card.labels)


def copies(user) -> list[dict]:
    """The copies of their data this user received (not calendar files)."""
    return [
        m.document
        for m in user.messages
        if m.document is not None and m.document["filename"].endswith(".pdf")
    ]


async def ask_copy(harness: Harness, parent, coordinator) -> None:
    await harness.say(parent, "/help")
    await press(harness, parent, "menu:access")
    await press(harness, parent, "ar:ask")
    await harness.server.wait_for(lambda: "AVG" in coordinator.last.text)


async def test_a_copy_of_the_familys_data_leaves_out_the_safety_period_as_decided(
    harness: Harness,
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"), (G, "G009", "M"))
    coordinator, teacher, marloes = users["S004"], users["S001"], users["G009"]
    await plan(harness, teacher, "Sem", "wo 2 dec 10:00", place="lokaal 7")
    await delivered(harness, marloes, 3)
    harness.clock.advance(timedelta(hours=1))
    await record_safety(harness, coordinator)
    harness.clock.advance(timedelta(hours=1))
    await plan(harness, teacher, "Sem", "do 10 dec 10:00", place="gymzaal")

    await ask_copy(harness, marloes, coordinator)
    request_message = coordinator.last
    # Looking first: the safety period is left out, and the coordinator is told so.
    await press(harness, coordinator, r"ar:\d+:preview")
    preview = coordinator.last
    assert preview.document is not None
    assert "🛡" in preview.text
    assert "lokaal 7" in pdf_text(preview.document["content"])
    assert "gymzaal" not in pdf_text(preview.document["content"])

    # Sending asks what to leave out, then why; both go to the audit trail.
    await harness.tap_data(coordinator, next(
        b.data for r in request_message.buttons for b in r if b.data and b.data.endswith(":send")
    ), request_message)  # fmt: skip
    assert marloes.last.document is None  # nothing sent before the decision
    await flow(harness, coordinator, "leave_out")
    await harness.say(coordinator, "Het onderzoek loopt nog; de ouders mogen het nog niet weten.")
    await harness.server.wait_for(lambda: len(copies(marloes)) == 1)
    copy = pdf_text(copies(marloes)[0]["content"])
    assert "lokaal 7" in copy and "gymzaal" not in copy
    decisions = [
        json.loads(details)
        for (details,) in await harness.rows(
            "SELECT details FROM audit_log WHERE action = 'access_copy_safety_decision'"
        )
    ]
    assert [(d["left_out"], d["reason"]) for d in decisions] == [
        (True, "Het onderzoek loopt nog; de ouders mogen het nog niet weten.")
    ]

    # After the lift the coordinator still decides; now she includes the period.
    await lift_safety(harness, coordinator)
    await ask_copy(harness, marloes, coordinator)
    await press(harness, coordinator, r"ar:\d+:send")
    await flow(harness, coordinator, "include")
    await harness.say(coordinator, "De ouders zijn ingelicht; alles mag mee.")
    await harness.server.wait_for(lambda: len(copies(marloes)) == 2)
    assert "gymzaal" in pdf_text(copies(marloes)[-1]["content"])
    assert (
        len(
            await harness.rows(
                "SELECT id FROM audit_log WHERE action = 'access_copy_safety_decision'"
            )
        )
        == 2
    )


async def test_a_paper_copy_waits_for_the_safety_decision(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    users = await people(harness, (S, "S004", "Ingrid"), (S, "S001", "Marieke"))
    coordinator, teacher = users["S004"], users["S001"]
    await record_safety(harness, coordinator)
    await plan(harness, teacher, "Sem", "do 10 dec 10:00", place="gymzaal")
    assert harness.settings is not None
    for name, value in harness.samen_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "copy.pdf"
    command = ["export", "copy", "G009", "--pdf", str(target)]
    assert await asyncio.to_thread(main, command) == 2
    assert "safety exception" in capsys.readouterr().err and not target.exists()

    chosen = [*command, "--safety-period", "leave-out", "--reason", "Meldcode loopt."]
    assert await asyncio.to_thread(main, chosen) == 0
    assert "gymzaal" not in pdf_text(target.read_bytes())
    assert await harness.rows(
        "SELECT actor_kind, json_extract(details, '$.reason') FROM audit_log"
        " WHERE action = 'access_copy_safety_decision'",
    ) == [("admin", "Meldcode loopt.")]
