"""The outbox: queueing, sending, merged edits, files, and messages held by a safety exception."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import DeliveryState, PersonKind
from bot.storage import Database
from tests.storage.support import FATHER_KEY, MOTHER_KEY, NOW


async def test_a_queued_message_is_due_and_then_sent(db: Database) -> None:
    async with db.transaction() as tx:
        first = await tx.enqueue(
            chat_id=101,
            text="Hallo",
            purpose="notice",
            now=NOW,
            reply_markup='{"k": 1}',
            protect_content=True,
            recipient=MOTHER_KEY,
            pupil_id="P1",
        )
        later = await tx.enqueue(
            chat_id=102,
            text="Later",
            purpose="notice",
            now=NOW,
            not_before=NOW + timedelta(hours=1),
        )
    async with db.reading() as tx:
        [due] = await tx.due_messages(NOW, limit=10)
        assert await tx.next_not_before() == NOW
    assert (due.id, due.chat_id, due.text, due.reply_markup, due.protect_content) == (
        first,
        101,
        "Hallo",
        '{"k": 1}',
        True,
    )
    assert (due.recipient_kind, due.recipient_id, due.purpose, due.attempts) == (
        "guardian",
        "G1",
        "notice",
        0,
    )
    async with db.transaction() as tx:
        assert await tx.mark_sent(first, 9001, NOW, "Hallo", '{"k": 1}') is True
        assert await tx.outbox_message(first) == (101, "Hallo", 9001)
        assert await tx.due_messages(NOW, limit=10) == []
        assert await tx.next_not_before() == NOW + timedelta(hours=1)
        assert [m.id for m in await tx.due_messages(NOW + timedelta(hours=1), 10)] == [later]
        assert await tx.outbox_counts() == {"pending": 1, "sent": 1}


async def test_a_message_whose_text_changed_on_its_way_stays_pending(db: Database) -> None:
    async with db.transaction() as tx:
        message = await tx.enqueue(chat_id=1, text="new text", purpose="card", now=NOW)
        assert await tx.mark_sent(message, 9001, NOW, "old text") is False
        assert await tx.outbox_counts() == {"pending": 1}


async def test_edits_not_yet_sent_are_merged(db: Database) -> None:
    async with db.transaction() as tx:
        card = await tx.enqueue(chat_id=1, text="v1", purpose="card", now=NOW)
        await tx.mark_sent(card, 9001, NOW, "v1")
        await tx.enqueue_edit(card, "v2", None, NOW)
        await tx.enqueue_edit(card, "v3", '{"b": 2}', NOW)
        [edit] = await tx.due_messages(NOW, limit=10)
    assert (edit.edit_of, edit.edit_message_id, edit.edit_waits) == (card, 9001, False)
    assert (edit.text, edit.reply_markup, edit.purpose) == ("v3", '{"b": 2}', "card_edit")


async def test_an_edit_of_an_unknown_message_queues_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.enqueue_edit(404, "text", None, NOW)
        assert await tx.outbox_counts() == {}
        assert await tx.outbox_message(404) is None
        assert await tx.delivery_of([None]) == {}


async def test_failures_count_attempts_and_give_up(db: Database) -> None:
    async with db.transaction() as tx:
        message = await tx.enqueue(chat_id=1, text="x", purpose="notice", now=NOW)
        await tx.mark_attempt_failed(message, "timeout")
        [due] = await tx.due_messages(NOW, limit=10)
        assert due.attempts == 1
        await tx.mark_undeliverable(message, "unreachable", "blocked")
        assert await tx.due_messages(NOW, limit=10) == []
        assert await tx.outbox_counts() == {"unreachable": 1}


async def test_delivered_files_are_dropped_after_a_while(db: Database) -> None:
    async with db.transaction() as tx:
        old = await tx.enqueue(chat_id=1, text="f", purpose="copy", now=NOW, document=b"%PDF")
        new = await tx.enqueue(chat_id=1, text="f", purpose="copy", now=NOW, document=b"%PDF")
        waiting = await tx.enqueue(chat_id=1, text="f", purpose="copy", now=NOW, document=b"%PDF")
        await tx.mark_sent(old, 1, NOW - timedelta(days=2), "f")
        await tx.mark_sent(new, 2, NOW, "f")
        assert await tx.drop_sent_documents(NOW - timedelta(days=1)) == 1
        assert await tx.drop_sent_documents(NOW - timedelta(days=1)) == 0
        rows = [
            await tx._one("SELECT document FROM outbox WHERE id = ?", (i,))
            for i in (old, new, waiting)
        ]
    assert [r["document"] for r in rows if r is not None] == [None, b"%PDF", b"%PDF"]


async def test_a_safety_exception_holds_family_messages_until_released(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.add_safety_exception("P1", None, "meldcode", "C1", NOW)
        held = await tx.enqueue(
            chat_id=101, text="a", purpose="notice", now=NOW, recipient=MOTHER_KEY, pupil_id="P1"
        )
        withdrawn = await tx.enqueue(
            chat_id=102, text="b", purpose="notice", now=NOW, recipient=FATHER_KEY, pupil_id="P1"
        )
        other = await tx.enqueue(chat_id=103, text="c", purpose="notice", now=NOW)
    async with db.reading() as tx:
        assert [m.id for m in await tx.due_messages(NOW, limit=10)] == [other]
        waiting = await tx.held_messages("P1")
        assert await tx.delivery_of([held, other]) == {
            held: DeliveryState.HELD,
            other: DeliveryState.ON_ITS_WAY,
        }
    assert [(m.id, m.recipient, m.text) for m in waiting] == [
        (held, MOTHER_KEY, "a"),
        (withdrawn, (PersonKind.GUARDIAN, "G2"), "b"),
    ]
    async with db.transaction() as tx:
        assert await tx.decide_held(held, "P1", "released", "C1", NOW) is True
        assert await tx.decide_held(held, "P1", "released", "C1", NOW) is False  # not held now
        assert await tx.decide_held(withdrawn, "P2", "withdrawn", "C1", NOW) is False  # not P2's
        assert await tx.decide_held(withdrawn, "P1", "withdrawn", "C1", NOW) is True
        assert tx.outbox_changed
        assert {m.id for m in await tx.due_messages(NOW, limit=10)} == {held, other}
        assert await tx.held_messages("P1") == []
        assert (await tx.delivery_of([withdrawn]))[withdrawn] is DeliveryState.WITHDRAWN


async def test_nothing_is_held_without_an_active_exception(db: Database) -> None:
    async with db.transaction() as tx:
        message = await tx.enqueue(
            chat_id=101, text="a", purpose="notice", now=NOW, recipient=MOTHER_KEY, pupil_id="P1"
        )
        assert await tx.held_messages("P1") == []
        assert await tx.decide_held(message, "P1", "released", "C1", NOW) is False
        assert await tx.next_not_before() == NOW
