"""Reactions to positive news: one tap for the family, seen by the teacher."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.callback_data import ReactionTap
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import good_news
from conversations.common import Handlers, services, tr_for
from conversations.flow import begin
from conversations.guards import on_tap, requires
from conversations.keyboards import menu_keyboard
from conversations.replies import done, reply, say_stale, show_under_original


@requires(Action.ANSWER_CARE)
@on_tap(ReactionTap)
async def react(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: ReactionTap
) -> None:
    """A reader's reaction to good news: a button, or a few words typed next."""
    assert viewer.kind is not None and viewer.person_id is not None
    news_id, reaction = tap.news_id, tap.reaction
    svc = services(context)
    tr = tr_for(context, viewer)
    if reaction == "words":
        async with svc.db.transaction() as tx:
            found_words = await tx.news_recipient(news_id, viewer.kind, viewer.person_id)
        if found_words is None:
            await say_stale(update, context, viewer)
            return
        step = await begin(update, context, viewer, "news_words", "text", news_id=news_id)
        await step.show(tr._("💬 Type a few words for the teacher."))
        await done(update)
        return
    async with svc.work() as w:
        found = await good_news.record_reaction(
            w,
            news_id=news_id,
            person=(viewer.kind, viewer.person_id),
            reaction=reaction,
        )
        sent = await w.tx.outbox_message(found.outbox_id) if found and found.outbox_id else None
    if found is None:
        await reply(
            update,
            tr._("This button is not meant for you. Nothing was changed."),
            menu_keyboard(viewer, tr),
        )
        await done(update)
        return
    await show_under_original(
        update, sent, tr._("Thank you! The teacher will see your reaction."), None
    )
    await done(update)


HANDLERS: Handlers = [CallbackQueryHandler(react, pattern=ReactionTap.pattern())]
