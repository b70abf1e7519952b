"""Families and school write to each other: a parent (or a pupil of 12+) writes about a child
to the child's mentors, a teacher answers. Everyone can write, so the school is always
reachable; whether the school may answer with information about the child follows the rights
rules, and a safety exception holds every message to the family for the coordinator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.i18n.translator import Translator
from bot.platform.translation import Translated
from bot.rules.callback_data import AsWrittenTap, FamilyMessageTap
from bot.rules.models import FamilyMessage, PersonKind, Pupil, Role, StaffMember, age_on
from bot.rules.permissions import may_see_pupil
from bot.rules.rights import MessageKind, Why, receives
from bot.rules.schooltime import QuietHours, is_school_day, next_allowed
from bot.services import pupil_discussions
from bot.services.notify import Reader, notify, reader
from bot.services.work import Work
from bot.texts import care_messages, conversation_texts
from bot.texts.rights_card import WHY_LABELS

# From this age a pupil writes to their own mentor (and is answered).
PUPIL_WRITES_FROM = 12

Person = tuple[PersonKind, str]
# A voice note, photo or document someone sent: (kind, their chat, the message there).
Media = tuple[str, int, int]
# Telegram allows 1024 characters under a copied voice note or photo.
MAX_CAPTION_WORDS = 700


@dataclass(frozen=True)
class Sent:
    """A family's message, as its writer is told about it."""

    message_id: int
    readers: tuple[str, ...]  # the names of who at school will read it
    read_from: datetime | None  # when they will, when school is closed now
    away: tuple[tuple[str, date], ...] = ()  # mentors away, and their last day away


class Answer(StrEnum):
    SENT = "sent"
    HELD = "held"  # a safety exception: the coordinator decides whether it goes
    NOT_IN_SAMEN = "not_in_samen"
    NOT_ALLOWED = "not_allowed"  # the rules do not let the school inform this person
    UNKNOWN = "unknown"  # no such message, or not one this teacher may answer


@dataclass(frozen=True)
class Answered:
    outcome: Answer
    name: str = ""  # who the answer is for
    reason: Why | None = None  # for NOT_ALLOWED
    message_id: int | None = None  # the message sent (or held), which its writer may change


async def children_to_write_about(w: Work, writer: Person) -> list[Pupil]:
    """The children a person may write to school about: a guardian's children at school, or
    a pupil of 12+ about themselves."""
    kind, person_id = writer
    if kind is PersonKind.GUARDIAN:
        return await w.tx.children_of_guardian(person_id, at_school=True)
    if kind is PersonKind.PUPIL:
        pupil = await w.tx.pupil(person_id)
        if pupil is not None and age_on(pupil.birth_date, w.today) >= PUPIL_WRITES_FROM:
            return [pupil]
    return []


async def write_to_school(
    w: Work,
    *,
    writer: Person,
    pupil_id: str,
    text: str,
    answer_to: int | None = None,
    media: Media | None = None,
    translated: Mapping[str, Translated | None] | None = None,
) -> Sent | None:
    """A family's message to the child's mentors; None when this person may not write about
    this child. Outside working hours it waits for the next working period."""
    pupil = next(
        (p for p in await children_to_write_about(w, writer) if p.pupil_id == pupil_id), None
    )
    if pupil is None:
        return None
    language = (await reader(w, *writer)).language
    message_id = await w.tx.add_family_message(
        pupil_id=pupil_id,
        family=writer,
        from_school=False,
        staff_id=None,
        text=text[:MAX_CAPTION_WORDS] if media else text,
        language=language,
        now=w.now,
        answer_to=answer_to,
        media=media[0] if media else None,
    )
    read_from = staff_reads_from(w)
    message = await w.tx.family_message(message_id)
    assert message is not None
    readers = []
    for to in await readers_at_school(w, pupil):
        if read_from > w.now and media is None:
            await _wait_for_digest(w, to, message, translated or {})
        else:
            await _tell_staff(w, to, message, read_from, media, translated or {})
        readers.append(to)
    await w.audit(
        (writer[0].value, writer[1]),
        "family_message_written",
        pupil_id=pupil_id,
        details={"message_id": message_id, "readers": len(readers)},
    )
    names = tuple(sorted({await staff_name(w, to) for to in readers}))
    away = await mentors_away(w, pupil)
    return Sent(message_id, names, read_from if read_from > w.now else None, away)


async def mentors_away(w: Work, pupil: Pupil) -> tuple[tuple[str, date], ...]:
    """The child's mentors who are away today: their names and last day away."""
    away = []
    for member in await w.tx.staff_of_group(pupil.group):
        found = await w.tx.away(member.staff_id, w.today)
        if found is not None:
            away.append((f"{member.first_name} {member.last_name}", found[0]))
    return tuple(away)


async def come_back(w: Work, staff: StaffMember) -> bool:
    """The teacher is back: her families' messages come to her again."""
    came_back = await w.tx.back_at_work(staff.staff_id)
    if came_back:
        await w.audit(staff, "back_at_work")
    return came_back


async def go_away(w: Work, staff: StaffMember, until: date) -> str | None:
    """The teacher is away until `until`: a coordinator reads her families' messages. Returns
    the stand-in's name; None when there is no coordinator in Samen to stand in."""
    for member in await w.tx.all_staff():
        other = member.role is Role.COORDINATOR and member.staff_id != staff.staff_id
        if other and (await reader(w, PersonKind.STAFF, member.staff_id)).in_samen:
            await w.tx.set_away(staff.staff_id, until, member.staff_id, w.now)
            await w.audit(staff, "away", details={"until": until.isoformat()})
            return f"{member.first_name} {member.last_name}"
    return None


async def answer_family(
    w: Work,
    *,
    staff: StaffMember,
    message_id: int,
    text: str,
    translated: Mapping[str, Translated | None] | None = None,
) -> Answered:
    """A teacher's answer to a family's message, to the family member who wrote it."""
    found = await w.tx.family_message(message_id)
    if found is None or found.from_school:
        return Answered(Answer.UNKNOWN)
    family = (found.family_kind, found.family_id)
    answered = await write_to_family(
        w,
        staff=staff,
        pupil_id=found.pupil_id,
        family=family,
        text=text,
        answer_to=message_id,
        translated=translated,
    )
    if answered.outcome in (Answer.SENT, Answer.HELD, Answer.NOT_IN_SAMEN):
        await w.tx.mark_family_message_answered(message_id, w.now)
    return answered


async def write_to_family(
    w: Work,
    *,
    staff: StaffMember,
    pupil_id: str,
    family: Person,
    text: str,
    answer_to: int | None = None,
    translated: Mapping[str, Translated | None] | None = None,
) -> Answered:
    """A teacher writes to one family member (or the pupil) about a child of her groups: sent
    only when the rules let the school inform them; held under a safety exception."""
    pupil = await w.tx.pupil(pupil_id)
    if pupil is None or not may_see_pupil(staff, pupil.group):
        return Answered(Answer.UNKNOWN)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    person = people.get(pupil_discussions.person_key(*family))
    if person is None:
        return Answered(Answer.UNKNOWN)
    refusal = await why_not_to_inform(w, family, pupil)
    if refusal is not None:
        return Answered(Answer.NOT_ALLOWED, person.full_name, refusal)
    message_id = await w.tx.add_family_message(
        pupil_id=pupil.pupil_id,
        family=family,
        from_school=True,
        staff_id=staff.staff_id,
        text=text,
        language="nl",
        now=w.now,
        answer_to=answer_to,
    )
    action = "family_message_answered" if answer_to else "family_message_from_school"
    await w.audit(staff, action, pupil_id=pupil.pupil_id, details={"message_id": message_id})
    to = await reader(w, *family)
    if not to.in_samen:
        return Answered(Answer.NOT_IN_SAMEN, person.full_name)
    message = await w.tx.family_message(message_id)
    assert message is not None
    await _tell_family(w, to, message, translated or {})
    held = bool(await w.tx.safety_exceptions(pupil.pupil_id))
    return Answered(Answer.HELD if held else Answer.SENT, person.full_name, None, message_id)


async def change_from_school(
    w: Work,
    *,
    staff: StaffMember,
    message_id: int,
    text: str,
    translated: Mapping[str, Translated | None] | None = None,
) -> Answered:
    """A teacher changes what she wrote to a family (a wrong word, a translation that says
    something else): every copy shows the new words, edited in place, translated anew."""
    message = await w.tx.family_message(message_id)
    if message is None or not message.from_school or message.staff_id != staff.staff_id:
        return Answered(Answer.UNKNOWN)
    pupil = await w.tx.pupil(message.pupil_id)
    if pupil is None or not may_see_pupil(staff, pupil.group):
        return Answered(Answer.UNKNOWN)
    family = (message.family_kind, message.family_id)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    person = people.get(pupil_discussions.person_key(*family))
    name = person.full_name if person else ""
    refusal = await why_not_to_inform(w, family, pupil)
    if refusal is not None:
        return Answered(Answer.NOT_ALLOWED, name, refusal)
    await w.tx.replace_family_message_text(message_id, text)
    await w.audit(
        staff, "family_message_changed", pupil_id=pupil.pupil_id, details={"message_id": message_id}
    )
    changed = await w.tx.family_message(message_id)
    assert changed is not None
    for outbox_id, kind, person_id in await w.tx.family_message_copies(message_id):
        to = await reader(w, kind, person_id)
        made = (translated or {}).get(to.language)
        translation = made.text if made else None
        shown = await as_family_read_it(w, to, changed, translation)
        buttons = message_buttons(to.tr, changed, translation)
        await w.tx.enqueue_edit(outbox_id, shown, buttons, w.now)
        await _translation_wanted(w, changed, to, translated or {})
    held = bool(await w.tx.safety_exceptions(pupil.pupil_id))
    return Answered(Answer.HELD if held else Answer.SENT, name, None, message_id)


async def family_of(w: Work, pupil: Pupil) -> list[tuple[Person, str, Why | None]]:
    """Whom a teacher may write to about a child: each guardian and, from 12, the pupil, with
    their name and why the school may not inform them (None: it may)."""
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    family: list[tuple[Person, str, Why | None]] = []
    for person in people.values():
        if (
            person.kind is PersonKind.PUPIL
            and age_on(pupil.birth_date, w.today) < PUPIL_WRITES_FROM
        ):
            continue
        key = (person.kind, person.person_id)
        family.append((key, person.full_name, await why_not_to_inform(w, key, pupil)))
    return family


async def why_not_to_inform(w: Work, family: Person, pupil: Pupil) -> Why | None:
    """Why the school may not share information about the child with this person (None: it
    may): the rights rules for a teacher's own words."""
    kind, person_id = family
    if kind is PersonKind.PUPIL:
        return None
    facts = await w.tx.rights_facts(pupil.pupil_id)
    links = facts[1] if facts else []
    link = next((each for each in links if each.guardian_id == person_id), None)
    if facts is None or link is None:
        return Why.NO_AUTHORITY
    allowed, why = receives(MessageKind.CONVERSATION, facts[0], link, w.today)
    return None if allowed else why


def staff_reads_from(w: Work) -> datetime:
    """The start of the next working period of staff (now, when they are at work)."""
    start, end = w.settings.staff_working_hours
    closed = QuietHours(start=end, end=start, weekends=True)
    return next_allowed(w.now, w.settings.timezone, closed, w.settings.holidays)


async def readers_at_school(w: Work, pupil: Pupil) -> list[Reader]:
    """The mentors of the child (the teachers of the group) who are in Samen, or who stands in
    for one who is away; when there is none, the coordinators, so that a family always
    reaches someone."""
    readers: dict[str, Reader] = {}
    for member in await w.tx.staff_of_group(pupil.group):
        away = await w.tx.away(member.staff_id, w.today)
        to = await reader(w, PersonKind.STAFF, away[1] if away else member.staff_id)
        if to.in_samen:
            readers.setdefault(to.person_id, to)
    if readers:
        return list(readers.values())
    coordinators = [s for s in await w.tx.all_staff() if s.role is Role.COORDINATOR]
    standing_in = [await reader(w, PersonKind.STAFF, s.staff_id) for s in coordinators]
    return [to for to in standing_in if to.in_samen]


async def staff_name(w: Work, to: Reader) -> str:
    member = await w.tx.staff_member(to.person_id)
    return f"{member.first_name} {member.last_name}" if member else ""


async def as_staff_read_it(
    w: Work, to: Reader, message: FamilyMessage, translation: str | None = None
) -> str:
    """A family's message as a teacher reads it: who wrote about which child, the words (with
    their machine translation, once there is one), and what the school may not share."""
    tr = to.tr
    pupil = await w.tx.pupil(message.pupil_id)
    assert pupil is not None
    family = (message.family_kind, message.family_id)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    person = people[pupil_discussions.person_key(*family)]
    lines = [
        conversation_texts.to_staff(
            tr,
            who=pupil_discussions.describe(tr, person, pupil.first_name),
            child=pupil.first_name,
            words=message.text,
            language=message.language,
            translation=translation,
            media=message.media,
        )
    ]
    refusal = await why_not_to_inform(w, family, pupil)
    if refusal is not None:
        reason = tr.label(WHY_LABELS[refusal])
        lines.append(
            conversation_texts.not_to_be_told(tr, person.full_name, pupil.first_name, reason)
        )
    return "\n\n".join(lines)


async def as_family_read_it(
    w: Work, to: Reader, message: FamilyMessage, translation: str | None = None
) -> str:
    """A teacher's message as the family reads it: the teacher's own words, and their machine
    translation once there is one."""
    pupil = await w.tx.pupil(message.pupil_id)
    staff = await w.tx.staff_member(message.staff_id or "")
    teacher = f"{staff.first_name} {staff.last_name}" if staff else ""
    child = pupil.first_name if pupil else ""
    return conversation_texts.to_family(
        to.tr, teacher=teacher, child=child, words=message.text, translation=translation
    )


async def _tell_staff(
    w: Work,
    to: Reader,
    message: FamilyMessage,
    read_from: datetime,
    media: Media | None,
    translated: Mapping[str, Translated | None],
) -> None:
    made = None if media else translated.get(to.language)
    translation = made.text if made else None
    outbox_id = await notify(
        w,
        to,
        await as_staff_read_it(w, to, message, translation),
        purpose="family_message",
        reply_markup=message_buttons(to.tr, message, translation),
        protect_content=True,
        not_before=read_from if read_from > w.now else None,
        copy_of=(media[1], media[2]) if media else None,
    )
    await _sent(w, message, to, outbox_id, translated)


async def _tell_family(
    w: Work, to: Reader, message: FamilyMessage, translated: Mapping[str, Translated | None]
) -> None:
    made = translated.get(to.language)
    translation = made.text if made else None
    outbox_id = await notify(
        w,
        to,
        await as_family_read_it(w, to, message, translation),
        purpose="family_answer",
        reply_markup=message_buttons(to.tr, message, translation),
        protect_content=True,
        pupil_id=message.pupil_id,
    )
    await _sent(w, message, to, outbox_id, translated)


async def _wait_for_digest(
    w: Work, to: Reader, message: FamilyMessage, translated: Mapping[str, Translated | None]
) -> None:
    """School is closed: the message comes in the teacher's digest at the start of the next
    working period, translated by then if a service can."""
    await w.tx.add_waiting(message.id, to.person_id)
    await _translation_wanted(w, message, to, translated)


async def _sent(
    w: Work,
    message: FamilyMessage,
    to: Reader,
    outbox_id: int | None,
    translated: Mapping[str, Translated | None],
) -> None:
    """Keep the copy (a reply to it answers the message) and its translation: the one made
    before sending, or one asked for to follow."""
    if outbox_id is None:
        return
    await w.tx.add_family_message_copy(message.id, outbox_id)
    # A copy of a voice note or photo keeps its words as written (a caption is not edited).
    if not message.media:
        await _translation_wanted(w, message, to, translated)


async def _translation_wanted(
    w: Work, message: FamilyMessage, to: Reader, translated: Mapping[str, Translated | None]
) -> None:
    """Keep the translation made before sending, or ask for one to follow (the try before
    sending counts as the first)."""
    made = translated.get(to.language)
    if made is not None:
        await w.tx.save_translation(message.id, to.language, made.text, made.service)
    elif w.settings.translation and to.language != message.language:
        await w.tx.want_translation(message.id, to.language, tried=to.language in translated)


def message_buttons(tr: Translator, message: FamilyMessage, translation: str | None) -> str:
    """ "↩️ Answer" under a message, and "📝 As written" when its words are a tap away."""
    row = [care_messages.button(tr.label("↩️ Answer"), str(FamilyMessageTap(message.id)))]
    if conversation_texts.as_written_a_tap_away(message.text, translation):
        row.append(care_messages.button(tr.label("📝 As written"), str(AsWrittenTap(message.id))))
    return care_messages.keyboard([row])


async def as_written_for(w: Work, person: Person, message_id: int) -> str | None:
    """The words of a message as written, for the family member it is between and the staff
    who may read about the pupil; None for anyone else (the button's data says which message,
    the database whose it is)."""
    message = await w.tx.family_message(message_id)
    if message is None:
        return None
    if person != (message.family_kind, message.family_id):
        kind, person_id = person
        staff = await w.tx.staff_member(person_id) if kind is PersonKind.STAFF else None
        pupil = await w.tx.pupil(message.pupil_id)
        if staff is None or pupil is None or not may_see_pupil(staff, pupil.group):
            return None
    to = await reader(w, *person)
    return conversation_texts.as_written(to.tr, message.text, message.language)


# A family waits at most this many school days for an answer before the overview lists it.
ANSWER_WITHIN = 2


async def waiting_for_answer(w: Work, groups: Sequence[str]) -> list[tuple[FamilyMessage, Pupil]]:
    """Families' messages about pupils of these groups that nobody at school answered within
    two school days, oldest first."""
    day = w.today
    counted = 0
    while counted < ANSWER_WITHIN:
        day -= timedelta(days=1)
        if is_school_day(day, w.settings.holidays):
            counted += 1
    before = datetime.combine(day, w.now.astimezone(w.settings.timezone).timetz())
    waiting = []
    for message in await w.tx.unanswered_family_messages(before):
        pupil = await w.tx.pupil(message.pupil_id)
        if pupil is not None and pupil.group in groups:
            waiting.append((message, pupil))
    return waiting


async def languages_read(w: Work, writer: Person, pupil_id: str) -> tuple[str, set[str]]:
    """The language a family member writes in, and those the school's readers read: what a
    translation before sending needs."""
    source = (await reader(w, *writer)).language
    pupil = await w.tx.pupil(pupil_id)
    readers = await readers_at_school(w, pupil) if pupil else []
    return source, {to.language for to in readers}
