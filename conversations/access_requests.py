"""The right of access in the chat: a parent or a pupil of 16+ asks from the menu, a
coordinator sends the copy with one tap. Every tap is checked against the database."""

from __future__ import annotations

from pathlib import Path

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.paper.pdf import FontsMissing, find_fonts
from bot.rules.callback_data import AccessTap
from bot.rules.models import AccessRequest, PersonKind, Viewer
from bot.rules.permissions import Action
from bot.services import right_of_access
from bot.services.right_of_access import Answered, Asked, SafetyChoice
from bot.texts import care_messages
from conversations.common import Handlers, services, tap_of, tr_for
from conversations.flow import Flow, Step, begin, register, stale
from conversations.guards import requires
from conversations.keyboards import button, markup_from_json, menu_keyboard
from conversations.replies import done, reply, say_stale


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
    if not right_of_access.may_ask(viewer.kind, birth, today):
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
    async with svc.work() as w:
        result = await right_of_access.ask(w, viewer.kind, viewer.person_id)
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


def _request_id(update: Update) -> int | None:
    tap = tap_of(update, AccessTap)
    return tap.request_id if tap else None


async def _font_dir(
    update: Update, context: ContextTypes.DEFAULT_TYPE, tr: Translator
) -> Path | None:
    try:
        return find_fonts(services(context).settings.font_dir)
    except FontsMissing:
        # staff:
        text = tr._(
            "The file cannot be made: the server misses the fonts for PDF files."
            " Please ask the administrator to run <code>samen check</code>."
        )
        await reply(update, text)
        await done(update)
        return None


@requires(Action.ANSWER_ACCESS)
async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """The coordinator sees the copy as it would go out, protected, before sending it."""
    request_id = _request_id(update)
    chat = update.effective_chat
    if request_id is None or viewer.person_id is None or chat is None:
        await say_stale(update, context, viewer)
        return
    svc = services(context)
    tr = tr_for(context, viewer)
    font_dir = await _font_dir(update, context, tr)
    if font_dir is None:
        return
    shown = await right_of_access.preview_copy(svc, font_dir, request_id, viewer.person_id)
    if shown is None:
        await say_stale(update, context, viewer)
        return
    await chat.send_document(
        document=InputFile(shown.document, filename=shown.file_name),
        # staff:
        caption="\n".join(
            [
                tr._(
                    "This is the file {name} will get. Nothing has been sent yet.",
                    name=shown.name,
                ),
                *(
                    [
                        # staff:
                        tr._(
                            "🛡 What was recorded during the safety exception is left out here;"
                            " when you send, you decide."
                        )
                    ]
                    if shown.covers_safety
                    else []
                ),
            ]
        ),
        parse_mode=ParseMode.HTML,
        protect_content=True,
        reply_markup=markup_from_json(
            care_messages.keyboard(right_of_access.review_buttons(tr, request_id)[1:])
        ),
    )
    await done(update)


@requires(Action.ANSWER_ACCESS)
async def send_copy(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    request_id = _request_id(update)
    if request_id is None or viewer.person_id is None:
        await say_stale(update, context, viewer)
        return
    tr = tr_for(context, viewer)
    font_dir = await _font_dir(update, context, tr)
    if font_dir is None:
        return
    await _send(update, context, viewer, request_id, font_dir, None)


async def _send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    request_id: int,
    font_dir: Path,
    safety: SafetyChoice | None,
) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    assert viewer.person_id is not None
    result = await right_of_access.send_copy(svc, font_dir, request_id, viewer.person_id, safety)
    if result.outcome is Answered.UNKNOWN or result.request is None:
        await say_stale(update, context, viewer)
        return
    if result.outcome is Answered.SAFETY_DECISION_NEEDED:
        step = await begin(update, context, viewer, "copy_safety", "choose", request=request_id)
        await _ask_safety_choice(step, result.name)
        await done(update)
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
            " Print it with <code>samen export copy {person}</code> and hand it over before"
            " {due}.",
            name=result.name,
            person=result.request.requester[1],
            due=tr.date_with_year(result.request.due_on),
        )
    await reply(update, text, edit=True)
    await done(update)


# --- a copy that covers a safety exception -------------------------------------------


async def _ask_safety_choice(step: Step, name: str) -> None:
    tr = step.tr
    # staff:
    text = tr._(
        "🛡 The file of {name} covers a time with a safety exception (meldcode)."
        " What was recorded then could tell the family about it."
        " What should the copy leave out?",
        name=name,
    )
    rows = [
        # staff:
        [step.button(tr.label("🙈 Leave out what was recorded then"), "leave_out")],
        # staff:
        [step.button(tr.label("📄 Include everything"), "include")],
    ]
    await step.show(text, rows)


async def _on_safety_button(step: Step, value: str) -> None:
    if step.state.step == "choose" and value in ("leave_out", "include"):
        await step.go("reason", leave_out=value == "leave_out")
        # staff:
        await step.show(step.tr._("Why? Type a short reason; it goes into the audit trail."))
        return
    await stale(step.update, step.context)


async def _on_safety_text(step: Step, text: str) -> None:
    tr = step.tr
    if step.state.step != "reason" or not 2 <= len(text) <= MAX_REASON:
        # staff:
        await step.show(tr._("Please type a short reason (at most {n} characters).", n=MAX_REASON))
        return
    font_dir = await _font_dir(step.update, step.context, tr)
    if font_dir is None:
        return
    await step.end()
    choice = SafetyChoice(leave_out=bool(step.state.data["leave_out"]), reason=text)
    request_id = int(str(step.state.data["request"]))
    await _send(step.update, step.context, step.viewer, request_id, font_dir, choice)


MAX_REASON = 500

register(Flow("copy_safety", Action.ANSWER_ACCESS, _on_safety_text, _on_safety_button))

HANDLERS: Handlers = [
    CallbackQueryHandler(explain, pattern=r"^menu:access$"),
    CallbackQueryHandler(confirm, pattern=r"^ar:ask$"),
    CallbackQueryHandler(preview, pattern=AccessTap.pattern(action="preview")),
    CallbackQueryHandler(send_copy, pattern=AccessTap.pattern(action="send")),
]
