"""Answering in the chat: a new message or the tapped one edited, closing a tap, and the polite
answers to a refusal or a stale button."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n.translator import Translator
from bot.rules.models import Viewer
from conversations.common import tr_for
from conversations.keyboards import language_only_keyboard, menu_keyboard

MAX_TEXT = 4000  # Telegram allows 4096; leave room for a closing line


async def reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = False,
    protect: bool = False,
) -> Message | None:
    """Answer the user in their own chat: a new message, or the tapped message edited in place.
    Returns the new message, or None when one was edited (or there is no chat)."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
            return None
        except BadRequest as exc:
            if "not modified" in exc.message:
                return None  # the same button tapped twice: the screen already shows the answer
            # Too old or deleted to edit: the answer comes as a new message instead.
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
        protect_content=protect,
    )


async def show_under_original(
    update: Update,
    sent: tuple[int, str, int | None] | None,
    status_line: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Edit the tapped message to show an answer. When it shows the text that was sent (the
    message itself, or a copy sent again), that text stays and the answer appears below it."""
    query = update.callback_query
    assert query is not None
    text = status_line
    tapped = query.message
    if sent is not None and tapped is not None:
        original, telegram_id = sent[1], sent[2]
        shown = getattr(tapped, "text", None) or ""
        opening = html.unescape(re.sub(r"<[^>]+>", "", original))[:60]
        if telegram_id == tapped.message_id or (opening and shown.startswith(opening)):
            text = f"{original}\n\n{status_line}"
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            await reply(update, status_line, markup)


async def done(update: Update) -> None:
    """Close a button tap; always last, so the spinner stops once the answer is on screen."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def answer_with_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, text: str | None = None
) -> None:
    """An answer that ends what the person was doing, with their menu under it; without a
    text, that the button was not meant for them."""
    tr = tr_for(context, viewer)
    text = text or tr._("This button is not meant for you. Nothing was changed.")
    await reply(update, text, menu_keyboard(viewer, tr))
    await done(update)


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    tr = tr_for(context, viewer)
    if not viewer.linked:
        text = tr._(
            "Samen is for parents, pupils and staff of the school.\n"
            "To start, scan the QR code on your letter from school, or type the code from the"
            " letter here."
        )
    elif viewer.is_staff:
        # staff:
        text = tr._("That is not part of your role in Samen. Here is what you can do:")
    else:
        text = tr._("That is only for school staff. Here is what you can do:")
    markup = menu_keyboard(viewer, tr) if viewer.linked else language_only_keyboard(tr)
    await reply(update, text, markup)
    await done(update)


async def say_stale(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """An old, forged or no longer fitting button: say so, show what can be done now."""
    tr = tr_for(context, viewer)
    text = tr._("This button no longer works. Here is what you can do now:")
    markup = menu_keyboard(viewer, tr) if viewer.linked else language_only_keyboard(tr)
    await reply(update, text, markup)
    await done(update)


def not_in_samen(tr: Translator, names: Sequence[str]) -> list[str]:
    """The line telling staff whom Samen could not reach; none when it reached everyone."""
    if not names:
        return []
    # staff:
    line = tr._(
        "⚠️ Not in Samen: {names}. Please call or write to them.",
        names=tr.list_of(list(names)),
    )
    return [line]


def clip(lines: list[str], tr: Translator) -> str:
    """Join lines, cutting off what does not fit in one Telegram message."""
    text = ""
    for index, line in enumerate(lines):
        candidate = f"{text}\n{line}" if text else line
        if len(candidate) > MAX_TEXT:
            rest = len(lines) - index
            return text + "\n" + tr.n_("… and {n} more line", "… and {n} more lines", rest)
        text = candidate
    return text
