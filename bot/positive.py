"""Positive news to a family: the handbook's quality indicator, and what makes a hard talk
possible later. Sent to the people the rules name, with one-tap reactions for the teacher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import care, care_texts
from bot.config import Settings
from bot.i18n import N_, Catalogues, Translator
from bot.meetings import own_words, teacher_name
from bot.models import PersonKind, StaffMember
from bot.rights import MessageKind, audience
from bot.storage import Tx

REACTIONS = {
    "thanks": N_("🙏 Thank you!"),
    "heart": N_("❤️"),
    "well_done": N_("👏 Tell {child}: well done!"),
}


@dataclass(frozen=True)
class NewsSent:
    news_id: int
    reached: tuple[str, ...]
    not_linked: tuple[str, ...]


def news_text(tr: Translator, *, name: str, child: str, teacher: str, words: str) -> str:
    head = tr._(
        "🌟 {name}, good news about {child} from {teacher}!",
        name=name,
        child=child,
        teacher=teacher,
    )
    return f"{head}\n{own_words(tr, words, teacher).html}"


def reactions_keyboard(tr: Translator, news_id: int, child: str) -> str:
    return care_texts.keyboard(
        [
            [
                care_texts.button(tr.label(REACTIONS["thanks"]), f"pn:{news_id}:thanks"),
                care_texts.button(tr.label(REACTIONS["heart"]), f"pn:{news_id}:heart"),
            ],
            [
                care_texts.button(
                    tr.label(REACTIONS["well_done"], child=child), f"pn:{news_id}:well_done"
                )
            ],
        ]
    )


async def send_positive_news(
    tx: Tx,
    texts: Catalogues,
    settings: Settings,
    now: datetime,
    *,
    staff: StaffMember,
    pupil_id: str,
    words: str,
    themes: Sequence[str] = (),
    send_at: datetime | None = None,
) -> NewsSent:
    pupil = await tx.pupil(pupil_id)
    facts = await tx.rights_facts(pupil_id)
    if pupil is None or facts is None:
        raise LookupError(pupil_id)
    when = send_at or now
    news_id = await tx.add_positive_news(
        pupil_id=pupil_id,
        staff_id=staff.staff_id,
        themes=themes,
        own_words=words,
        now=now,
        send_at=when,
    )
    today = now.astimezone(settings.timezone).date()
    chosen = audience(MessageKind.POSITIVE_NEWS, facts[0], facts[1], today)
    targets = [(PersonKind.GUARDIAN, g) for g in chosen.guardians]
    if chosen.pupil:
        targets.append((PersonKind.PUPIL, pupil_id))
    people = await care.people_of_pupil(tx, pupil)
    reached, not_linked = [], []
    for kind, person_id in targets:
        person = people[care.person_key(kind, person_id)]
        chat = await tx.chat_of_person(kind, person_id)
        outbox_id = None
        if chat is None:
            not_linked.append(person.full_name)
        else:
            tr = texts(await tx.language_of_person(kind, person_id))
            outbox_id = await tx.enqueue(
                chat_id=chat,
                text=news_text(
                    tr,
                    name=person.first_name,
                    child=pupil.first_name,
                    teacher=teacher_name(staff),
                    words=words,
                ),
                purpose="positive_news",
                now=now,
                not_before=when,
                reply_markup=reactions_keyboard(tr, news_id, pupil.first_name),
                recipient=(kind, person_id),
                pupil_id=pupil_id,
            )
            reached.append(person.full_name)
        await tx.add_news_recipient(news_id, kind, person_id, outbox_id)
    await tx.audit(
        now=now,
        actor=("staff", staff.staff_id),
        action="positive_news_sent",
        pupil_id=pupil_id,
        details={"news_id": news_id, "recipients": len(targets)},
    )
    return NewsSent(news_id, tuple(reached), tuple(not_linked))


def family_needs_news(last: datetime | None, now: datetime, settings: Settings) -> bool:
    """No good news within the configured number of weeks (or never)."""
    return last is None or now - last > timedelta(weeks=settings.positive_news_weeks)
