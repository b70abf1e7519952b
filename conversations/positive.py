"""Reactions to positive news: one tap for the family, seen by the teacher."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.models import PersonKind, Viewer
from bot.rules.permissions import Action
from bot.services import good_news, pupil_discussions
from conversations.common import (
    done,
    menu_keyboard,
    reply,
    requires,
    say_stale,
    services,
    show_under_original,
    tr_for,
)
from conversations.flow import begin


@requires(Action.ANSWER_CARE)
async def react(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in good_news.REACTIONS:
        await say_stale(update, context, viewer)
        return
    assert viewer.kind is not None and viewer.person_id is not None
    news_id, reaction = int(parts[1]), parts[2]
    svc = services(context)
    tr = tr_for(context, viewer)
    now = svc.clock.now()
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
    async with svc.db.transaction() as tx:
        found = await tx.news_recipient(news_id, viewer.kind, viewer.person_id)
        if found is None:
            sent = None
        else:
            await tx.set_news_reaction(news_id, viewer.kind, viewer.person_id, reaction, now)
            sent = await tx.outbox_message(found["outbox_id"]) if found["outbox_id"] else None
            pupil = await tx.pupil(found["pupil_id"])
            chat = await tx.chat_of_person(PersonKind.STAFF, found["staff_id"])
            if pupil is not None and chat is not None:
                staff_tr = svc.texts(
                    await tx.language_of_person(PersonKind.STAFF, found["staff_id"])
                )
                people = await pupil_discussions.people_of_pupil(tx, pupil)
                who = pupil_discussions.describe(
                    staff_tr,
                    people[pupil_discussions.person_key(viewer.kind, viewer.person_id)],
                    pupil.first_name,
                )
                await tx.enqueue(
                    chat_id=chat,
                    # staff:
                    text=staff_tr._(
                        "{who} reacted to your good news: {reaction}",
                        who=who,
                        reaction=staff_tr.label(
                            good_news.REACTIONS[reaction], child=pupil.first_name
                        ),
                    ),
                    purpose="news_reaction",
                    now=now,
                    recipient=(PersonKind.STAFF, found["staff_id"]),
                )
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


HANDLERS = [CallbackQueryHandler(react, pattern=r"^pn:")]
