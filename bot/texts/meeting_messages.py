"""What parents, pupils and teachers read about parent talks: the kinds of talk, places, goals,
invitation buttons and answers, the teacher's card keyboard, and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.i18n.translator import N_, Markup, Translator
from bot.rules.callback_data import (
    InvitationTap,
    MeetingCardTap,
    SummaryTap,
    ViewSummaryTap,
    WriteSummaryTap,
)
from bot.rules.models import (
    Agreement,
    Invitee,
    Meeting,
    StaffMember,
    Summary,
)
from bot.texts import care_messages

# Short names that fit inside a sentence ("the {kind} about {child}"); what a team or a plan
# is, with its jargon, is explained by the goal and the team line of the invitation.
KINDS = {
    "start": N_("intake talk"),
    "progress": N_("progress talk"),
    "opp": N_("talk about the school's plan"),
    "care": N_("talk about extra care"),
    "cvb": N_("talk with the care team"),
    "zat": N_("talk with the support team"),
    # A time booked in a slot round (bot.services.rounds): named so in every message about it. It is
    # not a kind a teacher plans by hand, so the planning flow leaves it out.
    "round": N_("short talk"),
}


# Read after "Where:", so no colon of their own ("Where: at school, room 2.14.").
PLACE_KINDS = {"room": N_("at school, {place}"), "phone": N_("by phone, {place}"),
               "video": N_("video call, {place}")}  # fmt: skip


NEXT_STEPS = {
    "none": N_("no further step for now"),
    "follow_up": N_("another talk"),
    "cvb": N_("a talk in the school's care team (CvB)"),
    "zat": N_("a talk in the support team (ZAT)"),
    "outside_help": N_("help from outside school"),
}


# What a talk of each kind is about, when the teacher keeps Samen's suggestion: shown to each
# parent in their own language instead of the teacher's Dutch words.
GOALS = {
    "start": N_("To get to know each other: how your child is doing and what you find important."),
    "progress": N_("How it goes at school and at home, and what comes next."),
    "opp": N_(
        "The school's plan for your child (the OPP): what goes well and what the next goals are."
    ),
    "care": N_("What extra help your child needs, at school and at home."),
    "cvb": N_("What the school's care team (the CvB) can do for your child."),
    "zat": N_("What the support team with people from outside school (the ZAT) can offer."),
}


def teacher_name(staff: StaffMember) -> str:
    return f"{staff.first_name} {staff.last_name}"


def own_words(tr: Translator, text: str, author: str) -> Markup:
    """Free text is sent as written, marked as the author's own words in Dutch."""
    shown = tr._("{author} wrote (in Dutch): “{text}”", author=author, text=text)
    return Markup(shown, shown)


def goal_text(tr: Translator, meeting: Meeting, teacher: str) -> str:
    """The teacher's own words, marked as such; or the standard goal in the reader's language."""
    if meeting.goal:
        return own_words(tr, meeting.goal, teacher).html
    standard = GOALS.get(meeting.kind)
    return tr._(standard) if standard else ""


def goal_plain(tr: Translator, meeting: Meeting) -> str:
    """The goal as plain text (a calendar file): the teacher's words or the standard goal."""
    if meeting.goal or meeting.kind not in GOALS:
        return meeting.goal
    return tr.label(GOALS[meeting.kind])


def place_text(tr: Translator, meeting: Meeting) -> str:
    return tr.label(PLACE_KINDS[meeting.place_kind], place=meeting.place)


def invitation_keyboard(
    tr: Translator, meeting: Meeting, invitee: Invitee | None = None, *, choosing: bool = False
) -> str:
    """Five answers at most, the most likely first; once answered, a way to change it and the
    wishes, each saying what a tap will do now. The version makes old buttons stale."""

    def tap(action: str) -> str:
        return str(InvitationTap(meeting.id, meeting.version, action))

    interpreter = invitee is not None and invitee.interpreter
    companion = invitee is not None and invitee.companion
    wishes = [
        care_messages.button(
            tr.label("🗣 No interpreter needed")
            if interpreter
            else tr.label("🗣 I'd like an interpreter"),
            tap("interp"),
        ),
        care_messages.button(
            tr.label("👥 I'll come alone") if companion else tr.label("👥 I'll bring someone"),
            tap("bring"),
        ),
    ]
    if invitee is not None and invitee.answer is not None and not choosing:
        return care_messages.keyboard(
            [[care_messages.button(tr.label("↩️ Change my answer"), tap("change"))], wishes]
        )
    return care_messages.keyboard(
        [
            [care_messages.button(tr.label("✅ Yes, I'll come"), tap("come"))],
            [care_messages.button(tr.label("❌ I can't"), tap("cannot"))],
            [care_messages.button(tr.label("🕒 Another time"), tap("other"))],
            wishes,
        ]
    )


def answer_lines(tr: Translator, meeting: Meeting, invitee: Invitee) -> list[str]:
    """A person's current answer and wishes, as the invitation shows them under the talk."""
    lines = []
    if invitee.answer == "come":
        lines.append(
            tr._("✅ You will come on {date}. See you then!", date=tr.datetime(meeting.starts_at))
        )
    elif invitee.answer == "cannot":
        lines.append(tr._("❌ You cannot come. The school will contact you."))
    elif invitee.answer == "other_time":
        lines.append(tr._("🕒 Thank you. The school will propose a new time."))
        if invitee.preference:
            lines.append(tr._("Your wish: {wish}", wish=wish_text(tr, invitee.preference)))
    if invitee.interpreter:
        lines.append(tr._("🗣 We will arrange an interpreter."))
    if invitee.companion:
        lines.append(tr._("👥 Good, you may bring someone."))
    return lines


ANSWER_LABELS = {
    None: N_("⏳ no answer yet"),
    "come": N_("✅ will come"),
    "cannot": N_("❌ cannot come"),
    "other_time": N_("🕒 asks for another time"),
}


def wish_text(tr: Translator, preference: str) -> str:
    """A chosen alternative is stored as a moment; a typed wish as the parent wrote it."""
    try:
        return tr.datetime(datetime.fromisoformat(preference))
    except ValueError:
        return preference


def card_keyboard(
    tr: Translator, meeting: Meeting, now: datetime, *, summarised: bool
) -> str | None:
    """What fits now: move or cancel before the talk; once it has started, the summary."""
    if meeting.cancelled_at is not None:
        return None
    if now < meeting.starts_at:
        actions = [
            # staff:
            care_messages.button(tr.label("🕒 Move"), str(MeetingCardTap(meeting.id, "move"))),
            # staff:
            care_messages.button(tr.label("✖️ Cancel"), str(MeetingCardTap(meeting.id, "cancel"))),
        ]
    elif summarised:
        actions = [
            # staff:
            care_messages.button(tr.label("📝 See the summary"), str(ViewSummaryTap(meeting.id)))
        ]
    else:
        actions = [
            # staff:
            care_messages.button(tr.label("✍️ Write the summary"), str(WriteSummaryTap(meeting.id)))
        ]
    return care_messages.keyboard([actions])


def summary_text(
    tr: Translator,
    summary: Summary,
    meeting: Meeting,
    *,
    child: str,
    teacher: str,
    attended: Sequence[str],
    to_pupil: bool = False,
    home_only: bool = False,
) -> str:
    """Fixed parts in the reader's language; the teacher's own words as written, marked. A
    pupil reads it written to them; a foster parent allowed day-to-day information reads
    only the agreements and the advice for home (`home_only`)."""
    if home_only:
        lines = _home_only_opening(tr, meeting, child)
    else:
        lines = _summary_opening(tr, summary, meeting, child, attended, to_pupil=to_pupil)
    if summary.agreements:
        lines += ["", tr._("<b>What we agreed</b>")]
        lines += [_agreement_line(tr, agreement) for agreement in summary.agreements]
    if summary.advice_school and not home_only:
        lines += ["", tr._("<b>Advice for school</b>"), _said(tr, summary.advice_school)]
    if summary.advice_home:
        lines += ["", tr._("<b>Advice for home</b>"), _said(tr, summary.advice_home)]
    if not home_only:
        lines += [
            "",
            tr._("<b>Next step:</b> {step}", step=tr.label(NEXT_STEPS[summary.next_step])),
        ]
    lines += [
        "",
        tr._("<i>Text in quotes: {teacher}'s own words, in Dutch.</i>", teacher=teacher),
    ]
    return "\n".join(lines)


def _said(tr: Translator, text: str) -> str:
    """The teacher's own words, in quotes."""
    return tr.fill("“{text}”", text=text)


def _home_only_opening(tr: Translator, meeting: Meeting, child: str) -> list[str]:
    """For a foster parent with day-to-day information: no one present, nothing that goes well."""
    return [
        tr._("📝 <b>What we agreed about {child}</b>", child=child),
        tr._("From the talk at school on {date}.", date=tr.datetime(meeting.starts_at)),
    ]


def _summary_opening(
    tr: Translator,
    summary: Summary,
    meeting: Meeting,
    child: str,
    attended: Sequence[str],
    *,
    to_pupil: bool,
) -> list[str]:
    """The heading, when and who were present, and what goes well."""
    heading = (
        tr._("📝 <b>Summary of the talk about you</b>")
        if to_pupil
        else tr._("📝 <b>Summary of the talk about {child}</b>", child=child)
    )
    return [
        heading,
        tr._(
            "{date}. Present: {names}.",
            date=tr.datetime(meeting.starts_at),
            names=tr.list_of(list(attended)) or "–",
        ),
        "",
        tr._("<b>What goes well</b>"),
        _said(tr, summary.going_well),
    ]


def _agreement_line(tr: Translator, agreement: Agreement) -> str:
    """• what, (who), by when: the parts the teacher filled in."""
    parts = [_said(tr, agreement.what)]
    if agreement.who:
        parts.append(tr.fill("({text})", text=agreement.who))
    if agreement.when:
        parts.append(tr._("by {when}", when=agreement.when))
    return tr.lines("• " + " ".join(parts))


def summary_keyboard(tr: Translator, meeting_id: int, *, read: bool = False) -> str:
    """ "Read" until it is tapped; a question can always be asked."""
    rows = [
        [care_messages.button(tr.label("❓ I have a question"), str(SummaryTap(meeting_id, "ask")))]
    ]
    if not read:
        rows.insert(
            0, [care_messages.button(tr.label("✅ Read"), str(SummaryTap(meeting_id, "read")))]
        )
    return care_messages.keyboard(rows)
