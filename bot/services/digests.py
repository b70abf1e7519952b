"""What families wrote while school was closed reaches each teacher at the start of the next
working period in one digest, with a button to answer each message."""

from __future__ import annotations

from bot.rules.callback_data import AsWrittenTap, FamilyMessageTap
from bot.rules.models import FamilyMessage, PersonKind
from bot.services.family_messages import as_staff_read_it, staff_reads_from
from bot.services.notify import Reader, notify, reader
from bot.services.work import Work
from bot.texts import care_messages, conversation_texts

# Room for the heading within Telegram's 4096 characters.
MAX_DIGEST = 3800


async def send_digests(w: Work) -> int:
    """At work again: each teacher's waiting messages in one digest (more when they do not
    fit in one message). Returns how many digests were queued."""
    if staff_reads_from(w) > w.now:
        return 0  # school is still closed
    sent = 0
    for staff_id, messages in (await w.tx.waiting_messages()).items():
        to = await reader(w, PersonKind.STAFF, staff_id)
        if to.in_samen:
            for part in await _parts(w, to, messages):
                await _send_part(w, to, part)
                sent += 1
        await w.tx.stop_waiting(staff_id)
    return sent


async def _parts(
    w: Work, to: Reader, messages: list[FamilyMessage]
) -> list[list[tuple[FamilyMessage, str, bool]]]:
    """The messages with their text as the teacher reads them, in parts that fit a message,
    and whether their words as written are a tap away."""
    parts: list[list[tuple[FamilyMessage, str, bool]]] = [[]]
    size = 0
    for message in messages:
        translated = await w.tx.translation_of(message.id, to.language)
        translation = translated[0] if translated else None
        text = await as_staff_read_it(w, to, message, translation)
        if parts[-1] and size + len(text) > MAX_DIGEST:
            parts.append([])
            size = 0
        tap_away = conversation_texts.as_written_a_tap_away(message.text, translation)
        parts[-1].append((message, text[:MAX_DIGEST], tap_away))
        size += len(text) + 2
    return parts


async def _send_part(w: Work, to: Reader, part: list[tuple[FamilyMessage, str, bool]]) -> None:
    tr = to.tr
    # staff:
    heading = tr._("🌙 <b>While school was closed</b>")
    rows = []
    for number, (message, _, tap_away) in enumerate(part, start=1):
        # staff:
        label = tr.label("↩️ Answer message {number}", number=number)
        row = [care_messages.button(label, str(FamilyMessageTap(message.id)))]
        if tap_away:
            # staff:
            label = tr.label("📝 Message {number} as written", number=number)
            row.append(care_messages.button(label, str(AsWrittenTap(message.id))))
        rows.append(row)
    texts = [f"{number}. {text}" for number, (_, text, _) in enumerate(part, start=1)]
    await notify(
        w,
        to,
        "\n\n".join([heading, *texts]),
        purpose="family_digest",
        reply_markup=care_messages.keyboard(rows),
        protect_content=True,
    )
