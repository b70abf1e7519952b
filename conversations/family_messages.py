"""Families and school write to each other. A parent (or a pupil of 12+) writes from the menu
or simply by typing; with several children Samen asks which child; the writer is told who will
read it and when. A teacher answers with one tap on "↩️ Answer", or by replying to the message
in Telegram; the family answers back the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.platform.translation import Translated
from bot.rules.callback_data import AsWrittenTap, ChangeMessageTap, FamilyMessageTap
from bot.rules.models import PersonKind, Pupil, Viewer
from bot.rules.permissions import Action, may
from bot.services import family_messages
from bot.services.family_messages import Answer
from bot.services.notify import reader
from bot.services.work import Work
from bot.texts import conversation_texts
from bot.texts.rights_card import WHY_LABELS
from conversations.common import Handlers, media_of, services, tr_for
from conversations.flow import Flow, Step, begin, register
from conversations.guards import on_tap, requires
from conversations.keyboards import button, menu_keyboard
from conversations.pupils import PupilStep, ask_pupil, pupil_first
from conversations.replies import answer_with_menu, done, reply, say_stale

# Telegram allows 4096 characters; the header and quotes need some of them.
MAX_TEXT = 3500


@dataclass
class WriteDraft:
    """A family's message on its way: the words (when typed first), the child, and the
    message it answers (0: none)."""

    text: str = ""
    pupil_id: str = ""
    answer_to: int = 0
    # A voice note, photo or document sent instead of (or with) words: what, and where.
    media: str = ""
    media_chat: int = 0
    media_message: int = 0

    def sent_media(self) -> family_messages.Media | None:
        return (self.media, self.media_chat, self.media_message) if self.media else None


@dataclass
class AnswerDraft:
    """A teacher's answer on its way: the family's message it answers, or (`changes`) her
    own message sent earlier that the new words replace."""

    message_id: int = 0
    changes: int = 0


# --- a family writes ----------------------------------------------------------------------


@requires(Action.CONVERSATION)
async def write_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """ "💬 Write to the teacher" from the menu."""
    if viewer.is_staff:
        await answer_with_menu(update, context, viewer)
        return
    await start_writing(update, context, viewer)


async def start_writing(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    *,
    text: str = "",
    pupil_id: str = "",
    answer_to: int = 0,
    media: family_messages.Media | None = None,
) -> None:
    """Write to school: straight away when the words (or a voice note, photo, …) and the child
    are known, otherwise ask for what is missing. What was sent is never lost: it waits while
    the child is chosen."""
    children = await _children(update, context, viewer)
    if not children:
        tr = tr_for(context, viewer)
        text = tr._("There is no child in Samen you can write about. Please call the school.")
        await answer_with_menu(update, context, viewer, text)
        return
    if not pupil_id and len(children) == 1:
        pupil_id = children[0].pupil_id
    if pupil_id and pupil_id not in {c.pupil_id for c in children}:
        await say_stale(update, context, viewer)
        return
    kind, chat, message = media or ("", 0, 0)
    draft = WriteDraft(text, pupil_id, answer_to, kind, chat, message)
    if (text or media) and pupil_id:
        await _send(update, context, viewer, draft)
        await done(update)
        return
    first = "text" if pupil_id else "child"
    step = await begin(update, context, viewer, "write", first, **asdict(draft))
    await (_ask_text(step) if pupil_id else _ask_child(step, children))
    await done(update)


async def _children(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer
) -> list[Pupil]:
    async with services(context).reading() as w:
        return await family_messages.children_to_write_about(w, viewer.person)


async def _ask_child(step: Step, children: list[Pupil]) -> None:
    rows: list[list[InlineKeyboardButton]] = [
        [step.button(child.first_name, f"child:{index}")] for index, child in enumerate(children)
    ]
    await step.show(step.tr._("About which child do you write?"), rows)


async def _ask_text(step: Step) -> None:
    draft = step.draft(WriteDraft)
    children = await _children(step.update, step.context, step.viewer)
    child = next((c.first_name for c in children if c.pupil_id == draft.pupil_id), "")
    await step.show(
        step.tr._(
            "✍️ Write your message about {child}. You may write in your own language.",
            child=child,
        )
    )


async def write_button(step: Step, value: str) -> None:
    children = await _children(step.update, step.context, step.viewer)
    index = value.removeprefix("child:")
    if step.state.step != "child" or not index.isdigit() or int(index) >= len(children):
        await step.show(step.tr._("This button no longer works. Please choose again."))
        return
    await step.go("text", pupil_id=children[int(index)].pupil_id)
    draft = step.draft(WriteDraft)
    if draft.text or draft.media:
        await _finish(step)
    else:
        await _ask_text(step)


async def write_text(step: Step, text: str) -> None:
    await step.go(step.state.step, text=text[:MAX_TEXT])
    if step.state.step == "child":
        # The words are kept; the child is still to choose.
        await _ask_child(step, await _children(step.update, step.context, step.viewer))
        return
    await _finish(step)


async def _finish(step: Step) -> None:
    await step.end()
    await _send(step.update, step.context, step.viewer, step.draft(WriteDraft))


async def _send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, draft: WriteDraft
) -> None:
    svc = services(context)
    translated = {}
    if svc.translation.configured and draft.text and not draft.media:
        # Outside any transaction: a quick translation goes out with the message itself.
        async with svc.reading() as w:
            source, targets = await family_messages.languages_read(w, viewer.person, draft.pupil_id)
        translated = await svc.translation.translate_quickly(draft.text, source, targets)
    async with svc.work() as w:
        sent = await family_messages.write_to_school(
            w,
            writer=viewer.person,
            pupil_id=draft.pupil_id,
            text=draft.text[:MAX_TEXT],
            answer_to=draft.answer_to or None,
            media=draft.sent_media(),
            translated=translated,
        )
        now = w.now
    if sent is None:
        tr = tr_for(context, viewer)
        await reply(update, tr._("This button no longer works. Please choose again."))
        return
    tr = tr_for(context, viewer)
    text = conversation_texts.sent_to_school(tr, list(sent.readers), sent.read_from, now, sent.away)
    await reply(update, text, menu_keyboard(viewer, tr), edit=update.callback_query is not None)


register(Flow("write", Action.CONVERSATION, write_text, write_button))


# --- "↩️ Answer" under a message, on either side -----------------------------------------


@requires(Action.CONVERSATION)
@on_tap(FamilyMessageTap)
async def answer_tap(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: FamilyMessageTap
) -> None:
    """A teacher answers a family's message; a family member writes back about the child."""
    await answer(update, context, viewer, tap.message_id)


async def answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    message_id: int,
    text: str = "",
) -> None:
    """Answer one message: the button says which, the database whether it is this person's."""
    async with services(context).reading() as w:
        message = await w.tx.family_message(message_id)
    if message is None:
        await say_stale(update, context, viewer)
        return
    if viewer.is_staff:
        await _staff_answers(update, context, viewer, message_id, text)
        return
    if not message.from_school or (message.family_kind, message.family_id) != viewer.person:
        await say_stale(update, context, viewer)
        return
    await start_writing(
        update, context, viewer, text=text, pupil_id=message.pupil_id, answer_to=message_id
    )


async def _staff_answers(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    message_id: int,
    text: str,
) -> None:
    """A teacher's answer: typed as a reply to the message, or asked for."""
    step = await begin(update, context, viewer, "answer", "text", message_id=message_id)
    if text:
        await compose(step, text)
        return
    # staff:
    await step.show(step.tr._("↩️ Type your answer. It is sent as you write it."))
    await done(update)


async def answer_text(step: Step, text: str) -> None:
    if step.state.step != "text":
        # staff:
        await step.show(step.tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    await compose(step, text)


async def answer_button(step: Step, value: str) -> None:
    """The answer flow has no buttons of its own: a tap here is an old one."""
    # staff:
    await step.show(step.tr._("This button no longer works."))


@requires(Action.CONVERSATION)
@on_tap(ChangeMessageTap)
async def change_tap(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: ChangeMessageTap
) -> None:
    """ "✏️ Change" under a teacher's sent message: she types it again, and the family's copy
    is edited in place. Only her own messages: the database says whose it is."""
    async with services(context).reading() as w:
        message = await w.tx.family_message(tap.message_id)
    if message is None or not message.from_school or message.staff_id != viewer.person_id:
        await say_stale(update, context, viewer)
        return
    step = await begin(update, context, viewer, "answer", "text", changes=tap.message_id)
    # staff:
    await step.show(step.tr._("✏️ Type the message again. It replaces the one sent."))
    await done(update)


async def compose(step: Step, text: str) -> None:
    """A teacher's words go out at once. When the family member reads another language, she
    sees in her confirmation what they read, translated, and can change it."""
    text = text[:MAX_TEXT]
    svc = step.svc
    async with svc.reading() as w:
        family, _ = await _addressee(w, step)
        target = (await reader(w, *family)).language if family else "nl"
    translated: dict[str, Translated | None] = {}
    if svc.translation.configured and target != "nl":
        # Outside any transaction: a quick translation goes out with the words themselves.
        translated = await svc.translation.translate_quickly(text, "nl", {target})
        translated.setdefault(target, None)
    await _send_from_school(step, text, translated)


async def _addressee(w: Work, step: Step) -> tuple[tuple[PersonKind, str] | None, str]:
    """Whom the teacher's words are for, and about which pupil: the writer of the message
    answered, the family member chosen, or whoever her changed message was for."""
    if step.state.name == "answer":
        draft = step.draft(AnswerDraft)
        message = await w.tx.family_message(draft.changes or draft.message_id)
        if message is None:
            return None, ""
        return (message.family_kind, message.family_id), message.pupil_id
    to_family = step.draft(ToFamilyDraft)
    family = (
        (PersonKind(to_family.family_kind), to_family.family_id) if to_family.family_kind else None
    )
    return family, to_family.pupil_id


async def _send_from_school(
    step: Step, text: str, translated: Mapping[str, Translated | None]
) -> None:
    """The teacher's words go to the family: an answer, a first message, or a change."""
    async with step.finishing() as w:
        member = await w.tx.staff_member(step.viewer.person_id or "")
        draft = step.draft(AnswerDraft) if step.state.name == "answer" else None
        if member is None:
            answered = family_messages.Answered(Answer.UNKNOWN)
        elif draft is not None and draft.changes:
            answered = await family_messages.change_from_school(
                w, staff=member, message_id=draft.changes, text=text, translated=translated
            )
        elif draft is not None:
            answered = await family_messages.answer_family(
                w, staff=member, message_id=draft.message_id, text=text, translated=translated
            )
        else:
            to_family = step.draft(ToFamilyDraft)
            answered = await family_messages.write_to_family(
                w,
                staff=member,
                pupil_id=to_family.pupil_id,
                family=(PersonKind(to_family.family_kind), to_family.family_id),
                text=text,
                translated=translated,
            )
        shown = ""
        if answered.message_id is not None and translated:
            # What the family member reads: their language, the teacher's words beside it.
            message = await w.tx.family_message(answered.message_id)
            assert message is not None
            to = await reader(w, message.family_kind, message.family_id)
            made = translated.get(to.language)
            shown = await family_messages.as_family_read_it(
                w, to, message, made.text if made else None
            )
    tr = step.tr
    # staff:
    said = _answered_text(step.context, step.viewer, answered) or tr._(
        "This button no longer works."
    )
    if shown:
        # staff:
        said += "\n\n" + tr._("👀 This is what they read:") + "\n\n" + shown
        if not any(translated.values()):
            # staff:
            said += "\n\n" + tr._(
                "The translation service did not answer in time: the translation follows."
            )
    keyboard = menu_keyboard(step.viewer, tr)
    if answered.message_id is not None:
        change = ChangeMessageTap(answered.message_id)
        keyboard = InlineKeyboardMarkup(
            [[button(tr.label("✏️ Change"), str(change))], *keyboard.inline_keyboard]
        )
    await reply(step.update, said, keyboard)


def _answered_text(
    context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, answered: family_messages.Answered
) -> str | None:
    tr = tr_for(context, viewer)
    if answered.outcome is Answer.SENT:
        # staff:
        return tr._("✅ Sent to {name}.", name=answered.name)
    if answered.outcome is Answer.HELD:
        # staff:
        return tr._(
            "⏸ Not sent: a safety exception applies. The coordinator sends or withdraws it"
            " under /leerling."
        )
    if answered.outcome is Answer.NOT_IN_SAMEN:
        # staff:
        return tr._("{name} is not in Samen. Please call or write to them.", name=answered.name)
    if answered.outcome is Answer.NOT_ALLOWED and answered.reason is not None:
        # staff:
        return tr._(
            "Not sent: the school may not share information with {name} ({reason}).",
            name=answered.name,
            reason=tr.label(WHY_LABELS[answered.reason]),
        )
    return None


register(Flow("answer", Action.CONVERSATION, answer_text, answer_button))


# --- words typed outside any flow, or a reply to a message ---------------------------------


async def free_message(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> bool:
    """What someone who may write sends outside any flow: a reply to a message of a
    conversation answers it; a family's other words, voice notes, photos or documents go to
    school. False when it is none of these."""
    message = update.effective_message
    if message is None or not may(viewer.role, Action.CONVERSATION):
        return False
    media = media_of(message)
    if media is not None and not viewer.is_staff:
        caption = (message.caption or "").strip()
        await start_writing(update, context, viewer, text=caption[:MAX_TEXT], media=media)
        return True
    if not message.text:
        return False
    if message.text.startswith("/"):
        return False  # an unknown command is not a message to school
    replied = message.reply_to_message
    if replied is not None:
        async with services(context).reading() as w:
            message_id = await w.tx.family_message_in_chat(viewer.chat_id, replied.message_id)
        if message_id is not None:
            await answer(update, context, viewer, message_id, message.text.strip())
            return True
    if viewer.is_staff:
        return False
    await start_writing(update, context, viewer, text=message.text.strip()[:MAX_TEXT])
    return True


@requires(Action.CONVERSATION)
@on_tap(AsWrittenTap)
async def as_written_tap(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: AsWrittenTap
) -> None:
    """ "📝 As written" under a long translated message: the words as they were written."""
    async with services(context).reading() as w:
        words = await family_messages.as_written_for(w, viewer.person, tap.message_id)
    if words is None:
        await say_stale(update, context, viewer)
        return
    await reply(update, words, protect=True)
    await done(update)


HANDLERS: Handlers = [
    CallbackQueryHandler(write_menu, pattern=r"^menu:write$"),
    CallbackQueryHandler(as_written_tap, pattern=AsWrittenTap.pattern()),
    CallbackQueryHandler(answer_tap, pattern=FamilyMessageTap.pattern()),
    CallbackQueryHandler(change_tap, pattern=ChangeMessageTap.pattern()),
]


# --- a teacher writes to a family first -------------------------------------------------------


@dataclass
class ToFamilyDraft:
    """A teacher's message to a family: about which pupil, to whom."""

    pupil_id: str = ""
    family_kind: str = ""
    family_id: str = ""


def _to_family_heading(step: Step) -> str:
    # staff:
    return step.tr._("💬 <b>Write to a family</b>")


async def _ask_whom(step: Step) -> None:
    """Each guardian and (from 12) the pupil; one the school may not inform is marked."""
    await step.go("whom")
    async with step.svc.reading() as w:
        pupil = await w.tx.pupil(step.draft(ToFamilyDraft).pupil_id)
        family = await family_messages.family_of(w, pupil) if pupil else []
    rows = [
        [step.button(("⚠️ " if why else "") + name, f"to:{index}")]
        for index, (_, name, why) in enumerate(family)
    ]
    rows.append(step.back_row("pupil"))
    # staff:
    question = step.tr._("To whom? ⚠️: the school may not share information with them.")
    await step.show(f"{_to_family_heading(step)}\n{question}", rows)


async def write_about(step: Step, pupil_id: str) -> None:
    """A message to the family of a pupil already chosen (from the pupil card): to whom."""
    await _ask_whom(
        await begin(step.update, step.context, step.viewer, "tofamily", "whom", pupil_id=pupil_id)
    )


async def to_family_button(step: Step, value: str) -> None:
    if value == "pupil":
        await step.go("pupil")  # a fresh nonce first: the picker's buttons carry it
        await ask_pupil(step, _to_family_heading(step))
        return
    index = value.removeprefix("to:")
    async with step.svc.reading() as w:
        pupil = await w.tx.pupil(step.draft(ToFamilyDraft).pupil_id)
        family = await family_messages.family_of(w, pupil) if pupil else []
    if step.state.step != "whom" or not index.isdigit() or int(index) >= len(family):
        await _ask_whom(step)
        return
    (kind, person_id), name, _ = family[int(index)]
    await step.go("text", family_kind=kind.value, family_id=person_id)
    # staff:
    await step.show(
        step.tr._("✍️ Type your message to {name}. It is sent as you write it.", name=name),
        [step.back_row("pupil")],
    )


async def to_family_text(step: Step, text: str) -> None:
    if step.state.step != "text":
        # staff:
        await step.show(step.tr._("Please use the buttons above, or type /annuleren to stop."))
        return
    await compose(step, text)


register(
    Flow(
        "tofamily",
        Action.PLAN_MEETING,
        to_family_text,
        to_family_button,
        PupilStep(_to_family_heading, "pupil", _ask_whom),
    )
)
start_to_family = pupil_first("tofamily", Action.PLAN_MEETING, _to_family_heading)

HANDLERS += [
    CommandHandler("schrijf", start_to_family),
    CallbackQueryHandler(start_to_family, pattern=r"^menu:tofamily$"),
]
