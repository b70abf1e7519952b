"""What parents, pupils and staff read about CvB discussions and consent requests.

Every function renders one message for one reader with their Translator. Fixed parts are
translated; what a coordinator typed (the purpose) is shown as written, marked as their own
words in Dutch. Legal texts come from bot.legal, always in Dutch, below the plain version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from bot import legal
from bot.i18n import N_, Markup, Translator
from bot.models import Discussion, Participant

ROLE_LABELS = {
    "care_coordinator": N_("care coordinator"),
    "school_psychologist": N_("school psychologist"),
    "director": N_("head of school"),
    "mentor": N_("teacher"),
    "school_social_worker": N_("school social worker"),
    "school_doctor": N_("school doctor"),
    "youth_care_worker": N_("youth care worker"),
    "attendance_officer": N_("attendance officer"),
    "youth_nurse": N_("youth nurse"),
    "police_officer": N_("community police officer"),
}

# What the school may share at a discussion (guideline 3: only what the purpose needs).
SHARED_INFO = {
    "learning": N_("how {child} is doing with learning"),
    "behaviour": N_("how {child} behaves and feels at school"),
    "plan": N_("the school's plan for {child} (the OPP)"),
    "tests": N_("results of tests at school"),
    "absence": N_("how often {child} is absent"),
    "home": N_("what you told the school about home"),
}

KIND_LABELS = {
    "cvb": N_("the school's care team (CvB)"),
    "zat": N_("the support team with people from outside school (ZAT)"),
    "assessment": N_("an assessment by an expert from outside school"),
}

NOTICE_ANSWERS = {
    "come": N_("✅ I'll come"),
    "talk": N_("💬 I'd like to talk first"),
    "understood": N_("👍 Understood"),
}


def button(label: str, data: str) -> dict[str, str]:
    if len(data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {data!r}")
    return {"text": label, "callback_data": data}


def keyboard(rows: Sequence[Sequence[dict[str, str]]]) -> str:
    """Inline keyboard JSON for the outbox."""
    return json.dumps({"inline_keyboard": [list(r) for r in rows]}, ensure_ascii=False)


def role(tr: Translator, key: str) -> str:
    return tr.label(ROLE_LABELS.get(key, key))


def participants_text(tr: Translator, participants: Sequence[Participant]) -> str:
    parts = []
    for p in participants:
        described = role(tr, p.role)
        if p.name:
            details = f"{described}, {p.organisation}" if p.organisation else described
            parts.append(f"{p.name} ({details})")
        else:
            parts.append(f"{described} ({p.organisation})" if p.organisation else described)
    return tr.list_of(parts)


def shared_text(tr: Translator, keys: Sequence[str], child: str) -> str:
    return tr.list_of([tr.label(SHARED_INFO[k], child=child) for k in keys if k in SHARED_INFO])


def _purpose(tr: Translator, purpose: str, sender: str) -> Markup:
    """The coordinator's own words, shown as written and marked so."""
    text = tr._("{sender} wrote (in Dutch): “{purpose}”", sender=sender, purpose=purpose)
    return Markup(text, text)


def cvb_notice(
    tr: Translator,
    *,
    name: str,
    child: str,
    when: datetime,
    members: Sequence[str],
    purpose: str,
    sender: str,
    to_pupil: bool,
) -> str:
    """Guideline 1: when and why, who sits in the CvB, welcome to join, whom to ask."""
    members_text = tr.list_of([role(tr, m) for m in members])
    if to_pupil:
        text = tr._(
            "📅 Hi {name}. On {date} the school's care team talks about you."
            " We call this team the CvB.\n"
            "In the CvB are: {members}.\n"
            "You are welcome to come. Questions? Ask {sender}.",
            name=name,
            date=tr.datetime(when),
            members=members_text,
            sender=sender,
        )
    else:
        text = tr._(
            "📅 Dear {name}. On {date} the school's care team talks about {child}."
            " We call this team the CvB.\n"
            "In the CvB are: {members}.\n"
            "You are welcome to come. You may also send someone.\n"
            "Questions? Ask {sender}.",
            name=name,
            child=child,
            date=tr.datetime(when),
            members=members_text,
            sender=sender,
        )
    return f"{text}\n\n{_purpose(tr, purpose, sender).html}"


def notice_keyboard(tr: Translator, discussion_id: int) -> str:
    return keyboard(
        [
            [button(tr.label(NOTICE_ANSWERS["come"]), f"n:{discussion_id}:come")],
            [button(tr.label(NOTICE_ANSWERS["talk"]), f"n:{discussion_id}:talk")],
            [button(tr.label(NOTICE_ANSWERS["understood"]), f"n:{discussion_id}:understood")],
        ]
    )


def consent_request(
    tr: Translator,
    dutch: Translator,
    *,
    discussion: Discussion,
    name: str,
    child: str,
    birth_date: date,
    school: str,
    sender: str,
    to_pupil: bool,
) -> str:
    """Guidelines 2–7: the plain version in the reader's language, the binding Dutch text
    below it. Returns Telegram HTML; its hash is what the answer refers to."""
    meeting = tr.label(KIND_LABELS[discussion.kind])
    participants = participants_text(tr, discussion.participants)
    shared = shared_text(tr, discussion.shared_info, child)
    if to_pupil:
        plain = tr._(
            "📝 {name}, may we talk about you with people from outside school?\n"
            "On {date} you will be discussed in {meeting}.\n"
            "These people will be there and hear about you: {participants}.\n"
            "We will only share: {shared}.\n"
            "You may come too.\n"
            "If you say no, we only talk about you without your name.\n"
            "You can change your answer later.",
            name=name,
            date=tr.datetime(discussion.starts_at),
            meeting=meeting,
            participants=participants,
            shared=shared,
        )
    else:
        plain = tr._(
            "📝 {name}, may we talk about {child} with people from outside school?\n"
            "On {date} we want to discuss {child} in {meeting}.\n"
            "These people will be there and hear about {child}: {participants}.\n"
            "We will only share: {shared}.\n"
            "You may come too, or send someone.\n"
            "If you say no, we only talk about {child} without a name.\n"
            "You can change your answer later. You may always see the school file.",
            name=name,
            child=child,
            date=tr.datetime(discussion.starts_at),
            meeting=meeting,
            participants=participants,
            shared=shared,
        )
    binding = binding_text(
        dutch, discussion=discussion, child=child, birth_date=birth_date, school=school
    )
    purpose = _purpose(tr, discussion.purpose, sender).html
    return with_binding_dutch(tr, f"{plain}\n\n{purpose}", binding)


def with_binding_dutch(tr: Translator, translated: str, dutch: str) -> str:
    """A legal text in the reader's language, with the Dutch text that counts below it."""
    heading = tr._("<b>The binding text, in Dutch:</b>")
    return f"{translated}\n\n{heading}\n<i>{dutch}</i>"


def binding_text(
    dutch: Translator, *, discussion: Discussion, child: str, birth_date: date, school: str
) -> str:
    return dutch.fill(
        legal.template(legal.CONSENT_VERSION),
        child=child,
        birth_date=dutch.date_with_year(birth_date),
        date=dutch.datetime(discussion.starts_at),
        meeting=dutch.label(KIND_LABELS[discussion.kind]),
        school=school,
        participants=participants_text(dutch, discussion.participants),
        shared=shared_text(dutch, discussion.shared_info, child),
        purpose=discussion.purpose,
    )


def consent_keyboard(tr: Translator, discussion_id: int) -> str:
    return keyboard(
        [
            [button(tr.label("✅ Yes, I agree"), f"c:{discussion_id}:agree")],
            [button(tr.label("❌ No"), f"c:{discussion_id}:refuse")],
            [
                button(
                    tr.label("💬 I want to talk first (with an interpreter)"),
                    f"c:{discussion_id}:talk",
                )
            ],
        ]
    )
