"""Parents answer meeting invitations and read summaries with one tap; a wish for another time
or a question about a summary is typed, and reaches the teacher."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.callback_data import MAX_ALTERNATIVES, InvitationTap, SummaryTap
from bot.rules.models import Meeting, Viewer
from bot.rules.permissions import Action
from bot.services import meeting_answers, summaries
from bot.services.context import Services
from bot.texts import meeting_messages
from conversations.common import Handlers, ViewerHandler, services, tr_for
from conversations.flow import Flow, Step, begin, cancel_flow, register
from conversations.guards import on_tap, requires
from conversations.keyboards import button, markup_from_json
from conversations.replies import answer_with_menu, done, reply, say_stale

MAX_TEXT = 500


async def _screen(
    svc: Services, viewer: Viewer, meeting_id: int
) -> meeting_answers.InvitationScreen:
    async with svc.reading() as w:
        screen = await meeting_answers.invitation_screen(
            w,
            svc.texts(viewer.language),
            meeting_id,
            viewer.person,
        )
    assert screen is not None  # checked by find_invitation before
    return screen


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    """The tapped invitation, edited to show the talk, the answer so far and what fits now."""
    await reply(update, text, markup, edit=True)


async def _invitation(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: InvitationTap
) -> tuple[InvitationTap, Meeting] | None:
    """The tap, checked against the database: refused (and answered so) unless this talk's
    invitation was sent to this person and is still current. Any tap ends a half-typed wish."""
    svc = services(context)
    async with svc.db.transaction() as tx:
        found = await meeting_answers.find_invitation(
            tx, viewer.person, tap.meeting_id, tap.version, svc.clock.now()
        )
    if not found.ok or found.meeting is None:
        await refuse_answer(update, context, viewer, found.reason)
        return None
    await cancel_flow(viewer, svc)
    return tap, found.meeting


@dataclass(frozen=True)
class Tapped:
    """An invitation button this person may still use: the tap, its talk, and the chat."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    viewer: Viewer
    tap: InvitationTap
    meeting: Meeting

    @property
    def svc(self) -> Services:
        return services(self.context)

    @property
    def tr(self) -> Translator:
        return tr_for(self.context, self.viewer)

    def button(self, label: str, action: str) -> InlineKeyboardButton:
        return button(
            self.tr.lines(label), str(InvitationTap(self.meeting.id, self.tap.version, action))
        )

    async def screen(self) -> meeting_answers.InvitationScreen:
        return await _screen(self.svc, self.viewer, self.tap.meeting_id)


def on_invitation(handler: Callable[[Tapped], Coroutine[Any, Any, None]]) -> ViewerHandler:
    """Run `handler` only for a tap that `_invitation` accepted, with the tap and its talk."""

    @on_tap(InvitationTap)
    @functools.wraps(handler)
    async def checked(
        update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: InvitationTap
    ) -> None:
        found = await _invitation(update, context, viewer, tap)
        if found is not None:
            await handler(Tapped(update, context, viewer, *found))

    return checked


@requires(Action.ANSWER_CARE)
@on_invitation
async def invitation_change(t: Tapped) -> None:
    """The answers again, to change the one given."""
    screen = await t.screen()
    keyboard = meeting_messages.invitation_keyboard(t.tr, t.meeting, screen.invitee, choosing=True)
    await _show(t.update, screen.below(t.tr._("What is your answer?")), markup_from_json(keyboard))
    await done(t.update)


@requires(Action.ANSWER_CARE)
@on_invitation
async def invitation_other(t: Tapped) -> None:
    """Another time: the teacher's other times, or type one."""
    tr = t.tr
    rows = [
        [t.button("🕒 " + tr.datetime(alt), f"alt{index}")]
        for index, alt in enumerate(t.meeting.alternatives[:MAX_ALTERNATIVES])
    ]
    rows.append([t.button(tr.label("✍️ I'll type a time that suits me"), "type")])
    rows.append([t.button(tr.label("⬅️ Back"), "change")])
    screen = await t.screen()
    question = screen.below(tr._("Which time suits you better?"))
    await _show(t.update, question, InlineKeyboardMarkup(rows))
    await done(t.update)


@requires(Action.ANSWER_CARE)
@on_invitation
async def invitation_type(t: Tapped) -> None:
    """The wish is typed below; the invitation itself shows the question and keeps the talk."""
    step = await begin(
        t.update,
        t.context,
        t.viewer,
        "preference",
        "text",
        in_place=True,
        meeting_id=t.meeting.id,
        version=t.tap.version,
    )
    screen = await t.screen()
    line = t.tr._("✍️ Which day and time would suit you? Type it in your own words.")
    await step.show(screen.below(line), [step.back_row()])
    await done(t.update)


@requires(Action.ANSWER_CARE)
@on_invitation
async def invitation_wish(t: Tapped) -> None:
    """An interpreter, or bringing someone: switched on or off."""
    async with t.svc.work() as w:
        await meeting_answers.toggle_wish(
            w,
            person=t.viewer.person,
            meeting_id=t.tap.meeting_id,
            version=t.tap.version,
            wish="interpreter" if t.tap.action == "interp" else "companion",
        )
    await _show_answered(t)


@requires(Action.ANSWER_CARE)
@on_invitation
async def invitation_answer(t: Tapped) -> None:
    """Yes, no, or one of the teacher's other times: recorded, and shown on the invitation."""
    answer, preference = t.tap.action, None
    if answer.startswith("alt"):
        index = int(answer[3:])
        if index >= len(t.meeting.alternatives):
            await say_stale(t.update, t.context, t.viewer)
            return
        answer, preference = "other_time", t.meeting.alternatives[index].isoformat()
    async with t.svc.work() as w:
        await meeting_answers.answer(
            w,
            person=t.viewer.person,
            meeting_id=t.tap.meeting_id,
            version=t.tap.version,
            answer=answer,
            preference=preference,
        )
    await _show_answered(t)


async def _show_answered(t: Tapped) -> None:
    screen = await t.screen()
    keyboard = meeting_messages.invitation_keyboard(t.tr, screen.meeting, screen.invitee)
    await _show(t.update, screen.text, markup_from_json(keyboard))
    await done(t.update)


async def refuse_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, reason: str
) -> None:
    """Why an answer to a talk was not taken: the talk moved, was cancelled or is over, or
    the button was not meant for this person."""
    tr = tr_for(context, viewer)
    text = {
        "stale": tr._("The time of this talk has changed. Please use the newest message."),
        "cancelled": tr._("This talk will not take place. Nothing was changed."),
        "past": tr._("This talk has already taken place."),
    }.get(reason)
    await answer_with_menu(update, context, viewer, text)


async def preference_text(step: Step, text: str) -> None:
    tr = step.tr
    data = step.state.data
    meeting_id = int(str(data["meeting_id"]))
    async with step.finishing() as w:
        found = await meeting_answers.answer(
            w,
            person=step.viewer.person,
            meeting_id=meeting_id,
            version=int(str(data["version"])),
            answer="other_time",
            preference=text[:MAX_TEXT],
        )
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
        outbox_id = await tx.summary_outbox_id(meeting_id, *viewer.person)
        sent = await tx.outbox_message(outbox_id) if outbox_id else None
    mine = [at for k, p, at in readers if (k, p) == viewer.person]
    if not mine or sent is None:
        return None
    text, read_at = sent[1], mine[0]
    if read_at is not None:
        text += "\n\n" + tr._("✅ Read on {date}. Thank you.", date=tr.datetime(read_at))
    return text, read_at is not None


@requires(Action.ANSWER_CARE)
@on_tap(SummaryTap)
async def summary_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: SummaryTap
) -> None:
    tr = tr_for(context, viewer)
    meeting_id = tap.meeting_id
    svc = services(context)
    if await _summary_screen(svc, viewer, meeting_id) is None:
        await refuse_answer(update, context, viewer, "not_yours")
        return
    if tap.action == "read":
        async with svc.work() as w:
            await summaries.read_summary(
                w,
                person=viewer.person,
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
        await step.show(f"{screen[0]}\n\n{line}", [step.back_row()])
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
    async with step.finishing() as w:
        sent = await summaries.ask_question(
            w,
            person=step.viewer.person,
            meeting_id=meeting_id,
            question=text[:MAX_TEXT],
        )
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
    CallbackQueryHandler(invitation_change, pattern=InvitationTap.pattern(action="change")),
    CallbackQueryHandler(invitation_other, pattern=InvitationTap.pattern(action="other")),
    CallbackQueryHandler(invitation_type, pattern=InvitationTap.pattern(action="type")),
    *(
        CallbackQueryHandler(invitation_wish, pattern=InvitationTap.pattern(action=wish))
        for wish in ("interp", "bring")
    ),
    *(
        CallbackQueryHandler(invitation_answer, pattern=InvitationTap.pattern(action=action))
        for action in ("come", "cannot", *(f"alt{i}" for i in range(MAX_ALTERNATIVES)))
    ),
    CallbackQueryHandler(summary_action, pattern=SummaryTap.pattern()),
]
