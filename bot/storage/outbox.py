"""The outbox: every message Samen sends is queued here first and sent by the outbox sender
(bot/platform/outbox.py). A message to a family about a pupil waits while a safety exception
pauses that family; the coordinator releases or withdraws it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.rules.models import DeliveryState, HeldMessage, OutgoingMessage, PersonKind
from bot.storage.executor import Executor
from bot.storage.records import from_iso, iso, marks


class OutboxQueries(Executor):
    """Queueing, sending and holding messages. A query that queues or releases messages sets
    `outbox_changed`, so the sender is woken after the commit."""

    async def enqueue(
        self,
        *,
        chat_id: int,
        text: str,
        purpose: str,
        now: datetime,
        reply_markup: str | None = None,
        protect_content: bool = False,
        recipient: tuple[PersonKind, str] | None = None,
        not_before: datetime | None = None,
        pupil_id: str | None = None,
        document: bytes | None = None,
        document_name: str | None = None,
        copy_of: tuple[int, int] | None = None,
    ) -> int:
        """Queue a message. `pupil_id` marks a message to a family about that pupil: it waits
        while the family's automated messages are paused (safety exception)."""
        self.outbox_changed = True
        return await self._insert(
            "INSERT INTO outbox (chat_id, recipient_kind, recipient_id, purpose, text,"
            " reply_markup, protect_content, created_at, not_before, pupil_id, document,"
            " document_name, copy_of_chat, copy_of_message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                recipient[0].value if recipient else None,
                recipient[1] if recipient else None,
                purpose,
                text,
                reply_markup,
                int(protect_content),
                iso(now),
                iso(not_before or now),
                pupil_id,
                document,
                document_name,
                copy_of[0] if copy_of else None,
                copy_of[1] if copy_of else None,
            ),
        )

    async def enqueue_edit(
        self, original_id: int, text: str, reply_markup: str | None, now: datetime
    ) -> None:
        """Show new text in a message sent earlier (a card kept up to date). Edits not yet sent
        are merged, so a burst of changes becomes one edit; a message not sent yet is changed
        itself."""
        self.outbox_changed = True
        waiting = await self._one(
            "SELECT id FROM outbox WHERE edit_of = ? AND status = 'pending'", (original_id,)
        )
        if waiting is not None:
            await self._run(
                "UPDATE outbox SET text = ?, reply_markup = ? WHERE id = ?",
                (text, reply_markup, waiting["id"]),
            )
            return
        row = await self._one(
            "SELECT chat_id, purpose, status FROM outbox WHERE id = ?", (original_id,)
        )
        if row is None:
            return
        if row["status"] == "pending":
            # Not sent yet (it waits for working hours, or its turn): it goes out as it is now.
            await self._run(
                "UPDATE outbox SET text = ?, reply_markup = ? WHERE id = ?",
                (text, reply_markup, original_id),
            )
            return
        await self._run(
            "INSERT INTO outbox (chat_id, purpose, text, reply_markup, created_at, not_before,"
            " edit_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row["chat_id"],
                f"{row['purpose']}_edit",
                text,
                reply_markup,
                iso(now),
                iso(now),
                original_id,
            ),
        )

    async def due_messages(self, now: datetime, limit: int) -> list[OutgoingMessage]:
        """Pending messages due by `now` that no safety exception holds: the oldest of each
        chat, the chats in the order their message waits longest (round-robin: a chat with a
        long queue takes one turn like any other)."""
        rows = await self._all(
            "SELECT m.*, o.message_id AS edit_message_id, o.status AS edit_status FROM"
            " (SELECT min(id) AS id FROM outbox"
            "  WHERE status = 'pending' AND not_before <= ?"
            "  AND (pupil_id IS NULL OR held_decision = 'released' OR pupil_id NOT IN"
            "       (SELECT pupil_id FROM safety_exceptions WHERE lifted_at IS NULL))"
            "  GROUP BY chat_id ORDER BY 1 LIMIT ?) AS head"
            " JOIN outbox m ON m.id = head.id"
            " LEFT JOIN outbox o ON o.id = m.edit_of"
            " ORDER BY m.id",
            (iso(now), limit),
        )
        return [
            OutgoingMessage(
                id=r["id"],
                chat_id=r["chat_id"],
                text=r["text"],
                reply_markup=r["reply_markup"],
                protect_content=bool(r["protect_content"]),
                attempts=r["attempts"],
                recipient_kind=r["recipient_kind"],
                recipient_id=r["recipient_id"],
                purpose=r["purpose"],
                document=r["document"],
                document_name=r["document_name"],
                edit_of=r["edit_of"],
                edit_message_id=r["edit_message_id"],
                edit_waits=r["edit_status"] == "pending",
                copy_of=(r["copy_of_chat"], r["copy_of_message"]) if r["copy_of_chat"] else None,
            )
            for r in rows
        ]

    async def next_not_before(self) -> datetime | None:
        """When the next pending message no safety exception holds is due, or None."""
        row = await self._one(
            "SELECT min(not_before) AS t FROM outbox WHERE status = 'pending'"
            " AND (pupil_id IS NULL OR held_decision = 'released' OR pupil_id NOT IN"
            "      (SELECT pupil_id FROM safety_exceptions WHERE lifted_at IS NULL))"
        )
        return None if row is None or row["t"] is None else from_iso(row["t"])

    async def mark_sent(
        self,
        message_id: int,
        telegram_id: int | None,
        now: datetime,
        sent_text: str,
        sent_markup: str | None = None,
    ) -> bool:
        """Done, unless the text changed while it was on its way (a merged edit): then it
        stays pending and the newer text is sent too."""
        return (
            await self._run(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?,"
                " attempts = attempts + 1 WHERE id = ? AND text = ? AND reply_markup IS ?",
                (iso(now), telegram_id, message_id, sent_text, sent_markup),
            )
            > 0
        )

    async def drop_sent_documents(self, sent_before: datetime) -> int:
        """Files Telegram has delivered (a person's copy of their data, a calendar file):
        the database keeps no second copy of them."""
        return await self._run(
            "UPDATE outbox SET document = NULL WHERE status = 'sent' AND document IS NOT NULL"
            " AND sent_at < ?",
            (iso(sent_before),),
        )

    async def mark_attempt_failed(self, message_id: int, error: str) -> None:
        """Count a failed attempt to send a message, with its error."""
        await self._run(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error, message_id),
        )

    async def mark_undeliverable(
        self, message_id: int, status: str, error: str, now: datetime | None = None
    ) -> None:
        """Give up on a message, with the final status and error (`sent_at` then says when
        Samen gave up)."""
        await self._run(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
            " sent_at = ? WHERE id = ?",
            (status, error, iso(now) if now else None, message_id),
        )

    async def pending_notice(self, chat_id: int, purpose: str) -> tuple[int, datetime] | None:
        """(id, queued at) of a message of this purpose to this chat that is not sent yet, the
        newest: a notice about the same thing is added to it instead of sent apart."""
        row = await self._one(
            "SELECT id, created_at FROM outbox WHERE chat_id = ? AND purpose = ?"
            " AND status = 'pending' ORDER BY id DESC LIMIT 1",
            (chat_id, purpose),
        )
        return None if row is None else (row["id"], from_iso(row["created_at"]))

    async def guardians_undelivered_since(self, since: datetime) -> list[str]:
        """Guardians a message could not be delivered to (status failed) since `since`."""
        rows = await self._all(
            "SELECT recipient_id, min(id) AS first FROM outbox WHERE status = 'failed'"
            " AND recipient_kind = 'guardian' AND sent_at >= ? GROUP BY recipient_id"
            " ORDER BY first",
            (iso(since),),
        )
        return [r["recipient_id"] for r in rows]

    async def outbox_message(self, outbox_id: int) -> tuple[int, str, int | None] | None:
        """(chat_id, text, Telegram message id once sent) of a queued or sent message."""
        row = await self._one(
            "SELECT chat_id, text, message_id FROM outbox WHERE id = ?", (outbox_id,)
        )
        return None if row is None else (row["chat_id"], row["text"], row["message_id"])

    async def outbox_counts(self) -> dict[str, int]:
        """How many messages the outbox holds, by status."""
        rows = await self._all("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    async def held_messages(self, pupil_id: str) -> list[HeldMessage]:
        """What waits for this pupil's family while a safety exception lasts, oldest first:
        the coordinator releases or withdraws each one."""
        rows = await self._all(
            "SELECT id, purpose, recipient_kind, recipient_id, created_at, text FROM outbox"
            " WHERE pupil_id = ? AND status = 'pending' AND held_decision IS NULL"
            " AND edit_of IS NULL AND recipient_id IS NOT NULL"
            " AND pupil_id IN (SELECT pupil_id FROM safety_exceptions WHERE lifted_at IS NULL)"
            " ORDER BY id",
            (pupil_id,),
        )
        return [
            HeldMessage(
                id=r["id"],
                purpose=r["purpose"],
                recipient=(PersonKind(r["recipient_kind"]), r["recipient_id"]),
                queued_at=from_iso(r["created_at"]),
                text=r["text"],
            )
            for r in rows
        ]

    async def decide_held(
        self, outbox_id: int, pupil_id: str, decision: str, by: str, now: datetime
    ) -> bool:
        """Release ('released') or withdraw ('withdrawn') one held message of this pupil's
        family; False when it is not held (any more). A withdrawn message and its pending
        edits are never sent."""
        assert decision in ("released", "withdrawn")
        self.outbox_changed = True
        changed = await self._run(
            "UPDATE outbox SET held_decision = ?, held_decided_by = ?, held_decided_at = ?,"
            " status = CASE WHEN ? = 'withdrawn' THEN 'failed' ELSE status END,"
            " last_error = CASE WHEN ? = 'withdrawn' THEN 'withdrawn' ELSE last_error END"
            " WHERE id = ? AND pupil_id = ? AND status = 'pending' AND held_decision IS NULL"
            " AND pupil_id IN (SELECT pupil_id FROM safety_exceptions WHERE lifted_at IS NULL)",
            (decision, by, iso(now), decision, decision, outbox_id, pupil_id),
        )
        if changed and decision == "withdrawn":
            await self._run(
                "UPDATE outbox SET status = 'failed', last_error = 'withdrawn'"
                " WHERE edit_of = ? AND status = 'pending'",
                (outbox_id,),
            )
        return changed > 0

    async def delivery_of(self, outbox_ids: Iterable[int | None]) -> dict[int, DeliveryState]:
        """How far each of these messages got, as staff should read it: held by a safety
        exception, withdrawn by the coordinator, or on its way / sent."""
        wanted = sorted({i for i in outbox_ids if i is not None})
        if not wanted:
            return {}
        rows = await self._all(
            "SELECT id, status, held_decision, pupil_id IN (SELECT pupil_id FROM"
            " safety_exceptions WHERE lifted_at IS NULL) AS paused"
            f" FROM outbox WHERE id IN ({marks(wanted)})",
            tuple(wanted),
        )
        found: dict[int, DeliveryState] = {}
        for r in rows:
            if r["held_decision"] == "withdrawn":
                found[r["id"]] = DeliveryState.WITHDRAWN
            elif r["status"] == "pending" and r["paused"] and r["held_decision"] is None:
                found[r["id"]] = DeliveryState.HELD
            else:
                found[r["id"]] = DeliveryState.ON_ITS_WAY
        return found
