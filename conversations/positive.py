"""Reactions to good news and summaries: one tap for the family (a button, or Telegram's own
👍 ❤️ on the message), seen by the teacher."""

from __future__ import annotations

from telegram import ReactionTypeEmoji, Update
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageReactionHandler

from bot.rules.callback_data import ReactionTap
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import good_news, summaries
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


# Telegram's own reactions, as the good-news buttons: a heart is a heart, applause is "well
# done", any other emoji a thank-you.
EMOJI_REACTIONS = {"❤": "heart", "❤️": "heart", "😍": "heart", "🥰": "heart", "👏": "well_done"}


@requires(Action.ANSWER_CARE)
async def reacted(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """A family member reacts to good news or a summary with one of Telegram's reactions."""
    change = update.message_reaction
    if change is None or viewer.kind is None or viewer.person_id is None:
        return
    emoji = next((r.emoji for r in change.new_reaction if isinstance(r, ReactionTypeEmoji)), None)
    if emoji is None:
        return  # a reaction taken back: nothing to tell
    person = (viewer.kind, viewer.person_id)
    svc = services(context)
    async with svc.work() as w:
        news_id = await w.tx.news_sent_as(change.chat.id, change.message_id)
        if news_id is not None:
            reaction = EMOJI_REACTIONS.get(emoji, "thanks")
            await good_news.record_reaction(w, news_id=news_id, person=person, reaction=reaction)
            return
        meeting_id = await w.tx.summary_sent_as(change.chat.id, change.message_id)
        if meeting_id is not None:
            await summaries.react_to_summary(w, person=person, meeting_id=meeting_id, emoji=emoji)


HANDLERS: Handlers = [
    CallbackQueryHandler(react, pattern=ReactionTap.pattern()),
    MessageReactionHandler(reacted),
]
