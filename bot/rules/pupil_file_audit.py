"""The events of a pupil file whose source is the audit trail (see FROM_AUDIT): every audit
entry about the pupil that no table records better, with the fields of its kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.rules.models import Pupil
from bot.rules.pupil_file import FileEvent, Person, PersonKey
from bot.rules.pupil_file_sources import (
    FROM_AUDIT,
    FROM_TABLES,
    People,
    Row,
    details,
    group,
    keys,
    new_event,
    stamp,
)

# What link_facts_imported says about a restriction is a restrictions row already.
_RESTRICTION_KEYS = frozenset({"restriction", "restriction_reason"})


def audit_events(pupil: Pupil, rows: dict[str, list[Row]], people: People) -> list[FileEvent]:
    """The events from one pupil's audit entries, less those a table is the source of."""
    return _AuditTrail(pupil, rows, people).events()


@dataclass
class _Entry:
    """One audit entry on its way to an event; the shaper of its kind fills in the rest."""

    row: Row
    details: dict[str, Any]
    actor: Person
    subject: Person | None
    concerns: list[PersonKey] = field(default_factory=list)
    fields: dict[str, str | None] = field(default_factory=dict)
    keep: bool = True


class _AuditTrail:
    def __init__(self, pupil: Pupil, rows: dict[str, list[Row]], people: People) -> None:
        self.pupil = pupil
        self.entries = rows["audit_log"]
        self.people = people
        self.meetings = {m["id"]: m for m in rows["meetings"]}
        self.invitees = group(rows["meeting_invitees"], "meeting_id")
        # The latest answer of each invitee to each talk: only that one keeps its wish.
        self.latest_answer: dict[tuple[int, str, str], int] = {}
        for entry in self.entries:
            if FROM_AUDIT.get(entry["action"]) == "meeting_answer":
                meeting_id = int(details(entry).get("meeting_id") or 0)
                key = (meeting_id, entry["actor_kind"], entry["actor_id"])
                self.latest_answer[key] = entry["id"]

    def events(self) -> list[FileEvent]:
        out = []
        for row in self.entries:
            if row["action"] in FROM_TABLES:
                continue
            kind = FROM_AUDIT.get(row["action"], "audit_entry")
            actor = self.people.person(row["actor_kind"], row["actor_id"])
            subject = (
                self.people.person(row["subject_kind"], row["subject_id"])
                if row["subject_kind"]
                else None
            )
            entry = _Entry(row, details(row), actor, subject)
            if subject is not None and subject.id is not None:
                entry.concerns.append((subject.kind, subject.id))
            shape = _SHAPES.get(kind)
            if shape is not None:
                shape(self, entry)
            if entry.keep:
                out.append(
                    new_event(
                        row["at"],
                        kind,
                        actor,
                        f"audit_log:{row['id']}",
                        subject=entry.subject,
                        concerns=entry.concerns,
                        fields=entry.fields,
                    )
                )
        return out

    def wish_text(self, entry: Row, meeting_id: int, key: PersonKey) -> str | None:
        """A wish for another time is kept with the invitee, only for their latest answer."""
        latest = self.latest_answer.get((meeting_id, *key))
        if entry["action"] != "meeting_other_time" or latest != entry["id"]:
            return None
        meeting = self.meetings.get(meeting_id)
        if meeting is None or details(entry).get("version") != meeting["version"]:
            return None
        for invitee in self.invitees.get(meeting_id, []):
            if (invitee["person_kind"], invitee["person_id"]) == key and (
                invitee["answer"] == "other_time"
            ):
                preference: str | None = invitee["preference"]
                return preference
        return None


# --- the fields of an audit entry, per kind of event ------------------------------------


def _meeting_answer(trail: _AuditTrail, e: _Entry) -> None:
    meeting_id = int(e.details.get("meeting_id") or 0)
    key = (e.row["actor_kind"], e.row["actor_id"])
    e.subject, e.concerns = e.actor, [key]
    e.fields = {
        "meeting_id": str(meeting_id),
        "version": str(e.details.get("version", "")),
        "answer": e.row["action"].removeprefix("meeting_"),
        "wish": trail.wish_text(e.row, meeting_id, key),
    }


def _meeting_moved(trail: _AuditTrail, e: _Entry) -> None:
    meeting_id = int(e.details.get("meeting_id") or 0)
    e.concerns = keys(trail.invitees.get(meeting_id, []))
    e.fields = {
        "meeting_id": str(meeting_id),
        "meeting_kind": trail.meetings.get(meeting_id, {}).get("kind"),
        "from": stamp(e.details["from"]) if e.details.get("from") else None,
        "to": stamp(e.details["to"]) if e.details.get("to") else None,
    }


def _slot_booked(trail: _AuditTrail, e: _Entry) -> None:
    e.subject, e.concerns = e.actor, [(e.row["actor_kind"], e.row["actor_id"])]
    e.fields = {"round_id": str(e.details.get("round_id", ""))}


def _route_moved(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {"from": e.details.get("from"), "to": e.details.get("to")}


def _route_tick(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {"step": e.details.get("step"), "item": e.details.get("item")}


def _support_route_notice(trail: _AuditTrail, e: _Entry) -> None:
    sent = [tuple(k.split(":", 1)) for k in e.details.get("recipients", []) if ":" in k]
    e.concerns = [(k, p) for k, p in sent]
    e.fields = {"sent_to": trail.people.names(e.concerns)}


def _sdq_reminder(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {"recipients": str(e.details.get("recipients", ""))}


def _safety_parents_told(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {"how": e.details.get("how")}


def _adult_consent(trail: _AuditTrail, e: _Entry) -> None:
    e.concerns.append(("pupil", trail.pupil.pupil_id))


def _capability(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {
        "capable": "yes" if e.details.get("capable") else "no",
        "reason": e.details.get("reason"),
    }


def _roster_facts(trail: _AuditTrail, e: _Entry) -> None:
    kept = {k: v for k, v in e.details.items() if k not in _RESTRICTION_KEYS}
    if set(kept) <= {"file"}:
        e.keep = False  # only a restriction changed: that is its restrictions row
        return
    e.fields = {k: _yes_no(v) for k, v in kept.items()}


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _unreachable(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {"reason": e.details.get("reason")}


def _other(trail: _AuditTrail, e: _Entry) -> None:
    e.fields = {
        "action": e.row["action"],
        "details": json.dumps(e.details, ensure_ascii=False, sort_keys=True),
    }


# The fields of each kind. The kinds not named here (account_linked, reachable_again,
# information_request) have none: who did it and about whom says it all.
_SHAPES: dict[str, Callable[[_AuditTrail, _Entry], None]] = {
    "meeting_answer": _meeting_answer,
    "meeting_moved": _meeting_moved,
    "slot_booked": _slot_booked,
    "route_moved": _route_moved,
    "route_step_ticked": _route_tick,
    "route_step_unticked": _route_tick,
    "support_route_notice": _support_route_notice,
    "sdq_reminder": _sdq_reminder,
    "safety_parents_told": _safety_parents_told,
    "adult_consent_given": _adult_consent,
    "adult_consent_withdrawn": _adult_consent,
    "capability_recorded": _capability,
    "roster_facts_changed": _roster_facts,
    "unreachable": _unreachable,
    "audit_entry": _other,
}
