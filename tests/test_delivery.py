"""Delivery under faults and floods (issue 22): nothing twice, nothing lost, nobody stalls it.

A full disk while Telegram accepts the messages, answers that come after the client stopped
waiting, a burst of /start under Telegram's 30 a second, one chat with a long queue, many
families unreachable at once, and a RetryAfter for one chat."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.platform.outbox import PAUSE_META
from bot.rules.models import PersonKind
from bot.storage import Database, Tx
from bot.storage.postgres import PostgresDb, PostgresTx
from tests.harness import Harness

from .conftest import START


class DiskFullFile(Database):
    """An SQLite file whose disk can be made full: every transaction that changes something
    then fails at its commit, as SQLite does, and changes nothing."""

    full = False
    refused = 0
    said = "database or disk is full"  # SQLite's words

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with super().transaction() as tx:
            before = self._writer.total_changes
            yield tx
            if self.full and self._writer.total_changes != before:
                self.refused += 1
                raise sqlite3.OperationalError(self.said)


class DiskFullServer(PostgresDb):
    """The same on a database server: a transaction that wrote something (only then has it a
    transaction id) fails as PostgreSQL's does on a full disk, and changes nothing."""

    full = False
    refused = 0
    said = 'could not extend file "base/16384/16390": No space left on device'

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTx]:
        async with super().transaction() as tx:
            yield tx
            if self.full:
                written = await tx._one("SELECT txid_current_if_assigned()")
                if written is not None and written[0] is not None:
                    self.refused += 1
                    raise psycopg.errors.DiskFull(self.said)


@asynccontextmanager
async def disk_full_able(database: Any) -> AsyncIterator[DiskFullFile | DiskFullServer]:
    """A second handle on `database` (either backend's), whose disk can be made full."""
    if isinstance(database, Database):
        handle: DiskFullFile | DiskFullServer = await DiskFullFile.open(database.path)
    else:
        handle = await DiskFullServer.open(database.location)
    try:
        yield handle
    finally:
        await handle.close()


async def eventually(
    predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0
) -> None:
    """Wait until `predicate` holds, for what the fake server cannot see (the database)."""
    deadline = time.monotonic() + timeout
    while not await _holds(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.01)


async def _holds(predicate: Callable[[], bool | Awaitable[bool]]) -> bool:
    answer = predicate()
    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)


def outbox_has(harness: Harness, status: str, count: int = 1) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        assert harness.db is not None
        return (await statuses(harness.db)).get(status, 0) >= count

    return check


@asynccontextmanager
async def samen(tmp_path: Path, database: Any, **outbox_options: float) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path, START)
    await harness.open(database=database, **outbox_options)
    try:
        yield harness
    finally:
        await harness.close()


async def statuses(db: Database) -> dict[str, int]:
    async with db.reading() as tx:
        return await tx.outbox_counts()


async def broadcast(harness: Harness, chats: list[int], text: str = "Uitnodiging") -> None:
    assert harness.db is not None
    async with harness.db.transaction() as tx:
        for chat in chats:
            await tx.enqueue(chat_id=chat, text=text, purpose="test", now=harness.clock.now())


async def test_a_full_disk_during_a_broadcast_sends_no_family_anything_twice(
    tmp_path: Path, any_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with disk_full_able(any_db) as db:
        harness = Harness(tmp_path, START)
        await harness.open(database=db, storage_retry=0.05)
        try:
            families = [harness.server.user(70_000 + n, f"Ouder{n}") for n in range(30)]
            await broadcast(harness, [f.chat_id for f in families])
            await harness.server.wait_for(lambda: len(harness.server.sends) >= 5)
            db.full = True  # Telegram goes on accepting; Samen cannot write that down
            await eventually(lambda: db.refused >= 3, timeout=20)
            assert max(len(f.messages) for f in families) == 1
            sent_while_full = len(harness.server.sends)
            await eventually(lambda: db.refused >= 6, timeout=20)
            assert len(harness.server.sends) == sent_while_full  # sending is paused
            db.full = False  # room again
            await harness.server.wait_for(lambda: all(f.messages for f in families), timeout=20)
            await harness.stop_bot()
            assert [len(f.messages) for f in families] == [1] * 30  # nobody got it twice
            assert await statuses(db) == {"sent": 30}
            async with db.reading() as tx:
                assert await tx.get_meta(PAUSE_META) is not None  # for `samen check`
        finally:
            await harness.close()
    logged = caplog.text
    assert f"cannot write to the database ({db.said})" in logged
    assert "sending resumes" in logged


async def test_a_send_answered_after_the_timeout_is_retried_a_few_times_then_reported(
    tmp_path: Path, any_db: Any
) -> None:
    harness = Harness(tmp_path, START)
    harness.request_timeout = 0.3
    await harness.open(database=any_db, retry_base=0.05, timeout_retries=2)
    try:
        teacher = harness.server.user(11, "Marieke")
        mother = harness.server.user(12, "Linda")
        await harness.link(teacher, PersonKind.STAFF, "S001")
        await harness.link(mother, PersonKind.GUARDIAN, "G002")
        # Telegram takes the messages but answers after the client gave up on each.
        harness.server.answer_late("sendMessage", 0.6, times=3)
        assert harness.db is not None
        async with harness.db.transaction() as tx:
            await tx.enqueue(
                chat_id=mother.chat_id,
                text="Uitnodiging voor het gesprek",
                purpose="test",
                now=harness.clock.now(),
                recipient=(PersonKind.GUARDIAN, "G002"),
            )
        await eventually(outbox_has(harness, "failed"), timeout=20)
        copies = [m for m in mother.messages if m.text == "Uitnodiging voor het gesprek"]
        assert len(copies) == 3  # the first try and two retries, each possibly delivered
        harness.clock.advance(timedelta(minutes=1))
        assert harness.runtime is not None
        harness.runtime.outbox.wake()
        await harness.server.wait_for(lambda: "kon niet worden bezorgd" in teacher.last.text)
        assert "Linda de Vries" in teacher.last.text and "Daan" in teacher.last.text
        await harness.runtime.outbox.deliver_due()
        assert len([m for m in mother.messages if m.text.startswith("Uitnodiging")]) == 3
    finally:
        await harness.close()


async def test_300_parents_starting_at_once_under_30_a_second_all_get_their_welcome(
    harness: Harness,
) -> None:
    harness.server.enforce_rate(30)
    parents = [harness.server.user(200_000 + n, f"Ouder{n}") for n in range(300)]
    updates = [parent.send("/start") for parent in parents]
    for update in updates:
        await harness.tracker.wait(update, timeout=60)
    assert [len(p.messages) for p in parents] == [1] * 300
    assert all(p.last.text.startswith("Hallo! Dit is Samen") for p in parents), {
        p.last.text[:40] for p in parents
    }
    assert harness.server.rate_violations(every_attempt=True)[1] == 0


async def test_one_chats_long_queue_does_not_delay_another_family(
    tmp_path: Path, any_db: Any
) -> None:
    async with samen(tmp_path, any_db, per_chat_interval=1.1) as harness:
        teacher = harness.server.user(11, "Marieke")
        mother = harness.server.user(12, "Linda")
        await broadcast(harness, [teacher.chat_id] * 248, "Melding")
        await broadcast(harness, [mother.chat_id], "Goed nieuws over Daan")
        await harness.server.wait_for(lambda: bool(mother.messages), timeout=10)
        assert len(teacher.messages) <= 2  # served in turn, not after the teacher's queue


async def test_many_unreachable_families_become_one_notice_to_their_teacher(
    harness: Harness,
) -> None:
    teacher = harness.server.user(11, "Marieke")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    assert harness.db is not None
    async with harness.db.reading() as tx:
        contacts = await tx.contacts_of_groups(["SO-Zon"])
    guardians = sorted({g.guardian_id for c in contacts for g in c.guardians})
    assert len(guardians) >= 12
    families = []
    async with harness.db.transaction() as tx:
        for n, guardian in enumerate(guardians):
            family = harness.server.user(90_000 + n, f"Ouder{n}")
            await tx.touch_telegram_user(family.id, family.chat_id, harness.clock.now())
            await tx.link_account(PersonKind.GUARDIAN, guardian, family.id, harness.clock.now())
            harness.server.block(family.chat_id)
            families.append(family)
    await broadcast(harness, [f.chat_id for f in families], "Nieuwsbrief")
    await eventually(outbox_has(harness, "unreachable", len(families)))
    assert harness.runtime is not None
    harness.clock.advance(timedelta(minutes=1))
    harness.runtime.outbox.wake()
    await harness.server.wait_for(lambda: "geblokkeerd" in teacher.last.text)
    await harness.runtime.outbox.deliver_due()
    notices = [m for m in teacher.messages if "geblokkeerd" in m.text]
    assert len(notices) == 1, [m.text for m in notices]
    assert f"{len(guardians)} gezinnen" in notices[0].text


async def test_a_retry_after_for_one_chat_pauses_only_that_chat(harness: Harness) -> None:
    families = [harness.server.user(60_000 + n, f"Ouder{n}") for n in range(40)]
    paused = families[0]
    harness.server.fail_chat(paused.chat_id, retry_after=5)
    await broadcast(harness, [f.chat_id for f in families])
    others = families[1:]
    await harness.server.wait_for(lambda: all(f.messages for f in others), timeout=15)
    assert not paused.messages  # still waiting for the time Telegram asked for
    refused = next(a.at for a in harness.server.attempts if not a.accepted)
    last = max(at for at, chat in harness.server.sends if chat != paused.chat_id)
    assert last - refused < 3.0  # 39 messages at 30 a second, not after a pause of 5 s
    await harness.server.wait_for(lambda: bool(paused.messages), timeout=10)
    assert harness.server.rate_violations(every_attempt=True) == (0, 0)


async def test_a_message_refused_for_its_content_is_split_or_simplified_never_dropped(
    harness: Harness,
) -> None:
    teacher = harness.server.user(11, "Marieke")
    mother = harness.server.user(12, "Linda")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    assert harness.db is not None and harness.runtime is not None
    long_text = "\n".join(f"Regel {n}: " + "x" * 90 for n in range(100))  # 10,000 characters
    now = harness.clock.now()
    async with harness.db.transaction() as tx:
        for text in (long_text, "Een <b>kapotte opmaak"):
            await tx.enqueue(
                chat_id=mother.chat_id,
                text=text,
                purpose="test",
                now=now,
                recipient=(PersonKind.GUARDIAN, "G002"),
                reply_markup='{"inline_keyboard": [[{"text": "OK", "callback_data": "x"}]]}',
            )
        await tx.enqueue(
            chat_id=mother.chat_id,
            text="Bijlage: " + "y" * 2000,
            purpose="test",
            now=now,
            document=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            document_name="gesprek.ics",
        )
    await harness.server.wait_for(lambda: len(mother.messages) >= 6, timeout=15)
    parts = mother.messages[1:4]
    assert "\n".join(p.text for p in parts) == long_text  # in parts, in order, whole
    assert [p.labels for p in parts] == [[], [], ["OK"]]  # the buttons under the last part
    assert mother.messages[4].text == "Een kapotte opmaak"  # as plain text
    assert mother.messages[5].text.endswith("…") and len(mother.messages[5].text) <= 1000
    await harness.runtime.outbox.deliver_due()
    assert await statuses(harness.db) == {"sent": 3}


async def test_a_message_that_cannot_be_delivered_is_reported_to_the_teacher(
    harness: Harness,
) -> None:
    teacher = harness.server.user(11, "Marieke")
    mother = harness.server.user(12, "Linda")
    await harness.link(teacher, PersonKind.STAFF, "S001")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    harness.server.fail_next("sendMessage", 400, "Bad Request: wrong something")
    assert harness.db is not None and harness.runtime is not None
    async with harness.db.transaction() as tx:
        await tx.enqueue(
            chat_id=mother.chat_id,
            text="Uitnodiging",
            purpose="test",
            now=harness.clock.now(),
            recipient=(PersonKind.GUARDIAN, "G002"),
        )
    await eventually(outbox_has(harness, "failed"))
    harness.clock.advance(timedelta(minutes=1))
    harness.runtime.outbox.wake()
    await harness.server.wait_for(lambda: "kon niet worden bezorgd" in teacher.last.text)
    assert "Linda de Vries" in teacher.last.text
