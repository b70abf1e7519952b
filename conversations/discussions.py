"""Staff flows that put a pupil on the agenda: `/cvb` (a notice to parents, guideline 1)
and `/toestemming` (a consent request for the ZAT or an outside assessment, guidelines 2–7).

Both walk the same steps; the consent request adds the kind, the team and what is shared.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.models import Viewer
from bot.rules.permissions import Action
from bot.services import pupil_discussions
from bot.texts import care_messages
from conversations.common import Handlers
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import requires
from conversations.moments import future_moment, typed_time
from conversations.pupils import PupilStep, ask_pupil
from conversations.replies import done, not_in_samen

STEPS = {
    "cvb": ["pupil", "when", "purpose", "confirm"],
    "consent": ["pupil", "kind", "when", "purpose", "team", "shared", "confirm"],
}
MAX_PURPOSE = 300


@dataclass
class DiscussionDraft:
    """What the /cvb and /toestemming flows know so far."""

    pupil_id: str = ""
    child: str = ""
    kind: str = ""  # zat | assessment (a /cvb flow is always cvb)
    starts_at: str = ""  # ISO moment
    purpose_key: str = ""  # one of care_messages.PURPOSES
    purpose: str = ""  # the coordinator's own words, in Dutch
    team: list[int] = field(default_factory=list)  # indexes into [care] team
    shared: list[str] = field(default_factory=list)  # keys of care_messages.SHARED_INFO


def _heading(step: Step) -> str:
    tr = step.tr
    flow = step.state.name
    steps = STEPS[flow]
    current = "purpose" if step.state.step == "purpose_words" else step.state.step
    number = steps.index(current) + 1 if current in steps else 1
    # staff:
    title = (
        tr._("📅 <b>CvB: put a pupil on the agenda</b>")
        if flow == "cvb"
        else tr._("📝 <b>Ask consent for a discussion with people from outside school</b>")
    )
    return f"{title}\n{progress(tr, number, len(steps))}"


@requires(Action.CVB_NOTICE)
async def start_cvb(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "cvb", "pupil")
    await ask_pupil(step, _heading(step))
    await done(update)


@requires(Action.CONSENT_REQUEST)
async def start_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "consent", "pupil")
    await ask_pupil(step, _heading(step))
    await done(update)


async def _after(step: Step, current: str) -> None:
    """Go to the step after `current` and ask its question."""
    steps = STEPS[step.state.name]
    await _ask(step, steps[steps.index(current) + 1])


async def _before(step: Step, current: str) -> None:
    steps = STEPS[step.state.name]
    await _ask(step, steps[max(steps.index(current) - 1, 0)])


async def _ask(step: Step, name: str) -> None:
    if name == "team" and "team" not in step.state.data:
        # Everyone in the configured team takes part unless the coordinator leaves them out.
        await step.go(name, team=list(range(len(step.svc.settings.care.team))))
    else:
        await step.go(name)
    tr = step.tr
    heading = _heading(step)
    back = step.back_row()
    if name == "pupil":
        await ask_pupil(step, heading)
    elif name == "kind":
        rows = [
            [step.button(tr.label(care_messages.KIND_LABELS["zat"]), "kind:zat")],
            [step.button(tr.label(care_messages.KIND_LABELS["assessment"]), "kind:assessment")],
            back,
        ]
        # staff:
        question = tr._("What kind of discussion?")
        await step.show(f"{heading}\n{question}", rows)
    elif name == "when":
        # staff:
        question = tr._(
            "When is it? Type a day and a time, for example <i>3 dec 15:30</i>"
            " or <i>volgende week dinsdag half vier</i>."
        )
        await step.show(f"{heading}\n{question}", [back])
    elif name == "purpose":
        # staff:
        question = tr._(
            "Why? Choose what fits best: each parent reads it in their own language."
            " You can add your own words next."
        )
        # The moment as understood, weekday written out, so a misread shows at once.
        starts_at = step.draft(DiscussionDraft).starts_at
        understood = (
            f"🕒 {tr.datetime(datetime.fromisoformat(str(starts_at)))}\n" if starts_at else ""
        )
        child = step.draft(DiscussionDraft).child
        rows = [
            [step.button(tr.label(label, child=child), f"why:{key}")]
            for key, label in care_messages.PURPOSES.items()
        ]
        await step.show(f"{heading}\n{understood}{question}", [*rows, back])
    elif name == "purpose_words":
        # staff:
        question = tr._(
            "Add your own words, in one or two sentences? Parents read them exactly as you"
            " write them, in Dutch: keep them plain and leave out diagnoses."
        )
        rows = [[step.button(tr.label("Skip ➡️"), "skip")], back]
        await step.show(f"{heading}\n{question}", rows)
    elif name == "team":
        await _show_team(step)
    elif name == "shared":
        await _show_shared(step)
    else:
        await _show_confirm(step)


async def _show_team(step: Step) -> None:
    tr = step.tr
    team = step.svc.settings.care.team
    chosen = set(step.draft(DiscussionDraft).team)
    rows = [
        [
            step.button(
                tr.lines(
                    ("✅ " if index in chosen else "⬜ ")
                    + care_messages.participants_text(tr, [member]).plain
                ),
                f"team:{index}",
            )
        ]
        for index, member in enumerate(team)
    ]
    rows.append(step.back_row("back", step.next_button()))
    # staff:
    question = tr._("Who takes part and receives information? Tap to leave someone out.")
    await step.show(f"{_heading(step)}\n{question}", rows)


async def _show_shared(step: Step) -> None:
    tr = step.tr
    draft = step.draft(DiscussionDraft)
    chosen, child = set(draft.shared), draft.child
    rows = [
        [
            step.button(
                ("✅ " if key in chosen else "⬜ ") + tr.label(label, child=child), f"info:{key}"
            )
        ]
        for key, label in care_messages.SHARED_INFO.items()
    ]
    rows.append(step.back_row("back", step.next_button()))
    # staff:
    question = tr._("What will the school share? Only what the purpose needs.")
    await step.show(f"{_heading(step)}\n{question}", rows)


async def _show_confirm(step: Step, note: str = "") -> None:
    tr = step.tr
    data = step.draft(DiscussionDraft)
    kind = "cvb" if step.state.name == "cvb" else data.kind
    starts_at = datetime.fromisoformat(data.starts_at)
    async with step.svc.work() as w:
        pupil = await w.tx.pupil(data.pupil_id)
        assert pupil is not None
        targets = await pupil_discussions.targets_for(w, pupil.pupil_id, kind)
        people = await pupil_discussions.people_of_pupil(w.tx, pupil)
        linked = {
            pupil_discussions.person_key(k, p): await w.tx.chat_of_person(k, p) is not None
            for k, p, _ in targets
        }
        paused = bool(await w.tx.safety_exceptions(pupil.pupil_id))
    names = []
    for person_kind, person_id, _ in targets:
        key = pupil_discussions.person_key(person_kind, person_id)
        mark = "" if linked[key] else " ⚠️"
        names.append(pupil_discussions.describe(tr, people[key], pupil.first_name) + mark)
    lines = [_heading(step)]
    if note:
        lines.append(note)
    # staff:
    lines.append(
        tr._(
            "<b>{pupil}</b>, {date}",
            pupil=f"{pupil.first_name} {pupil.last_name}",
            date=tr.datetime(starts_at),
        )
    )
    lines.append(tr._("Purpose: {purpose}", purpose=_purpose_summary(tr, data)))
    if kind == "cvb":
        # staff:
        lines.append(tr._("Notice to: {names}", names=tr.list_of(names) or "–"))
    else:
        team = step.svc.settings.care.team
        chosen = [team[i] for i in data.team]
        lines.append(
            tr._("Taking part: {names}", names=care_messages.participants_text(tr, chosen))
        )
        shared = care_messages.shared_text(tr, data.shared, pupil.first_name)
        lines.append(tr._("Shared: {items}", items=shared))
        # staff:
        lines.append(tr._("Consent needed from: {names}", names=tr.list_of(names) or "–"))
    if not targets:
        # staff:
        lines.append(tr._("⚠️ Nobody in the roster can receive this. Check the guardians first."))
    if not all(linked.values()):
        # staff:
        lines.append(tr._("⚠️ Not in Samen yet: they get nothing by chat. Please call or write."))
    if paused:
        # staff:
        lines.append(tr._("⏸ Messages to this family are paused (safety exception)."))
    rows = [
        [step.button(tr.label("✅ Send"), "send")],
        step.back_row(),
    ]
    await step.show("\n".join(lines), rows)


def _purpose_summary(tr: Translator, data: DiscussionDraft) -> str:
    key = data.purpose_key
    chosen = (
        tr.label(care_messages.PURPOSES[key], child=data.child)
        if key in care_messages.PURPOSES
        else ""
    )
    words = data.purpose
    return " · ".join(part for part in (chosen, f"“{words}”" if words else "") if part)


async def _after_pupil(step: Step) -> None:
    await _after(step, "pupil")


async def _no_longer_works(step: Step) -> None:
    """A button that does not fit the step on screen (an old one): choose again."""
    await step.show(step.tr._("This button no longer works. Please choose again."))


async def _back(step: Step, current: str) -> None:
    # Own words are a step within the purpose: back from them is the purpose itself.
    if current == "purpose_words":
        await _ask(step, "purpose")
    else:
        await _before(step, current)


async def _tap_kind(step: Step, value: str) -> None:
    if value not in ("kind:zat", "kind:assessment"):
        await _no_longer_works(step)
        return
    await step.go("kind", kind=value.removeprefix("kind:"))
    await _after(step, "kind")


async def _tap_when(step: Step, value: str) -> None:
    if not value.startswith("at:"):
        await _no_longer_works(step)
        return
    # One reading of a weekday that contradicted the date, as tapped.
    moment = future_moment(step, value.removeprefix("at:"))
    if moment is None:
        await _ask(step, "when")
        return
    await step.go("when", starts_at=moment.isoformat())
    await _after(step, "when")


async def _tap_purpose(step: Step, value: str) -> None:
    key = value.removeprefix("why:")
    if key not in care_messages.PURPOSES:
        await _no_longer_works(step)
        return
    await step.go("purpose", purpose_key=key)
    if step.draft(DiscussionDraft).purpose:
        await _after(step, "purpose")  # own words were typed already
    else:
        await _ask(step, "purpose_words")


async def _tap_purpose_words(step: Step, value: str) -> None:
    if value != "skip":
        await _no_longer_works(step)
        return
    await step.go("purpose_words", purpose="")
    await _after(step, "purpose")


async def _tap_team(step: Step, value: str) -> None:
    """Leave a team member out or take them back in; on only with someone taking part."""
    chosen = set(step.draft(DiscussionDraft).team)
    if value == "next":
        if chosen:
            await _after(step, "team")
        else:
            await _show_team(step)
        return
    index = value.removeprefix("team:")
    if index.isdigit() and int(index) < len(step.svc.settings.care.team):
        chosen ^= {int(index)}
        await step.go("team", team=sorted(chosen))
    await _show_team(step)


async def _tap_shared(step: Step, value: str) -> None:
    """Tick or untick what is shared; on only with something shared."""
    chosen = set(step.draft(DiscussionDraft).shared)
    if value == "next":
        if chosen:
            await _after(step, "shared")
        else:
            await _show_shared(step)
        return
    key = value.removeprefix("info:")
    if key in care_messages.SHARED_INFO:
        chosen ^= {key}
        await step.go("shared", shared=[k for k in care_messages.SHARED_INFO if k in chosen])
    await _show_shared(step)


async def _tap_confirm(step: Step, value: str) -> None:
    if value != "send":
        await _no_longer_works(step)
        return
    await _send(step)


# What a tap does at each step (Back aside); a step not listed has no buttons of its own.
TAPS: dict[str, Callable[[Step, str], Awaitable[None]]] = {
    "kind": _tap_kind,
    "when": _tap_when,
    "purpose": _tap_purpose,
    "purpose_words": _tap_purpose_words,
    "team": _tap_team,
    "shared": _tap_shared,
    "confirm": _tap_confirm,
}


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "back":
        await _back(step, current)
        return
    tap = TAPS.get(current)
    if tap is None:
        await _no_longer_works(step)
        return
    await tap(step, value)


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if current == "when":
        moment = await typed_time(step, text, "back")
        if moment is not None:
            await step.go("when", starts_at=moment.isoformat())
            await _after(step, "when")
        return
    if current in ("purpose", "purpose_words"):
        if len(text) > MAX_PURPOSE or len(text) < 5:
            # staff:
            await step.show(
                tr._(
                    "Please write the purpose in one or two sentences (at most {n} characters).",
                    n=MAX_PURPOSE,
                )
            )
            return
        await step.go(current, purpose=text)
        if step.draft(DiscussionDraft).purpose_key in care_messages.PURPOSES:
            await _after(step, "purpose")
        else:
            await _ask(step, "purpose")  # the words are kept; now what fits best
        return
    # staff:
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _send(step: Step) -> None:
    tr = step.tr
    data = step.draft(DiscussionDraft)
    member = await step.staff()
    if member is None:
        await step.end()
        return
    kind = "cvb" if step.state.name == "cvb" else data.kind
    team = step.svc.settings.care.team
    participants = [team[i] for i in data.team] if kind != "cvb" else []
    async with step.finishing() as w:
        delivery = await pupil_discussions.send_discussion(
            w,
            staff=member,
            pupil_id=data.pupil_id,
            kind=kind,
            starts_at=datetime.fromisoformat(data.starts_at),
            purpose=data.purpose,
            purpose_key=data.purpose_key or None,
            participants=participants,
            shared_info=data.shared,
        )
    await step.show(_sent_text(tr, kind, delivery))


def _sent_text(tr: Translator, kind: str, delivery: pupil_discussions.Delivery) -> str:
    lines = []
    if delivery.paused:
        # Staff must not believe the family was told: nothing went out.
        # staff:
        lines.append(
            tr.n_(
                "⏸ Not sent: a safety exception applies. It is held for {n} person;"
                " the coordinator sends or withdraws it under /leerling.",
                "⏸ Not sent: a safety exception applies. It is held for {n} people;"
                " the coordinator sends or withdraws each under /leerling.",
                len(delivery.reached),
            )
        )
    elif kind == "cvb":
        # staff:
        lines.append(
            tr.n_(
                "✅ Notice sent to {n} person.",
                "✅ Notice sent to {n} people.",
                len(delivery.reached),
            )
        )
    else:
        # staff:
        lines.append(
            tr.n_(
                "✅ Request sent to {n} person.",
                "✅ Request sent to {n} people.",
                len(delivery.reached),
            )
        )
    lines += not_in_samen(tr, delivery.not_linked)
    # staff:
    lines.append(tr._("You will see the answers under /overzicht."))
    return "\n".join(lines)


register(
    Flow("cvb", Action.CVB_NOTICE, on_text, on_button, PupilStep(_heading, "pupil", _after_pupil))
)
register(
    Flow(
        "consent",
        Action.CONSENT_REQUEST,
        on_text,
        on_button,
        PupilStep(_heading, "pupil", _after_pupil),
    )
)

HANDLERS: Handlers = [
    CommandHandler("cvb", start_cvb),
    CommandHandler("toestemming", start_consent),
    CallbackQueryHandler(start_cvb, pattern=r"^menu:cvb$"),
    CallbackQueryHandler(start_consent, pattern=r"^menu:consent$"),
]
