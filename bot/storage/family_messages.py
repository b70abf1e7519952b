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
        media: str | None = None,
    ) -> int:
        """Record one message; returns its id."""
        return await self._insert(
            "INSERT INTO family_messages (pupil_id, family_kind, family_id, from_school,"
            " staff_id, text, language, written_at, answer_to, media)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                media,
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

    async def replace_family_message_text(self, message_id: int, text: str) -> None:
        """The writer changed their words: the old translations no longer fit them."""
        await self._run("UPDATE family_messages SET text = ? WHERE id = ?", (text, message_id))
        await self._run(
            "DELETE FROM family_message_translations WHERE message_id = ?", (message_id,)
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

    # --- machine translations -------------------------------------------------------------

    async def want_translation(
        self, message_id: int, language: str, *, tried: bool = False
    ) -> None:
        """A reader reads `language`: the message is to be translated into it (`tried`: a
        service was asked once already, before sending)."""
        await self._run(
            "INSERT INTO family_message_translations"
            " (message_id, language, status, attempts) VALUES (?, ?, 'pending', ?)"
            " ON CONFLICT (message_id, language) DO NOTHING",
            (message_id, language, int(tried)),
        )

    async def save_translation(
        self, message_id: int, language: str, text: str, service: str
    ) -> None:
        """A translation made before the message was sent."""
        await self._run(
            "INSERT INTO family_message_translations"
            " (message_id, language, status, text, service, attempts)"
            " VALUES (?, ?, 'done', ?, ?, 1) ON CONFLICT (message_id, language) DO UPDATE SET"
            " status = excluded.status, text = excluded.text, service = excluded.service,"
            " attempts = excluded.attempts",
            (message_id, language, text, service),
        )

    async def pending_translations(self, limit: int) -> list[tuple[FamilyMessage, str, int]]:
        """(message, language to translate into, attempts so far), oldest first."""
        rows = await self._all(
            "SELECT m.*, t.language AS target, t.attempts FROM family_message_translations t"
            " JOIN family_messages m ON m.id = t.message_id"
            " WHERE t.status = 'pending' ORDER BY t.message_id LIMIT ?",
            (limit,),
        )
        return [(_family_message(r), r["target"], int(r["attempts"])) for r in rows]

    async def record_translation(
        self, message_id: int, language: str, text: str | None, service: str | None, *, last: bool
    ) -> None:
        """The outcome of one try: the translation, or another failed attempt (`last`: no
        more tries; the words stay as written)."""
        if text is not None:
            await self._run(
                "UPDATE family_message_translations SET status = 'done', text = ?, service = ?,"
                " attempts = attempts + 1 WHERE message_id = ? AND language = ?",
                (text, service, message_id, language),
            )
            return
        await self._run(
            "UPDATE family_message_translations SET attempts = attempts + 1,"
            " status = CASE WHEN ? = 1 THEN 'none' ELSE 'pending' END"
            " WHERE message_id = ? AND language = ?",
            (int(last), message_id, language),
        )

    async def translation_of(self, message_id: int, language: str) -> tuple[str, str] | None:
        """(text, service) of a finished translation, or None."""
        row = await self._one(
            "SELECT text, service FROM family_message_translations"
            " WHERE message_id = ? AND language = ? AND status = 'done'",
            (message_id, language),
        )
        return None if row is None else (row["text"], row["service"])

    async def family_message_copies(self, message_id: int) -> list[tuple[int, PersonKind, str]]:
        """(outbox id, reader kind, reader id) of every copy sent of a message."""
        rows = await self._all(
            "SELECT o.id, o.recipient_kind, o.recipient_id FROM family_message_copies c"
            " JOIN outbox o ON o.id = c.outbox_id WHERE c.message_id = ?"
            " AND o.recipient_kind IS NOT NULL ORDER BY o.id",
            (message_id,),
        )
        return [(r["id"], PersonKind(r["recipient_kind"]), r["recipient_id"]) for r in rows]

    # --- the digest of what came in while school was closed ----------------------------------

    async def add_waiting(self, message_id: int, staff_id: str) -> None:
        """A message waits for this teacher's next working period."""
        await self._run(
            "INSERT INTO family_messages_waiting (message_id, staff_id) VALUES (?, ?)"
            " ON CONFLICT (message_id, staff_id) DO NOTHING",
            (message_id, staff_id),
        )

    async def waiting_messages(self) -> dict[str, list[FamilyMessage]]:
        """Per teacher, the messages waiting for them, oldest first."""
        rows = await self._all(
            "SELECT w.staff_id AS reader, m.* FROM family_messages_waiting w"
            " JOIN family_messages m ON m.id = w.message_id ORDER BY w.staff_id, m.id"
        )
        waiting: dict[str, list[FamilyMessage]] = {}
        for row in rows:
            waiting.setdefault(row["reader"], []).append(_family_message(row))
        return waiting

    async def stop_waiting(self, staff_id: str) -> None:
        """The teacher has had the digest."""
        await self._run("DELETE FROM family_messages_waiting WHERE staff_id = ?", (staff_id,))
