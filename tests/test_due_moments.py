"""The moments by which the database picks out due work before each item is decided exactly:
never one due item left out, across holidays and the switches to and from summer time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.platform.config import Settings
from bot.rules.consent import reminders_due
from bot.rules.models import Meeting
from bot.services import meetings, preparation
from bot.services.pupil_discussions import quiet_hours, reminder_sent_by

AMS = ZoneInfo("Europe/Amsterdam")
SETTINGS = replace(Settings(), region="noord", prepare_days=2)
# Weeks around the switches to summer time (28 March 2027) and back (25 October 2026), and the
# Christmas holiday.
WEEKS = [
    datetime(2026, 10, 19, tzinfo=AMS),
    datetime(2026, 12, 14, tzinfo=AMS),
    datetime(2027, 3, 22, tzinfo=AMS),
]


def talk(starts_at: datetime) -> Meeting:
    return Meeting(
        id=1,
        pupil_id="L001",
        kind="progress",
        starts_at=starts_at,
        minutes=15,
        place_kind="room",
        place="12",
        goal="",
        alternatives=(),
        created_by="S001",
        version=1,
        cancelled_at=None,
        card_outbox_id=None,
        round_id=None,
        summary_prompted_at=None,
    )


def moments(start: datetime, days: int, step: timedelta) -> list[datetime]:
    found, moment = [], start
    while moment < start + timedelta(days=days):
        found.append(moment)
        moment += step
    return found


@pytest.mark.parametrize("week", WEEKS)
def test_a_prompt_is_due_exactly_for_the_talks_before_the_moment(week: datetime) -> None:
    for now in moments(week, 9, timedelta(hours=5)):
        before = preparation.prompts_due_before(now, SETTINGS)
        for starts in moments(now + timedelta(minutes=30), 21, timedelta(hours=7)):
            due = preparation.prompt_moment(talk(starts), SETTINGS) <= now
            assert due == (starts < before), (now, starts)


@pytest.mark.parametrize("week", WEEKS)
def test_a_talk_with_its_reminder_due_is_within_reach(week: datetime) -> None:
    for now in moments(week, 9, timedelta(minutes=50)):
        for starts in moments(now, 4, timedelta(minutes=55)):
            if now >= meetings.reminder_moment(talk(starts), SETTINGS):
                assert starts < now + meetings.REMINDER_REACH, (now, starts)


@pytest.mark.parametrize("week", WEEKS)
def test_a_consent_reminder_is_due_only_for_a_request_sent_by_its_moment(week: datetime) -> None:
    days = SETTINGS.care.reminder_days
    quiet = quiet_hours(SETTINGS)
    for now in moments(week, 9, timedelta(minutes=50)):
        for sent in moments(now - timedelta(days=10), 10, timedelta(minutes=55)):
            due = reminders_due(sent, days, (), now, AMS, quiet, SETTINGS.holidays)
            for number in due:
                assert sent <= reminder_sent_by(now, days[number - 1]), (now, sent)
