"""The outbox: nothing is lost across restarts, faults are retried, blocked users are noticed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.platform.outbox import OutboxSender
from bot.rules.models import OutgoingMessage, PersonKind
from bot.storage import Database
from bot.storage.outbox import OutboxQueries
from tests.harness import Harness, load_examples
from tests.places import Place

from .conftest import START

ROOT = Path(__file__).resolve().parent.parent


async def enqueue(db: Database, chat_id: int, text: str, harness: Harness | None = None) -> int:
    # Without a harness the message is for a real `samen run`, which reads the system clock.
    now = harness.clock.now() if harness else datetime.now(UTC)
    async with db.transaction() as tx:
        return await tx.enqueue(chat_id=chat_id, text=text, purpose="test", now=now)


async def outbox_status(db: Database) -> dict[str, int]:
    async with db.transaction() as tx:
        return await tx.outbox_counts()


async def test_a_user_who_blocked_the_bot_is_marked_and_the_teacher_is_told(
    harness: Harness,
) -> None:
    teacher = harness.server.user(11, "Marieke")
    mother = harness.server.user(12, "Linda")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    harness.server.block(mother.chat_id)
    assert harness.db is not None
    await enqueue(harness.db, mother.chat_id, "Goed nieuws over Daan", harness)

    await harness.server.wait_for(lambda: len(harness.server.calls_of("sendMessage")) >= 3)
    await notices_gathered(harness)
    await harness.server.wait_for(lambda: any("Linda" in m.text for m in teacher.messages))
    notice = teacher.last.text
    assert "Linda de Vries" in notice and "Daan" in notice and "telefoon of brief" in notice
    assert await outbox_status(harness.db) == {"sent": 1, "unreachable": 1}
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries()]
    assert "recipient_unreachable" in actions

    shown = await harness.say(teacher, "/overzicht")
    assert "Daan de Vries: heeft Samen geblokkeerd" in shown[0].text

    # Writing to Samen again makes the mother reachable again.
    harness.server.blocked.clear()
    await harness.say(mother, "hallo")
    shown = await harness.say(teacher, "/overzicht")
    assert "Daan de Vries" not in shown[0].text


async def notices_gathered(harness: Harness) -> None:
    """Notices to staff about families wait a minute for others about the same thing."""
    assert harness.runtime is not None
    await harness.runtime.outbox.deliver_due()
    harness.clock.advance(timedelta(minutes=1))
    harness.runtime.outbox.wake()


async def test_retry_after_and_network_errors_are_retried_until_delivered(
    harness: Harness,
) -> None:
    mother = harness.server.user(21, "Linda")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    harness.server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    harness.server.fail_next("sendMessage", 502, "Bad Gateway")
    assert harness.db is not None
    await enqueue(harness.db, mother.chat_id, "Eerste", harness)
    await enqueue(harness.db, mother.chat_id, "Tweede", harness)
    await harness.server.wait_for(lambda: len(mother.messages) == 3, timeout=15)
    assert [m.text for m in mother.messages[1:]] == ["Eerste", "Tweede"]  # order kept
    await harness.stop_bot()  # lets the sender record the last delivery
    assert await outbox_status(harness.db) == {"sent": 2}


async def test_a_message_scheduled_for_later_waits_for_its_time(harness: Harness) -> None:
    mother = harness.server.user(31, "Linda")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        await tx.enqueue(
            chat_id=mother.chat_id,
            text="Later",
            purpose="test",
            now=harness.clock.now(),
            not_before=harness.clock.now() + timedelta(hours=2),
        )
    assert await harness.runtime.outbox.deliver_due() > 0
    assert [m.text for m in mother.messages[1:]] == []
    harness.clock.advance(timedelta(hours=2))
    harness.runtime.outbox.wake()
    await harness.server.wait_for(lambda: len(mother.messages) == 2)
    assert mother.last.text == "Later"


# --- the real `samen run` --------------------------------------------------


async def start_samen(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={**os.environ, **env},
        cwd=env["HOME"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_samen(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, err.decode()


async def test_messages_left_in_the_outbox_are_delivered_once_after_a_restart(
    tmp_path: Path, place: Place
) -> None:
    server = FakeTelegram()
    await server.start()
    # How `samen run` names the database it serves: the file, or the server and the database.
    name = place.location.name if place.on_server else place.location
    db = await place.open()
    await load_examples(db, START)
    parents = [server.user(100 + i, f"Ouder{i}") for i in range(3)]
    async with db.transaction() as tx:
        for index, parent in enumerate(parents):
            await tx.touch_telegram_user(parent.id, parent.chat_id, START)
            await tx.link_account(PersonKind.GUARDIAN, f"G00{index + 1}", parent.id, START)
    for parent in parents:
        for n in range(2):
            await enqueue(db, parent.chat_id, f"Bericht {n} voor {parent.first_name}")
    await db.close()
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.base_url,
        **place.env,
        "HOME": str(tmp_path),
    }
    try:
        # First run: Telegram fails every send, so everything stays in the outbox.
        server.fail_next("sendMessage", 500, "Internal Server Error", times=1000)
        process = await start_samen(env)
        try:
            await server.wait_for(lambda: len(server.calls_of("sendMessage")) >= 1, timeout=30)
        finally:
            code, log = await stop_samen(process)
        assert code == 0, log
        assert f"running as @samen_test_bot with database {name}" in log
        assert all(not p.messages for p in parents)

        # Second run: Telegram is back; every message arrives once, in order.
        server._faults.clear()
        process = await start_samen(env)
        await server.wait_for(lambda: all(len(p.messages) == 2 for p in parents), timeout=30)
        code, log = await stop_samen(process)
        assert code == 0, log
        for parent in parents:
            assert [m.text for m in parent.messages] == [
                f"Bericht 0 voor {parent.first_name}",
                f"Bericht 1 voor {parent.first_name}",
            ]

        # Third run: nothing is sent twice.
        sends = len(server.sends)
        polls = len(server.calls_of("getUpdates"))
        process = await start_samen(env)
        await server.wait_for(lambda: len(server.calls_of("getUpdates")) > polls, timeout=30)
        code, log = await stop_samen(process)
        assert code == 0, log
        assert len(server.sends) == sends
    finally:
        await server.stop()
    db = await place.open()
    try:
        assert await outbox_status(db) == {"sent": 6}
    finally:
        await db.close()


async def test_blocking_the_bot_is_noticed_at_once_and_unblocking_undoes_it(
    harness: Harness,
) -> None:
    teacher = harness.server.user(41, "Marieke")
    mother = harness.server.user(42, "Linda")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    await harness.tracker.wait(mother.block_bot())
    await notices_gathered(harness)
    await harness.server.wait_for(lambda: "Linda de Vries" in teacher.last.text)
    await harness.tracker.wait(mother.block_bot())  # reported twice: the teacher is told once
    shown = await harness.say(teacher, "/overzicht")
    assert "Daan de Vries: heeft Samen geblokkeerd" in shown[0].text
    assert sum("Linda de Vries" in m.text for m in teacher.messages) == 1
    await harness.tracker.wait(mother.unblock_bot())
    shown = await harness.say(teacher, "/overzicht")
    assert "Daan de Vries" not in shown[0].text
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        actions = [e.action for e in await tx.audit_entries()]
    assert actions.count("recipient_unreachable") == 1
    assert actions.count("recipient_reachable") == 1


async def test_documents_and_edits_go_through_the_outbox(harness: Harness) -> None:
    mother = harness.server.user(51, "Linda")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    assert harness.db is not None
    now = harness.clock.now()
    async with harness.db.transaction() as tx:
        card = await tx.enqueue(chat_id=mother.chat_id, text="Versie 1", purpose="card", now=now)
        # Not sent yet: the message itself changes, so it goes out as it is by then.
        await tx.enqueue_edit(card, "Versie 2", None, now)
        await tx.enqueue_edit(card, "Versie 3", None, now)
        await tx.enqueue(
            chat_id=mother.chat_id,
            text="In uw agenda",
            purpose="ics",
            now=now,
            document=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            document_name="gesprek.ics",
        )
    await harness.server.wait_for(lambda: len(harness.server.calls_of("sendDocument")) == 1)
    assert [m.text for m in mother.messages[1:]] == ["Versie 3", "In uw agenda"]
    assert harness.server.calls_of("editMessageText") == []
    # Once sent, a change is an edit of the message in the chat; two in a row are merged.
    async with harness.db.transaction() as tx:
        await tx.enqueue_edit(card, "Versie 4", None, now)
        await tx.enqueue_edit(card, "Versie 5", None, now)
    await harness.server.wait_for(lambda: len(harness.server.calls_of("editMessageText")) == 1)
    assert mother.messages[1].text == "Versie 5"
    document = harness.server.calls_of("sendDocument")[0]["document"]
    assert document["filename"] == "gesprek.ics" and document["content"].startswith(b"BEGIN")


async def test_two_passes_at_once_send_each_message_once(harness: Harness) -> None:
    assert harness.db is not None and harness.runtime is not None
    parents = [harness.server.user(20 + n, f"Ouder {n}") for n in range(5)]
    for n, parent in enumerate(parents):
        await enqueue(harness.db, parent.chat_id, f"Bericht {n}", harness)
    outbox = harness.runtime.outbox
    await asyncio.gather(outbox.deliver_due(), outbox.deliver_due(), outbox.deliver_due())
    await outbox.deliver_due()
    assert [[m.text for m in p.messages] for p in parents] == [[f"Bericht {n}"] for n in range(5)]


async def test_a_send_on_its_way_is_not_waited_for_by_reading_the_outbox_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unpaced (as the benchmark runs it), the sender used to pass again at once and again
    while a send waited for its answer, each pass a query over every pending message."""
    assert harness.db is not None and harness.runtime is not None
    await harness.runtime.outbox.stop()  # this test's own sender, unpaced, instead
    reads = 0
    due_messages = OutboxQueries.due_messages

    async def counted(tx: OutboxQueries, now: datetime, limit: int) -> list[OutgoingMessage]:
        nonlocal reads
        reads += 1
        return await due_messages(tx, now, limit)

    # On the mixin that holds the query: each backend's Tx finds it there.
    monkeypatch.setattr(OutboxQueries, "due_messages", counted)
    parent = harness.server.user(30, "Ouder")
    harness.server.answer_late("sendMessage", 0.3)
    await enqueue(harness.db, parent.chat_id, "Bericht", harness)
    sender = OutboxSender(
        harness.db, harness.runtime.application.bot, harness.clock, per_chat_interval=0.0
    )
    sender.start()
    await harness.server.wait_for(lambda: [m.text for m in parent.messages] == ["Bericht"])
    await sender.stop()
    # One pass found the message; one more after its answer (nothing left); none meanwhile.
    assert 1 <= reads <= 3
    assert await outbox_status(harness.db) == {"sent": 1}
