"""CvB notices and consent requests: sending them to the people the rules name, recording
answers, and telling the coordinator what needs their attention.

Functions here take an open transaction, so the messages they queue are committed with
the change that caused them. Handlers and scheduled jobs call the same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import legal
from bot.i18n.translator import Catalogues, Translator, language_name
from bot.platform.config import Settings, school_name_for
from bot.rules.callback_data import ConsentTap
from bot.rules.consent import (
    FINAL,
    MAY_DISCUSS,
    ConsentStatus,
    Decider,
    MayDiscuss,
    consent_status,
    reminders_due,
)
from bot.rules.models import (
    DeliveryState,
    Discussion,
    Participant,
    PersonKind,
    Pupil,
    Recipient,
    StaffMember,
)
from bot.rules.rights import MessageKind, audience, deciders
from bot.rules.schooltime import QuietHours, add_school_days, in_quiet_hours
from bot.services.notify import Reader, language_read, notify, reader
from bot.services.work import Units, Work, batches
from bot.storage import Tx
from bot.texts import care_messages, staff_labels

NOTICE_VERSION = "cvb-notice-v1"


def person_key(kind: PersonKind | str, person_id: str) -> str:
    return f"{PersonKind(kind).value}:{person_id}"


@dataclass(frozen=True)
class Delivery:
    """What happened to a notice or request, for the sender's confirmation."""

    discussion_id: int
    reached: tuple[str, ...]
    not_linked: tuple[str, ...]
    paused: bool


@dataclass(frozen=True)
class PersonOnFile:
    kind: PersonKind
    person_id: str
    first_name: str
    full_name: str
    relation: str | None  # None for the pupil


async def people_of_pupil(tx: Tx, pupil: Pupil) -> dict[str, PersonOnFile]:
    people = {
        person_key(PersonKind.PUPIL, pupil.pupil_id): PersonOnFile(
            PersonKind.PUPIL,
            pupil.pupil_id,
            pupil.first_name,
            f"{pupil.first_name} {pupil.last_name}",
            None,
        )
    }
    for guardian, link in await tx.guardians_of_pupil(pupil.pupil_id):
        people[person_key(PersonKind.GUARDIAN, guardian.guardian_id)] = PersonOnFile(
            PersonKind.GUARDIAN,
            guardian.guardian_id,
            guardian.first_name,
            f"{guardian.first_name} {guardian.last_name}",
            link.relation,
        )
    return people


def describe(tr: Translator, person: PersonOnFile, child: str) -> str:
    """For staff: 'Linda de Vries (mother of Daan)' or 'Daan de Vries (pupil)'."""
    if person.relation is None:
        # staff:
        return tr.label("{name} (pupil)", name=person.full_name)
    # staff:
    return tr.label(
        "{name} ({relation} of {child})",
        name=person.full_name,
        relation=tr.label(staff_labels.RELATION_LABELS[person.relation]),
        child=child,
    )


async def targets_for(w: Work, pupil_id: str, kind: str) -> list[tuple[PersonKind, str, bool]]:
    """Who gets a CvB notice (informed) or a consent request (deciders): (kind, id, decides)."""
    facts = await w.tx.rights_facts(pupil_id)
    if facts is None:
        raise LookupError(pupil_id)
    pupil_facts, links = facts
    today = w.today
    if kind == "cvb":
        chosen = audience(MessageKind.CVB_NOTICE, pupil_facts, links, today)
        targets = [(PersonKind.GUARDIAN, g, False) for g in chosen.guardians]
        if chosen.pupil:
            targets.append((PersonKind.PUPIL, pupil_id, False))
        return targets
    needed = deciders(pupil_facts, links, today)
    targets = [(PersonKind.GUARDIAN, g, True) for g in needed.guardians]
    if needed.pupil:
        targets.append((PersonKind.PUPIL, pupil_id, True))
    return targets


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.care.quiet_start, settings.care.quiet_end)


async def send_discussion(
    w: Work,
    *,
    staff: StaffMember,
    pupil_id: str,
    kind: str,
    starts_at: datetime,
    purpose: str,
    participants: Sequence[Participant] = (),
    shared_info: Sequence[str] = (),
    purpose_key: str | None = None,
) -> Delivery:
    """Record a CvB discussion (notice) or a ZAT/assessment (consent request) and queue a
    message to everyone the rules name, in their language. `purpose_key` is one of the
    catalogued purposes, read in each language; `purpose` the coordinator's own words."""
    pupil = await w.tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    targets = await targets_for(w, pupil_id, kind)
    discussion_id = await w.tx.add_discussion(
        pupil_id=pupil_id,
        kind=kind,
        purpose=purpose,
        starts_at=starts_at,
        participants=participants,
        shared_info=shared_info,
        created_by=staff.staff_id,
        now=w.now,
        notice_deadline=_notice_deadline(w, kind),
        purpose_key=purpose_key,
    )
    discussion = await w.tx.discussion(discussion_id)
    assert discussion is not None
    people = await people_of_pupil(w.tx, pupil)
    paused = bool(await w.tx.safety_exceptions(pupil_id))
    sender = f"{staff.first_name} {staff.last_name}"
    reached: list[str] = []
    not_linked: list[str] = []
    for person_kind, person_id, decides in targets:
        person = people[person_key(person_kind, person_id)]
        to = await _send_to_one(w, discussion, pupil, person, decides=decides, sender=sender)
        (reached if to.in_samen else not_linked).append(person.full_name)
    await w.audit(
        staff,
        "cvb_notice_sent" if kind == "cvb" else "consent_requested",
        pupil_id=pupil_id,
        details={
            "discussion_id": discussion_id,
            "kind": kind,
            "recipients": [person_key(k, p) for k, p, _ in targets],
            "not_linked": len(not_linked),
            "paused": paused,
        },
    )
    return Delivery(discussion_id, tuple(reached), tuple(not_linked), paused)


def _notice_deadline(w: Work, kind: str) -> datetime | None:
    """A consent request gives the configured number of school days to answer; a CvB
    notice asks for no answer, so it has no deadline."""
    if kind == "cvb":
        return None
    return add_school_days(
        w.now, w.settings.care.notice_days, w.settings.timezone, w.settings.holidays
    )


async def _send_to_one(
    w: Work,
    discussion: Discussion,
    pupil: Pupil,
    person: PersonOnFile,
    *,
    decides: bool,
    sender: str,
) -> Reader:
    """Queue the notice or request to one person, and record which text they were sent
    (its hash and version): what they agree to must be provable later."""
    to = await reader(w, person.kind, person.person_id)
    text, markup, version = _discussion_message(
        to, w.texts, w.settings, discussion, pupil, first_name=person.first_name, sender=sender
    )
    outbox_id = await notify(
        w,
        to,
        text,
        purpose=f"{discussion.kind}_{'request' if decides else 'notice'}",
        reply_markup=markup,
        protect_content=decides,
        pupil_id=pupil.pupil_id,
    )
    await w.tx.add_recipient(
        Recipient(
            discussion_id=discussion.id,
            person_kind=person.kind,
            person_id=person.person_id,
            decides=decides,
            language=to.language,
            text_hash=legal.text_hash(text),
            text_version=version,
            sent_at=w.now,
        ),
        outbox_id,
    )
    return to


def _discussion_message(
    to: Reader,
    texts: Catalogues,
    settings: Settings,
    discussion: Discussion,
    pupil: Pupil,
    *,
    first_name: str,
    sender: str,
) -> tuple[str, str, str]:
    """(text, keyboard, version of the text) for one reader: a CvB notice, or a consent
    request with the binding Dutch text below it."""
    tr, dutch = to.tr, texts("nl")
    to_pupil = to.kind is PersonKind.PUPIL
    if discussion.kind == "cvb":

        def notice(t: Translator) -> str:
            return care_messages.cvb_notice(
                t,
                name=first_name,
                child=pupil.first_name,
                when=discussion.starts_at,
                members=settings.care.cvb_members,
                purpose=discussion.purpose,
                sender=sender,
                to_pupil=to_pupil,
                discussion=discussion,
            )

        text = notice(tr)
        if to.language != "nl":
            # A legal notice: the Dutch text counts, so it goes along below the translation.
            text = care_messages.with_binding_dutch(tr, text, notice(dutch))
        return text, care_messages.notice_keyboard(tr, discussion.id), NOTICE_VERSION
    text = care_messages.consent_request(
        tr,
        dutch,
        discussion=discussion,
        name=first_name,
        child=pupil.first_name,
        birth_date=pupil.birth_date,
        # The binding Dutch text names the school; unnamed, it reads "de school".
        school=school_name_for(dutch, settings, "staff"),
        sender=sender,
        to_pupil=to_pupil,
        years=settings.retention.years_for("care"),
    )
    return text, care_messages.consent_keyboard(tr, discussion.id), legal.CONSENT_VERSION


# --- the state of a discussion ------------------------------------------------------


@dataclass(frozen=True)
class DiscussionState:
    discussion: Discussion
    pupil: Pupil
    recipients: tuple[Recipient, ...]
    latest: dict[str, str]  # person key → latest answer
    status: ConsentStatus | None  # None for a CvB notice
    may_discuss: MayDiscuss | None
    people: dict[str, PersonOnFile]
    unreachable: tuple[str, ...]  # person keys we cannot reach in Samen
    safety: bool = False  # a safety decision lets the discussion go ahead without consent
    # Person keys whose message is held by a safety exception or was withdrawn.
    delivery: dict[str, DeliveryState] = field(default_factory=dict)

    def waiting_for(self) -> list[str]:
        """Keys of people who must answer and have not (a wish to talk counts as waiting)."""
        return [
            person_key(r.person_kind, r.person_id)
            for r in self.recipients
            if r.decides and self.latest.get(person_key(r.person_kind, r.person_id)) not in FINAL
        ]


async def discussion_state(
    tx: Tx,
    discussion: Discussion,
    now: datetime,
    recipients: Sequence[Recipient] | None = None,
) -> DiscussionState:
    """Everything about a discussion at `now`: who was asked, their answers, the consent
    status, who cannot be reached and whose message was held. `recipients`: the
    discussion's, when the caller has just read them."""
    state = await _answered(tx, discussion, now, recipients)
    reachable = await tx.reachable_among((r.person_kind, r.person_id) for r in state.recipients)
    unreachable = tuple(
        person_key(r.person_kind, r.person_id)
        for r in state.recipients
        if (r.person_kind, r.person_id) not in reachable
    )
    outbox_ids = await tx.recipient_outbox_ids(discussion.id)
    delivered = await tx.delivery_of(outbox_ids.values())
    delivery = {
        person_key(kind, person_id): delivered[outbox_id]
        for (kind, person_id), outbox_id in outbox_ids.items()
        if delivered.get(outbox_id, DeliveryState.ON_ITS_WAY) is not DeliveryState.ON_ITS_WAY
    }
    people = await people_of_pupil(tx, state.pupil)
    return replace(state, unreachable=unreachable, delivery=delivery, people=people)


async def _answered(
    tx: Tx, discussion: Discussion, now: datetime, recipients: Sequence[Recipient] | None
) -> DiscussionState:
    """The discussion's answers and the consent status they give, without who can be reached,
    what was delivered or who the people are: all that recording an answer needs (four
    statements fewer on every tap). Not for showing: `unreachable`, `delivery` and `people`
    are left empty (`_tell_sender` reads the people when there is someone to tell)."""
    pupil = await tx.pupil(discussion.pupil_id)
    assert pupil is not None
    recipients = tuple(await tx.recipients(discussion.id) if recipients is None else recipients)
    latest: dict[str, str] = {}
    for answer in await tx.answers(discussion.id):
        latest[person_key(answer.person_kind, answer.person_id)] = answer.answer
    safety = discussion.needs_consent and any(
        s.discussion_id in (None, discussion.id)
        for s in await tx.safety_exceptions(discussion.pupil_id)
    )
    state = DiscussionState(discussion, pupil, recipients, latest, None, None, {}, (), safety)
    return with_answers(state, latest, now)


def with_answers(state: DiscussionState, latest: dict[str, str], now: datetime) -> DiscussionState:
    """The same discussion with these latest answers, and the consent status they give."""
    if not state.discussion.needs_consent:
        return replace(state, latest=latest)
    deciding = [
        Decider(person_key(r.person_kind, r.person_id), r.person_kind is PersonKind.GUARDIAN)
        for r in state.recipients
        if r.decides
    ]
    status = consent_status(deciding, latest, now, state.discussion.notice_deadline, state.safety)
    return replace(state, latest=latest, status=status, may_discuss=MAY_DISCUSS[status])


# --- answers ------------------------------------------------------------------------


class Outcome(StrEnum):
    RECORDED = "recorded"
    UNCHANGED = "unchanged"  # the same answer again: nothing new to record
    NOT_YOURS = "not_yours"  # not sent to this person, or not theirs to decide
    CLOSED = "closed"  # cancelled, or the discussion has taken place
    NOT_POSSIBLE = "not_possible"  # e.g. withdrawing what was never given
    UNCONFIRMED = "unconfirmed"  # agreeing or withdrawing without the first tap shortly before


NOTICE_ANSWERS = frozenset({"come", "talk", "understood"})
CONSENT_ANSWERS = frozenset({"agree", "refuse", "talk", "withdraw"})
# Answers given like a signature: a first tap, then "Yes, …" within this time, same account.
CONFIRMED_ANSWERS = frozenset({"agree", "withdraw"})
CONFIRM_WITHIN = timedelta(minutes=15)


async def ask_confirmation(w: Work, *, user_id: int, discussion_id: int, answer: str) -> None:
    """The first tap of an answer that takes two ("I agree", "Withdraw"): the second counts
    only for this account, for this request, within `CONFIRM_WITHIN`."""
    if answer in CONFIRMED_ANSWERS:
        await w.tx.ask_confirmation(user_id, discussion_id, answer, w.now)


async def record_answer(
    w: Work, *, person: tuple[PersonKind, str], user_id: int, discussion_id: int, answer: str
) -> Outcome:
    """Record one person's answer after checking, against the database and never against
    the button, that it is theirs to give and still open."""
    discussion = await w.tx.discussion(discussion_id)
    if discussion is None:
        return Outcome.NOT_YOURS
    recipients = await w.tx.recipients(discussion_id)
    recipient = next((r for r in recipients if (r.person_kind, r.person_id) == person), None)
    allowed = CONSENT_ANSWERS if discussion.needs_consent else NOTICE_ANSWERS
    if recipient is None or answer not in allowed:
        return Outcome.NOT_YOURS
    if discussion.needs_consent and not recipient.decides:
        return Outcome.NOT_YOURS
    before = await _answered(w.tx, discussion, w.now, recipients)
    key = person_key(*person)
    if discussion.cancelled_at is not None or (
        discussion.starts_at <= w.now and answer != "withdraw"
    ):
        return Outcome.CLOSED
    previous = before.latest.get(key)
    if answer == "withdraw" and previous != "agree":
        return Outcome.NOT_POSSIBLE
    if previous == answer:
        return Outcome.UNCHANGED
    if answer in CONFIRMED_ANSWERS and not await w.tx.take_confirmation(
        user_id, discussion_id, answer, w.now - CONFIRM_WITHIN
    ):
        return Outcome.UNCONFIRMED
    await w.tx.add_answer(recipient, answer, user_id, w.now)
    await w.audit(
        (person[0].value, person[1]),
        f"{'consent' if discussion.needs_consent else 'notice'}_{answer}",
        pupil_id=discussion.pupil_id,
        subject=(person[0].value, person[1]),
        details={
            "discussion_id": discussion_id,
            "telegram_user": user_id,
            "language": recipient.language,
            "text_hash": recipient.text_hash,
            "text_version": recipient.text_version,
        },
    )
    # Only this answer changed since `before`: no need to read everything again.
    after = with_answers(before, {**before.latest, key: answer}, w.now)
    await _tell_sender(w, after, key, answer, before.status)
    return Outcome.RECORDED


async def _tell_sender(
    w: Work, state: DiscussionState, key: str, answer: str, status_before: ConsentStatus | None
) -> None:
    """Only what asks for action or closes the loop: no message per routine tap."""
    sender = await reader(w, PersonKind.STAFF, state.discussion.created_by)
    if not sender.in_samen:
        return
    state = replace(state, people=await people_of_pupil(w.tx, state.pupil))
    lines = [await _answer_line(w, sender.tr, state, key, answer)]
    if state.status is not status_before:
        lines.append(_status_line(sender.tr, state))
    said = [line for line in lines if line is not None]
    if said:
        await notify(w, sender, "\n".join(said), purpose="care_update")


async def _answer_line(
    w: Work, tr: Translator, state: DiscussionState, key: str, answer: str
) -> str | None:
    """The sender's line about this answer; None for an answer that needs no word."""
    who = describe(tr, state.people[key], state.pupil.first_name)
    when = tr.datetime(state.discussion.starts_at)
    if answer == "talk":
        language = await language_read(w.tx, state.people[key].kind, state.people[key].person_id)
        # staff:
        return tr._(
            "💬 {who} would like to talk first about the discussion on {date}."
            " Please call them. They read {language}: consider an interpreter.",
            who=who,
            date=when,
            language=language_name(language),
        )
    if answer == "come":
        # staff:
        return tr._("✅ {who} will come to the CvB discussion on {date}.", who=who, date=when)
    if answer == "refuse":
        # staff:
        return tr._("❌ {who} said no to the discussion on {date}.", who=who, date=when)
    if answer == "withdraw":
        # staff:
        return tr._("↩️ {who} withdrew consent for the discussion on {date}.", who=who, date=when)
    return None


def _status_line(tr: Translator, state: DiscussionState) -> str | None:
    """The sender's line about the consent the answers now give; None when it needs none."""
    child = state.pupil.first_name
    if state.status is ConsentStatus.CONFLICT:
        # staff:
        return tr._(
            "⚠️ The parents of {child} answered differently. There is no consent."
            " Please talk with them.",
            child=child,
        )
    if state.status is ConsentStatus.ANONYMOUS:
        # staff:
        return tr._("{child} may only be discussed anonymously.", child=child)
    if state.status is ConsentStatus.FULL:
        # staff:
        return tr._(
            "✅ Everyone agreed: {child} may be discussed on {date}.",
            child=child,
            date=tr.datetime(state.discussion.starts_at),
        )
    return None


# --- reminders ----------------------------------------------------------------------


# Consent requests whose reminders one unit of work sends: a short transaction however many.
DISCUSSIONS_PER_UNIT = 8


async def send_due_reminders(units: Units) -> int:
    """Remind people who must answer a consent request and have not, at the configured days,
    never in quiet hours, never while the family's messages are paused. Returns how many.
    The database names the few requests that may have a reminder due; each is decided as
    before, in short units of work."""
    async with units.reading() as r:
        settings = r.settings
        if in_quiet_hours(r.now, settings.timezone, quiet_hours(settings), settings.holidays):
            return 0  # nothing is due in quiet hours (`reminders_due`)
        sent_by = [
            (number, reminder_sent_by(r.now, days))
            for number, days in enumerate(settings.care.reminder_days, start=1)
        ]
        candidates = await r.tx.consent_reminder_candidates(r.now, sent_by)
    sent = 0
    for some in batches(candidates, DISCUSSIONS_PER_UNIT):
        async with units.work() as w:
            sent += await _remind_about(w, some)
    return sent


def reminder_sent_by(now: datetime, days: int) -> datetime:
    """Only a request sent by this moment can have its reminder of `days` days due at `now`:
    the reminder comes that many days on, on the clock (an hour either way across summer
    time), and quiet hours only put it later."""
    return now - timedelta(days=days, hours=-2)


async def _remind_about(w: Work, discussion_ids: Sequence[int]) -> int:
    paused = await w.tx.paused_pupils()
    sent = 0
    for discussion in await w.tx.discussions(since=w.now, ids=discussion_ids):
        if not discussion.needs_consent or discussion.pupil_id in paused:
            continue
        state = await discussion_state(w.tx, discussion, w.now)
        if state.status is not ConsentStatus.PENDING:
            continue
        done = await w.tx.reminders_sent(discussion.id)
        for recipient in state.recipients:
            if await _remind_one(w, state, recipient, done):
                sent += 1
    return sent


async def _remind_one(
    w: Work, state: DiscussionState, recipient: Recipient, done: set[tuple[str, str, int]]
) -> bool:
    """Remind one person who has not answered, when a reminder is due; True when a message
    went out. A due reminder is recorded even for someone not in Samen, so it is not due
    again at every tick."""
    key = person_key(recipient.person_kind, recipient.person_id)
    if not recipient.decides or state.latest.get(key) is not None:
        return False
    already = {n for k, p, n in done if person_key(k, p) == key}
    due = reminders_due(
        recipient.sent_at,
        w.settings.care.reminder_days,
        already,
        w.now,
        w.settings.timezone,
        quiet_hours(w.settings),
        w.settings.holidays,
    )
    if not due:
        return False
    discussion = state.discussion
    to = await reader(w, recipient.person_kind, recipient.person_id)
    if to.in_samen:
        await notify(
            w,
            to,
            _reminder_text(to.tr, state, state.people[key]),
            purpose="consent_reminder",
            reply_markup=_show_again_keyboard(to.tr, discussion.id),
            pupil_id=discussion.pupil_id,
        )
    for number in due:
        await w.tx.record_reminder(
            discussion.id, recipient.person_kind, recipient.person_id, number, w.now
        )
    return to.in_samen


def _reminder_text(tr: Translator, state: DiscussionState, person: PersonOnFile) -> str:
    return tr._(
        "⏰ {name}, we are still waiting for your answer about {child}. The talk is on {date}.",
        name=person.first_name,
        child=state.pupil.first_name,
        date=tr.datetime(state.discussion.starts_at),
    )


def _show_again_keyboard(tr: Translator, discussion_id: int) -> str:
    return care_messages.keyboard(
        [
            [
                care_messages.button(
                    tr.label("📄 Show the question again"),
                    str(ConsentTap(discussion_id, "again")),
                )
            ]
        ]
    )


# --- plain notices to the family ------------------------------------------------------
