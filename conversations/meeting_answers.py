"""Parents answer meeting invitations and read summaries with one tap; a wish for another time
or a question about a summary is typed, and reaches the teacher."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.models import PersonKind, Viewer
from bot.rules.permissions import Action
from bot.services import meeting_answers, summaries
from bot.services.context import Services
from bot.texts import meeting_messages
from conversations.common import (
    Handlers,
    button,
    done,
    markup_from_json,
    menu_keyboard,
    reply,
    requires,
    say_stale,
    services,
    tr_for,
)
from conversations.flow import Flow, Step, begin, cancel_flow, register

MAX_TEXT = 500


def _person(viewer: Viewer) -> tuple[PersonKind, str]:
    assert viewer.kind is not None and viewer.person_id is not None
    return viewer.kind, viewer.person_id


async def _screen(
    svc: Services, viewer: Viewer, meeting_id: int
) -> meeting_answers.InvitationScreen:
    async with svc.db.reading() as tx:
        screen = await meeting_answers.invitation_screen(
            tx, svc.texts(viewer.language), svc.settings, meeting_id, _person(viewer)
        )
    assert screen is not None  # checked by find_invitation before
    return screen


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    """The tapped invitation, edited to show the talk, the answer so far and what fits now."""
    await reply(update, text, markup, edit=True)


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
        found = await meeting_answers.find_invitation(tx, _person(viewer), meeting_id, version, now)
    if not found.ok or found.meeting is None:
        await _refused(update, context, viewer, found.reason)
        return
    meeting = found.meeting
    # Any tap on the invitation ends a half-typed wish: the buttons are the answer now.
    await cancel_flow(viewer, svc)
    if action == "change":
        screen = await _screen(svc, viewer, meeting_id)
        keyboard = meeting_messages.invitation_keyboard(tr, meeting, screen.invitee, choosing=True)
        await _show(update, screen.below(tr._("What is your answer?")), markup_from_json(keyboard))
        await done(update)
        return
    if action == "other":
        base = f"m:{meeting.id}:{version}"
        rows = [
            [button("🕒 " + tr.datetime(alt), f"{base}:alt{index}")]
            for index, alt in enumerate(meeting.alternatives)
        ]
        rows.append([button(tr.label("✍️ I'll type a time that suits me"), f"{base}:type")])
        rows.append([button(tr.label("⬅️ Back"), f"{base}:change")])
        screen = await _screen(svc, viewer, meeting_id)
        line = tr._("Which time suits you better?")
        await _show(update, screen.below(line), InlineKeyboardMarkup(rows))
        await done(update)
        return
    if action == "type":
        # The wish is typed below; the invitation itself shows the question and keeps the talk.
        step = await begin(
            update,
            context,
            viewer,
            "preference",
            "text",
            in_place=True,
            meeting_id=meeting.id,
            version=version,
        )
        screen = await _screen(svc, viewer, meeting_id)
        back = [[step.button(tr.label("⬅️ Back"), "back")]]
        line = tr._("✍️ Which day and time would suit you? Type it in your own words.")
        await step.show(screen.below(line), back)
        await done(update)
        return
    if action in ("interp", "bring"):
        async with svc.db.transaction() as tx:
            await meeting_answers.toggle_wish(
                tx,
                svc.texts,
                svc.settings,
                now,
                person=_person(viewer),
                meeting_id=meeting_id,
                version=version,
                wish="interpreter" if action == "interp" else "companion",
            )
        await _show_answered(update, svc, viewer, meeting_id)
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
        await meeting_answers.answer(
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
    await _show_answered(update, svc, viewer, meeting_id)
    await done(update)


async def _show_answered(update: Update, svc: Services, viewer: Viewer, meeting_id: int) -> None:
    screen = await _screen(svc, viewer, meeting_id)
    tr = svc.texts(viewer.language)
    keyboard = meeting_messages.invitation_keyboard(tr, screen.meeting, screen.invitee)
    await _show(update, screen.text, markup_from_json(keyboard))


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
    meeting_id = int(str(data["meeting_id"]))
    async with step.svc.db.transaction() as tx:
        found = await meeting_answers.answer(
            tx,
            step.svc.texts,
            step.svc.settings,
            step.svc.clock.now(),
            person=_person(step.viewer),
            meeting_id=meeting_id,
            version=int(str(data["version"])),
            answer="other_time",
            preference=text[:MAX_TEXT],
        )
        await tx.clear_flow(step.viewer.user_id)
    if not found.ok:
        await step.show(tr._("This talk has changed. Please use the newest message."))
        return
    # The invitation (edited in place) shows the talk, her wish and the buttons again.
    screen = await _screen(step.svc, step.viewer, meeting_id)
    keyboard = markup_from_json(
        meeting_messages.invitation_keyboard(tr, screen.meeting, screen.invitee)
    )
    await step.show(screen.text, list(map(list, keyboard.inline_keyboard)))


async def preference_button(step: Step, value: str) -> None:
    await step.end()
    meeting_id = int(str(step.state.data["meeting_id"]))
    if value != "back":
        await step.show(
            step.tr._("I don't understand this. Choose one of the buttons, or type /help.")
        )
        return
    screen = await _screen(step.svc, step.viewer, meeting_id)
    tr = step.tr
    keyboard = meeting_messages.invitation_keyboard(
        tr, screen.meeting, screen.invitee, choosing=True
    )
    rows = markup_from_json(keyboard).inline_keyboard
    await step.show(screen.below(tr._("What is your answer?")), list(map(list, rows)))


register(Flow("preference", Action.ANSWER_CARE, preference_text, preference_button))


# --- summaries ------------------------------------------------------------------------


async def _summary_screen(
    svc: Services, viewer: Viewer, meeting_id: int
) -> tuple[str, bool] | None:
    """The summary as sent to this person, with when they read it; None if not theirs."""
    tr = svc.texts(viewer.language)
    async with svc.db.reading() as tx:
        readers = await tx.summary_readers(meeting_id)
        outbox_id = await tx.summary_outbox_id(meeting_id, *_person(viewer))
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    mine = [at for k, p, at in readers if (k, p) == _person(viewer)]
    if not mine or sent is None:
        return None
    text, read_at = sent[1], mine[0]
    if read_at is not None:
        text += "\n\n" + tr._("✅ Read on {date}. Thank you.", date=tr.datetime(read_at))
    return text, read_at is not None


@requires(Action.ANSWER_CARE)
async def summary_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    tr = tr_for(context, viewer)
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("read", "ask"):
        await say_stale(update, context, viewer)
        return
    meeting_id = int(parts[1])
    svc = services(context)
    if await _summary_screen(svc, viewer, meeting_id) is None:
        await _refused(update, context, viewer, "not_yours")
        return
    if parts[2] == "read":
        async with svc.db.transaction() as tx:
            await summaries.read_summary(
                tx,
                svc.texts,
                svc.settings,
                svc.clock.now(),
                person=_person(viewer),
                meeting_id=meeting_id,
            )
        await _show_summary(update, svc, viewer, meeting_id)
    else:
        # The question is typed below; the summary itself stays on screen above it.
        step = await begin(
            update, context, viewer, "question", "text", in_place=True, meeting_id=meeting_id
        )
        screen = await _summary_screen(svc, viewer, meeting_id)
        assert screen is not None
        line = tr._("❓ Type your question. The teacher will answer you here.")
        await step.show(f"{screen[0]}\n\n{line}", [[step.button(tr.label("⬅️ Back"), "back")]])
    await done(update)


async def _show_summary(
    update: Update, svc: Services, viewer: Viewer, meeting_id: int, line: str = ""
) -> None:
    """The summary message as it should look now: read or not, and the buttons that fit."""
    screen = await _summary_screen(svc, viewer, meeting_id)
    if screen is None:
        return
    text, read = screen
    tr = svc.texts(viewer.language)
    keyboard = markup_from_json(meeting_messages.summary_keyboard(tr, meeting_id, read=read))
    await reply(update, f"{text}\n\n{line}" if line else text, keyboard, edit=True)


async def question_text(step: Step, text: str) -> None:
    tr = step.tr
    meeting_id = int(str(step.state.data["meeting_id"]))
    async with step.svc.db.transaction() as tx:
        sent = await summaries.ask_question(
            tx,
            step.svc.texts,
            step.svc.clock.now(),
            person=_person(step.viewer),
            meeting_id=meeting_id,
            question=text[:MAX_TEXT],
        )
        await tx.clear_flow(step.viewer.user_id)
    screen = await _summary_screen(step.svc, step.viewer, meeting_id)
    if not sent or screen is None:
        await step.show(tr._("This button is not meant for you. Nothing was changed."))
        return
    line = tr._("✅ Your question was sent. You will get the answer here.")
    keyboard = markup_from_json(meeting_messages.summary_keyboard(tr, meeting_id, read=screen[1]))
    await step.show(f"{screen[0]}\n\n{line}", list(map(list, keyboard.inline_keyboard)))


async def question_button(step: Step, value: str) -> None:
    await step.end()
    if value != "back":
        await step.show(
            step.tr._("I don't understand this. Choose one of the buttons, or type /help.")
        )
        return
    screen = await _summary_screen(step.svc, step.viewer, int(str(step.state.data["meeting_id"])))
    if screen is not None:
        keyboard = meeting_messages.summary_keyboard(
            step.tr, int(str(step.state.data["meeting_id"])), read=screen[1]
        )
        await step.show(screen[0], list(map(list, markup_from_json(keyboard).inline_keyboard)))


register(Flow("question", Action.ANSWER_CARE, question_text, question_button))

HANDLERS: Handlers = [
    CallbackQueryHandler(invitation_answer, pattern=r"^m:"),
    CallbackQueryHandler(summary_action, pattern=r"^sr:"),
]
