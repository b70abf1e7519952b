"""Conversations between families and school: messages, copies (a reply finds its message),
translations that are asked for, tried and kept, and what waits for the morning digest."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Database
from tests.storage.support import MOTHER_KEY, NOW


async def write(db: Database, text: str, *, answer_to: int | None = None) -> int:
    async with db.transaction() as tx:
        return await tx.add_family_message(
            pupil_id="P1",
            family=MOTHER_KEY,
            from_school=answer_to is not None,
            staff_id="T1" if answer_to else None,
            text=text,
            language="tr" if answer_to is None else "nl",
            now=NOW,
            answer_to=answer_to,
        )


async def test_a_message_its_answer_and_the_copy_a_reply_finds(db: Database) -> None:
    asked = await write(db, "Elif hasta.")
    async with db.transaction() as tx:
        copy = await tx.enqueue(chat_id=101, text="copy", purpose="family_message", now=NOW)
        await tx.add_family_message_copy(asked, copy)
        await tx.mark_sent(copy, 555, NOW, "copy", None)
        assert await tx.family_message_in_chat(101, 555) == asked
        assert await tx.family_message_in_chat(101, 556) is None
        assert [m.id for m in await tx.unanswered_family_messages(NOW + timedelta(1))] == [asked]
    answered = await write(db, "Beterschap!", answer_to=asked)
    async with db.transaction() as tx:
        await tx.mark_family_message_answered(asked, NOW)
        message = await tx.family_message(answered)
        assert await tx.unanswered_family_messages(NOW + timedelta(1)) == []
        assert await tx.family_message(404) is None
    assert message is not None
    assert (message.from_school, message.answer_to, message.language) == (True, asked, "nl")


async def test_a_translation_is_asked_once_tried_and_kept(db: Database) -> None:
    asked = await write(db, "Elif hasta.")
    async with db.transaction() as tx:
        await tx.want_translation(asked, "nl")
        await tx.want_translation(asked, "nl")  # once per language
        [(message, language, attempts)] = await tx.pending_translations(10)
        assert (message.id, language, attempts) == (asked, "nl", 0)
        await tx.record_translation(asked, "nl", None, None, last=False)
        [(_, _, attempts)] = await tx.pending_translations(10)
        assert attempts == 1
        await tx.record_translation(asked, "nl", "Elif is ziek.", "libretranslate", last=True)
        assert await tx.pending_translations(10) == []
        assert await tx.translation_of(asked, "nl") == ("Elif is ziek.", "libretranslate")
        await tx.want_translation(asked, "en", tried=True)
        await tx.record_translation(asked, "en", None, None, last=True)  # given up
        assert await tx.pending_translations(10) == []
        assert await tx.translation_of(asked, "en") is None


async def test_what_waits_for_the_digest(db: Database) -> None:
    first, second = await write(db, "Eén"), await write(db, "Twee")
    async with db.transaction() as tx:
        for message_id in (first, second):
            await tx.add_waiting(message_id, "T1")
        await tx.add_waiting(second, "T2")
        waiting = await tx.waiting_messages()
        assert {k: [m.id for m in v] for k, v in waiting.items()} == {
            "T1": [first, second],
            "T2": [second],
        }
        await tx.stop_waiting("T1")
        assert list(await tx.waiting_messages()) == ["T2"]
