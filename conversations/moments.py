"""A day and time in a flow, tapped or typed: a typed weekday that contradicts the date is
asked about, never guessed; a tapped time is checked again."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton

from bot.rules.dates import When, read_when
from conversations.flow import Step

# Telegram refuses callback data over 64 bytes; "f:<nonce>:at:<iso moment>" stays far below.
MAX_CALLBACK = 64


def which_day(
    step: Step, when: When, back: list[InlineKeyboardButton] | None = None
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """When weekday and date disagree: the question and one button per reading, each `at:<iso>`.
    The date's reading comes first; `back`, if given, is the last row."""
    tr = step.tr
    readings = [when.moment] if when.other is None else [when.moment, when.other]
    rows: list[list[InlineKeyboardButton]] = []
    for moment in readings:
        choice = step.button(tr.datetime(moment), f"at:{moment.isoformat()}")
        assert len(str(choice.callback_data).encode()) <= MAX_CALLBACK
        rows.append([choice])
    if back:
        rows.append(back)
    # staff:
    question = tr._(
        "⚠️ The weekday you typed does not match the date: it is {date}. Which day do you mean?",
        date=tr.date(when.moment.astimezone(tr.timezone).date()),
    )
    return question, rows


def future_moment(step: Step, iso: str) -> datetime | None:
    """A tapped time, checked again: it must be a moment, and still ahead."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo and moment > step.svc.clock.now() else None


async def typed_time(step: Step, text: str, back: str) -> datetime | None:
    """A typed day and time; on a weekday that contradicts the date, ask which is meant."""
    tr = step.tr
    when = read_when(text, step.svc.clock.now(), step.svc.settings.timezone)
    if when is None:
        # staff:
        note = tr._(
            "I could not read “{text}” as a day and time in the future."
            " Try for example <i>3 dec 15:30</i> or <i>dinsdag half vier</i>.",
            text=text,
        )
        await step.show(note, [step.back_row(back)])
        return None
    if when.other is not None:
        await step.go(step.state.step)
        question, rows = which_day(step, when, step.back_row(back))
        await step.show(question, rows)
        return None
    return when.moment
