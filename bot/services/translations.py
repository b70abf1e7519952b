"""Machine translations follow the words: a message goes out as written at once, and when the
school's translation service answers, every copy read in another language is edited to show
the translation (marked as made by a computer) above the words as written. A service that is
down is asked once more; after that the words simply stay as written."""

from __future__ import annotations

from bot.platform.translation import MachineTranslation
from bot.rules.models import FamilyMessage, PersonKind
from bot.services.context import Services
from bot.services.family_messages import as_family_read_it, as_staff_read_it, message_buttons
from bot.services.notify import reader
from bot.services.work import Work

# A service gets this many tries per message and language: the second when the first failed.
TRIES = 2
BATCH = 20


async def translate_pending(services: Services, machine: MachineTranslation) -> int:
    """Ask the service for every translation waiting; returns how many were made. The service
    is called outside any transaction, so a slow one holds nothing up."""
    async with services.reading() as w:
        pending = await w.tx.pending_translations(BATCH)
    made = 0
    for message, language, attempts in pending:
        translated = await machine.translate(message.text, message.language, language)
        async with services.work() as w:
            await w.tx.record_translation(
                message.id,
                language,
                translated.text if translated else None,
                translated.service if translated else None,
                last=attempts + 1 >= TRIES,
            )
            if translated is not None:
                await _show(w, message, language, translated.text)
                made += 1
    return made


async def _show(w: Work, message: FamilyMessage, language: str, translation: str) -> None:
    """Every copy read in `language` shows the translation, in place."""
    for outbox_id, kind, person_id in await w.tx.family_message_copies(message.id):
        to = await reader(w, kind, person_id)
        if to.language != language:
            continue
        render = as_family_read_it if kind is not PersonKind.STAFF else as_staff_read_it
        text = await render(w, to, message, translation)
        buttons = message_buttons(to.tr, message, translation)
        await w.tx.enqueue_edit(outbox_id, text, buttons, w.now)
