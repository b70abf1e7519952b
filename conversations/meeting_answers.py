"""Parents answer meeting invitations and read summaries with one tap; a wish for another time
or a question about a summary is typed, and reaches the teacher."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import meetings
from bot.access import Action
from bot.i18n import Translator
from bot.models import Meeting, PersonKind, Viewer
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
from conversations.flow import Flow, Step, begin, register

MAX_TEXT = 500


def _person(viewer: Viewer) -> tuple[PersonKind, str]:
    assert viewer.kind is not None and viewer.person_id is not None
    return viewer.kind, viewer.person_id


async def _show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    meeting_id: int,
    line: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    svc = services(context)
    async with svc.db.transaction() as tx:
        outbox_id = await tx.invite_outbox_id(meeting_id, *_person(viewer))
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    await show_under_original(update, sent, line, markup)


def _change(tr: Translator, meeting: Meeting) -> InlineKeyboardMarkup:
    """After an answer: a way back, and the wishes that still apply."""
    base = f"m:{meeting.id}:{meeting.version}"
    return InlineKeyboardMarkup(
        [
            [button(tr.label("↩️ Change my answer"), f"{base}:change")],
            [
                button(tr.label("🗣 I'd like an interpreter"), f"{base}:interp"),
                button(tr.label("👥 I'll bring someone"), f"{base}:bring"),
            ],
        ]
    )


@requires(Action.ANSWER_CARE)
async def invitation_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    tr = tr_for(context, viewer)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        await say_stale(update, context, viewer)
        return
    meeting_id, version, action = int(parts[1]), int(parts[2]), parts[3]
    svc = services(context)
    now = svc.clock.now()
    async with svc.db.transaction() as tx:
        found = await meetings.find_invitation(tx, _person(viewer), meeting_id, version, now)
    if not found.ok or found.meeting is None:
        await _refused(update, context, viewer, found.reason)
        return
    meeting = found.meeting
    if action == "change":
        markup = markup_from_json(meetings.invitation_keyboard(tr, meeting))
        await _show(update, context, viewer, meeting_id, tr._("What is your answer?"), markup)
        await done(update)
        return
    if action == "other":
        rows = [
            [button("🕒 " + tr.datetime(alt), f"m:{meeting.id}:{version}:alt{index}")]
            for index, alt in enumerate(meeting.alternatives)
        ]
        rows.append(
            [button(tr.label("✍️ I'll type a time that suits me"), f"m:{meeting.id}:{version}:type")]
        )
        rows.append([button(tr.label("⬅️ Back"), f"m:{meeting.id}:{version}:change")])
        line = tr._("Which time suits you better?")
        await _show(update, context, viewer, meeting_id, line, InlineKeyboardMarkup(rows))
        await done(update)
        return
    if action == "type":
        step = await begin(
            update, context, viewer, "preference", "text", meeting_id=meeting.id, version=version
        )
        await step.show(tr._("✍️ Which day and time would suit you? Type it in your own words."))
        await done(update)
        return
    if action in ("interp", "bring"):
        wish = "interpreter" if action == "interp" else "companion"
        async with svc.db.transaction() as tx:
            _, wanted = await meetings.toggle_wish(
                tx,
                svc.texts,
                svc.settings,
                now,
                person=_person(viewer),
                meeting_id=meeting_id,
                version=version,
                wish=wish,
            )
        if wish == "interpreter":
            line = (
                tr._("🗣 We will arrange an interpreter.")
                if wanted
                else tr._("🗣 No interpreter then.")
            )
        else:
            line = (
                tr._("👥 Good, you may bring someone.")
                if wanted
                else tr._("👥 Noted: you come without a companion.")
            )
        markup = markup_from_json(meetings.invitation_keyboard(tr, meeting))
        await _show(update, context, viewer, meeting_id, line, markup)
        await done(update)
        return
    preference = None
    if (
        action.startswith("alt")
        and action[3:].isdigit()
        and int(action[3:]) < len(meeting.alternatives)
    ):
        chosen: datetime = meeting.alternatives[int(action[3:])]
        preference = chosen.isoformat()
        action = "other_time"
    answer = {"come": "come", "cannot": "cannot", "other_time": "other_time"}.get(action)
    if answer is None:
        await say_stale(update, context, viewer)
        return
    async with svc.db.transaction() as tx:
        await meetings.answer(
            tx,
            svc.texts,
            svc.settings,
            now,
            person=_person(viewer),
            meeting_id=meeting_id,
            version=version,
            answer=answer,
            preference=preference,
        )
    line = {
        "come": tr._(
            "✅ You will come on {date}. See you then!", date=tr.datetime(meeting.starts_at)
        ),
        "cannot": tr._("❌ You cannot come. The school will contact you."),
        "other_time": tr._("🕒 Thank you. The school will propose a new time."),
    }[answer]
    await _show(update, context, viewer, meeting_id, line, _change(tr, meeting))
    await done(update)


async def _refused(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, reason: str
) -> None:
    tr = tr_for(context, viewer)
    text = {
        "stale": tr._("The time of this talk has changed. Please use the newest message."),
        "cancelled": tr._("This talk will not take place. Nothing was changed."),
        "past": tr._("This talk has already taken place."),
    }.get(reason, tr._("This button is not meant for you. Nothing was changed."))
    await reply(update, text, menu_keyboard(viewer, tr))
    await done(update)


async def preference_text(step: Step, text: str) -> None:
    tr = step.tr
    data = step.state.data
    async with step.svc.db.transaction() as tx:
        found = await meetings.answer(
            tx,
            step.svc.texts,
            step.svc.settings,
            step.svc.clock.now(),
            person=_person(step.viewer),
            meeting_id=int(data["meeting_id"]),  # type: ignore[call-overload]
            version=int(data["version"]),
            answer="other_time",
            preference=text[:MAX_TEXT],  # type: ignore[call-overload]
        )
        await tx.clear_flow(step.viewer.user_id)
    if found.ok:
        await step.show(
            tr._("🕒 Thank you. The school will propose a new time."),
            menu_keyboard(step.viewer, tr).inline_keyboard,
        )  # type: ignore[arg-type]
    else:
        await step.show(tr._("This talk has changed. Please use the newest message."))


async def preference_button(step: Step, value: str) -> None:
    await step.end()
    await step.show(step.tr._("I don't understand this. Choose one of the buttons, or type /help."))


register(Flow("preference", Action.ANSWER_CARE, preference_text, preference_button))


# --- summaries ------------------------------------------------------------------------


@requires(Action.ANSWER_CARE)
async def summary_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    tr = tr_for(context, viewer)
    if len(parts) != 3 or not parts[1].isdigit():
        await say_stale(update, context, viewer)
        return
    meeting_id = int(parts[1])
    svc = services(context)
    now = svc.clock.now()
    async with svc.db.transaction() as tx:
        readers = await tx.summary_readers(meeting_id)
        outbox_id = await tx.summary_outbox_id(meeting_id, *_person(viewer))
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    if not any((k, p) == _person(viewer) for k, p, _ in readers):
        await _refused(update, context, viewer, "not_yours")
        return
    keyboard = markup_from_json(meetings.summary_keyboard(tr, meeting_id))
    if parts[2] == "read":
        async with svc.db.transaction() as tx:
            await meetings.read_summary(
                tx, svc.texts, svc.settings, now, person=_person(viewer), meeting_id=meeting_id
            )
        await show_under_original(update, sent, tr._("✅ Thank you for reading."), keyboard)
    elif parts[2] == "ask":
        step = await begin(update, context, viewer, "question", "text", meeting_id=meeting_id)
        await step.show(tr._("❓ Type your question. The teacher will answer you here."))
    else:
        await say_stale(update, context, viewer)
        return
    await done(update)


async def question_text(step: Step, text: str) -> None:
    tr = step.tr
    async with step.svc.db.transaction() as tx:
        sent = await meetings.ask_question(
            tx,
            step.svc.texts,
            step.svc.clock.now(),
            person=_person(step.viewer),
            meeting_id=int(step.state.data["meeting_id"]),
            question=text[:MAX_TEXT],  # type: ignore[call-overload]
        )
        await tx.clear_flow(step.viewer.user_id)
    await step.show(
        tr._("✅ Your question was sent. You will get the answer here.")
        if sent
        else tr._("This button is not meant for you. Nothing was changed.")
    )


async def question_button(step: Step, value: str) -> None:
    await step.end()
    await step.show(step.tr._("I don't understand this. Choose one of the buttons, or type /help."))


register(Flow("question", Action.ANSWER_CARE, question_text, question_button))

HANDLERS = [
    CallbackQueryHandler(invitation_answer, pattern=r"^m:"),
    CallbackQueryHandler(summary_action, pattern=r"^sr:"),
]
