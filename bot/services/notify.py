"""Telling a person something, the one way: resolve the `Reader` once (their chat, and the
language they read by `bot.rules.language`), write the text with `reader.tr`, and `notify`
queues it in the outbox, in the transaction of the change that caused it.

Every message uses the language the person reads now (a parent who switches to Arabic gets
the next reminder in Arabic); the outbox row records what was sent, and records of answers
and recipients keep the language the text was written in (`reader.language`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.i18n.translator import SUPPORTED_LANGUAGES, Translator
from bot.rules.language import reading_language
from bot.rules.models import PersonKind
from bot.services.work import Work
from bot.storage import Tx


@dataclass(frozen=True)
class Reader:
    kind: PersonKind
    person_id: str
    chat_id: int | None  # None: not in Samen (yet), or no longer reachable by chat
    tr: Translator

    @property
    def language(self) -> str:
        return self.tr.language

    @property
    def in_samen(self) -> bool:
        return self.chat_id is not None


async def reader(w: Work, kind: PersonKind, person_id: str) -> Reader:
    """Who will read a message, in which language, through which chat."""
    chat, chosen, roster = await w.tx.reader_facts(kind, person_id)
    return Reader(
        kind, person_id, chat, w.texts(reading_language(chosen, roster, w.texts.languages))
    )


async def language_read(tx: Tx, kind: PersonKind, person_id: str) -> str:
    """The language a person reads among all Samen knows, also one this school switched off:
    what staff need to know to bring an interpreter."""
    chosen, roster = await tx.language_facts(kind, person_id)
    return reading_language(chosen, roster, SUPPORTED_LANGUAGES)


async def notify(
    w: Work,
    to: Reader,
    text: str,
    *,
    purpose: str,
    reply_markup: str | None = None,
    protect_content: bool = False,
    not_before: datetime | None = None,
    pupil_id: str | None = None,
    document: bytes | None = None,
    document_name: str | None = None,
    copy_of: tuple[int, int] | None = None,
) -> int | None:
    """Queue `text` for this reader; the outbox id, or None when they have no chat. A
    `pupil_id` marks a message to a family about that pupil (held by a safety exception)."""
    if to.chat_id is None:
        return None
    return await w.tx.enqueue(
        chat_id=to.chat_id,
        text=text,
        purpose=purpose,
        now=w.now,
        reply_markup=reply_markup,
        protect_content=protect_content,
        recipient=(to.kind, to.person_id),
        not_before=not_before,
        pupil_id=pupil_id,
        document=document,
        document_name=document_name,
        copy_of=copy_of,
    )
