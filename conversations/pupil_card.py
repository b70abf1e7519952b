"""`/leerling`: a coordinator's card of one pupil's information rights, where they record an
information request, a restriction, a capability judgement, or a safety exception."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import N_, Markup
from bot.rules.models import Guardian, HeldMessage, PersonKind, Pupil, Viewer, age_on
from bot.rules.permissions import Action
from bot.rules.rights import (
    IMPORTANT_FACTS,
    AgeBand,
    MessageKind,
    Restriction,
    RestrictionKind,
    Why,
    age_band,
    audience,
    deciders,
    holds_authority,
)
from bot.services import information_rights
from bot.texts import staff_labels
from conversations.common import Handlers, done, requires
from conversations.flow import (
    Flow,
    Step,
    ask_pupil,
    begin,
    pupil_from_button,
    pupil_from_text,
    register,
)

WHY_LABELS = {
    Why.AUTHORITY: N_("holds authority: receives everything and decides"),
    Why.INFORMATION_REQUEST: N_("no authority; asked for information: receives important facts"),
    Why.FAMILY_GUARDIAN: N_("family guardian: informed, does not decide"),
    Why.FOSTER_PARENT: N_("foster parent: meetings and good news"),
    Why.NOT_DAY_TO_DAY: N_("foster parent: meetings and good news"),
    Why.DAY_TO_DAY_ALLOWED: N_(
        "foster parent: meetings, good news, agreements and advice for home"
    ),
    Why.COURT_ARRANGEMENT: N_("court arrangement: receives what it allows"),
    Why.ADULT_PUPIL_CONSENT: N_("the pupil (18+) agreed that this parent is informed"),
    Why.STUDY_PROGRESS_STAYS: N_("the pupil refused; study progress only"),
    Why.NO_AUTHORITY: N_("no authority: receives nothing"),
    Why.NO_REQUEST: N_("no authority, no request recorded: receives nothing"),
    Why.NEVER_RECOGNISED: N_("never recognised the child: no right to information"),
    Why.WITHHELD: N_("information withheld in the child's interest"),
    Why.REFUSED_BY_PUPIL: N_("the pupil (16+) refused information to this parent"),
    Why.ADULT_PUPIL: N_("the pupil is 18+: only with the pupil's consent"),
    Why.NOT_A_DECIDER: N_("does not decide"),
}

RESTRICTION_LABELS = {
    RestrictionKind.COURT_ARRANGEMENT: N_("⚖️ Court arrangement"),
    RestrictionKind.WITHHELD: N_("🚫 Withhold in the child's interest"),
    RestrictionKind.REFUSED_BY_PUPIL: N_("🙅 The pupil (16–17) refuses"),
}

REFUSAL_TEXTS = {
    information_rights.Refusal.UNKNOWN: N_("That pupil or guardian is not in the roster any more."),
    information_rights.Refusal.HOLDS_AUTHORITY: N_(
        "This guardian holds authority and already receives everything."
    ),
    information_rights.Refusal.NOT_16_17: N_("A pupil's refusal only counts at 16 and 17."),
    information_rights.Refusal.NOT_12_15: N_("Capability is only judged for pupils of 12 to 15."),
    information_rights.Refusal.NOT_ADULT: N_("Only a pupil of 18 or older decides this."),
    information_rights.Refusal.REASON_NEEDED: N_("Please type a reason; it goes into the file."),
    information_rights.Refusal.NOT_HELD: N_("That message is no longer held."),
}


@requires(Action.RECORD_RIGHTS)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    step = await begin(update, context, viewer, "card", "pupil")
    await ask_pupil(step, _title(step))
    await done(update)


def _title(step: Step) -> str:
    # staff:
    return step.tr._("🗂 <b>Information rights of a pupil</b>")


async def show_card(step: Step, note: str = "") -> None:
    tr = step.tr
    pupil_id = str(step.state.data["pupil_id"])
    now = step.svc.clock.now()
    today = now.astimezone(step.svc.settings.timezone).date()
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(pupil_id)
        facts = await tx.rights_facts(pupil_id)
        guardians = {g.guardian_id: g for g, _ in await tx.guardians_of_pupil(pupil_id)}
        safety = await tx.safety_exceptions(pupil_id)
    if pupil is None or facts is None:
        await step.end()
        await step.show(tr._(REFUSAL_TEXTS[information_rights.Refusal.UNKNOWN]))
        return
    await step.go("card")
    pupil_facts, links = facts
    band = age_band(pupil.birth_date, today)
    decide = deciders(pupil_facts, links, today)
    informed = audience(MessageKind.SUPPORT_ROUTE_NOTICE, pupil_facts, links, today)
    lines = [_title(step)]
    if note:
        lines.append(note)
    # staff:
    lines.append(
        tr._(
            "<b>{pupil}</b>, {age} years, group {group}",
            pupil=f"{pupil.first_name} {pupil.last_name}",
            age=age_on(pupil.birth_date, today),
            group=pupil.group,
        )
    )
    decider_names = [
        f"{guardians[g].first_name} {guardians[g].last_name}" for g in decide.guardians
    ]
    if decide.pupil:
        decider_names.append(pupil.first_name)
    # staff:
    lines.append(tr._("Consent is given by: {names}", names=tr.list_of(decider_names) or "–"))
    if decide.pupil_not_capable_reason is not None:
        # staff:
        lines.append(
            tr._(
                "{pupil} was judged not capable of deciding: {reason}",
                pupil=pupil.first_name,
                reason=decide.pupil_not_capable_reason,
            )
        )
    rows: list[list[InlineKeyboardButton]] = []
    for link in links:
        guardian = guardians[link.guardian_id]
        name = f"{guardian.first_name} {guardian.last_name}"
        relation = tr.label(staff_labels.RELATION_LABELS[link.relation])
        reason = informed.reasons[link.guardian_id]
        if reason is Why.AUTHORITY and band is AgeBand.OLDER_TEEN:
            why = tr.label(N_("holds authority: informed; the pupil decides"))
        elif reason is Why.NOT_DAY_TO_DAY and link.day_to_day_allowed_by:
            why = tr.label(
                N_("{what} (allowed by {who})"),
                what=tr.label(WHY_LABELS[Why.DAY_TO_DAY_ALLOWED]),
                who=link.day_to_day_allowed_by,
            )
        else:
            why = tr.label(WHY_LABELS[reason])
        lines.append(tr._("• {name}, {relation}: {why}", name=name, relation=relation, why=why))
        if link.restriction is not None:
            lines.append(
                tr._(
                    "  ↳ {kind}: {reason}",
                    kind=tr.label(RESTRICTION_LABELS[link.restriction.kind]),
                    reason=link.restriction.reason,
                )
            )
            rows.append(
                [
                    step.button(
                        tr.label("✅ Lift restriction: {name}", name=name),
                        f"lift:{link.guardian_id}",
                    )
                ]
            )
        else:
            rows.append(
                [
                    step.button(
                        tr.label("🚫 Restrict: {name}", name=name), f"restrict:{link.guardian_id}"
                    )
                ]
            )
        if (
            not holds_authority(link, band)
            and not link.information_requested
            and link.relation in ("mother", "father", "parent")
        ):
            rows.append(
                [
                    step.button(
                        tr.label("📨 {name} asked for information", name=name),
                        f"request:{link.guardian_id}",
                    )
                ]
            )
        if band is AgeBand.ADULT:
            label = (
                tr.label(
                    "🤝 {pupil} no longer wants {name} informed", pupil=pupil.first_name, name=name
                )
                if link.adult_pupil_consents
                else tr.label("🤝 {pupil} wants {name} informed", pupil=pupil.first_name, name=name)
            )
            rows.append([step.button(label, f"adult:{link.guardian_id}")])
    if band is AgeBand.YOUNG_TEEN:
        rows.append(
            [step.button(tr.label("🧠 Can {pupil} decide?", pupil=pupil.first_name), "capability")]
        )
    if safety:
        # staff:
        lines.append(
            tr._(
                "⏸ <b>Safety exception</b> since {date}: messages to the family are paused.",
                date=tr.datetime(safety[0].recorded_at),
            )
        )
        if safety[-1].parents_told_at is None:
            # staff:
            lines.append(tr._("Not yet recorded how or when parents were told."))
        held = await _held(step, pupil_id)
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
        for message in held[:MAX_HELD_BUTTONS]:
            label = tr.label(
                "✉️ {what} · {name}",
                what=tr.label(staff_labels.HELD_PURPOSE_LABELS.get(message.purpose, N_("message"))),
                name=_recipient_name(message, pupil, guardians),
            )
            rows.append([step.button(label, f"held:{message.id}")])
        rows.append([step.button(tr.label("📝 Record how parents were told"), "told")])
        rows.append([step.button(tr.label("▶️ Lift the safety exception"), "unpause")])
    else:
        rows.append([step.button(tr.label("🛡 Safety exception (meldcode)"), "safety")])
    rows.append([step.button(tr.label("⬅️ Another pupil"), "other")])
    await step.show("\n".join(lines), rows)


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
    pupil_id = str(step.state.data["pupil_id"])
    message = next((m for m in await _held(step, pupil_id) if m.id == outbox_id), None)
    if message is None:
        await show_card(step, "⚠️ " + tr._(REFUSAL_TEXTS[information_rights.Refusal.NOT_HELD]))
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
        [step.button(tr.label("⬅️ Back"), "card")],
    ]
    await step.show(text, rows)


HELD_PREVIEW = 700


async def on_button(step: Step, value: str) -> None:
    tr = step.tr
    current = step.state.step
    if current == "pupil":
        pupil = await pupil_from_button(step, value, _title(step))
        if pupil is not None:
            await step.go("card", pupil_id=pupil.pupil_id)
            await show_card(step)
        return
    if value == "other":
        await step.go("pupil")
        await ask_pupil(step, _title(step))
        return
    if value == "card":
        await show_card(step)
        return
    action, _, target = value.partition(":")

    def back() -> list[InlineKeyboardButton]:
        # Built after each step change: buttons carry the nonce of the step they belong to.
        return [step.button(tr.label("⬅️ Back"), "card")]

    if current == "card" and action == "request":
        await step.go("request", guardian_id=target)
        # staff:
        question = tr._(
            "Record that this parent asked the school for information?"
            " They will then receive important facts: results, development,"
            " and the start of support."
        )
        await step.show(question, [[step.button(tr.label("✅ Yes, record it"), "yes")], back()])
        return
    if current == "request" and action == "yes":
        await _record(step, "request")
        return
    if current == "card" and action == "lift":
        await _record(step, "lift", guardian_id=target)
        return
    if current == "card" and action == "restrict":
        await step.go("restrict_kind", guardian_id=target)
        rows = [
            [step.button(tr.label(label), f"kind:{kind.value}")]
            for kind, label in RESTRICTION_LABELS.items()
        ]
        # staff:
        await step.show(tr._("What kind of restriction?"), [*rows, back()])
        return
    if current == "restrict_kind" and action == "kind":
        await step.go("restrict_reason", kind=target)
        # staff:
        await step.show(
            tr._("Type the reason, for the file (for example the court ruling)."), [back()]
        )
        return
    if current == "card" and action == "capability":
        await step.go("capability")
        rows = [
            [step.button(tr.label("✅ Yes, capable"), "capable:yes")],
            [step.button(tr.label("❌ Not capable"), "capable:no")],
            back(),
        ]
        # staff:
        await step.show(tr._("Can the pupil judge a consent request themselves?"), rows)
        return
    if current == "capability" and action == "capable":
        await step.go("capability_reason", capable=target == "yes")
        # staff:
        await step.show(tr._("Type the reason for this judgement, for the file."), [back()])
        return
    if current == "card" and action == "safety":
        await step.go("safety_reason")
        # staff:
        await step.show(
            tr._(
                "🛡 The meldcode applies? Then consent rules are lifted for discussions of this"
                " pupil, and Samen pauses every automated message to the family."
                " Samen never tells the family about this itself.\n"
                "Type the reason, for the file."
            ),
            [back()],
        )
        return
    if current == "card" and action == "held" and target.isdigit():
        await show_held(step, int(target))
        return
    if current == "held" and action in ("release", "withdraw"):
        await _record(step, action)
        return
    if current == "card" and action == "told":
        await step.go("told")
        # staff:
        await step.show(tr._("How and when were the parents told? Or why not yet?"), [back()])
        return
    if current == "card" and action == "unpause":
        await _record(step, "unpause")
        return
    if current == "card" and action == "adult":
        await _record(step, "adult", guardian_id=target)
        return
    await show_card(step)


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    if current == "pupil":
        pupil = await pupil_from_text(step, text, _title(step))
        if pupil is not None:
            await step.go("card", pupil_id=pupil.pupil_id)
            await show_card(step)
        return
    if current in ("restrict_reason", "capability_reason", "safety_reason", "told"):
        await _record(step, current, reason=text)
        return
    await show_card(step)


async def _record(step: Step, what: str, **extra: object) -> None:
    tr = step.tr
    data = {**step.state.data, **extra}
    pupil_id = str(data["pupil_id"])
    guardian_id = str(data.get("guardian_id", ""))
    reason = str(data.get("reason", ""))
    member = await step.staff()
    if member is None:
        await step.end()
        return
    now = step.svc.clock.now()
    today = now.astimezone(step.svc.settings.timezone).date()
    refusal: information_rights.Refusal | None = None
    async with step.svc.db.transaction() as tx:
        if what == "request":
            refusal = await information_rights.record_information_request(
                tx, now, today, member, guardian_id, pupil_id
            )
        elif what == "lift":
            await information_rights.lift_restriction(tx, now, member, guardian_id, pupil_id)
        elif what == "restrict_reason":
            kind = RestrictionKind(str(data["kind"]))
            allowed = IMPORTANT_FACTS if kind is RestrictionKind.COURT_ARRANGEMENT else frozenset()
            refusal = await information_rights.record_restriction(
                tx, now, today, member, guardian_id, pupil_id, Restriction(kind, reason, allowed)
            )
        elif what == "capability_reason":
            refusal = await information_rights.record_capability(
                tx, now, today, member, pupil_id, bool(data["capable"]), reason
            )
        elif what == "safety_reason":
            refusal = await information_rights.record_safety_exception(
                tx, now, member, pupil_id, None, reason
            )
        elif what == "told":
            refusal = await information_rights.record_parents_told(
                tx, now, member, pupil_id, reason
            )
        elif what in ("release", "withdraw"):
            refusal = await information_rights.decide_held_message(
                tx, now, member, pupil_id, int(str(data["held_id"])), release=what == "release"
            )
        elif what == "unpause":
            await information_rights.lift_safety_exception(tx, now, member, pupil_id)
        elif what == "adult":
            refusal = await information_rights.toggle_adult_consent(
                tx, now, today, member, guardian_id, pupil_id
            )
    if refusal is not None:
        await show_card(step, "⚠️ " + tr._(REFUSAL_TEXTS[refusal]))
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


register(Flow("card", Action.RECORD_RIGHTS, on_text, on_button))

HANDLERS: Handlers = [
    CommandHandler("leerling", start),
    CallbackQueryHandler(start, pattern=r"^menu:card$"),
]
