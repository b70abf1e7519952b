"""What parents, pupils and staff read about CvB discussions and consent requests.

Every function renders one message for one reader with their Translator. Fixed parts are
translated; what a coordinator typed (the purpose) is shown as written, marked as their own
words in Dutch. Legal texts come from bot.i18n.legal, always in Dutch, below the plain version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from bot.i18n import legal
from bot.i18n.translator import N_, Markup, Translator
from bot.rules.callback_data import ConsentTap, NoticeTap
from bot.rules.models import Discussion, Participant

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

# Why the school wants to discuss a pupil: the coordinator chooses one, each reader reads it
# in their language (and the binding text in Dutch); the coordinator may add own words.
PURPOSES = {
    "help": N_("to find out which help {child} needs at school"),
    "plan": N_("to check if the school's plan for {child} (the OPP) still fits"),
    "outside_help": N_("to see if {child} needs help from outside school, like youth care"),
    "learning": N_("to understand how {child} learns, and what helps"),
    "behaviour": N_("to understand how {child} behaves and feels, and what helps"),
    "absence": N_("to find out why {child} is often absent, and what helps"),
    "next_school": N_("to find the school that fits {child} best after this one"),
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


def _participant_parts(tr: Translator, participants: Sequence[Participant]) -> list[Markup]:
    """Each person: 'Said El Amrani (youth care worker, Jeugdteam Noord)', 'school doctor
    (GGD)', each name and organisation isolated on its own."""
    parts = []
    for p in participants:
        described = tr.phrase(ROLE_LABELS.get(p.role, p.role))
        if p.name and p.organisation:
            pattern = f"{{name}} ({{role}}{tr.comma}{{organisation}})"
        elif p.name:
            pattern = "{name} ({role})"
        elif p.organisation:
            pattern = "{role} ({organisation})"
        else:
            pattern = "{role}"
        parts.append(tr.compose(pattern, name=p.name, role=described, organisation=p.organisation))
    return parts


def participants_text(tr: Translator, participants: Sequence[Participant]) -> Markup:
    return tr.list_of(_participant_parts(tr, participants))


def participant_lines(tr: Translator, participants: Sequence[Participant]) -> list[str]:
    """One line per person (Telegram HTML): a list of names, roles and organisations in one
    sentence is too long to read."""
    return [tr.fill("• {text}", text=part) for part in _participant_parts(tr, participants)]


def shared_text(tr: Translator, keys: Sequence[str], child: str) -> Markup:
    return tr.list_of(shared_items(tr, keys, child))


def shared_items(tr: Translator, keys: Sequence[str], child: str) -> list[Markup]:
    """What the school may share, each a translated phrase."""
    return [tr.phrase(SHARED_INFO[k], child=child) for k in keys if k in SHARED_INFO]


def _purpose(tr: Translator, purpose: str, sender: str) -> Markup:
    """The coordinator's own words, shown as written and marked so."""
    text = tr._("{sender} wrote (in Dutch): “{purpose}”", sender=sender, purpose=purpose)
    return Markup(text, text)


def purpose_lines(tr: Translator, discussion: Discussion, child: str, sender: str) -> list[str]:
    """Why, in the reader's language, then the coordinator's own words marked as Dutch."""
    lines = []
    if discussion.purpose_key in PURPOSES:
        lines.append(
            tr._(
                "<b>Why:</b> {purpose}.",
                purpose=tr.label(PURPOSES[discussion.purpose_key], child=child),
            )
        )
    if discussion.purpose:
        lines.append(_purpose(tr, discussion.purpose, sender).html)
    return lines


def dutch_purpose(dutch: Translator, discussion: Discussion, child: str) -> str:
    """The purpose in the binding Dutch text: the chosen purpose, then the own words."""
    parts = []
    if discussion.purpose_key in PURPOSES:
        chosen = dutch.label(PURPOSES[discussion.purpose_key], child=child)
        parts.append(chosen[:1].upper() + chosen[1:] + ".")
    if discussion.purpose:
        parts.append(discussion.purpose)
    return " ".join(parts)


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
    discussion: Discussion | None = None,
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
    why = purpose_lines(tr, discussion, child, sender) if discussion else []
    if not why and purpose:
        why = [_purpose(tr, purpose, sender).html]
    return "\n\n".join([text, *why])


def notice_keyboard(tr: Translator, discussion_id: int) -> str:
    return keyboard(
        [
            [button(tr.label(NOTICE_ANSWERS["come"]), str(NoticeTap(discussion_id, "come")))],
            [button(tr.label(NOTICE_ANSWERS["talk"]), str(NoticeTap(discussion_id, "talk")))],
            [
                button(
                    tr.label(NOTICE_ANSWERS["understood"]),
                    str(NoticeTap(discussion_id, "understood")),
                )
            ],
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
    years: int,
) -> str:
    """Guidelines 2–7 and informed consent (AVG art. 4(11), 7): who receives what, why, how
    long, that it can be withdrawn at any moment and what that means, that no has no other
    consequence, and whom to ask — in the reader's language, the binding Dutch text below it.
    Returns Telegram HTML; its hash is what the answer refers to."""
    who = (
        tr._("These people hear about you:")
        if to_pupil
        else tr._("These people hear about {child}:", child=child)
    )
    shared = [
        tr.fill("• {text}", text=item) for item in shared_items(tr, discussion.shared_info, child)
    ]
    lines = [
        _consent_question(tr, discussion, name=name, child=child, to_pupil=to_pupil),
        who,
        *participant_lines(tr, discussion.participants),
        tr._("We will only share this:"),
        *shared,
        *purpose_lines(tr, discussion, child, sender),
        *_consent_terms(tr, discussion, child=child, to_pupil=to_pupil, years=years),
        tr._("Questions? Ask {sender}.", sender=sender),
    ]
    binding = binding_text(
        dutch,
        discussion=discussion,
        child=child,
        birth_date=birth_date,
        school=school,
        years=years,
        contact=sender,
    )
    return with_binding_dutch(tr, "\n".join(lines), binding)


def _consent_question(
    tr: Translator, discussion: Discussion, *, name: str, child: str, to_pupil: bool
) -> str:
    """What is asked, and when: an assessment reads as an assessment, a talk as a talk."""
    when = tr.datetime(discussion.starts_at)
    if discussion.kind == "assessment" and to_pupil:
        return tr._(
            "📝 {name}, may an expert from outside school do an assessment with you?\n"
            "It starts on {date}.",
            name=name,
            date=when,
        )
    if discussion.kind == "assessment":
        return tr._(
            "📝 {name}, may an expert from outside school do an assessment with {child}?\n"
            "It starts on {date}.",
            name=name,
            child=child,
            date=when,
        )
    meeting = tr.label(KIND_LABELS[discussion.kind])
    if to_pupil:
        return tr._(
            "📝 {name}, may we talk about you with people from outside school?\n"
            "On {date} you will be discussed in {meeting}.",
            name=name,
            date=when,
            meeting=meeting,
        )
    return tr._(
        "📝 {name}, may we talk about {child} with people from outside school?\n"
        "On {date} we want to discuss {child} in {meeting}.",
        name=name,
        child=child,
        date=when,
        meeting=meeting,
    )


def _consent_terms(
    tr: Translator, discussion: Discussion, *, child: str, to_pupil: bool, years: int
) -> list[str]:
    """How long, taking it back at any moment and what that means, what no means, and that
    no has no other effect."""
    if discussion.kind == "assessment":
        how_long = tr._("This consent is only for this assessment.")
        without = (
            tr._("If you say no, there is no assessment.")
            if to_pupil
            else tr._("If you say no, there is no assessment of {child}.", child=child)
        )
    else:
        how_long = tr._("This consent is only for this one talk.")
        without = (
            tr._("If you say no, we only talk about you without your name.")
            if to_pupil
            else tr._("If you say no, we only talk about {child} without a name.", child=child)
        )
    kept = (
        tr.n_(
            "The school keeps the notes in your file until {n} year after you leave school.",
            "The school keeps the notes in your file until {n} years after you leave school.",
            years,
        )
        if to_pupil
        else tr.n_(
            "The school keeps the notes in the file of {child} until {n} year after"
            " {child} leaves school.",
            "The school keeps the notes in the file of {child} until {n} years after"
            " {child} leaves school.",
            years,
            child=child,
        )
    )
    no_effect = (
        tr._("Saying no has no other effect on your lessons at school.")
        if to_pupil
        else tr._("Saying no has no other effect on the education of {child}.", child=child)
    )
    withdraw = tr._(
        "You can take back your consent at any moment, also before it starts."
        " What was already shared stays shared. After that, the school shares nothing more."
    )
    return [f"{how_long} {kept}", withdraw, without, no_effect]


def with_binding_dutch(tr: Translator, translated: str, dutch: str) -> str:
    """A legal text in the reader's language, with the Dutch text that counts below it."""
    heading = tr._("<b>The binding text, in Dutch:</b>")
    return f"{translated}\n\n{heading}\n<i>{dutch}</i>"


def binding_text(
    dutch: Translator,
    *,
    discussion: Discussion,
    child: str,
    birth_date: date,
    school: str,
    years: int,
    contact: str,
) -> str:
    return dutch.fill(
        legal.template(legal.CONSENT_VERSION, discussion.kind),
        child=child,
        birth_date=dutch.date_with_year(birth_date),
        date=dutch.datetime(discussion.starts_at),
        school=school,
        participants=participants_text(dutch, discussion.participants),
        shared=shared_text(dutch, discussion.shared_info, child),
        purpose=dutch_purpose(dutch, discussion, child),
        years=years,
        contact=contact,
    )


def consent_keyboard(tr: Translator, discussion_id: int) -> str:
    return keyboard(
        [
            [button(tr.label("✅ Yes, I agree"), str(ConsentTap(discussion_id, "agree")))],
            [button(tr.label("❌ No"), str(ConsentTap(discussion_id, "refuse")))],
            [
                button(
                    tr.label("💬 I want to talk first (with an interpreter)"),
                    str(ConsentTap(discussion_id, "talk")),
                )
            ],
        ]
    )
