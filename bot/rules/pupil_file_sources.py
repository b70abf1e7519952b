"""Where each event of a pupil file comes from, and the means to read the stored rows.

Each event appears once. Where a table is itself the record (its rows are written once, or
only get a first time filled in), the table is the source and the audit entry that shadows
it is skipped; where a table keeps only the current state (an answer or a tick that can be
overwritten or removed), the append-only audit_log is the source, because it keeps every
change. One source per kind of event:

- meeting_planned, meeting_cancelled: meetings (+ meeting_invitees: who, which wishes)
- meeting_moved: audit_log (meetings keeps only the newest time)
- meeting_answer: audit_log meeting_come/cannot/other_time (an invitee's answer is
  overwritten, and cleared by a move; the wish for another time comes from the invitee)
- slot_booked: audit_log (a booking in round_slots is cleared when it is released)
- summary_written: summaries (+ summary_readers: to whom it was sent)
- summary_read: summary_readers.read_at
- summary_question, summary_answered: summary_questions
- preparation: preparations (no history: the latest version of the card)
- notice_sent, consent_requested, discussion_cancelled: discussions (+ recipients)
- notice_answer, consent_answer, consent_withdrawn: answers (append-only, with the
  language, version and hash of the text shown)
- consent_reminder: reminders_sent
- positive_news: positive_news (+ recipients), at the time it was sent
- news_reaction: positive_news_recipients (the latest reaction of each reader)
- family_message: family_messages (what a family and the school wrote to each other)
- absence_reported: absences
- route_moved, route_step_ticked, route_step_unticked: audit_log (support_route and
  support_route_ticks keep only the current step and ticks)
- support_route_notice, sdq_reminder: audit_log (no table)
- restriction, restriction_lifted: restrictions
- safety_decision, safety_lifted: safety_exceptions
- safety_parents_told: audit_log (safety_exceptions keeps only the latest)
- invitation_made: invitations (one row per code made; the code hash stays out)
- account_linked, unreachable, reachable_again: audit_log (a guardian's are recorded
  without a pupil and belong to the file of each of their children)
- information_request, adult_consent_given, adult_consent_withdrawn, capability_recorded:
  audit_log (the roster keeps only the current value)
- roster_facts_changed: audit_log link_facts_imported, less the restriction it names
  (that is a restrictions row)
- audit_entry: any other audit_log entry about the pupil (staff only)

The audit actions read from a table instead are listed in FROM_TABLES. The events from the
tables are made in `pupil_file_events.py`, those from the audit trail in `pupil_file_audit.py`;
`bot/services/pupil_file.py` reads the rows (`Tx.pupil_file_rows`) and the names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.rules.pupil_file import STAFF_ONLY, FileEvent, Person, PersonKey

Row = dict[str, Any]

# Audit actions whose event comes from a table (see the module docstring).
FROM_TABLES: dict[str, str] = {
    "meeting_planned": "meetings",
    "meeting_cancelled": "meetings",
    "summary_sent": "summaries",
    "summary_question": "summary_questions",
    "summary_question_answered": "summary_questions",
    "positive_news_sent": "positive_news",
    "family_message_written": "family_messages",
    "family_message_answered": "family_messages",
    "family_message_from_school": "family_messages",
    "absence_reported": "absences",
    "cvb_notice_sent": "discussions",
    "consent_requested": "discussions",
    "notice_come": "answers",
    "notice_talk": "answers",
    "notice_understood": "answers",
    "consent_agree": "answers",
    "consent_refuse": "answers",
    "consent_talk": "answers",
    "consent_withdraw": "answers",
    "restriction_recorded": "restrictions",
    "restriction_lifted": "restrictions",
    "safety_exception_recorded": "safety_exceptions",
    "safety_exception_lifted": "safety_exceptions",
}

# Audit actions that are the source of their event.
FROM_AUDIT: dict[str, str] = {
    "meeting_come": "meeting_answer",
    "meeting_cannot": "meeting_answer",
    "meeting_other_time": "meeting_answer",
    "meeting_moved": "meeting_moved",
    "slot_booked": "slot_booked",
    "route_moved": "route_moved",
    "route_ticked": "route_step_ticked",
    "route_unticked": "route_step_unticked",
    "support_route_notice_sent": "support_route_notice",
    "sdq_reminder_sent": "sdq_reminder",
    "safety_parents_told": "safety_parents_told",
    "information_request_recorded": "information_request",
    "adult_consent_recorded": "adult_consent_given",
    "adult_consent_withdrawn": "adult_consent_withdrawn",
    "capability_recorded": "capability_recorded",
    "link_facts_imported": "roster_facts_changed",
    "account_linked": "account_linked",
    "recipient_unreachable": "unreachable",
    "recipient_reachable": "reachable_again",
}


def new_event(
    at: str,
    kind: str,
    actor: Person,
    source: str,
    *,
    subject: Person | None = None,
    concerns: Iterable[PersonKey] = (),
    fields: dict[str, str | None] | None = None,
) -> FileEvent:
    """An event at a stored time, marked staff-only by its kind, without empty fields."""
    return FileEvent(
        at=utc(at),
        kind=kind,
        staff_only=kind in STAFF_ONLY,
        actor=actor,
        subject=subject,
        concerns=frozenset(concerns),
        fields=compact(fields or {}),
        source=source,
    )


class People:
    """Display names of everyone who can appear in one pupil's file."""

    def __init__(self, names: dict[PersonKey, str]) -> None:
        self._names = names

    def person(self, kind: str | None, person_id: str | None) -> Person:
        if kind in ("staff", "guardian", "pupil") and person_id is not None:
            return Person(kind, person_id, self._names.get((kind, person_id), person_id))
        return Person(kind or "system", person_id, "")

    def name(self, key: PersonKey) -> str:
        return self._names.get(key, key[1])

    def names(self, keys: Iterable[PersonKey]) -> str:
        """Their names, one a line."""
        return lines(self.name(k) for k in keys)


_PERSON_COLUMNS = (
    ("person_kind", "person_id"),
    ("actor_kind", "actor_id"),
    ("subject_kind", "subject_id"),
    ("kind", "person_id"),
)


def guardian_ids(rows: dict[str, list[Row]]) -> set[str]:
    """Every guardian the rows name, also one no longer linked to the pupil."""
    found = set()
    for table in rows.values():
        for row in table:
            for kind_column, id_column in _PERSON_COLUMNS:
                if row.get(kind_column) == "guardian" and row.get(id_column):
                    found.add(str(row[id_column]))
            if row.get("guardian_id"):
                found.add(str(row["guardian_id"]))
    return found


def group(rows: list[Row], column: str) -> dict[Any, list[Row]]:
    """Rows by the value of one column, in their order."""
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[column], []).append(row)
    return grouped


def keys(rows: Iterable[Row]) -> list[PersonKey]:
    """The people of rows with person_kind and person_id (invitees, recipients, readers)."""
    return [(r["person_kind"], r["person_id"]) for r in rows]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def stamp(text: str) -> str:
    """A stored time as a field: ISO 8601 in UTC, the same form for every source."""
    return utc(text).isoformat()


def lines(items: Iterable[str]) -> str:
    """A list as a field: one item a line, the empty ones left out."""
    return "\n".join(i for i in items if i)


def details(row: Row) -> dict[str, Any]:
    """The details of an audit entry."""
    loaded = json.loads(row.get("details") or "{}")
    return loaded if isinstance(loaded, dict) else {}


def compact(fields: dict[str, str | None]) -> dict[str, str]:
    """Fields without the empty ones: a fact that is not there is not a fact."""
    return {k: v for k, v in fields.items() if v}
