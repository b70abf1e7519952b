"""A parent reports a child sick or absent: the mentors, and whoever the school named under
`[absence] notify`, read one short line; at the start of each school day they get the list of
that day's absences per group."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.platform.translation import Translated
from bot.rules.models import Absence, PersonKind, Pupil, Role, StaffMember
from bot.rules.schooltime import is_school_day
from bot.services import pupil_discussions
from bot.services.family_messages import (
    Media,
    readers_at_school,
    staff_name,
    staff_reads_from,
    write_to_school,
)
from bot.services.notify import Reader, notify, reader
from bot.services.work import Work
from bot.texts import absence_texts
from bot.texts.absence_texts import Reason


@dataclass(frozen=True)
class Reported:
    first_day: date
    last_day: date
    moved: bool  # reported for today after the cut-off: it counts from the next school day
    readers: tuple[str, ...]  # who at school will know


async def report_absence(
    w: Work,
    *,
    guardian_id: str,
    pupil_id: str,
    days: tuple[date, date],
    reason: str,
    translated: Mapping[str, Translated | None] | None = None,
    media: Media | None = None,
) -> Reported | None:
    """Record the report and tell the school; None when this is not the guardian's child at
    school, or the days lie in the past. A reason typed in another language is read with its
    machine translation (`translated`, made before); one given as a voice note (`media`) goes
    to the mentors as the parent's message about the child."""
    children = await w.tx.children_of_guardian(guardian_id, at_school=True)
    pupil = next((c for c in children if c.pupil_id == pupil_id), None)
    first, last = days
    if pupil is None or first < w.today or last < first:
        return None
    moved = first == w.today and _after_cutoff(w)
    if moved:
        first = _next_school_day(w, w.today)
        last = max(last, first)
    await w.tx.add_absence(
        pupil_id=pupil_id, guardian_id=guardian_id, days=(first, last), reason=reason, now=w.now
    )
    readers = await _readers(w, pupil)
    written_in = (await reader(w, PersonKind.GUARDIAN, guardian_id)).language
    for to in readers:
        made = (translated or {}).get(to.language)
        said = Reason(reason, written_in, made.text if made else None, media[0] if media else None)
        await notify(
            w,
            to,
            await _line(w, to, pupil, guardian_id, first, last, said),
            purpose="absence",
            not_before=max(staff_reads_from(w), w.now),
        )
    if media is not None:
        # After the line: the mentors read who is absent, then hear why.
        await write_to_school(
            w, writer=(PersonKind.GUARDIAN, guardian_id), pupil_id=pupil_id, text="", media=media
        )
    await w.audit(
        (PersonKind.GUARDIAN.value, guardian_id),
        "absence_reported",
        pupil_id=pupil_id,
        details={"first_day": first.isoformat(), "last_day": last.isoformat()},
    )
    names = tuple(sorted({await staff_name(w, to) for to in readers}))
    return Reported(first, last, moved, names)


async def languages_read(w: Work, guardian_id: str, pupil_id: str) -> tuple[str, set[str]]:
    """The language a parent writes a reason in, and those its readers at school read."""
    source = (await reader(w, PersonKind.GUARDIAN, guardian_id)).language
    pupil = await w.tx.pupil(pupil_id)
    readers = await _readers(w, pupil) if pupil else []
    return source, {to.language for to in readers}


async def send_daily_overview(w: Work) -> int:
    """Once on each school day, at the start of working hours: today's absences, per group,
    to the mentors of those groups and to the people the school named. Returns how many."""
    local = w.now.astimezone(w.settings.timezone)
    start = w.settings.staff_working_hours[0]
    key = f"absence_overview:{w.today.isoformat()}"
    if not is_school_day(w.today, w.settings.holidays) or local.time() < start:
        return 0
    if await w.tx.get_meta(key) is not None:
        return 0
    await w.tx.set_meta(key, w.now.isoformat())
    absent = await _absent_today(w)
    if not absent:
        return 0  # nobody away: no list
    sent = 0
    for to, groups in (await _overview_readers(w, sorted(absent))).items():
        lines = [
            # staff:
            to.tr._("🤒 <b>Absent today</b>"),
            *(line for group in groups for line in _group_lines(to, group, absent[group])),
        ]
        await notify(w, to, "\n".join(lines), purpose="absence_overview")
        sent += 1
    return sent


def _after_cutoff(w: Work) -> bool:
    return w.now.astimezone(w.settings.timezone).time() > w.settings.absence_cutoff


def _next_school_day(w: Work, day: date) -> date:
    day += timedelta(days=1)
    while not is_school_day(day, w.settings.holidays):
        day += timedelta(days=1)
    return day


async def _readers(w: Work, pupil: Pupil) -> list[Reader]:
    """The mentors (as for a family's message) and the people `[absence] notify` names."""
    readers = {to.person_id: to for to in await readers_at_school(w, pupil)}
    for member in await _named(w):
        to = await reader(w, PersonKind.STAFF, member.staff_id)
        if to.in_samen:
            readers.setdefault(to.person_id, to)
    return list(readers.values())


async def _named(w: Work) -> list[StaffMember]:
    """The staff `[absence] notify` names, by id or by role."""
    wanted = set(w.settings.absence_notify)
    roles = {r for r in Role if r.value in wanted}
    return [s for s in await w.tx.all_staff() if s.staff_id in wanted or s.role in roles]


async def _line(
    w: Work,
    to: Reader,
    pupil: Pupil,
    guardian_id: str,
    first: date,
    last: date,
    reason: Reason,
) -> str:
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    person = people[pupil_discussions.person_key(PersonKind.GUARDIAN, guardian_id)]
    return absence_texts.to_staff(
        to.tr,
        child=f"{pupil.first_name} {pupil.last_name}",
        group=pupil.group,
        when=absence_texts.days(to.tr, first, last, w.today),
        reason=reason,
        who=pupil_discussions.describe(to.tr, person, pupil.first_name),
    )


async def _absent_today(w: Work) -> dict[str, list[tuple[Pupil, Absence]]]:
    """Today's absences by group."""
    by_group: dict[str, list[tuple[Pupil, Absence]]] = {}
    for absence in await w.tx.absences_on(w.today):
        pupil = await w.tx.pupil(absence.pupil_id)
        if pupil is not None:
            by_group.setdefault(pupil.group, []).append((pupil, absence))
    return by_group


async def _overview_readers(w: Work, groups: Sequence[str]) -> dict[Reader, list[str]]:
    """Who gets the overview of which groups: the mentors their own, the named people all."""
    readers: dict[str, tuple[Reader, list[str]]] = {}
    for group in groups:
        for member in await w.tx.staff_of_group(group):
            to = await reader(w, PersonKind.STAFF, member.staff_id)
            if to.in_samen:
                readers.setdefault(to.person_id, (to, []))[1].append(group)
    for member in await _named(w):
        to = await reader(w, PersonKind.STAFF, member.staff_id)
        if to.in_samen:
            readers[to.person_id] = (to, list(groups))
    return dict(readers.values())


def _group_lines(to: Reader, group: str, absent: list[tuple[Pupil, Absence]]) -> list[str]:
    lines = [f"<b>{html.escape(group)}</b>"]
    for pupil, absence in absent:
        name = f"{pupil.first_name} {pupil.last_name}"
        if absence.reason:
            # staff:
            lines.append(to.tr._("• {name}: “{reason}”", name=name, reason=absence.reason))
        else:
            # staff:
            lines.append(to.tr._("• {name}", name=name))
    return lines
