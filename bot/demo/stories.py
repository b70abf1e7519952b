"""Stories to start from: each sets the demo clock, the phones on the page and the first step,
and says in one line what to try next. The demo's own words are English, like the `samen`
command's; what the phones show is Samen itself, in each person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.demo.school import DemoError, DemoSchool

# Dutch, as a teacher types a day or a time in the chat ("di 8 dec", "vr 4 dec 12:00").
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    hint: str
    phones: tuple[str, ...]
    begin: Callable[[DemoSchool], Awaitable[None]]


def typed_day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


async def during_school_hours(school: DemoSchool) -> None:
    """Move the clock on to a school day between 08:30 and 15:00, unless it is one already."""
    now = school.local_now()
    if school.school_day(now.date()) and time(8, 30) <= now.time() < time(15, 0):
        return
    day = now.date() if now.time() < time(8, 30) else school.next_school_day(now.date())
    while not school.school_day(day):
        day = school.next_school_day(day)
    await school.jump_to(school.at(day, time(9, 0)))


async def _talk(school: DemoSchool) -> None:
    await during_school_hours(school)
    await school.say_as("S002", "/gesprek")


async def _consent(school: DemoSchool) -> None:
    await during_school_hours(school)
    await school.say_as("S004", "/toestemming")
    await school.say_as("S004", "Emre")


async def _good_news(school: DemoSchool) -> None:
    await school.jump_to(await school.moment_of("friday"))


async def _round(school: DemoSchool) -> None:
    """Marieke opens a round for SO-Zon, three school days ahead; Hakan starts his own."""
    await during_school_hours(school)
    today = school.local_now().date()
    day = today
    for _ in range(3):
        day = school.next_school_day(day)
    deadline = today
    while school.next_school_day(deadline) < day:
        deadline = school.next_school_day(deadline)
    marieke = school.user("S001")
    await school.say(marieke, "/ronde")
    await school.flow(marieke, "g:0")
    await school.say(marieke, typed_day(day))
    await school.say(marieke, "15:00-16:00")
    await school.flow(marieke, "min:10")
    await school.say(marieke, "lokaal 4")
    await school.say(marieke, f"{typed_day(deadline)} 12:00")
    await school.flow(marieke, "open")
    await school.settle()
    await school.say_as("S002", "/ronde")


async def _access(school: DemoSchool) -> None:
    await during_school_hours(school)
    layla = school.user("G030")
    await school.press(layla, "menu:access")
    await school.settle()


STORIES = (
    Story(
        "talk",
        "Plan a parent talk, answered in Turkish",
        "In Hakan's phone type Emre, tap a kind and a time, then send: Hatice reads the"
        " invitation in Turkish and taps “I'll come”; watch Hakan's card, then jump to the day"
        " before the talk.",
        ("S002", "G020", "G019", "G021"),
        _talk,
    ),
    Story(
        "consent",
        "Ask consent for a ZAT discussion",
        "Ingrid asks consent to discuss Emre (13) in the ZAT: tap ZAT and go on; Serkan,"
        " Hatice and Emre each answer in their own phone, and /overzicht shows the status.",
        ("S004", "G019", "G020", "P012"),
        _consent,
    ),
    Story(
        "good_news",
        "The Friday good-news round",
        "Friday 13:00: Hakan got the families due for good news. Tap Julia, pick what went"
        " well and send; Agnieszka reads it in Polish and can react with one tap.",
        ("S002", "G022", "G020", "G041"),
        _good_news,
    ),
    Story(
        "round",
        "Short talks for a whole group, with siblings",
        "Marieke opened short talks for SO-Zon; open Hakan's round for VSO-1 the same day"
        " (15:00-16:00): Fatima books Adam's time, then sees ⭐ beside it for Yasmina.",
        ("S002", "S001", "G006", "G005"),
        _round,
    ),
    Story(
        "access",
        "A parent asks to see her data",
        "Layla asked what Samen keeps about her: confirm in her phone; Ingrid is told at once"
        " and sends the copy with one tap, a protected PDF in Arabic and Dutch.",
        ("G030", "S004"),
        _access,
    ),
)


def story(story_id: str) -> Story:
    for candidate in STORIES:
        if candidate.id == story_id:
            return candidate
    raise DemoError(f"no story {story_id!r}", status=404)


async def play(school: DemoSchool, chosen: Story) -> datetime:
    """Set the phones, the clock and the first step of a story; the clock's moment after."""
    school.set_phones(chosen.phones)
    await chosen.begin(school)
    return school.clock.now()
