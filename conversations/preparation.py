"""`/voorbereiden`: the conversation tips, one question per step, before a parent talk."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import positive, preparation
from bot.access import Action
from bot.models import Meeting, Viewer
from conversations.common import done, reply, requires, services, tr_for
from conversations.flow import Flow, Step, begin, progress, register

MAX_TEXT = 500


@requires(Action.PLAN_MEETING)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """From the prompt's button a talk is known; from the command the teacher picks one."""
    svc = services(context)
    tr = tr_for(context, viewer)
    query = update.callback_query
    wanted = query.data.removeprefix("prep:") if query and query.data else ""
    now = svc.clock.now()
    async with svc.db.transaction() as tx:
        if wanted.isdigit():
            meeting = await tx.meeting(int(wanted))
            upcoming = [meeting] if meeting and meeting.created_by == viewer.person_id else []
        else:
            upcoming = await tx.meetings_of_staff(viewer.person_id or "", now)
        upcoming = [m for m in upcoming if m is not None and m.starts_at > now][:10]
        names = {m.id: await tx.pupil(m.pupil_id) for m in upcoming}
    if not upcoming:
        # staff:
        await reply(update, tr._("You have no talks planned. Plan one with /gesprek."))
        await done(update)
        return
    if len(upcoming) == 1:
        await _begin(update, context, viewer, upcoming[0])
        await done(update)
        return
    step = await begin(update, context, viewer, "prepare", "choose")
    rows = [
        [
            step.button(
                f"{names[m.id].first_name if names[m.id] else '?'} · {tr.datetime(m.starts_at)}",
                f"m:{m.id}",
            )
        ]
        for m in upcoming
    ]
    # staff:
    await step.show(tr._("Which talk do you want to prepare?"), rows)
    await done(update)


async def _begin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, meeting: Meeting
) -> None:
    step = await begin(
        update,
        context,
        viewer,
        "prepare",
        preparation.TIP_KEYS[0],
        meeting_id=meeting.id,
        answers={},
    )
    await _ask(step, preparation.TIP_KEYS[0])


async def _meeting(step: Step) -> tuple[Meeting, str] | None:
    async with step.svc.db.transaction() as tx:
        meeting = await tx.meeting(int(step.state.data.get("meeting_id", 0)))  # type: ignore[call-overload]
        pupil = await tx.pupil(meeting.pupil_id) if meeting else None
    if meeting is None or pupil is None or meeting.created_by != step.viewer.person_id:
        return None
    return meeting, pupil.first_name


async def _ask(step: Step, key: str, note: str = "") -> None:
    await step.go(key)
    tr = step.tr
    found = await _meeting(step)
    if found is None:
        await step.end()
        await step.show(tr._("This button no longer works."))
        return
    meeting, child = found
    number = preparation.TIP_KEYS.index(key) + 1
    question, example = next((q, e) for k, q, e in preparation.TIPS if k == key)
    # staff:
    lines = [
        tr._("🗒 <b>Prepare the talk about {child}</b>", child=child),
        progress(tr, number, len(preparation.TIPS)),
    ]
    if note:
        lines.append(note)
    lines += [tr.label(question, child=child), f"<i>{tr.label(example, child=child)}</i>"]
    rows: list[list[InlineKeyboardButton]] = []
    async with step.svc.db.transaction() as tx:
        context = await preparation.context_for(
            tx, tr, step.svc.settings, meeting, step.svc.clock.now()
        )
    if key == "goal":
        # staff:
        rows.append([step.button(tr.label("✅ Keep the goal of the invitation"), "keep")])
    if key == "positive" and context.needs_news:
        # staff:
        lines.append(
            tr._(
                "⚠️ This family had no good news from school in the last {weeks}"
                " weeks. Send something positive first?",
                weeks=step.svc.settings.positive_news_weeks,
            )
        )
        # staff:
        rows.append([step.button(tr.label("🌟 Send good news now"), "news")])
    if key == "culture":
        lines.extend(preparation.context_lines(tr, context)[1:])
    if key == "team" and context.team:
        lines.append(context.team)
    nav = [step.button(tr.label("⏭ Skip"), "skip")]
    if number > 1:
        nav.insert(0, step.button(tr.label("⬅️ Back"), "back"))
    rows.append(nav)
    await step.show("\n".join(lines), rows)


async def _next(step: Step, key: str) -> None:
    index = preparation.TIP_KEYS.index(key)
    if index + 1 < len(preparation.TIP_KEYS):
        await _ask(step, preparation.TIP_KEYS[index + 1])
    else:
        await _finish(step)


def _answers(step: Step) -> dict[str, str]:
    return dict(step.state.data.get("answers", {}))  # type: ignore[call-overload]


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if current == "choose" and value.startswith("m:") and value[2:].isdigit():
        async with step.svc.db.transaction() as tx:
            meeting = await tx.meeting(int(value[2:]))
        if meeting is not None and meeting.created_by == step.viewer.person_id:
            await _begin(step.update, step.context, step.viewer, meeting)
        return
    if current == "news":
        await _ask(step, "positive")
        return
    if current not in preparation.TIP_KEYS:
        return
    if value == "skip":
        await _next(step, current)
    elif value == "back":
        index = preparation.TIP_KEYS.index(current)
        await _ask(step, preparation.TIP_KEYS[max(index - 1, 0)])
    elif value == "keep" and current == "goal":
        found = await _meeting(step)
        if found:
            await step.go(current, answers={**_answers(step), "goal": found[0].goal})
        await _next(step, current)
    elif value == "news" and current == "positive":
        await step.go("news")
        # staff:
        await step.show(
            step.tr._(
                "🌟 Type one sentence of good news. The family gets it now, in"
                " their language, with your words in Dutch."
            ),
            [[step.button(step.tr.label("⬅️ Back"), "back")]],
        )


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if len(text) > MAX_TEXT:
        # staff:
        await step.show(tr._("Please keep it shorter (at most {n} characters).", n=MAX_TEXT))
        return
    if current == "news":
        found = await _meeting(step)
        member = await step.staff()
        if found is None or member is None:
            await step.end()
            return
        async with step.svc.db.transaction() as tx:
            sent = await positive.send_positive_news(
                tx,
                step.svc.texts,
                step.svc.settings,
                step.svc.clock.now(),
                staff=member,
                pupil_id=found[0].pupil_id,
                words=text,
            )
        # staff:
        note = tr._("✅ Good news sent to {names}.", names=tr.list_of(list(sent.reached)) or "–")
        await _ask(step, "positive", note)
        return
    if current in preparation.TIP_KEYS:
        await step.go(current, answers={**_answers(step), current: text})
        await _next(step, current)
        return
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _finish(step: Step) -> None:
    found = await _meeting(step)
    member = await step.staff()
    if found is None or member is None:
        await step.end()
        return
    meeting, _ = found
    now = step.svc.clock.now()
    async with step.svc.db.transaction() as tx:
        await tx.save_preparation(meeting.id, _answers(step), member.staff_id, now)
        text = await preparation.card(tx, step.tr, step.svc.settings, meeting, _answers(step), now)
        await tx.clear_flow(step.viewer.user_id)
    # staff:
    footer = step.tr._(
        "Saved. You will see this card again {minutes} minutes before the talk.",
        minutes=int(preparation.SHOW_BEFORE / timedelta(minutes=1)),
    )
    await step.show(f"{text}\n\n{footer}")


register(Flow("prepare", Action.PLAN_MEETING, on_text, on_button))

HANDLERS = [
    CommandHandler("voorbereiden", start),
    CallbackQueryHandler(start, pattern=r"^(prep:\d+|menu:prepare)$"),
]
