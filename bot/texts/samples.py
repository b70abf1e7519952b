"""Realistic values for every placeholder a parent or pupil may read, the longest a school
would really fill in: the longest kind of talk, names of several words, three children, a late
date with its time. The catalogue check renders every parent message with them (plain Dutch is
judged on what a parent reads, not on the template), the right-to-left test reads the result
with the Unicode bidirectional algorithm, and the reviewer's sheet shows them.

Composite values (lists, kinds of talk, roles) are built by the same functions that build them
for a real message, so what is rendered here is what a reader would get."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.i18n.translator import Translator, language_name, placeholders
from bot.rules.models import Participant
from bot.texts import care_messages, meeting_messages, news_themes

# People: Latin names of several words, as a Dutch roster holds them; the child is called by
# the first name, as every message does.
ADDRESSEE = "Anne-Marie van den Berg"
CHILD = "Jan-Willem"
CHILDREN = ("Jan-Willem", "Fatima-Zahra", "Mohammed")
TEACHER = "Marieke van der Linden"
COORDINATOR = "Ingrid Postma-de Vries"
TEACHERS = ("Marieke van der Linden", "Hakan Öztürk")
SCHOOL = "SO De Regenboog"
GROUP = "VSO-Entree"
ROOM = "lokaal 2.14"
# A parent's or teacher's own words, shown as written (in Dutch) between quotes.
OWN_WORDS = "Hij slaapt slecht."
# A Wednesday in September: the longest weekday and month in Dutch, with a time.
MOMENT = (2026, 9, 30, 15, 30)
PARTICIPANTS = (
    Participant("Said El Amrani", "youth_care_worker", "Jeugdteam Noord"),
    Participant("", "school_doctor", "GGD"),
    Participant("Lisa de Jong", "attendance_officer", ""),
)


def _longest(tr: Translator, texts: Mapping[Any, str], **values: object) -> str:
    return max((tr.label(text, **values) for text in texts.values()), key=len)


def _moment(tr: Translator) -> datetime:
    year, month, day, hour, minute = MOMENT
    return datetime(year, month, day, hour, minute, tzinfo=tr.timezone)


def values(tr: Translator) -> dict[str, object]:
    """Every placeholder name a parent or pupil message uses, filled for this reader."""
    when = _moment(tr)
    day = when.date()
    later = date(day.year, 12, 23)
    three_children = tr.list_of(list(CHILDREN))
    every_team_member = ["care_coordinator", "school_psychologist", "director", "youth_nurse"]
    return {
        "name": ADDRESSEE,
        "child": CHILD,
        "children": three_children,
        "names": three_children,
        "teacher": TEACHER,
        "teachers": tr.list_of(list(TEACHERS)),
        "sender": COORDINATOR,
        "booker": ADDRESSEE,
        "author": TEACHER,
        "who": ADDRESSEE,
        "school": SCHOOL,
        "bot": "@SamenRegenboogBot",
        "group": GROUP,
        "team": _longest(tr, care_messages.KIND_LABELS),
        "meeting": _longest(tr, care_messages.KIND_LABELS),
        "date": tr.datetime(when),
        "dates": tr.list_of([tr.datetime(when), tr.datetime(when.replace(hour=16))]),
        "day": tr.date(day),
        "asked": tr.date(day),
        "deadline": tr.datetime(when),
        "first": tr.date(day),
        "last": tr.date(later),
        "when": tr.label("from {first} to {last}", first=tr.date(day), last=tr.date(later)),
        "time": tr.time(when),
        "old": tr.datetime(when),
        "new": tr.datetime(when.replace(day=day.day - 1)),
        "kind": _longest(tr, meeting_messages.KINDS),
        "place": tr.label(meeting_messages.PLACE_KINDS["room"], place=ROOM),
        "step": _longest(tr, meeting_messages.NEXT_STEPS),
        "purpose": _longest(tr, care_messages.PURPOSES, child=CHILD),
        "themes": tr.list_of([tr.label(t) for t in list(news_themes.THEMES.values())[:3]]),
        "members": tr.list_of([care_messages.role(tr, m) for m in every_team_member]),
        "language": language_name("tr", tr.language),
        "answer": _longest(tr, meeting_messages.ANSWER_LABELS),
        "wish": OWN_WORDS,
        "text": OWN_WORDS,
        "words": OWN_WORDS,
        "question": OWN_WORDS,
        "label": tr.label("Group: {group}", group=GROUP),
        "value": GROUP,
        "what": tr.label("a photo"),
        "version": "v2-zat",
        "minutes": tr.number(45),
        "number": tr.number(12),
        "count": tr.number(3),
        "n": tr.number(3),
    }


@dataclass(frozen=True)
class Rendered:
    """One message as a reader gets it: the template's id, the count for a plural form (or
    None), and the text with every value filled in."""

    msgid: str
    count: int | None
    text: str


# A plural message is rendered for one and for several; its count is the number of items in
# its lists of people (a parent of one child reads one name).
COUNTS = (1, 3)
_ONE_OF = {"children": CHILD, "names": CHILD, "teachers": TEACHER}


def render(
    tr: Translator,
    msgid: str | tuple[str, str],
    filled: Mapping[str, object] | None = None,
    counts: tuple[int, ...] = COUNTS,
) -> list[Rendered]:
    """The message in the reader's language with realistic values (a plural one for each of
    `counts`); a KeyError names a placeholder that has no sample yet (add it to `values`)."""
    filled = dict(filled if filled is not None else values(tr))
    if isinstance(msgid, str):
        return [Rendered(msgid, None, tr._(msgid, **_needed(filled, msgid)))]
    singular, plural = msgid
    out = []
    for count in counts:
        wanted = _needed(filled, singular) | _needed(filled, plural)
        wanted.pop("n", None)
        if count == 1:
            wanted |= {name: one for name, one in _ONE_OF.items() if name in wanted}
        out.append(Rendered(singular, count, tr.n_(singular, plural, count, **wanted)))
    return out


def _needed(filled: Mapping[str, object], template: str) -> dict[str, object]:
    return {name: filled[name] for name in placeholders(template)}


def plain(rendered: str) -> str:
    """The text without Telegram's HTML tags, as a reader sees it."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))
