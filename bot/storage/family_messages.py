"""Conversations between families and school: the messages, and the copies sent of each."""

from __future__ import annotations

from datetime import datetime

from bot.rules.models import FamilyMessage, PersonKind
from bot.storage.executor import Executor
from bot.storage.records import _family_message, iso


class FamilyMessageQueries(Executor):
    """What families and school wrote to each other."""

    async def add_family_message(
        self,
        *,
        pupil_id: str,
        family: tuple[PersonKind, str],
        from_school: bool,
        staff_id: str | None,
        text: str,
        language: str,
        now: datetime,
        answer_to: int | None = None,
    ) -> int:
        """Record one message; returns its id."""
        return await self._insert(
            "INSERT INTO family_messages (pupil_id, family_kind, family_id, from_school,"
            " staff_id, text, language, written_at, answer_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pupil_id,
                family[0].value,
                family[1],
                int(from_school),
                staff_id,
                text,
                language,
                iso(now),
                answer_to,
            ),
        )

    async def family_message(self, message_id: int) -> FamilyMessage | None:
        """One message by id, or None."""
        row = await self._one("SELECT * FROM family_messages WHERE id = ?", (message_id,))
        return None if row is None else _family_message(row)

    async def mark_family_message_answered(self, message_id: int, now: datetime) -> None:
        """The school answered a family's message (the first answer counts)."""
        await self._run(
            "UPDATE family_messages SET answered_at = ? WHERE id = ? AND answered_at IS NULL",
            (iso(now), message_id),
        )

    async def add_family_message_copy(self, message_id: int, outbox_id: int) -> None:
        """One copy of a message, sent through the outbox."""
        await self._run(
            "INSERT INTO family_message_copies (message_id, outbox_id) VALUES (?, ?)",
            (message_id, outbox_id),
        )

    async def family_message_in_chat(self, chat_id: int, telegram_id: int) -> int | None:
        """The message a Telegram message in this chat is a copy of, or None."""
        row = await self._one(
            "SELECT c.message_id FROM family_message_copies c JOIN outbox o ON o.id = c.outbox_id"
            " WHERE o.chat_id = ? AND o.message_id = ?",
            (chat_id, telegram_id),
        )
        return None if row is None else int(row["message_id"])

    async def unanswered_family_messages(self, before: datetime) -> list[FamilyMessage]:
        """Messages from families written before `before` that nobody at school answered."""
        rows = await self._all(
            "SELECT * FROM family_messages WHERE from_school = 0 AND answered_at IS NULL"
            " AND written_at < ? ORDER BY written_at",
            (iso(before),),
        )
        return [_family_message(r) for r in rows]
