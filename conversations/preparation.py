"""`/voorbereiden`: the conversation tips, one question per step, before a parent talk.

The wizard keeps one message: every step, tapped or typed, edits it, and it ends as the card.
Each step offers Samen's own typical answers as buttons (the last good news, the open
agreements, the interpreter request), so a teacher who agrees prepares a standard talk with
a tap per step and no typing; typing an answer works at every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.rules.callback_data import PrepareTap
from bot.rules.models import Meeting, Viewer
from bot.rules.permissions import Action
from bot.services import good_news, preparation
from bot.texts import meeting_messages
from conversations.common import Handlers, services, tap_of, tr_for
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import requires
from conversations.replies import done, reply

MAX_TEXT = 500
# A suggestion longer than this is shortened on its button and shown in full in the text.
LABEL_CHARS = 48


@requires(Action.PLAN_MEETING)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    """From the prompt's button a talk is known; from the command the teacher picks one."""
    svc = services(context)
    tr = tr_for(context, viewer)
    tap = tap_of(update, PrepareTap)
    now = svc.clock.now()
    async with svc.db.reading() as tx:
        if tap is not None:
            meeting = await tx.meeting(tap.meeting_id)
            upcoming = [meeting] if meeting and meeting.created_by == viewer.person_id else []
        else:
            upcoming = await tx.meetings_of_staff(viewer.person_id or "", now)
        upcoming = [m for m in upcoming if m is not None and m.starts_at > now]
    if not upcoming:
        # staff:
        await reply(update, tr._("You have no talks planned. Plan one with /gesprek."))
        await done(update)
        return
    # One message for the whole wizard: the prompt (or menu) tapped, or a new one.
    step = await begin(update, context, viewer, "prepare", "choose", in_place=True)
    if len(upcoming) == 1:
        await _begin(step, upcoming[0])
    else:
        await _choose(step)
    await done(update)


async def _choose(step: Step, note: str = "") -> None:
    tr = step.tr
    now = step.svc.clock.now()
    async with step.svc.db.transaction() as tx:
        upcoming = await tx.meetings_of_staff(step.viewer.person_id or "", now)
        upcoming = [m for m in upcoming if m.starts_at > now][:10]
        pupils = {m.id: await tx.pupil(m.pupil_id) for m in upcoming}
    names = {key: pupil.first_name if pupil else "?" for key, pupil in pupils.items()}
    await step.go("choose")
    rows = [
        [
            step.button(
                f"{names[m.id]} · {tr.datetime(m.starts_at)}",
                f"m:{m.id}",
            )
        ]
        for m in upcoming
    ]
    # staff:
    question = tr._("Which talk do you want to prepare?")
    await step.show("\n".join(part for part in (note, question) if part), rows)


async def _begin(step: Step, meeting: Meeting) -> None:
    """Start on the first tip. The CvB/ZAT tip is a step of its own only when Samen knows
    a CvB or ZAT is involved; otherwise the language step offers to add it."""
    async with step.svc.work() as w:
        known = await preparation.context_for(w, step.tr, meeting)
    keys = [k for k in preparation.TIP_KEYS if k != "team" or known.team_involved]
    await step.go(preparation.TIP_KEYS[0], meeting_id=meeting.id, answers={}, keys=keys)
    await _ask(step, preparation.TIP_KEYS[0])


@dataclass
class PreparationDraft:
    """What the preparation flow knows so far."""

    meeting_id: int = 0
    keys: list[str] = field(default_factory=list)  # the tips asked, in order
    answers: dict[str, str] = field(default_factory=dict)  # tip → the teacher's words
    suggested: list[str] = field(default_factory=list)  # suggestions offered as buttons


def _keys(step: Step) -> list[str]:
    keys = step.draft(PreparationDraft).keys
    if keys and all(k in preparation.TIP_KEYS for k in keys):
        return list(keys)
    return list(preparation.TIP_KEYS)


async def _meeting(step: Step) -> tuple[Meeting, str] | None:
    async with step.svc.db.transaction() as tx:
        meeting = await tx.meeting(step.draft(PreparationDraft).meeting_id)
        pupil = await tx.pupil(meeting.pupil_id) if meeting else None
    if meeting is None or pupil is None or meeting.created_by != step.viewer.person_id:
        return None
    return meeting, pupil.first_name


async def _gone(step: Step) -> None:
    # Shown before the flow ends, so showing it cannot store the flow again.
    await step.show(step.tr._("This button no longer works."))
    await step.end()


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


Rows = list[list[InlineKeyboardButton]]


async def _ask(step: Step, key: str, note: str = "") -> None:
    tr = step.tr
    found = await _meeting(step)
    if found is None:
        await _gone(step)
        return
    meeting, child = found
    keys = _keys(step)
    async with step.svc.work() as w:
        known = await preparation.context_for(w, tr, meeting)
    suggested = preparation.suggestions(tr, key, known)
    goal = meeting_messages.goal_plain(tr, meeting) if key == "goal" else ""
    # A fresh nonce per step; what the buttons offer is stored, so a tap takes exactly that.
    await step.go(key, suggested=suggested)
    number = keys.index(key) + 1 if key in keys else len(keys)
    lines = _tip_lines(step, key, child, number, len(keys), note)
    known_lines, rows = _known_part(step, key, known, goal)
    lines += known_lines
    # Built after what is known: a suggestion shown in full there is not repeated.
    offered_lines, offered_rows = _suggestion_part(step, key, suggested, lines)
    extra_lines, extra_rows = _tip_extras(step, key, known, keys)
    lines += offered_lines + extra_lines
    rows += offered_rows + extra_rows
    if suggested or goal:
        # staff:
        lines.append(tr._("<i>Tap an answer, or type your own.</i>"))
    nav = [step.button(tr.label("⏭ Skip"), "skip")]
    if number > 1:
        nav.insert(0, step.button(tr.label("⬅️ Back"), "back"))
    rows.append(nav)
    await step.show("\n".join(lines), rows)


def _tip_lines(step: Step, key: str, child: str, number: int, total: int, note: str) -> list[str]:
    """The heading, how far along, and the tip's question with its example."""
    tr = step.tr
    question, example = next((q, e) for k, q, e in preparation.TIPS if k == key)
    # staff:
    lines = [
        tr._("🗒 <b>Prepare the talk about {child}</b>", child=child),
        progress(tr, number, total),
    ]
    if note:
        lines.append(note)
    return [*lines, tr.label(question, child=child), f"<i>{tr.label(example, child=child)}</i>"]


def _known_part(
    step: Step, key: str, known: preparation.Context, goal: str
) -> tuple[list[str], Rows]:
    """What Samen already knows for this tip: the invitation's goal (to keep), the team."""
    tr = step.tr
    lines: list[str] = []
    rows: Rows = []
    if goal:
        # staff:
        lines.append(tr._("🎯 Goal of the invitation: {goal}", goal=goal))
        # staff:
        rows.append([step.button(tr.label("✅ Keep the goal of the invitation"), "keep")])
    if key == "team" and known.team:
        lines.append(known.team)
    return lines, rows


def _suggestion_part(
    step: Step, key: str, suggested: list[str], shown: list[str]
) -> tuple[list[str], Rows]:
    """Samen's answers as buttons; `shown`: the lines above, which need no repeating."""
    lines: list[str] = []
    rows: Rows = []
    for index, answer in enumerate(suggested):
        icon = preparation.TIP_ICONS[key]
        rows.append([step.button(f"{icon} {_short(answer)}", f"s:{index}")])
        if _short(answer) != answer and answer not in [*shown, *lines]:
            # A shortened button: the whole answer is in the text above it.
            lines.append(step.tr.fill("💡 {answer}", answer=answer))
    return lines, rows


def _tip_extras(
    step: Step, key: str, known: preparation.Context, keys: list[str]
) -> tuple[list[str], Rows]:
    """More for two tips: good news first when a family had none lately (positive); what
    Samen knows, and adding the CvB/ZAT tip (culture)."""
    tr = step.tr
    lines: list[str] = []
    rows: Rows = []
    if key == "positive" and known.needs_news:
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
        lines.extend(preparation.context_lines(tr, known)[1:])
        if "team" not in keys:
            # staff:
            rows.append([step.button(tr.label("👥 A CvB or ZAT is involved too"), "team")])
    return lines, rows


async def _answer(step: Step, key: str, answer: str) -> None:
    """Store the answer to this tip and go on to the next one (or the card)."""
    await step.go(key, answers={**_answers(step), key: answer})
    await _next(step, key)


async def _next(step: Step, key: str) -> None:
    keys = _keys(step)
    index = keys.index(key) if key in keys else len(keys) - 1
    if index + 1 < len(keys):
        await _ask(step, keys[index + 1])
    else:
        await _finish(step)


def _answers(step: Step) -> dict[str, str]:
    return dict(step.draft(PreparationDraft).answers)


def _suggested(step: Step, value: str) -> str | None:
    suggested = step.draft(PreparationDraft).suggested
    index = value.removeprefix("s:")
    if not index.isdigit() or int(index) >= len(suggested):
        return None
    return suggested[int(index)]


async def _show_news(step: Step, note: str = "") -> None:
    await step.go("news")
    # staff:
    question = step.tr._(
        "🌟 Type one sentence of good news. The family gets it now, in"
        " their language, with your words in Dutch."
    )
    await step.show(
        "\n".join(part for part in (note, question) if part),
        [step.back_row()],
    )


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if current == "choose" and value.startswith("m:") and value[2:].isdigit():
        async with step.svc.db.transaction() as tx:
            meeting = await tx.meeting(int(value[2:]))
        if meeting is not None and meeting.created_by == step.viewer.person_id:
            await _begin(step, meeting)
        else:
            await _choose(step)
        return
    if current == "news":
        await _ask(step, "positive")
        return
    if current not in preparation.TIP_KEYS:
        return
    if value == "skip":
        await _next(step, current)
    elif value == "back":
        keys = _keys(step)
        index = keys.index(current) if current in keys else 0
        await _ask(step, keys[max(index - 1, 0)])
    elif value == "keep" and current == "goal":
        found = await _meeting(step)
        if found is None:
            await _gone(step)
            return
        await _answer(step, current, meeting_messages.goal_plain(step.tr, found[0]))
    elif value.startswith("s:"):
        answer = _suggested(step, value)
        if answer is None:
            await _ask(step, current)
        else:
            await _answer(step, current, answer)
    elif value == "news" and current == "positive":
        await _show_news(step)
    elif value == "team" and current == "culture" and "team" not in _keys(step):
        # The tip about the CvB or ZAT becomes the last step after this one.
        await step.go(current, keys=[*_keys(step), "team"])
        await _ask(step, current)


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if len(text) > MAX_TEXT:
        # staff:
        note = tr._("Please keep it shorter (at most {n} characters).", n=MAX_TEXT)
        if current == "news":
            await _show_news(step, note)
        elif current in preparation.TIP_KEYS:
            await _ask(step, current, note)
        else:
            await _choose(step, note)
        return
    if current == "news":
        found = await _meeting(step)
        member = await step.staff()
        if found is None or member is None:
            await _gone(step)
            return
        async with step.svc.work() as w:
            sent = await good_news.send_positive_news(
                w,
                staff=member,
                pupil_id=found[0].pupil_id,
                words=text,
            )
        # staff:
        note = tr._("✅ Good news sent to {names}.", names=tr.list_of(list(sent.reached)) or "–")
        await _ask(step, "positive", note)
        return
    if current in preparation.TIP_KEYS:
        await _answer(step, current, text)
        return
    # staff:
    await _choose(step, tr._("Please use the buttons above, or type /annuleren to stop."))


async def _finish(step: Step) -> None:
    found = await _meeting(step)
    member = await step.staff()
    if found is None or member is None:
        await _gone(step)
        return
    meeting, _ = found
    async with step.svc.work() as w:
        text = await preparation.save(w, step.tr, meeting, _answers(step), member)
    # staff:
    footer = step.tr._(
        "Saved. You will see this card again {minutes} minutes before the talk.",
        minutes=int(preparation.SHOW_BEFORE / timedelta(minutes=1)),
    )
    # The wizard's message becomes the card; the flow ends after, so showing cannot revive it.
    await step.show(f"{text}\n\n{footer}")
    await step.end()


register(Flow("prepare", Action.PLAN_MEETING, on_text, on_button))

HANDLERS: Handlers = [
    CommandHandler("voorbereiden", start),
    CallbackQueryHandler(start, pattern=PrepareTap.pattern()),
    CallbackQueryHandler(start, pattern=r"^menu:prepare$"),
]
