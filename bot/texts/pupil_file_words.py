"""The words of the pupil file: each event as a heading and a few lines in the reader's
language. Staff read them, and so do parents and pupils in a right-of-access copy (which
never holds a staff-only event); a string only staff read carries `# staff:`.

`describe` looks up the kind of event in WORDS: one small function per kind that gives the
lines of its body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from bot.i18n.translator import N_, Markup, Translator, language_name
from bot.rules.models import Participant
from bot.rules.pupil_file import FileEvent, Person
from bot.rules.support_route import CHECKLIST, STEP_LABELS, RouteStep
from bot.texts import care_messages, meeting_messages
from bot.texts.conversation_texts import MEDIA
from bot.texts.news_themes import THEMES
from bot.texts.pupil_file_headings import HEADINGS

MEETING_ANSWERS = {
    "come": N_("will come"),
    "cannot": N_("cannot come"),
    "other_time": N_("asks for another time"),
}
NOTICE_ANSWERS = {
    "come": N_("will come"),
    "talk": N_("wants to talk first"),
    "understood": N_("has read it"),
}
CONSENT_ANSWERS = {
    "agree": N_("agrees"),
    "refuse": N_("does not agree"),
    "talk": N_("wants to talk first"),
    "withdraw": N_("withdraws consent"),
}
REACTIONS = {
    "thanks": N_("Thank you!"),
    "heart": N_("a heart"),
    "well_done": N_("Tell {child}: well done!"),
}
RESTRICTION_KINDS = {
    # staff:
    "court_arrangement": N_("court arrangement"),
    # staff:
    "withheld": N_("information withheld in the child's interest"),
    # staff:
    "refused_by_pupil": N_("the pupil (16–17) refuses"),
}
TIP_LABELS = {
    # staff:
    "goal": N_("Goal"),
    # staff:
    "positive": N_("What goes well"),
    # staff:
    "behaviour": N_("The concern, as behaviour"),
    # staff:
    "ask": N_("Questions for the parents"),
    # staff:
    "absorb": N_("Hard news: time to let it sink in"),
    # staff:
    "school": N_("What school can and cannot do"),
    # staff:
    "culture": N_("Language and culture"),
    # staff:
    "team": N_("CvB or ZAT"),
}
YES_NO = {"yes": N_("yes"), "no": N_("no")}


def describe(event: FileEvent, t: Translator) -> tuple[str, str]:
    """(heading, body) of one event in the reader's language, as plain text."""
    who = _who(t, event.actor)
    heading = t.label(HEADINGS.get(event.kind, HEADINGS["audit_entry"]))
    lines = WORDS.get(event.kind, _other)(event, t)
    if who and event.actor.kind in ("staff", "admin"):
        lines.append(t.label("By: {name}", name=who))
    return heading, "\n".join(line for line in lines if line)


# --- helpers ----------------------------------------------------------------------------


def _when(t: Translator, stamp: str) -> str:
    return t.datetime(datetime.fromisoformat(stamp))


def _list(t: Translator, lines: str) -> Markup:
    return t.list_of([line for line in lines.split("\n") if line])


def _who(t: Translator, person: Person | None) -> str:
    if person is None:
        return t.label("someone")
    if person.name:
        return person.name
    if person.kind == "admin":
        return t.label("the school office")
    return "Samen"


def _quoted(t: Translator, text: str, author: str) -> str:
    return t.label("{author} wrote (in Dutch): “{text}”", author=author, text=text)


def _wish_text(t: Translator, wish: str) -> str:
    """A chosen alternative is stored as a moment; a typed wish as the parent wrote it."""
    try:
        return t.datetime(datetime.fromisoformat(wish))
    except ValueError:
        return wish


def _meeting_kind(t: Translator, key: str | None) -> str:
    return (
        t.label(meeting_messages.KINDS[key]) if key in meeting_messages.KINDS else t.label("talk")
    )


def _team(t: Translator, key: str | None) -> str:
    return t.label(care_messages.KIND_LABELS[key]) if key in care_messages.KIND_LABELS else ""


def _route_step(key: str | None) -> RouteStep | None:
    """The step of the support route a stored key names, if any."""
    try:
        return None if key is None else RouteStep(key)
    except ValueError:
        return None


def _step(t: Translator, key: str | None) -> str:
    step = _route_step(key)
    return str(key) if step is None else t.label(STEP_LABELS[step])


def _tick(t: Translator, step: str | None, item: str | None) -> str:
    route_step = _route_step(step)
    if route_step is None:
        return str(item)
    labels = dict(CHECKLIST[route_step])
    return t.label(labels[item]) if item in labels else str(item)


def _numbered(fields: dict[str, str], prefix: str) -> list[int]:
    return sorted(int(k.split(".")[1]) for k in fields if re.fullmatch(rf"{prefix}\.\d+", k))


def _yes_no_label(t: Translator, value: str) -> str:
    return t.label(YES_NO[value]) if value in YES_NO else value


def _naming_subject(text: str) -> Callable[[FileEvent, Translator], list[str]]:
    """The body of a kind that is one line naming whom the event is about: `{name}`."""

    def body(e: FileEvent, t: Translator) -> list[str]:
        return [t.label(text, name=_who(t, e.subject))]

    return body


def _sent_to(t: Translator, f: dict[str, str]) -> str:
    return t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–")


# --- talks ------------------------------------------------------------------------------


def _meeting_planned(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    place = f.get("place", "")
    if f.get("place_kind") in meeting_messages.PLACE_KINDS:
        place = t.label(meeting_messages.PLACE_KINDS[f["place_kind"]], place=place)
    lines = [
        t.label(
            "{kind} on {date}, {minutes} minutes.",
            kind=_meeting_kind(t, f.get("meeting_kind")),
            date=_when(t, f["starts_at"]),
            minutes=f.get("minutes", ""),
        ),
        t.label("Where: {place}.", place=place),
    ]
    if f.get("goal"):
        lines.append(_quoted(t, f["goal"], _who(t, e.actor)))
    if f.get("alternatives"):
        others = [_wish_text(t, a) for a in f["alternatives"].split("\n")]
        lines.append(t.label("Other possible times: {dates}.", dates=t.list_of(others)))
    lines.append(t.label("Invited: {names}.", names=_list(t, f.get("invited", "")) or "–"))
    if f.get("interpreter"):
        lines.append(
            t.label("Asked for an interpreter: {names}.", names=_list(t, f["interpreter"]))
        )
    if f.get("companion"):
        lines.append(t.label("Will bring someone: {names}.", names=_list(t, f["companion"])))
    return lines


def _meeting_moved(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = [_meeting_kind(t, f.get("meeting_kind"))]
    if f.get("from") and f.get("to"):
        lines.append(
            t.label("From {old} to {new}.", old=_when(t, f["from"]), new=_when(t, f["to"]))
        )
    return lines


def _meeting_cancelled(e: FileEvent, t: Translator) -> list[str]:
    return [
        t.label(
            "The {kind} on {date} will not take place.",
            kind=_meeting_kind(t, e.fields.get("meeting_kind")),
            date=_when(t, e.fields["starts_at"]),
        )
    ]


def _meeting_answer(e: FileEvent, t: Translator) -> list[str]:
    answer = e.fields.get("answer", "")
    lines = [
        t.label(
            "{name}: {answer}.",
            name=_who(t, e.subject),
            answer=t.label(MEETING_ANSWERS[answer]) if answer in MEETING_ANSWERS else answer,
        )
    ]
    if e.fields.get("wish"):
        lines.append(t.label("Wish: {wish}.", wish=_wish_text(t, e.fields["wish"])))
    return lines


def _summary_written(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = [
        t.label(
            "{kind} on {date}.",
            kind=_meeting_kind(t, f.get("meeting_kind")),
            date=_when(t, f["starts_at"]),
        ),
    ]
    if f.get("attended"):
        lines.append(t.label("Present: {names}.", names=_list(t, f["attended"])))
    if f.get("going_well"):
        lines.append(t.label("What goes well: “{text}”", text=f["going_well"]))
    for number in _numbered(f, "agreement"):
        parts = [f[f"agreement.{number}"]]
        if f.get(f"agreement.{number}.who"):
            parts.append(f"({f[f'agreement.{number}.who']})")
        if f.get(f"agreement.{number}.when"):
            parts.append(t.label("by {when}", when=f[f"agreement.{number}.when"]))
        lines.append(t.label("We agreed: “{text}”", text=" ".join(parts)))
    if f.get("advice_school"):
        lines.append(t.label("Advice for school: “{text}”", text=f["advice_school"]))
    if f.get("advice_home"):
        lines.append(t.label("Advice for home: “{text}”", text=f["advice_home"]))
    step = f.get("next_step", "")
    if step in meeting_messages.NEXT_STEPS:
        lines.append(t.label("Next step: {step}.", step=t.label(meeting_messages.NEXT_STEPS[step])))
    lines.append(t.label("Text in quotes: {name}'s own words, in Dutch.", name=_who(t, e.actor)))
    lines.append(_sent_to(t, f))
    return lines


def _summary_question(e: FileEvent, t: Translator) -> list[str]:
    question = e.fields.get("question", "")
    return [t.label("{name} asked: “{text}”", name=_who(t, e.subject), text=question)]


def _summary_answered(e: FileEvent, t: Translator) -> list[str]:
    question = e.fields.get("question", "")
    return [
        t.label("Question of {name}: “{text}”", name=_who(t, e.subject), text=question),
        _quoted(t, e.fields.get("answer", ""), _who(t, e.actor)),
    ]


def _preparation(e: FileEvent, t: Translator) -> list[str]:
    lines = []
    for key, value in e.fields.items():
        if key.startswith("tip."):
            label = TIP_LABELS.get(key.removeprefix("tip."))
            # staff:
            lines.append(
                t.label("{label}: “{text}”", label=t.label(label) if label else key, text=value)
            )
    return lines


# --- care teams and consent -------------------------------------------------------------


def _discussion(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = [
        t.label("About: {team}.", team=_team(t, f.get("discussion_kind"))),
        t.label("When: {date}.", date=_when(t, f["starts_at"])),
    ]
    participants = [
        Participant(
            f.get(f"participant.{n}", ""),
            f.get(f"participant.{n}.role", ""),
            f.get(f"participant.{n}.organisation", ""),
        )
        for n in _numbered(f, "participant")
    ]
    if participants:
        lines.append(
            t.label(
                "These people take part: {names}.",
                names=care_messages.participants_text(t, participants),
            )
        )
    if f.get("shared_info"):
        shared = care_messages.shared_items(t, f["shared_info"].split("\n"), f.get("child", ""))
        lines.append(t.label("What the school may share:"))
        lines += [t.lines(f"• {item.plain}") for item in shared]
    if f.get("purpose"):
        lines.append(_quoted(t, f["purpose"], _who(t, e.actor)))
    if f.get("answer_before"):
        lines.append(t.label("Answer before: {date}.", date=_when(t, f["answer_before"])))
    lines.append(_sent_to(t, f))
    return lines


def _discussion_answer(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    answer = f.get("answer", "")
    words = NOTICE_ANSWERS if e.kind == "notice_answer" else CONSENT_ANSWERS
    lines = [
        t.label(
            "{name}: {answer}.",
            name=_who(t, e.subject),
            answer=t.label(words[answer]) if answer in words else answer,
        )
    ]
    if e.kind != "notice_answer":
        lines.append(t.label("About: {team}.", team=_team(t, f.get("discussion_kind"))))
    if f.get("text_version"):
        lines.append(t.label("Version of the text: {version}.", version=f["text_version"]))
    return lines


def _discussion_cancelled(e: FileEvent, t: Translator) -> list[str]:
    return [
        t.label(
            "The talk in {team} on {date} will not take place.",
            team=_team(t, e.fields.get("discussion_kind")),
            date=_when(t, e.fields["starts_at"]),
        )
    ]


# --- good news --------------------------------------------------------------------------


def _positive_news(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = []
    themes = [t.label(THEMES[k]) for k in f.get("themes", "").split("\n") if k in THEMES]
    if themes:
        lines.append(t.label("Did really well at: {themes}.", themes=t.list_of(themes)))
    if f.get("words"):
        lines.append(_quoted(t, f["words"], _who(t, e.actor)))
    lines.append(_sent_to(t, f))
    return lines


def _family_message(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    language = language_name(f.get("language") or "nl", t.language)
    if f.get("media"):
        what = t.label(MEDIA.get(f["media"], MEDIA["document"]))
        sent = [t.label("{name} sent {what}.", name=_who(t, e.actor), what=what)]
        return sent + ([t.label("“{text}”", text=f["text"])] if f.get("text") else [])
    return [
        t.label(
            "{name} wrote (in {language}): “{text}”",
            name=_who(t, e.actor),
            language=language,
            text=f.get("text", ""),
        )
    ]


def _absence_reported(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    first, last = date.fromisoformat(f["first_day"]), date.fromisoformat(f["last_day"])
    when = (
        t.date(first)
        if first == last
        else t.label("from {first} to {last}", first=t.date(first), last=t.date(last))
    )
    lines = [t.label("{name}: absent {when}.", name=_who(t, e.actor), when=when)]
    if f.get("reason"):
        lines.append(t.label("Reason: “{reason}”", reason=f["reason"]))
    return lines


def _news_reaction(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    name = _who(t, e.subject)
    reaction = f.get("reaction", "")
    if reaction == "words" and f.get("text"):
        return [t.label("{name} wrote: “{text}”", name=name, text=f["text"])]
    shown = (
        t.label(REACTIONS[reaction], child=f.get("child", ""))
        if reaction in REACTIONS
        else reaction
    )
    return [t.label("{name}: {answer}", name=name, answer=shown)]


# --- the support route ------------------------------------------------------------------


def _route_moved(e: FileEvent, t: Translator) -> list[str]:
    return [
        t.label("Before: {step}", step=_step(t, e.fields.get("from"))),
        t.label("Now: {step}", step=_step(t, e.fields.get("to"))),
    ]


def _route_tick(e: FileEvent, t: Translator) -> list[str]:
    step = e.fields.get("step")
    return [_step(t, step), _tick(t, step, e.fields.get("item"))]


def _support_route_notice(e: FileEvent, t: Translator) -> list[str]:
    return [_sent_to(t, e.fields)]


def _sdq_reminder(e: FileEvent, t: Translator) -> list[str]:
    count = e.fields.get("recipients", "0")
    return [t.label("Number of people asked: {count}.", count=count)]


# --- information rights and safety ------------------------------------------------------


def _restriction(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    restriction = f.get("restriction_kind", "")
    # staff:
    lines = [t.label("For: {name}.", name=_who(t, e.subject))]
    # staff:
    lines.append(
        t.label(
            "Kind: {kind}.",
            kind=t.label(RESTRICTION_KINDS[restriction])
            if restriction in RESTRICTION_KINDS
            else restriction,
        )
    )
    if f.get("reason"):
        lines.append(_quoted(t, f["reason"], _who(t, e.actor)))
    if f.get("allowed"):
        # staff:
        lines.append(t.label("Still allowed: {things}.", things=_list(t, f["allowed"])))
    return lines


def _safety_decision(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = []
    if f.get("reason"):
        lines.append(_quoted(t, f["reason"], _who(t, e.actor)))
    if f.get("discussion_starts_at"):
        # staff:
        lines.append(t.label("For the talk on {date}.", date=_when(t, f["discussion_starts_at"])))
    # staff:
    lines.append(t.label("Consent rules lifted; automated messages to the family paused."))
    return lines


def _safety_parents_told(e: FileEvent, t: Translator) -> list[str]:
    how = e.fields.get("how")
    return [_quoted(t, how, _who(t, e.actor))] if how else []


def _safety_lifted(e: FileEvent, t: Translator) -> list[str]:
    # staff:
    return [t.label("Automated messages to the family go out again.")]


def _capability_recorded(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    if f.get("capable") == "yes":
        lines = [t.label("Yes: the pupil decides together with the parents.")]
    else:
        lines = [t.label("No: the parents decide for now.")]
    if f.get("reason"):
        lines.append(_quoted(t, f["reason"], _who(t, e.actor)))
    return lines


def _roster_facts_changed(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    lines = [t.label("About: {name}.", name=_who(t, e.subject))]
    if "recognised" in f:
        lines.append(
            t.label("Recognised the child: {answer}.", answer=_yes_no_label(t, f["recognised"]))
        )
    if "information_request" in f:
        lines.append(
            t.label(
                "Asked to be told important things: {answer}.",
                answer=_yes_no_label(t, f["information_request"]),
            )
        )
    return lines


# --- invitations, and any other record --------------------------------------------------


def _invitation_made(e: FileEvent, t: Translator) -> list[str]:
    return [
        t.label(
            "For {name}, valid until {date}.",
            name=_who(t, e.subject),
            date=_when(t, e.fields["valid_until"]),
        )
    ]


def _other(e: FileEvent, t: Translator) -> list[str]:
    f = e.fields
    # staff:
    lines = [t.label("Record: {action}", action=f.get("action", e.kind))]
    if f.get("details") and f["details"] != "{}":
        lines.append(f["details"])
    return lines


# The lines of each kind of event; an unknown kind (or audit_entry) is an "Other record".
WORDS: dict[str, Callable[[FileEvent, Translator], list[str]]] = {
    "meeting_planned": _meeting_planned,
    "meeting_moved": _meeting_moved,
    "meeting_cancelled": _meeting_cancelled,
    "meeting_answer": _meeting_answer,
    "slot_booked": _naming_subject(N_("{name} chose a time.")),
    "summary_written": _summary_written,
    "summary_read": _naming_subject(N_("{name} read the summary.")),
    "summary_question": _summary_question,
    "summary_answered": _summary_answered,
    "preparation": _preparation,
    "notice_sent": _discussion,
    "consent_requested": _discussion,
    "notice_answer": _discussion_answer,
    "consent_answer": _discussion_answer,
    "consent_withdrawn": _discussion_answer,
    "consent_reminder": _naming_subject(N_("Sent to {name}.")),
    "discussion_cancelled": _discussion_cancelled,
    "positive_news": _positive_news,
    "news_reaction": _news_reaction,
    "family_message": _family_message,
    "absence_reported": _absence_reported,
    "route_moved": _route_moved,
    "route_step_ticked": _route_tick,
    "route_step_unticked": _route_tick,
    "support_route_notice": _support_route_notice,
    "sdq_reminder": _sdq_reminder,
    "restriction": _restriction,
    # staff:
    "restriction_lifted": _naming_subject(N_("For: {name}.")),
    "safety_decision": _safety_decision,
    "safety_parents_told": _safety_parents_told,
    "safety_lifted": _safety_lifted,
    "invitation_made": _invitation_made,
    "account_linked": _naming_subject(N_("{name} joined Samen on Telegram.")),
    "unreachable": _naming_subject(N_("Samen could not reach {name}.")),
    "reachable_again": _naming_subject(N_("{name} can be reached in Samen again.")),
    "information_request": _naming_subject(N_("{name} asked to be told important things.")),
    "adult_consent_given": _naming_subject(N_("About: {name}.")),
    "adult_consent_withdrawn": _naming_subject(N_("About: {name}.")),
    "capability_recorded": _capability_recorded,
    "roster_facts_changed": _roster_facts_changed,
    "audit_entry": _other,
}
