"""The pupil file of one pupil from the database, and its words and A4 document (PDF) in the
reader's language. The file itself (which event comes from which table) is made in
`bot/rules/pupil_file_events.py`."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from fpdf.enums import MethodReturnValue, XPos, YPos

from bot.i18n.translator import N_, Translator
from bot.paper.pdf import Document, Style
from bot.rules.models import Participant
from bot.rules.pupil_file import FileEvent, GuardianOnFile, Person, PersonKey, PupilFile, select
from bot.rules.pupil_file_events import build_file
from bot.rules.pupil_file_sources import guardian_ids
from bot.rules.support_route import CHECKLIST, STEP_LABELS, RouteStep
from bot.storage import Tx
from bot.texts import care_messages, meeting_messages
from bot.texts.news_themes import THEMES


async def collect(tx: Tx, pupil_id: str, *, school: str = "") -> PupilFile:
    """Everything recorded about a pupil. Raises LookupError for an unknown pupil."""
    pupil = await tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    family = await tx.guardians_of_pupil(pupil_id)
    rows = await tx.pupil_file_rows(pupil_id)
    names: dict[PersonKey, str] = {
        ("pupil", pupil.pupil_id): f"{pupil.first_name} {pupil.last_name}"
    }
    for member in await tx.all_staff():
        names[("staff", member.staff_id)] = f"{member.first_name} {member.last_name}"
    for guardian, _ in family:
        names[("guardian", guardian.guardian_id)] = f"{guardian.first_name} {guardian.last_name}"
    # A guardian no longer linked to the pupil still answered what they answered.
    for guardian_id in guardian_ids(rows) - {g.guardian_id for g, _ in family}:
        former = await tx.guardian(guardian_id)
        if former is not None:
            names[("guardian", guardian_id)] = f"{former.first_name} {former.last_name}"
    guardians = tuple(
        GuardianOnFile(
            g.guardian_id, g.first_name, g.last_name, link.relation, link.authority, g.language
        )
        for g, link in family
    )
    return build_file(pupil, guardians, rows, names, school=school)


# --- words ------------------------------------------------------------------------------

HEADINGS = {
    "meeting_planned": N_("Talk planned"),
    "meeting_moved": N_("Talk moved to another time"),
    "meeting_cancelled": N_("Talk cancelled"),
    "meeting_answer": N_("Answer to an invitation for a talk"),
    "slot_booked": N_("Time chosen for a short talk"),
    "summary_written": N_("Summary of a talk sent"),
    "summary_read": N_("Summary read"),
    "summary_question": N_("Question about a summary"),
    "summary_answered": N_("Answer to a question about a summary"),
    # staff:
    "preparation": N_("Talk prepared by the teacher"),
    "notice_sent": N_("Message about a talk in the school's care team (CvB)"),
    "notice_answer": N_("Answer to the message about the care team"),
    "consent_requested": N_("Question for consent"),
    "consent_answer": N_("Answer about consent"),
    "consent_withdrawn": N_("Consent withdrawn"),
    "consent_reminder": N_("Reminder about the question for consent"),
    "discussion_cancelled": N_("Talk in a team cancelled"),
    "positive_news": N_("Good news sent"),
    "news_reaction": N_("Reaction to good news"),
    "route_moved": N_("New step in the school's support"),
    "route_step_ticked": N_("Done in the school's support"),
    "route_step_unticked": N_("No longer done in the school's support"),
    "support_route_notice": N_("Message: extra support starts"),
    "sdq_reminder": N_("Asked to fill in a list of questions (the SDQ)"),
    # staff:
    "restriction": N_("Information limited for a parent"),
    # staff:
    "restriction_lifted": N_("Limit on information lifted"),
    # staff:
    "safety_decision": N_("Safety decision (meldcode)"),
    # staff:
    "safety_parents_told": N_("Parents told about the safety decision"),
    # staff:
    "safety_lifted": N_("Safety decision ended"),
    "invitation_made": N_("Invitation to Samen made"),
    "account_linked": N_("Joined Samen"),
    "unreachable": N_("Samen could not reach someone"),
    "reachable_again": N_("Samen can reach someone again"),
    "information_request": N_("A parent asked to be informed"),
    "adult_consent_given": N_("The pupil allows a parent to be informed"),
    "adult_consent_withdrawn": N_("The pupil no longer allows a parent to be informed"),
    "capability_recorded": N_("Can the pupil decide about consent?"),
    "roster_facts_changed": N_("Family details changed"),
    # staff:
    "audit_entry": N_("Other record"),
}

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


def _when(t: Translator, stamp: str) -> str:
    return t.datetime(datetime.fromisoformat(stamp))


def _list(t: Translator, lines: str) -> str:
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


def _step(t: Translator, key: str | None) -> str:
    try:
        return t.label(STEP_LABELS[RouteStep(key)])
    except ValueError:
        return str(key)


def _tick(t: Translator, step: str | None, item: str | None) -> str:
    try:
        labels = dict(CHECKLIST[RouteStep(step)])
    except ValueError:
        return str(item)
    return t.label(labels[item]) if item in labels else str(item)


def _numbered(fields: dict[str, str], prefix: str) -> list[int]:
    return sorted(int(k.split(".")[1]) for k in fields if re.fullmatch(rf"{prefix}\.\d+", k))


def describe(event: FileEvent, t: Translator) -> tuple[str, str]:
    """(heading, body) of one event in the reader's language, as plain text."""
    f = event.fields
    who = _who(t, event.actor)
    subject = _who(t, event.subject)
    heading = t.label(HEADINGS.get(event.kind, HEADINGS["audit_entry"]))
    lines: list[str] = []
    kind = event.kind
    if kind == "meeting_planned":
        lines.append(
            t.label(
                "{kind} on {date}, {minutes} minutes.",
                kind=_meeting_kind(t, f.get("meeting_kind")),
                date=_when(t, f["starts_at"]),
                minutes=f.get("minutes", ""),
            )
        )
        lines.append(
            t.label(
                "Where: {place}.",
                place=t.label(
                    meeting_messages.PLACE_KINDS[f["place_kind"]], place=f.get("place", "")
                )
                if f.get("place_kind") in meeting_messages.PLACE_KINDS
                else f.get("place", ""),
            )
        )
        if f.get("goal"):
            lines.append(_quoted(t, f["goal"], who))
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
    elif kind == "meeting_moved":
        lines.append(_meeting_kind(t, f.get("meeting_kind")))
        if f.get("from") and f.get("to"):
            lines.append(
                t.label("From {old} to {new}.", old=_when(t, f["from"]), new=_when(t, f["to"]))
            )
    elif kind == "meeting_cancelled":
        lines.append(
            t.label(
                "The {kind} on {date} will not take place.",
                kind=_meeting_kind(t, f.get("meeting_kind")),
                date=_when(t, f["starts_at"]),
            )
        )
    elif kind == "meeting_answer":
        answer = f.get("answer", "")
        lines.append(
            t.label(
                "{name}: {answer}.",
                name=subject,
                answer=t.label(MEETING_ANSWERS[answer]) if answer in MEETING_ANSWERS else answer,
            )
        )
        if f.get("wish"):
            lines.append(t.label("Wish: {wish}.", wish=_wish_text(t, f["wish"])))
    elif kind == "slot_booked":
        lines.append(t.label("{name} chose a time.", name=subject))
    elif kind == "summary_written":
        lines += _summary_lines(t, f, who)
    elif kind == "summary_read":
        lines.append(t.label("{name} read the summary.", name=subject))
    elif kind == "summary_question":
        lines.append(t.label("{name} asked: “{text}”", name=subject, text=f.get("question", "")))
    elif kind == "summary_answered":
        lines.append(
            t.label("Question of {name}: “{text}”", name=subject, text=f.get("question", ""))
        )
        lines.append(_quoted(t, f.get("answer", ""), who))
    elif kind == "preparation":
        for key, value in f.items():
            if key.startswith("tip."):
                label = TIP_LABELS.get(key.removeprefix("tip."))
                # staff:
                lines.append(
                    t.label("{label}: “{text}”", label=t.label(label) if label else key, text=value)
                )
    elif kind in ("notice_sent", "consent_requested"):
        lines += _discussion_lines(t, f, who)
    elif kind in ("notice_answer", "consent_answer", "consent_withdrawn"):
        answer = f.get("answer", "")
        words = NOTICE_ANSWERS if kind == "notice_answer" else CONSENT_ANSWERS
        lines.append(
            t.label(
                "{name}: {answer}.",
                name=subject,
                answer=t.label(words[answer]) if answer in words else answer,
            )
        )
        if kind != "notice_answer":
            lines.append(t.label("About: {team}.", team=_team(t, f.get("discussion_kind"))))
        if f.get("text_version"):
            lines.append(t.label("Version of the text: {version}.", version=f["text_version"]))
    elif kind == "consent_reminder":
        lines.append(t.label("Sent to {name}.", name=subject))
    elif kind == "discussion_cancelled":
        lines.append(
            t.label(
                "The talk in {team} on {date} will not take place.",
                team=_team(t, f.get("discussion_kind")),
                date=_when(t, f["starts_at"]),
            )
        )
    elif kind == "positive_news":
        themes = [t.label(THEMES[k]) for k in f.get("themes", "").split("\n") if k in THEMES]
        if themes:
            lines.append(t.label("Did really well at: {themes}.", themes=t.list_of(themes)))
        if f.get("words"):
            lines.append(_quoted(t, f["words"], who))
        lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    elif kind == "news_reaction":
        reaction = f.get("reaction", "")
        if reaction == "words" and f.get("text"):
            lines.append(t.label("{name} wrote: “{text}”", name=subject, text=f["text"]))
        else:
            shown = (
                t.label(REACTIONS[reaction], child=f.get("child", ""))
                if reaction in REACTIONS
                else reaction
            )
            lines.append(t.label("{name}: {answer}", name=subject, answer=shown))
    elif kind == "route_moved":
        lines.append(t.label("Before: {step}", step=_step(t, f.get("from"))))
        lines.append(t.label("Now: {step}", step=_step(t, f.get("to"))))
    elif kind in ("route_step_ticked", "route_step_unticked"):
        lines.append(_step(t, f.get("step")))
        lines.append(_tick(t, f.get("step"), f.get("item")))
    elif kind == "support_route_notice":
        lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    elif kind == "sdq_reminder":
        lines.append(t.label("Number of people asked: {count}.", count=f.get("recipients", "0")))
    elif kind == "restriction":
        # staff:
        lines.append(t.label("For: {name}.", name=subject))
        restriction = f.get("restriction_kind", "")
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
            lines.append(_quoted(t, f["reason"], who))
        if f.get("allowed"):
            # staff:
            lines.append(t.label("Still allowed: {things}.", things=_list(t, f["allowed"])))
    elif kind == "restriction_lifted":
        # staff:
        lines.append(t.label("For: {name}.", name=subject))
    elif kind == "safety_decision":
        if f.get("reason"):
            lines.append(_quoted(t, f["reason"], who))
        if f.get("discussion_starts_at"):
            # staff:
            lines.append(
                t.label("For the talk on {date}.", date=_when(t, f["discussion_starts_at"]))
            )
        # staff:
        lines.append(t.label("Consent rules lifted; automated messages to the family paused."))
    elif kind == "safety_parents_told":
        if f.get("how"):
            lines.append(_quoted(t, f["how"], who))
    elif kind == "safety_lifted":
        # staff:
        lines.append(t.label("Automated messages to the family go out again."))
    elif kind == "invitation_made":
        lines.append(
            t.label(
                "For {name}, valid until {date}.", name=subject, date=_when(t, f["valid_until"])
            )
        )
    elif kind == "account_linked":
        lines.append(t.label("{name} joined Samen on Telegram.", name=subject))
    elif kind == "unreachable":
        lines.append(t.label("Samen could not reach {name}.", name=subject))
    elif kind == "reachable_again":
        lines.append(t.label("{name} can be reached in Samen again.", name=subject))
    elif kind == "information_request":
        lines.append(t.label("{name} asked to be told important things.", name=subject))
    elif kind in ("adult_consent_given", "adult_consent_withdrawn"):
        lines.append(t.label("About: {name}.", name=subject))
    elif kind == "capability_recorded":
        if f.get("capable") == "yes":
            lines.append(t.label("Yes: the pupil decides together with the parents."))
        else:
            lines.append(t.label("No: the parents decide for now."))
        if f.get("reason"):
            lines.append(_quoted(t, f["reason"], who))
    elif kind == "roster_facts_changed":
        lines.append(t.label("About: {name}.", name=subject))
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
    else:
        # staff:
        lines.append(t.label("Record: {action}", action=f.get("action", kind)))
        if f.get("details") and f["details"] != "{}":
            lines.append(f["details"])
    if who and event.actor.kind in ("staff", "admin"):
        lines.append(t.label("By: {name}", name=who))
    return heading, "\n".join(line for line in lines if line)


def _yes_no_label(t: Translator, value: str) -> str:
    return t.label(YES_NO[value]) if value in YES_NO else value


def _summary_lines(t: Translator, f: dict[str, str], who: str) -> list[str]:
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
    lines.append(t.label("Text in quotes: {name}'s own words, in Dutch.", name=who))
    lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    return lines


def _discussion_lines(t: Translator, f: dict[str, str], who: str) -> list[str]:
    child = f.get("child", "")
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
        shared = care_messages.shared_text(t, f["shared_info"].split("\n"), child)
        lines.append(t.label("What the school may share: {things}.", things=shared))
    if f.get("purpose"):
        lines.append(_quoted(t, f["purpose"], who))
    if f.get("answer_before"):
        lines.append(t.label("Answer before: {date}.", date=_when(t, f["answer_before"])))
    lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    return lines


# --- choosing and printing --------------------------------------------------------------


# Emoji and pictographs: the document fonts have none, and a box helps no one.
_NO_GLYPH = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]")


def printable(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", _NO_GLYPH.sub("", text)).strip()


def _keep_together(doc: Document, block: list[tuple[str, Style, float]]) -> None:
    """A new page first when the event would not fit on this one: a "For staff only" mark
    must never stand at the foot of a page, apart from what it marks."""
    pdf = doc.pdf
    height = 0.0
    for text, style, gap in block:
        doc.set_style(text, style)
        height += float(
            pdf.multi_cell(
                0,
                style.size * 0.5,
                text,
                dry_run=True,
                output=MethodReturnValue.HEIGHT,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        )
        height += gap
    # An event longer than a page starts where it is: a new page would not help.
    if height < pdf.eph and pdf.will_page_break(height):
        doc.new_page()


def render_pdf(
    file: PupilFile,
    t: Translator,
    font_dir: Path,
    created: datetime,
    *,
    include_staff_only: bool = True,
    only_concerning: frozenset[PersonKey] | None = None,
) -> bytes:
    """An A4 document: who the pupil is, then every chosen event with its local time."""
    pupil = file.pupil
    full_name = f"{pupil.first_name} {pupil.last_name}"
    events = select(file, include_staff_only=include_staff_only, only_concerning=only_concerning)
    rtl = t.rtl
    doc = Document(font_dir, created, title=full_name)
    doc.new_page()

    def say(text: str, style: Style | None = None, gap: float = 2.0) -> None:
        doc.text(printable(text), style or Style(), rtl=rtl, gap=gap)

    if file.school:
        say(file.school, Style(12, grey=True), gap=1)
    say(t.label("Pupil file: {name}", name=full_name), Style(18, bold=True))
    say(t.label("Born on {date}", date=t.date_with_year(pupil.birth_date)), gap=1)
    say(t.label("Group: {group}", group=pupil.group), gap=1)
    say(
        t.label("Made on {date}", date=t.date_with_year(created.astimezone(t.timezone).date())),
        gap=3,
    )
    say(
        t.label(
            "This file shows what Samen recorded about {name}. The oldest comes first.",
            name=pupil.first_name,
        ),
        Style(11),
        gap=2,
    )
    if any(e.staff_only for e in events):
        # staff:
        say(t.label("Parts marked “For staff only” are not for parents."), Style(11, bold=True))
    if not events:
        say(t.label("Nothing was recorded yet."), Style(11))
    doc.rule()
    year = None
    for event in events:
        block: list[tuple[str, Style, float]] = []
        local = event.at.astimezone(t.timezone)
        if local.year != year:
            # t.datetime has no year: the year heads each year's events instead.
            year = local.year
            block.append((str(year), Style(14, bold=True), 2))
        heading, body = describe(event, t)
        if event.staff_only:
            # staff:
            block.append((t.label("For staff only"), Style(9.5, bold=True), 0.5))
        block.append((t.datetime(event.at), Style(9, grey=True), 0.5))
        block.append((heading, Style(12, bold=True), 1))
        if body:
            block.append((body, Style(10.5), 1))
        _keep_together(doc, [(printable(text), style, gap) for text, style, gap in block])
        for text, style, gap in block:
            say(text, style, gap)
        doc.rule(gap=2.5)
    return doc.output()
