"""`/taal` and the language button: each person reads Samen in the language they choose."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import language_name
from bot.rules.callback_data import LanguageTap
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from conversations.common import Handlers, services, tap_of, tr_for
from conversations.guards import requires
from conversations.keyboards import button, language_only_keyboard, menu_keyboard, publish_commands
from conversations.replies import done, reply


def picker(languages: tuple[str, ...], current: str) -> InlineKeyboardMarkup:
    """Each language in its own name and script, two a row; the current one ticked."""
    buttons = [
        button(
            ("✅ " if code == current else "") + language_name(code), str(LanguageTap("set", code))
        )
        for code in languages
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


@requires(Action.LANGUAGE)
async def show_picker(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    tr = tr_for(context, viewer)
    languages = services(context).settings.languages
    text = tr._("🌐 In which language should Samen write to you?")
    await reply(
        update, text, picker(languages, viewer.language), edit=update.callback_query is not None
    )
    await done(update)


@requires(Action.LANGUAGE)
async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    svc = services(context)
    tap = tap_of(update, LanguageTap)
    code = tap.code if tap else ""
    if code not in svc.settings.languages:
        # A forged or outdated button: nothing changes, the current choice is shown again.
        tr = tr_for(context, viewer)
        text = tr._("This button no longer works. Please choose again.")
        await reply(update, text, picker(svc.settings.languages, viewer.language), edit=True)
        await done(update)
        return
    updated = await svc.choose_language(viewer, code)
    tr = svc.texts(code)
    text = tr._("✅ Samen now writes to you in {language}.", language=language_name(code))
    keyboard = menu_keyboard(updated, tr) if updated.linked else language_only_keyboard(tr)
    await reply(update, text, keyboard, edit=True)
    await publish_commands(context, updated)
    await done(update)


HANDLERS: Handlers = [
    CommandHandler("taal", show_picker),
    CommandHandler("language", show_picker),
    CallbackQueryHandler(show_picker, pattern=r"^lang:menu$"),
    CallbackQueryHandler(choose, pattern=LanguageTap.pattern(action="set")),
]
