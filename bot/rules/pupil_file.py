"""The pupil file as data: everything Samen recorded about one pupil, in time order.

The records (who, what, when, for whom), the order of a file, which events one copy shows,
and the file as JSON. The events are made from the stored rows in
`bot/rules/pupil_file_events.py`; their words are in `bot/texts/pupil_file_words.py`, the
A4 document in `bot/paper/pupil_file.py`. Lists in `fields` are one item a line; structured
items are numbered keys (`agreement.1`, `agreement.1.who`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.rules.models import Pupil

PersonKey = tuple[str, str]


@dataclass(frozen=True)
class Person:
    kind: str  # staff | guardian | pupil | admin (roster imports, invitations) | system
    id: str | None
    name: str  # full name from the roster; empty for admin and system


@dataclass(frozen=True)
class FileEvent:
    at: datetime  # UTC
    kind: str  # a stable machine key, e.g. "consent_answer"
    staff_only: bool
    actor: Person  # who did it
    subject: Person | None  # whom it concerns most, e.g. the guardian who answered
    # Everyone the event is about or was sent to, so a parent's own copy can be filtered.
    # Empty: about the pupil in general.
    concerns: frozenset[PersonKey]
    fields: dict[str, str]
    source: str  # table:id, unique in a file


@dataclass(frozen=True)
class GuardianOnFile:
    guardian_id: str
    first_name: str
    last_name: str
    relation: str
    authority: bool
    language: str


@dataclass(frozen=True)
class PupilFile:
    pupil: Pupil
    guardians: tuple[GuardianOnFile, ...]
    events: tuple[FileEvent, ...]
    school: str = ""
    # From when to when (None: still) a safety exception lasted: a family's copy may leave
    # out what was recorded then (the coordinator decides).
    safety: tuple[tuple[datetime, datetime | None], ...] = ()


# Records for staff eyes only: who may not know, safety decisions, a teacher's own notes.
STAFF_ONLY = frozenset(
    {
        "restriction",
        "restriction_lifted",
        "safety_decision",
        "safety_parents_told",
        "safety_lifted",
        "preparation",
        "audit_entry",
    }
)


# --- order and choosing -----------------------------------------------------------------


def safety_periods(events: Sequence[FileEvent]) -> tuple[tuple[datetime, datetime | None], ...]:
    """From when to when (None: still) each safety exception lasted, from its two events."""
    lifted = {e.source.removesuffix(":lifted"): e.at for e in events if e.kind == "safety_lifted"}
    return tuple((e.at, lifted.get(e.source)) for e in events if e.kind == "safety_decision")


def order(event: FileEvent) -> tuple[datetime, tuple[tuple[int, str], ...]]:
    """Time order; at the same moment (one transaction) by source, its numbers as numbers,
    so audit_log:9 comes before audit_log:10, as they were written."""
    parts = re.split(r"(\d+)", event.source)
    return event.at, tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts if p)


def select(
    file: PupilFile,
    *,
    include_staff_only: bool = True,
    only_concerning: frozenset[PersonKey] | None = None,
) -> list[FileEvent]:
    """The events one copy shows. `only_concerning`: events about or sent to these people,
    and events about the pupil in general (no one in particular)."""
    chosen = []
    for event in file.events:
        if event.staff_only and not include_staff_only:
            continue
        if (
            only_concerning is not None
            and event.concerns
            and not (event.concerns & only_concerning)
        ):
            continue
        chosen.append(event)
    return chosen


def during_safety(event: FileEvent, file: PupilFile) -> bool:
    """Recorded while a safety exception lasted."""
    return any(start <= event.at and (end is None or event.at < end) for start, end in file.safety)


# --- JSON -------------------------------------------------------------------------------


def _person_json(person: Person | None) -> dict[str, str | None] | None:
    if person is None:
        return None
    return {"kind": person.kind, "id": person.id, "name": person.name}


def _event_json(e: FileEvent) -> dict[str, Any]:
    return {
        "at": e.at.astimezone(UTC).isoformat(),
        "kind": e.kind,
        "staff_only": e.staff_only,
        "actor": _person_json(e.actor),
        "subject": _person_json(e.subject),
        "concerns": sorted([k, p] for k, p in e.concerns),
        "fields": e.fields,
        "source": e.source,
    }


def to_json(file: PupilFile) -> str:
    """Stable: sorted keys, ISO times in UTC, the events in file order."""
    pupil = file.pupil
    data = {
        "school": file.school,
        "pupil": {
            "pupil_id": pupil.pupil_id,
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "birth_date": pupil.birth_date.isoformat(),
            "group": pupil.group,
            "language": pupil.language,
        },
        "guardians": [
            {
                "guardian_id": g.guardian_id,
                "first_name": g.first_name,
                "last_name": g.last_name,
                "relation": g.relation,
                "authority": g.authority,
                "language": g.language,
            }
            for g in file.guardians
        ],
        "events": [_event_json(e) for e in file.events],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _person_from(data: dict[str, Any] | None) -> Person | None:
    return None if data is None else Person(data["kind"], data["id"], data["name"])


def _event_from(e: dict[str, Any]) -> FileEvent:
    actor = _person_from(e["actor"])
    assert actor is not None
    return FileEvent(
        at=datetime.fromisoformat(e["at"]),
        kind=e["kind"],
        staff_only=e["staff_only"],
        actor=actor,
        subject=_person_from(e["subject"]),
        concerns=frozenset((k, i) for k, i in e["concerns"]),
        fields=dict(e["fields"]),
        source=e["source"],
    )


def from_json(text: str) -> PupilFile:
    """The file back from to_json (for tools that read an export, and to test it)."""
    data = json.loads(text)
    p = data["pupil"]
    pupil = Pupil(
        p["pupil_id"],
        p["first_name"],
        p["last_name"],
        date.fromisoformat(p["birth_date"]),
        p["group"],
        p["language"],
    )
    guardians = tuple(GuardianOnFile(**g) for g in data["guardians"])
    events = [_event_from(e) for e in data["events"]]
    return PupilFile(pupil, guardians, tuple(events), data["school"], safety_periods(events))
