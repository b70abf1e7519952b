"""What families and teachers read about short-talk rounds: the button to choose a time, the
name of the talk, when and where, and the notice to the other parent who may join."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.rules.callback_data import JoinTap, RoundDaysTap
from bot.rules.models import Meeting
from bot.texts import care_messages, meeting_messages

ROUND_KIND = "round"  # meeting_messages.KINDS: "short talk"


def choose_button(tr: Translator, round_id: int, pupil_id: str) -> str:
    return care_messages.keyboard(
        [
            [
                care_messages.button(
                    tr.label("🕒 Choose a time"), str(RoundDaysTap(round_id, pupil_id))
                )
            ]
        ]
    )


def talk_name(tr: Translator) -> str:
    """What a booked time is called in every message: the round's short talk."""
    return tr.label(meeting_messages.KINDS[ROUND_KIND])


def when_where(tr: Translator, meeting: Meeting) -> list[str]:
    return [
        tr._(
            "When: {date}, {minutes} minutes.",
            date=tr.datetime(meeting.starts_at),
            minutes=tr.number(meeting.minutes),
        ),
        tr._("Where: {place}.", place=meeting_messages.place_text(tr, meeting)),
    ]


JOIN_ANSWERS = {"come": "come", "no": "cannot"}


def notice_keyboard(tr: Translator, meeting: Meeting) -> str:
    """Two answers only: the talk is booked, so there is no "can't" or "another time". The
    version makes the buttons stale once the booker chooses another time."""
    come = str(JoinTap(meeting.id, meeting.version, "come"))
    no = str(JoinTap(meeting.id, meeting.version, "no"))
    return care_messages.keyboard(
        [
            [care_messages.button(tr.label("✅ I'll come too"), come)],
            [care_messages.button(tr.label("No, thanks"), no)],
        ]
    )


def notice_text(
    tr: Translator,
    meeting: Meeting,
    *,
    name: str,
    booker: str,
    child: str,
    teacher: str,
    answer: str | None = None,
    moved: bool = False,
) -> str:
    if moved:
        head = tr._(
            "🕒 {name}, {booker} chose a new time for the {kind} about {child} with {teacher}.",
            name=name,
            booker=booker,
            kind=talk_name(tr),
            child=child,
            teacher=teacher,
        )
    else:
        head = tr._(
            "📅 {name}, {booker} booked a time for the {kind} about {child} with {teacher}.",
            name=name,
            booker=booker,
            kind=talk_name(tr),
            child=child,
            teacher=teacher,
        )
    lines = [head, *when_where(tr, meeting), ""]
    if answer == "come":
        lines.append(tr._("✅ You will come too. See you then!"))
    elif answer == "cannot":
        lines.append(tr._("👍 Fine, you will not come this time."))
    else:
        lines.append(tr._("Do you want to come too?"))
    return "\n".join(lines)
