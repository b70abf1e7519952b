"""The right of access in the chat: a parent or a pupil of 16+ asks from the menu, a
coordinator sends the copy with one tap. Every tap is checked against the database."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import access_requests
from bot.access import Action
from bot.access_requests import Answered, Asked
from bot.i18n import Translator
from bot.models import AccessRequest, PersonKind, Viewer
from bot.pdf import FontsMissing, find_fonts
from conversations.common import (
    button,
    done,
    menu_keyboard,
    reply,
    requires,
    say_stale,
    services,
    tr_for,
)


@requires(Action.ASK_ACCESS)
async def explain(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """What asking means, before anything is recorded: one more tap asks."""
    assert viewer.kind is not None and viewer.person_id is not None
    svc = services(context)
    tr = tr_for(context, viewer)
    today = svc.clock.now().astimezone(svc.settings.timezone).date()
    async with svc.db.reading() as tx:
        pupil = await tx.pupil(viewer.person_id) if viewer.kind is PersonKind.PUPIL else None
        open_request = await tx.open_access_request(viewer.kind, viewer.person_id)
    birth = pupil.birth_date if pupil else None
    if not access_requests.may_ask(viewer.kind, birth, today):
        text = tr._(
            "From the age of 16 you can ask this yourself."
            " Until then, your parents can ask the school."
        )
        await reply(update, text, menu_keyboard(viewer, tr), edit=True)
        await done(update)
        return
    if open_request is not None:
        await reply(update, _waiting_text(tr, open_request), menu_keyboard(viewer, tr), edit=True)
        await done(update)
        return
    if viewer.kind is PersonKind.PUPIL:
        text = tr._(
            "📄 <b>What Samen keeps about you</b>\n"
            "You may ask the school which information Samen keeps about you."
            " The school checks it and sends it to you here as a file, within one month.\n"
            "Do you want to ask for it?"
        )
    else:
        text = tr._(
            "📄 <b>What Samen keeps about you</b>\n"
            "You may ask the school which information Samen keeps about you"
            " and about your child. The school checks it and sends it to you here as a file,"
            " within one month.\nDo you want to ask for it?"
        )
    markup = InlineKeyboardMarkup(
        [
            [button(tr.label("📄 Yes, ask for it"), "ar:ask")],
            [button(tr.label("No, back to the menu"), "menu:help")],
        ]
    )
    await reply(update, text, markup, edit=True)
    await done(update)


@requires(Action.ASK_ACCESS)
async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    assert viewer.kind is not None and viewer.person_id is not None
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.db.transaction() as tx:
        result = await access_requests.ask(
            tx, svc.texts, svc.settings, viewer.kind, viewer.person_id, svc.clock.now()
        )
    if result.outcome is Asked.NOT_ALLOWED or result.request is None:
        await say_stale(update, context, viewer)
        return
    if result.outcome is Asked.ALREADY_OPEN:
        text = _waiting_text(tr, result.request)
    else:
        text = tr._(
            "✅ Thank you. The school has your question. You get the file here before {date}.",
            date=tr.date_with_year(result.request.due_on),
        )
    await reply(update, text, menu_keyboard(viewer, tr), edit=True)
    await done(update)


def _waiting_text(tr: Translator, request: AccessRequest) -> str:
    return tr._(
        "You asked for this on {asked}. The school sends the file here before {date}.",
        asked=tr.date_with_year(request.requested_at.astimezone(tr.timezone).date()),
        date=tr.date_with_year(request.due_on),
    )


@requires(Action.ANSWER_ACCESS)
async def send_copy(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":") if query else []
    if len(parts) != 3 or not parts[1].isdigit() or viewer.person_id is None:
        await say_stale(update, context, viewer)
        return
    svc = services(context)
    tr = tr_for(context, viewer)
    try:
        font_dir = find_fonts(svc.settings.font_dir)
    except FontsMissing:
        # staff:
        text = tr._(
            "The file cannot be made: the server misses the fonts for PDF files."
            " Please ask the administrator to run <code>samen check</code>."
        )
        await reply(update, text)
        await done(update)
        return
    async with svc.db.transaction() as tx:
        result = await access_requests.send_copy(
            tx,
            svc.texts,
            svc.settings,
            font_dir,
            int(parts[1]),
            viewer.person_id,
            svc.clock.now(),
        )
    if result.outcome is Answered.UNKNOWN or result.request is None:
        await say_stale(update, context, viewer)
        return
    asked = tr.date_with_year(result.request.requested_at.astimezone(tr.timezone).date())
    if result.outcome is Answered.SENT:
        assert result.request.answered_at is not None
        # staff:
        text = tr._(
            "✅ The file is on its way to {name}. Recorded: asked on {asked},"
            " answered on {answered}.",
            name=result.name,
            asked=asked,
            answered=tr.date_with_year(result.request.answered_at.astimezone(tr.timezone).date()),
        )
    elif result.outcome is Answered.ALREADY_ANSWERED:
        assert result.request.answered_at is not None
        # staff:
        text = tr._(
            "This request of {name} was already answered on {answered}.",
            name=result.name,
            answered=tr.date_with_year(result.request.answered_at.astimezone(tr.timezone).date()),
        )
    else:
        # staff:
        text = tr._(
            "{name} is no longer connected to Samen, so the file cannot be sent in the chat."
            " Please hand it over in person (samen export pupil) before the deadline.",
            name=result.name,
        )
    await reply(update, text, edit=True)
    await done(update)


HANDLERS = [
    CallbackQueryHandler(explain, pattern=r"^menu:access$"),
    CallbackQueryHandler(confirm, pattern=r"^ar:ask$"),
    CallbackQueryHandler(send_copy, pattern=r"^ar:\d+:send$"),
]
