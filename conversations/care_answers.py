"""Parents and pupils answer CvB notices and consent requests with buttons, and withdraw
consent from their menu. Every tap is checked against the database: who is tapping, whether
the request was sent to them, whether it is still open. The button's data is never trusted."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.consent import FINAL
from bot.rules.models import PersonKind, Viewer
from bot.rules.permissions import Action
from bot.services import pupil_discussions
from bot.texts import care_messages
from conversations.common import (
    button,
    done,
    markup_from_json,
    menu_keyboard,
    reply,
    requires,
    say_stale,
    services,
    show_under_original,
    tr_for,
)


def _parse(data: str) -> tuple[int, str] | None:
    parts = data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


def _person(viewer: Viewer) -> tuple[PersonKind, str]:
    assert viewer.kind is not None and viewer.person_id is not None
    return viewer.kind, viewer.person_id


async def _show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    discussion_id: int,
    status_line: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Edit the request in place: its text stays, the answer shows below it (closing the loop)."""
    svc = services(context)
    async with svc.db.reading() as tx:
        outbox_id = await tx.recipient_outbox_id(discussion_id, *_person(viewer))
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    await show_under_original(update, sent, status_line, markup)


async def _original_text(
    context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, discussion_id: int
) -> str | None:
    svc = services(context)
    async with svc.db.reading() as tx:
        outbox_id = await tx.recipient_outbox_id(discussion_id, *_person(viewer))
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    return sent[1] if sent else None


def _notice_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return markup_from_json(care_messages.notice_keyboard(tr, discussion_id))


def _consent_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return markup_from_json(care_messages.consent_keyboard(tr, discussion_id))


def _change(tr: Translator, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr.label("↩️ Change my answer"), data)]])


@requires(Action.ANSWER_CARE)
async def notice_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = _parse(query.data)
    tr = tr_for(context, viewer)
    if parsed is None:
        await say_stale(update, context, viewer)
        return
    discussion_id, answer = parsed
    if answer == "change":
        await _show(
            update,
            context,
            viewer,
            discussion_id,
            tr._("What is your answer?"),
            _notice_markup(tr, discussion_id),
        )
        await done(update)
        return
    svc = services(context)
    async with svc.db.transaction() as tx:
        result = await pupil_discussions.record_answer(
            tx,
            svc.texts,
            svc.settings,
            svc.clock.now(),
            person=_person(viewer),
            user_id=viewer.user_id,
            discussion_id=discussion_id,
            answer=answer,
        )
    if result.outcome in (pupil_discussions.Outcome.NOT_YOURS, pupil_discussions.Outcome.CLOSED):
        await _refused(update, context, viewer, result.outcome)
        return
    lines = {
        "come": tr._("✅ Thank you. You will come. See you then!"),
        "talk": tr._("💬 Thank you. The school will contact you soon."),
        "understood": tr._("👍 Thank you for letting us know."),
    }
    await _show(
        update,
        context,
        viewer,
        discussion_id,
        lines[answer],
        _change(tr, f"n:{discussion_id}:change"),
    )
    await done(update)


@requires(Action.ANSWER_CARE)
async def consent_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = _parse(query.data)
    tr = tr_for(context, viewer)
    if parsed is None:
        await say_stale(update, context, viewer)
        return
    discussion_id, action = parsed
    svc = services(context)
    now = svc.clock.now()
    async with svc.db.reading() as tx:
        discussion = await tx.discussion(discussion_id)
        state = (
            await pupil_discussions.discussion_state(tx, discussion, now) if discussion else None
        )
    key = pupil_discussions.person_key(*_person(viewer))
    recipient = (
        next(
            (
                r
                for r in state.recipients
                if pupil_discussions.person_key(r.person_kind, r.person_id) == key
            ),
            None,
        )
        if state
        else None
    )
    if state is None or recipient is None or not recipient.decides:
        await _refused(update, context, viewer, pupil_discussions.Outcome.NOT_YOURS)
        return
    child = state.pupil.first_name
    latest = state.latest.get(key)
    if action == "again":
        await _send_again(update, context, viewer, discussion_id, latest)
        return
    if action == "agree":
        # The signature: agreeing takes a second, explicit tap.
        markup = InlineKeyboardMarkup(
            [
                [
                    button(
                        tr.label("✅ Yes, I agree for {child}", child=child),
                        f"c:{discussion_id}:yes",
                    )
                ],
                [button(tr.label("⬅️ Back"), f"c:{discussion_id}:back")],
            ]
        )
        line = tr._(
            "❓ Do you agree that {child} is discussed as written above? Tap again to confirm.",
            child=child,
        )
        await _show(update, context, viewer, discussion_id, line, markup)
        await done(update)
        return
    if action in ("back", "keep"):
        if latest == "agree":
            await _show(
                update,
                context,
                viewer,
                discussion_id,
                _agreed_line(tr),
                _withdraw_markup(tr, discussion_id),
            )
        else:
            await _show(
                update,
                context,
                viewer,
                discussion_id,
                tr._("What is your answer?"),
                _consent_markup(tr, discussion_id),
            )
        await done(update)
        return
    if action == "withdraw":
        if latest != "agree":
            await _refused(update, context, viewer, pupil_discussions.Outcome.NOT_POSSIBLE)
            return
        markup = InlineKeyboardMarkup(
            [
                [button(tr.label("↩️ Yes, withdraw my consent"), f"c:{discussion_id}:withdrawyes")],
                [button(tr.label("⬅️ Back"), f"c:{discussion_id}:keep")],
            ]
        )
        line = tr._(
            "❓ Withdraw your consent? From then on {child} is only discussed without a name.",
            child=child,
        )
        await _show(update, context, viewer, discussion_id, line, markup)
        await done(update)
        return
    answer = {"yes": "agree", "refuse": "refuse", "talk": "talk", "withdrawyes": "withdraw"}.get(
        action
    )
    if answer is None:
        await say_stale(update, context, viewer)
        return
    async with svc.db.transaction() as tx:
        result = await pupil_discussions.record_answer(
            tx,
            svc.texts,
            svc.settings,
            now,
            person=_person(viewer),
            user_id=viewer.user_id,
            discussion_id=discussion_id,
            answer=answer,
        )
    if result.outcome not in (
        pupil_discussions.Outcome.RECORDED,
        pupil_discussions.Outcome.UNCHANGED,
    ):
        await _refused(update, context, viewer, result.outcome)
        return
    if answer == "agree":
        line, markup = _agreed_line(tr), _withdraw_markup(tr, discussion_id)
    elif answer == "refuse":
        line = tr._("❌ You said no. {child} is only discussed without a name.", child=child)
        markup = _change(tr, f"c:{discussion_id}:back")
    elif answer == "talk":
        line = tr._("💬 Thank you. The school will call you. An interpreter is possible.")
        markup = _change(tr, f"c:{discussion_id}:back")
    else:
        line = tr._(
            "↩️ You withdrew your consent. {child} is now only discussed without a name.",
            child=child,
        )
        markup = None
    await _show(update, context, viewer, discussion_id, line, markup)
    await done(update)


def _agreed_line(tr: Translator) -> str:
    return tr._(
        "✅ You agreed. Thank you. You can withdraw this at any time"
        " under “📝 My permissions” in the menu."
    )


def _withdraw_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(tr.label("↩️ Withdraw consent"), f"c:{discussion_id}:withdraw")]]
    )


async def _send_again(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    discussion_id: int,
    latest: str | None,
) -> None:
    """A reminder's button: show the full question again, as a new message."""
    original = await _original_text(context, viewer, discussion_id)
    tr = tr_for(context, viewer)
    if original is None or latest in FINAL:
        await _refused(update, context, viewer, pupil_discussions.Outcome.CLOSED)
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        original,
        parse_mode=ParseMode.HTML,
        protect_content=True,
        reply_markup=_consent_markup(tr, discussion_id),
    )
    await done(update)


async def _refused(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    outcome: pupil_discussions.Outcome,
) -> None:
    tr = tr_for(context, viewer)
    if outcome is pupil_discussions.Outcome.CLOSED:
        text = tr._("This question is closed. Nothing was changed.")
    elif outcome is pupil_discussions.Outcome.NOT_POSSIBLE:
        text = tr._("There is no consent to withdraw here. Nothing was changed.")
    else:
        text = tr._("This button is not meant for you. Nothing was changed.")
    await reply(update, text, menu_keyboard(viewer, tr))
    await done(update)


@requires(Action.MY_CONSENTS)
async def my_permissions(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> None:
    """Every consent this person gave or was asked for, with a way to withdraw."""
    svc = services(context)
    tr = tr_for(context, viewer)
    now = svc.clock.now()
    lines = [tr._("📝 <b>Your permissions</b>")]
    rows = []
    key = pupil_discussions.person_key(*_person(viewer))
    async with svc.db.transaction() as tx:
        for discussion in await tx.discussions_of_person(*_person(viewer)):
            if not discussion.needs_consent:
                continue
            state = await pupil_discussions.discussion_state(tx, discussion, now)
            latest = state.latest.get(key)
            label = {
                "agree": tr._("you agreed"),
                "refuse": tr._("you said no"),
                "withdraw": tr._("you withdrew"),
                "talk": tr._("you want to talk first"),
            }.get(latest or "", tr._("no answer yet"))
            lines.append(
                tr._(
                    "• {child}, {date}: {answer}",
                    child=state.pupil.first_name,
                    date=tr.datetime(discussion.starts_at),
                    answer=label,
                )
            )
            if latest == "agree":
                rows.append(
                    [
                        button(
                            tr.label(
                                "↩️ Withdraw: {child}, {date}",
                                child=state.pupil.first_name,
                                date=tr.date(
                                    discussion.starts_at.astimezone(svc.settings.timezone).date()
                                ),
                            ),
                            f"c:{discussion.id}:withdraw",
                        )
                    ]
                )
    if len(lines) == 1:
        lines.append(tr._("You have not been asked for permission yet."))
    rows.extend(menu_keyboard(viewer, tr).inline_keyboard)
    await reply(
        update, "\n".join(lines), InlineKeyboardMarkup(rows), edit=update.callback_query is not None
    )
    await done(update)


HANDLERS = [
    CallbackQueryHandler(notice_answer, pattern=r"^n:"),
    CallbackQueryHandler(consent_answer, pattern=r"^c:"),
    CallbackQueryHandler(my_permissions, pattern=r"^menu:permissions$"),
]
