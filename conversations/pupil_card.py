"""`/leerling`: a coordinator's card of one pupil's information rights, where they record an
information request, a restriction, a capability judgement, or a safety exception."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.i18n.translator import N_, Markup
from bot.rules.models import (
    Guardian,
    HeldMessage,
    PersonKind,
    Pupil,
    SafetyException,
    StaffMember,
)
from bot.rules.permissions import Action
from bot.rules.rights import (
    IMPORTANT_FACTS,
    AgeBand,
    LinkFacts,
    MessageKind,
    Restriction,
    RestrictionKind,
    age_band,
    audience,
    deciders,
    holds_authority,
)
from bot.services import information_rights
from bot.services.work import Work
from bot.texts import staff_labels
from bot.texts.rights_card import RESTRICTION_LABELS, guardian_lines, who_decides
from conversations.common import Handlers
from conversations.family_messages import write_about
from conversations.flow import Flow, Step, register
from conversations.pupils import PupilStep, ask_pupil, pupil_first

REFUSAL_TEXTS = {
    information_rights.NotRecorded.UNKNOWN: N_(
        "That pupil or guardian is not in the roster any more."
    ),
    information_rights.NotRecorded.HOLDS_AUTHORITY: N_(
        "This guardian holds authority and already receives everything."
    ),
    information_rights.NotRecorded.NOT_16_17: N_("A pupil's refusal only counts at 16 and 17."),
    information_rights.NotRecorded.NOT_12_15: N_(
        "Capability is only judged for pupils of 12 to 15."
    ),
    information_rights.NotRecorded.NOT_ADULT: N_("Only a pupil of 18 or older decides this."),
    information_rights.NotRecorded.REASON_NEEDED: N_(
        "Please type a reason; it goes into the file."
    ),
    information_rights.NotRecorded.NOT_HELD: N_("That message is no longer held."),
}


def _title(step: Step) -> str:
    # staff:
    return step.tr._("🗂 <b>Information rights of a pupil</b>")


start = pupil_first("card", Action.RECORD_RIGHTS, _title)


@dataclass
class CardDraft:
    """What the /leerling flow knows so far."""

    pupil_id: str = ""
    guardian_id: str = ""  # the guardian a recording is about
    kind: str = ""  # the kind of restriction being recorded
    capable: bool = False  # the capability judgement being recorded
    held_id: int = 0  # the held message on screen


Rows = list[list[InlineKeyboardButton]]


async def show_card(step: Step, note: str = "") -> None:
    tr = step.tr
    pupil_id = step.draft(CardDraft).pupil_id
    today = step.svc.clock.now().astimezone(step.svc.settings.timezone).date()
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(pupil_id)
        facts = await tx.rights_facts(pupil_id)
        guardians = {g.guardian_id: g for g, _ in await tx.guardians_of_pupil(pupil_id)}
        safety = await tx.safety_exceptions(pupil_id)
    if pupil is None or facts is None:
        await step.end()
        await step.show(tr._(REFUSAL_TEXTS[information_rights.NotRecorded.UNKNOWN]))
        return
    await step.go("card")
    pupil_facts, links = facts
    band = age_band(pupil.birth_date, today)
    informed = audience(MessageKind.SUPPORT_ROUTE_NOTICE, pupil_facts, links, today)
    lines = [_title(step), *([note] if note else [])]
    lines += who_decides(tr, pupil, deciders(pupil_facts, links, today), guardians, today)
    rows: Rows = []
    for link in links:
        guardian = guardians[link.guardian_id]
        lines += guardian_lines(tr, link, guardian, informed.reasons[link.guardian_id], band)
        rows += _guardian_rows(step, link, guardian, pupil, band)
    if band is AgeBand.YOUNG_TEEN:
        rows.append(
            [step.button(tr.label("🧠 Can {pupil} decide?", pupil=pupil.first_name), "capability")]
        )
    if safety:
        safety_lines, safety_rows = await _safety_part(step, pupil, guardians, safety)
        lines += safety_lines
        rows += safety_rows
    else:
        rows.append([step.button(tr.label("🛡 Safety exception (meldcode)"), "safety")])
    rows.append([step.button(tr.label("💬 Write to the family"), "write")])
    rows.append([step.button(tr.label("⬅️ Another pupil"), "other")])
    await step.show("\n".join(lines), rows)


def _guardian_rows(
    step: Step, link: LinkFacts, guardian: Guardian, pupil: Pupil, band: AgeBand
) -> Rows:
    """What a coordinator can record about one guardian."""
    tr = step.tr
    name = f"{guardian.first_name} {guardian.last_name}"
    target = link.guardian_id
    if link.restriction is not None:
        label, value = tr.label("✅ Lift restriction: {name}", name=name), f"lift:{target}"
    else:
        label, value = tr.label("🚫 Restrict: {name}", name=name), f"restrict:{target}"
    rows = [[step.button(label, value)]]
    if (
        not holds_authority(link, band)
        and not link.information_requested
        and link.relation in ("mother", "father", "parent")
    ):
        asked = tr.label("📨 {name} asked for information", name=name)
        rows.append([step.button(asked, f"request:{target}")])
    if band is AgeBand.ADULT:
        wants = (
            tr.label(
                "🤝 {pupil} no longer wants {name} informed", pupil=pupil.first_name, name=name
            )
            if link.adult_pupil_consents
            else tr.label("🤝 {pupil} wants {name} informed", pupil=pupil.first_name, name=name)
        )
        rows.append([step.button(wants, f"adult:{target}")])
    return rows


async def _safety_part(
    step: Step, pupil: Pupil, guardians: dict[str, Guardian], safety: list[SafetyException]
) -> tuple[list[str], Rows]:
    """The safety exception: since when, whether parents were told, each held message."""
    tr = step.tr
    lines = [
        # staff:
        tr._(
            "⏸ <b>Safety exception</b> since {date}: messages to the family are paused.",
            date=tr.datetime(safety[0].recorded_at),
        )
    ]
    if safety[-1].parents_told_at is None:
        # staff:
        lines.append(tr._("Not yet recorded how or when parents were told."))
    held = await _held(step, pupil.pupil_id)
    if held:
        # staff:
        lines.append(
            tr.n_(
                "{n} message to the family is held. Send it or withdraw it; lifting the"
                " exception sends what you did not withdraw.",
                "{n} messages to the family are held. Send or withdraw each; lifting the"
                " exception sends what you did not withdraw.",
                len(held),
            )
        )
    rows: Rows = []
    for message in held[:MAX_HELD_BUTTONS]:
        label = tr.label(
            "✉️ {what} · {name}",
            what=tr.label(staff_labels.HELD_PURPOSE_LABELS.get(message.purpose, N_("message"))),
            name=_recipient_name(message, pupil, guardians),
        )
        rows.append([step.button(label, f"held:{message.id}")])
    rows.append([step.button(tr.label("📝 Record how parents were told"), "told")])
    rows.append([step.button(tr.label("▶️ Lift the safety exception"), "unpause")])
    return lines, rows


# The card stays readable on a phone; more held messages are handled after these.
MAX_HELD_BUTTONS = 8


async def _held(step: Step, pupil_id: str) -> list[HeldMessage]:
    async with step.svc.db.reading() as tx:
        return await tx.held_messages(pupil_id)


def _recipient_name(message: HeldMessage, pupil: Pupil, guardians: dict[str, Guardian]) -> str:
    kind, person_id = message.recipient
    if kind is PersonKind.GUARDIAN and person_id in guardians:
        guardian = guardians[person_id]
        return f"{guardian.first_name} {guardian.last_name}"
    return f"{pupil.first_name} {pupil.last_name}"


async def show_held(step: Step, outbox_id: int) -> None:
    """One held message as the family would read it, to send or withdraw."""
    tr = step.tr
    pupil_id = step.draft(CardDraft).pupil_id
    message = next((m for m in await _held(step, pupil_id) if m.id == outbox_id), None)
    if message is None:
        await show_card(
            step, tr.lines("⚠️ " + tr._(REFUSAL_TEXTS[information_rights.NotRecorded.NOT_HELD]))
        )
        return
    async with step.svc.db.reading() as tx:
        pupil = await tx.pupil(pupil_id)
        guardians = {g.guardian_id: g for g, _ in await tx.guardians_of_pupil(pupil_id)}
    assert pupil is not None
    await step.go("held", held_id=outbox_id)
    what = tr.label(staff_labels.HELD_PURPOSE_LABELS.get(message.purpose, N_("message")))
    words = html.escape(re.sub(r"<[^>]+>", "", html.unescape(message.text)))
    if len(words) > HELD_PREVIEW:
        words = words[:HELD_PREVIEW].rstrip() + "…"
    # staff:
    text = tr._(
        "⏸ <b>Held: {what}</b>\nFor {name}, queued {date}.\n\n{words}",
        what=what,
        name=_recipient_name(message, pupil, guardians),
        date=tr.datetime(message.queued_at),
        words=Markup(words, words),
    )
    rows = [
        [step.button(tr.label("▶️ Send it now"), "release")],
        [step.button(tr.label("🗑 Withdraw it: never send"), "withdraw")],
        step.back_row("card"),
    ]
    await step.show(text, rows)


HELD_PREVIEW = 700


async def _ask_request(step: Step, guardian_id: str) -> None:
    await step.go("request", guardian_id=guardian_id)
    tr = step.tr
    # staff:
    question = tr._(
        "Record that this parent asked the school for information?"
        " They will then receive important facts: results, development,"
        " and the start of support."
    )
    await step.show(
        question, [[step.button(tr.label("✅ Yes, record it"), "yes")], step.back_row("card")]
    )


async def _ask_restriction_kind(step: Step, guardian_id: str) -> None:
    await step.go("restrict_kind", guardian_id=guardian_id)
    tr = step.tr
    rows = [
        [step.button(tr.label(label), f"kind:{kind.value}")]
        for kind, label in RESTRICTION_LABELS.items()
    ]
    # staff:
    await step.show(tr._("What kind of restriction?"), [*rows, step.back_row("card")])


async def _ask_restriction_reason(step: Step, kind: str) -> None:
    if kind not in {k.value for k in RestrictionKind}:
        await show_card(step)
        return
    await step.go("restrict_reason", kind=kind)
    # staff:
    question = step.tr._("Type the reason, for the file (for example the court ruling).")
    await step.show(question, [step.back_row("card")])


async def _ask_capability(step: Step, _: str) -> None:
    await step.go("capability")
    tr = step.tr
    rows = [
        [step.button(tr.label("✅ Yes, capable"), "capable:yes")],
        [step.button(tr.label("❌ Not capable"), "capable:no")],
        step.back_row("card"),
    ]
    # staff:
    await step.show(tr._("Can the pupil judge a consent request themselves?"), rows)


async def _ask_capability_reason(step: Step, answer: str) -> None:
    await step.go("capability_reason", capable=answer == "yes")
    # staff:
    await step.show(
        step.tr._("Type the reason for this judgement, for the file."), [step.back_row("card")]
    )


async def _ask_safety_reason(step: Step, _: str) -> None:
    await step.go("safety_reason")
    # staff:
    question = step.tr._(
        "🛡 The meldcode applies? Then consent rules are lifted for discussions of this"
        " pupil, and Samen pauses every automated message to the family."
        " Samen never tells the family about this itself.\n"
        "Type the reason, for the file."
    )
    await step.show(question, [step.back_row("card")])


async def _ask_told(step: Step, _: str) -> None:
    await step.go("told")
    # staff:
    await step.show(
        step.tr._("How and when were the parents told? Or why not yet?"), [step.back_row("card")]
    )


async def _open_held(step: Step, target: str) -> None:
    if target.isdigit():
        await show_held(step, int(target))
    else:
        await show_card(step)


def _records(what: str, *, about_guardian: bool = False) -> Callable[[Step, str], Awaitable[None]]:
    async def record(step: Step, target: str) -> None:
        if about_guardian:
            await _record(step, what, guardian_id=target)
        else:
            await _record(step, what)

    return record


# (the step the card is at, the button's action) → what the tap does, with the button's target.
CARD_TAPS: dict[tuple[str, str], Callable[[Step, str], Awaitable[None]]] = {
    ("card", "request"): _ask_request,
    ("request", "yes"): _records("request"),
    ("card", "lift"): _records("lift", about_guardian=True),
    ("card", "restrict"): _ask_restriction_kind,
    ("restrict_kind", "kind"): _ask_restriction_reason,
    ("card", "capability"): _ask_capability,
    ("capability", "capable"): _ask_capability_reason,
    ("card", "safety"): _ask_safety_reason,
    ("card", "held"): _open_held,
    ("held", "release"): _records("release"),
    ("held", "withdraw"): _records("withdraw"),
    ("card", "told"): _ask_told,
    ("card", "unpause"): _records("unpause"),
    ("card", "adult"): _records("adult", about_guardian=True),
    ("card", "write"): lambda step, _: write_about(step, step.draft(CardDraft).pupil_id),
}


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "other":
        await step.go("pupil")
        await ask_pupil(step, _title(step))
        return
    action, _, target = value.partition(":")
    tap = CARD_TAPS.get((current, action))
    if tap is None:
        await show_card(step)  # "card", or a button of another step: the card as it is
        return
    await tap(step, target)


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    if current in ("restrict_reason", "capability_reason", "safety_reason", "told"):
        await _record(step, current, reason=text)
        return
    await show_card(step)


NotRecorded = information_rights.NotRecorded
# One recording of the card: (unit of work, coordinator, what the flow knows, the typed
# reason) → a refusal, or None when it was recorded.
Recorder = Callable[
    [Work, StaffMember, CardDraft, str], Awaitable[information_rights.NotRecorded | None]
]


async def _request(w: Work, member: StaffMember, d: CardDraft, _: str) -> NotRecorded | None:
    return await information_rights.record_information_request(w, member, d.guardian_id, d.pupil_id)


async def _lift(w: Work, member: StaffMember, d: CardDraft, __: str) -> NotRecorded | None:
    await information_rights.lift_restriction(w, member, d.guardian_id, d.pupil_id)
    return None


async def _restrict(w: Work, member: StaffMember, d: CardDraft, reason: str) -> NotRecorded | None:
    kind = RestrictionKind(d.kind)
    allowed = IMPORTANT_FACTS if kind is RestrictionKind.COURT_ARRANGEMENT else frozenset()
    restriction = Restriction(kind, reason, allowed)
    return await information_rights.record_restriction(
        w, member, d.guardian_id, d.pupil_id, restriction
    )


async def _capability(
    w: Work, member: StaffMember, d: CardDraft, reason: str
) -> NotRecorded | None:
    return await information_rights.record_capability(w, member, d.pupil_id, d.capable, reason)


async def _safety(w: Work, member: StaffMember, d: CardDraft, reason: str) -> NotRecorded | None:
    return await information_rights.record_safety_exception(w, member, d.pupil_id, None, reason)


async def _told(w: Work, member: StaffMember, d: CardDraft, reason: str) -> NotRecorded | None:
    return await information_rights.record_parents_told(w, member, d.pupil_id, reason)


async def _release(w: Work, member: StaffMember, d: CardDraft, __: str) -> NotRecorded | None:
    return await information_rights.decide_held_message(
        w, member, d.pupil_id, d.held_id, release=True
    )


async def _withdraw(w: Work, member: StaffMember, d: CardDraft, __: str) -> NotRecorded | None:
    return await information_rights.decide_held_message(
        w, member, d.pupil_id, d.held_id, release=False
    )


async def _unpause(w: Work, member: StaffMember, d: CardDraft, __: str) -> NotRecorded | None:
    await information_rights.lift_safety_exception(w, member, d.pupil_id)
    return None


async def _adult(w: Work, member: StaffMember, d: CardDraft, _: str) -> NotRecorded | None:
    return await information_rights.toggle_adult_consent(w, member, d.guardian_id, d.pupil_id)


RECORDERS: dict[str, Recorder] = {
    "request": _request,
    "lift": _lift,
    "restrict_reason": _restrict,
    "capability_reason": _capability,
    "safety_reason": _safety,
    "told": _told,
    "release": _release,
    "withdraw": _withdraw,
    "unpause": _unpause,
    "adult": _adult,
}


async def _record(step: Step, what: str, *, reason: str = "", **extra: object) -> None:
    """Record one thing on the card (each use case writes its audit entry), then show it."""
    tr = step.tr
    if extra:
        await step.go(step.state.step, **extra)
    member = await step.staff()
    if member is None:
        await step.end()
        return
    async with step.svc.work() as w:
        refusal = await RECORDERS[what](w, member, step.draft(CardDraft), reason)
    if refusal is not None:
        await show_card(step, tr.lines("⚠️ " + tr._(REFUSAL_TEXTS[refusal])))
        return
    if what == "release":
        # staff:
        note = tr._("▶️ The message goes out now. Recorded in the file.")
    elif what == "withdraw":
        # staff:
        note = tr._("🗑 Withdrawn: it will never be sent. Recorded in the file.")
    else:
        # staff:
        note = tr._("✅ Recorded in the file.")
    await show_card(step, note)


register(
    Flow("card", Action.RECORD_RIGHTS, on_text, on_button, PupilStep(_title, "card", show_card))
)

HANDLERS: Handlers = [
    CommandHandler("leerling", start),
    CallbackQueryHandler(start, pattern=r"^menu:card$"),
]
