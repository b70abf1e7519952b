"""A parent reports a child sick or absent: which child (when there are several), today,
tomorrow or some days, and why if they want to say; then who at school will know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.rules.dates import parse_day_range
from bot.rules.models import Pupil, Viewer
from bot.rules.permissions import Action
from bot.services import absences
from bot.services.family_messages import Media
from bot.texts import absence_texts
from conversations.common import Handlers, services
from conversations.flow import Flow, Step, begin, register
from conversations.guards import requires
from conversations.keyboards import menu_keyboard
from conversations.replies import answer_with_menu, done, reply

MAX_REASON = 300


@dataclass
class AbsenceDraft:
    """What the report knows so far: the child and the days (ISO dates)."""

    pupil_id: str = ""
    first_day: str = ""
    last_day: str = ""


@requires(Action.REPORT_ABSENCE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """ "🤒 Report absence" from the menu."""
    children = await _children(context, viewer)
    if not children:
        tr = services(context).texts(viewer.language)
        text = tr._("There is no child in Samen you can report. Please call the school.")
        await answer_with_menu(update, context, viewer, text)
        return
    if len(children) == 1:
        step = await begin(
            update, context, viewer, "absence", "when", pupil_id=children[0].pupil_id
        )
        await _ask_when(step)
    else:
        step = await begin(update, context, viewer, "absence", "child")
        rows = [[step.button(c.first_name, f"child:{i}")] for i, c in enumerate(children)]
        await step.show(step.tr._("🤒 Which child is sick or absent?"), rows)
    await done(update)


async def _children(context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> list[Pupil]:
    async with services(context).reading() as w:
        return await w.tx.children_of_guardian(viewer.person_id or "", at_school=True)


async def _ask_when(step: Step) -> None:
    await step.go("when")
    tr = step.tr
    rows = [
        [step.button(tr.label("Today"), "today"), step.button(tr.label("Tomorrow"), "tomorrow")],
        [step.button(tr.label("📅 Other days"), "days")],
    ]
    await step.show(tr._("🤒 When is {child} absent?", child=await _child(step)), rows)


async def _child(step: Step) -> str:
    pupil_id = step.draft(AbsenceDraft).pupil_id
    return next(
        (
            c.first_name
            for c in await _children(step.context, step.viewer)
            if c.pupil_id == pupil_id
        ),
        "",
    )


async def _ask_reason(step: Step) -> None:
    await step.go("reason")
    tr = step.tr
    rows = [[step.button(tr.label("⏭ No reason"), "skip")]]
    await step.show(
        tr._(
            "Why? For example: sick, the dentist. You may type it or send a voice note."
            " You may also skip this."
        ),
        rows,
    )


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    today = step.svc.clock.now().astimezone(step.svc.settings.timezone).date()
    if current == "child" and value.startswith("child:"):
        children = await _children(step.context, step.viewer)
        index = value.removeprefix("child:")
        if index.isdigit() and int(index) < len(children):
            await step.go("when", pupil_id=children[int(index)].pupil_id)
            await _ask_when(step)
            return
    if current == "when" and value in ("today", "tomorrow"):
        day = today if value == "today" else today + timedelta(days=1)
        await step.go("when", first_day=day.isoformat(), last_day=day.isoformat())
        await _ask_reason(step)
        return
    if current == "when" and value == "days":
        await step.go("days")
        await step.show(
            step.tr._("📅 Which days? For example <i>10 dec</i> or <i>10 dec - 12 dec</i>.")
        )
        return
    if current == "reason" and value == "skip":
        await _send(step, "")
        return
    await step.show(step.tr._("This button no longer works. Please choose again."))


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    if current == "days":
        now = step.svc.clock.now()
        days = parse_day_range(text, now, step.svc.settings.timezone, step.tr.language)
        if days is None:
            await step.show(
                step.tr._(
                    "I could not read “{text}” as days from today on."
                    " Try for example <i>10 dec - 12 dec</i>.",
                    text=text,
                )
            )
            return
        await step.go("days", first_day=days[0].isoformat(), last_day=days[1].isoformat())
        await _ask_reason(step)
        return
    if current == "reason":
        await _send(step, text[:MAX_REASON])
        return
    await step.show(step.tr._("Please use the buttons above."))


async def on_media(step: Step, media: Media) -> None:
    """A voice note (or a photo, say of a doctor's note) as the reason."""
    if step.state.step != "reason":
        await step.show(step.tr._("Please use the buttons above."))
        return
    await _send(step, "", media)


async def _send(step: Step, reason: str, media: Media | None = None) -> None:
    draft = step.draft(AbsenceDraft)
    days = (date.fromisoformat(draft.first_day), date.fromisoformat(draft.last_day))
    svc = step.svc
    guardian_id = step.viewer.person_id or ""
    translated = {}
    if svc.translation.configured and reason:
        # Outside any transaction: the reason goes out translated when the service is quick.
        async with svc.reading() as w:
            source, targets = await absences.languages_read(w, guardian_id, draft.pupil_id)
        translated = await svc.translation.translate_quickly(reason, source, targets)
    async with step.finishing() as w:
        reported = await absences.report_absence(
            w,
            guardian_id=guardian_id,
            pupil_id=draft.pupil_id,
            days=days,
            reason=reason,
            translated=translated,
            media=media,
        )
        today = w.today
    tr = step.tr
    if reported is None:
        await step.show(tr._("This button no longer works. Please choose again."))
        return
    text = absence_texts.confirmed(
        tr,
        child=await _child(step),
        when=absence_texts.days(tr, reported.first_day, reported.last_day, today),
        moved=reported.moved,
        readers=list(reported.readers),
    )
    await reply(step.update, text, menu_keyboard(step.viewer, tr), edit=step.tapped)


register(Flow("absence", Action.REPORT_ABSENCE, on_text, on_button, on_media=on_media))

HANDLERS: Handlers = [CallbackQueryHandler(start, pattern=r"^menu:absence$")]
