"""Parents and pupils answer CvB notices and consent requests with buttons, and withdraw
consent from their menu. Every tap is checked against the database: who is tapping, whether
the request was sent to them, whether it is still open. The button's data is never trusted."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.callback_data import ConsentTap, NoticeTap
from bot.rules.consent import FINAL
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import pupil_discussions
from bot.texts import care_messages
from conversations.common import Handlers, ViewerHandler, services, tr_for
from conversations.guards import on_tap, requires
from conversations.keyboards import button, markup_from_json, menu_keyboard
from conversations.replies import answer_with_menu, done, reply, show_under_original


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
        outbox_id = await tx.recipient_outbox_id(discussion_id, *viewer.person)
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    await show_under_original(update, sent, status_line, markup)


def _notice_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return markup_from_json(care_messages.notice_keyboard(tr, discussion_id))


def _consent_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return markup_from_json(care_messages.consent_keyboard(tr, discussion_id))


def _change(tr: Translator, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr.label("↩️ Change my answer"), data)]])


@requires(Action.ANSWER_CARE)
@on_tap(NoticeTap)
async def notice_change(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: NoticeTap
) -> None:
    """Show the notice's answers again, to change the one given."""
    tr = tr_for(context, viewer)
    markup = _notice_markup(tr, tap.discussion_id)
    await _show(update, context, viewer, tap.discussion_id, tr._("What is your answer?"), markup)
    await done(update)


@requires(Action.ANSWER_CARE)
@on_tap(NoticeTap)
async def notice_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: NoticeTap
) -> None:
    """Come, talk first, or understood: recorded, and the notice shows the answer below it."""
    tr = tr_for(context, viewer)
    svc = services(context)
    async with svc.work() as w:
        outcome = await pupil_discussions.record_answer(
            w,
            person=viewer.person,
            user_id=viewer.user_id,
            discussion_id=tap.discussion_id,
            answer=tap.answer,
        )
    if outcome in (pupil_discussions.Outcome.NOT_YOURS, pupil_discussions.Outcome.CLOSED):
        await _refused(update, context, viewer, outcome)
        return
    lines = {
        "come": tr._("✅ Thank you. You will come. See you then!"),
        "talk": tr._("💬 Thank you. The school will contact you soon."),
        "understood": tr._("👍 Thank you for letting us know."),
    }
    change = _change(tr, str(NoticeTap(tap.discussion_id, "change")))
    await _show(update, context, viewer, tap.discussion_id, lines[tap.answer], change)
    await done(update)


@dataclass(frozen=True)
class _Asked:
    """A consent tap by someone whose answer the request needs, with what they answered."""

    tap: ConsentTap
    child: str
    latest: str | None
    sent: tuple[int, str, int | None] | None  # the message that asked them


async def _asked(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: ConsentTap
) -> _Asked | None:
    """The tap, checked against the database: refused (and answered so) unless this request
    was sent to this person and their answer counts."""
    async with services(context).db.reading() as tx:
        person = await tx.asked_person(tap.discussion_id, *viewer.person)
    if person is None or not person.decides:
        await _refused(update, context, viewer, pupil_discussions.Outcome.NOT_YOURS)
        return None
    return _Asked(tap, person.child, person.latest, person.sent)


AskedHandler = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, Viewer, _Asked], Coroutine[Any, Any, None]
]


def on_consent_tap(handler: AskedHandler) -> ViewerHandler:
    """Run `handler` only for a consent tap that `_asked` accepted."""

    @on_tap(ConsentTap)
    @functools.wraps(handler)
    async def checked(
        update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: ConsentTap
    ) -> None:
        asked = await _asked(update, context, viewer, tap)
        if asked is not None:
            await handler(update, context, viewer, asked)

    return checked


@requires(Action.ANSWER_CARE)
@on_consent_tap
async def consent_again(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    await _send_again(update, context, viewer, asked)


@requires(Action.ANSWER_CARE)
@on_consent_tap
async def consent_agree(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    await _ask_to_agree(update, context, viewer, asked)


async def _ask_to_agree(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    """The signature: agreeing takes a second, explicit tap."""
    await _first_tap(context, viewer, asked, "agree")
    tr = tr_for(context, viewer)
    line = tr._(
        "❓ Do you agree that {child} is discussed as written above? Tap again to confirm.",
        child=asked.child,
    )
    yes = tr.label("✅ Yes, I agree for {child}", child=asked.child)
    await _confirm(update, context, viewer, asked, line, (yes, "yes"), back="back")


@requires(Action.ANSWER_CARE)
@on_consent_tap
async def consent_back(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    """Back from a confirmation: the request as it stands."""
    tr = tr_for(context, viewer)
    discussion_id = asked.tap.discussion_id
    if asked.latest == "agree":
        line, markup = _agreed_line(tr), _withdraw_markup(tr, discussion_id)
    else:
        line, markup = tr._("What is your answer?"), _consent_markup(tr, discussion_id)
    await show_under_original(update, asked.sent, line, markup)
    await done(update)


@requires(Action.ANSWER_CARE)
@on_consent_tap
async def consent_withdraw(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    await _ask_to_withdraw(update, context, viewer, asked)


async def _ask_to_withdraw(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    """Withdrawing asks once more, and says what it means."""
    if asked.latest != "agree":
        await _refused(update, context, viewer, pupil_discussions.Outcome.NOT_POSSIBLE)
        return
    await _first_tap(context, viewer, asked, "withdraw")
    tr = tr_for(context, viewer)
    line = tr._(
        "❓ Withdraw your consent? From then on {child} is only discussed without a name.",
        child=asked.child,
    )
    yes = tr.label("↩️ Yes, withdraw my consent")
    await _confirm(update, context, viewer, asked, line, (yes, "withdrawyes"), back="keep")


async def _first_tap(
    context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked, answer: str
) -> None:
    """Kept by the server: the second tap counts only after this one (never the buttons)."""
    async with services(context).work() as w:
        await pupil_discussions.ask_confirmation(
            w, user_id=viewer.user_id, discussion_id=asked.tap.discussion_id, answer=answer
        )


async def _confirm(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    asked: _Asked,
    line: str,
    yes: tuple[str, str],
    *,
    back: str,
) -> None:
    """A second, explicit tap before the answer counts: the question below the request, the
    "yes" button (label, action) and a way back."""
    tr = tr_for(context, viewer)
    discussion_id = asked.tap.discussion_id
    label, action = yes
    markup = InlineKeyboardMarkup(
        [
            [button(label, str(ConsentTap(discussion_id, action)))],
            [button(tr.label("⬅️ Back"), str(ConsentTap(discussion_id, back)))],
        ]
    )
    await show_under_original(update, asked.sent, line, markup)
    await done(update)


# The taps that record an answer, and the answer each records.
RECORDS = {"yes": "agree", "refuse": "refuse", "talk": "talk", "withdrawyes": "withdraw"}


@requires(Action.ANSWER_CARE)
@on_consent_tap
async def consent_record(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    """An answer: recorded like a signature, and shown below the request."""
    answer = RECORDS[asked.tap.action]
    discussion_id = asked.tap.discussion_id
    svc = services(context)
    async with svc.work() as w:
        outcome = await pupil_discussions.record_answer(
            w,
            person=viewer.person,
            user_id=viewer.user_id,
            discussion_id=discussion_id,
            answer=answer,
        )
    if outcome is pupil_discussions.Outcome.UNCONFIRMED:
        # A "yes" without its first tap (forged, or too late): ask for the confirmation.
        confirm = _ask_to_agree if answer == "agree" else _ask_to_withdraw
        await confirm(update, context, viewer, asked)
        return
    recorded = (pupil_discussions.Outcome.RECORDED, pupil_discussions.Outcome.UNCHANGED)
    if outcome not in recorded:
        await _refused(update, context, viewer, outcome)
        return
    tr = tr_for(context, viewer)
    line, markup = _recorded_line(tr, answer, asked.child, discussion_id)
    await show_under_original(update, asked.sent, line, markup)
    await done(update)


def _recorded_line(
    tr: Translator, answer: str, child: str, discussion_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    back = str(ConsentTap(discussion_id, "back"))
    if answer == "agree":
        return _agreed_line(tr), _withdraw_markup(tr, discussion_id)
    if answer == "refuse":
        line = tr._("❌ You said no. {child} is only discussed without a name.", child=child)
        return line, _change(tr, back)
    if answer == "talk":
        line = tr._("💬 Thank you. The school will call you. An interpreter is possible.")
        return line, _change(tr, back)
    line = tr._(
        "↩️ You withdrew your consent. {child} is now only discussed without a name.",
        child=child,
    )
    return line, None


def _agreed_line(tr: Translator) -> str:
    return tr._(
        "✅ You agreed. Thank you. You can withdraw this at any time"
        " under “📝 My permissions” in the menu."
    )


def _withdraw_markup(tr: Translator, discussion_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(tr.label("↩️ Withdraw consent"), str(ConsentTap(discussion_id, "withdraw")))]]
    )


async def _send_again(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, asked: _Asked
) -> None:
    """A reminder's button: show the full question again, as a new message."""
    discussion_id = asked.tap.discussion_id
    original = asked.sent[1] if asked.sent else None
    tr = tr_for(context, viewer)
    if original is None or asked.latest in FINAL:
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
    text = {
        pupil_discussions.Outcome.CLOSED: tr._("This question is closed. Nothing was changed."),
        pupil_discussions.Outcome.NOT_POSSIBLE: tr._(
            "There is no consent to withdraw here. Nothing was changed."
        ),
    }.get(outcome)
    await answer_with_menu(update, context, viewer, text)


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
    key = pupil_discussions.person_key(*viewer.person)
    async with svc.db.transaction() as tx:
        for discussion in await tx.discussions_of_person(*viewer.person):
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
                            str(ConsentTap(discussion.id, "withdraw")),
                        )
                    ]
                )
    if len(lines) == 1:
        lines.append(tr._("You have not been asked for permission yet."))
    rows.extend(list(row) for row in menu_keyboard(viewer, tr).inline_keyboard)
    await reply(
        update, "\n".join(lines), InlineKeyboardMarkup(rows), edit=update.callback_query is not None
    )
    await done(update)


HANDLERS: Handlers = [
    CallbackQueryHandler(notice_change, pattern=NoticeTap.pattern(answer="change")),
    *(
        CallbackQueryHandler(notice_answer, pattern=NoticeTap.pattern(answer=answer))
        for answer in ("come", "talk", "understood")
    ),
    CallbackQueryHandler(consent_again, pattern=ConsentTap.pattern(action="again")),
    CallbackQueryHandler(consent_agree, pattern=ConsentTap.pattern(action="agree")),
    CallbackQueryHandler(consent_back, pattern=ConsentTap.pattern(action="back")),
    CallbackQueryHandler(consent_back, pattern=ConsentTap.pattern(action="keep")),
    CallbackQueryHandler(consent_withdraw, pattern=ConsentTap.pattern(action="withdraw")),
    *(
        CallbackQueryHandler(consent_record, pattern=ConsentTap.pattern(action=action))
        for action in RECORDS
    ),
    CallbackQueryHandler(my_permissions, pattern=r"^menu:permissions$"),
]
