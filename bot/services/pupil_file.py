"""The pupil file: everything Samen recorded about one pupil, in time order, as data (JSON)
and as an A4 document (PDF) in the reader's language.

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

The audit actions read from a table instead are listed in FROM_TABLES. Lists in `fields` are
one item a line; structured items are numbered keys (`agreement.1`, `agreement.1.who`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fpdf.enums import MethodReturnValue, XPos, YPos

from bot.i18n.translator import N_, Translator
from bot.paper.pdf import Document, Style
from bot.rules.models import Participant, Pupil
from bot.rules.support_route import CHECKLIST, STEP_LABELS, RouteStep
from bot.storage import Tx, from_iso
from bot.texts import care_messages, meeting_messages
from bot.texts.news_themes import THEMES

Row = dict[str, Any]
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

# Audit actions whose event comes from a table (see the module docstring).
FROM_TABLES: dict[str, str] = {
    "meeting_planned": "meetings",
    "meeting_cancelled": "meetings",
    "summary_sent": "summaries",
    "summary_question": "summary_questions",
    "summary_question_answered": "summary_questions",
    "positive_news_sent": "positive_news",
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
# What link_facts_imported says about a restriction is a restrictions row already.
_RESTRICTION_KEYS = frozenset({"restriction", "restriction_reason"})


# --- collecting -------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    return from_iso(text).astimezone(UTC)


def _stamp(text: str) -> str:
    """A stored time as a field: ISO 8601 in UTC, the same form for every source."""
    return _utc(text).isoformat()


def _lines(items: Iterable[str]) -> str:
    return "\n".join(i for i in items if i)


def _details(row: Row) -> dict[str, Any]:
    loaded = json.loads(row.get("details") or "{}")
    return loaded if isinstance(loaded, dict) else {}


def _compact(fields: dict[str, str | None]) -> dict[str, str]:
    """Fields without the empty ones: a fact that is not there is not a fact."""
    return {k: v for k, v in fields.items() if v}


class _People:
    """Display names of everyone who can appear in one pupil's file."""

    def __init__(self, names: dict[PersonKey, str]) -> None:
        self._names = names

    def person(self, kind: str | None, person_id: str | None) -> Person:
        if kind in ("staff", "guardian", "pupil") and person_id is not None:
            return Person(kind, person_id, self._names.get((kind, person_id), person_id))
        return Person(kind or "system", person_id, "")

    def name(self, key: PersonKey) -> str:
        return self._names.get(key, key[1])


_PERSON_COLUMNS = (
    ("person_kind", "person_id"),
    ("actor_kind", "actor_id"),
    ("subject_kind", "subject_id"),
    ("kind", "person_id"),
)


def _guardian_ids(rows: dict[str, list[Row]]) -> set[str]:
    found = set()
    for table in rows.values():
        for row in table:
            for kind_column, id_column in _PERSON_COLUMNS:
                if row.get(kind_column) == "guardian" and row.get(id_column):
                    found.add(str(row[id_column]))
            if row.get("guardian_id"):
                found.add(str(row["guardian_id"]))
    return found


async def collect(tx: Tx, pupil_id: str, *, school: str = "") -> PupilFile:
    """Everything recorded about a pupil. Raises LookupError for an unknown pupil."""
    pupil = await tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    family = await tx.guardians_of_pupil(pupil_id)
    rows = await tx.pupil_file_rows(pupil_id)
    names: dict[PersonKey, str] = {
        ("pupil", pupil.pupil_id): f"{pupil.first_name} {pupil.last_name}"
    }
    for member in await tx.all_staff():
        names[("staff", member.staff_id)] = f"{member.first_name} {member.last_name}"
    for guardian, _ in family:
        names[("guardian", guardian.guardian_id)] = f"{guardian.first_name} {guardian.last_name}"
    # A guardian no longer linked to the pupil still answered what they answered.
    for guardian_id in _guardian_ids(rows) - {g.guardian_id for g, _ in family}:
        former = await tx.guardian(guardian_id)
        if former is not None:
            names[("guardian", guardian_id)] = f"{former.first_name} {former.last_name}"
    events = _Events(pupil, rows, _People(names)).build()
    guardians = tuple(
        GuardianOnFile(
            g.guardian_id, g.first_name, g.last_name, link.relation, link.authority, g.language
        )
        for g, link in family
    )
    ordered = tuple(sorted(events, key=order))
    return PupilFile(pupil, guardians, ordered, school, safety_periods(ordered))


def safety_periods(events: Sequence[FileEvent]) -> tuple[tuple[datetime, datetime | None], ...]:
    """From when to when (None: still) each safety exception lasted, from its two events."""
    lifted = {e.source.removesuffix(":lifted"): e.at for e in events if e.kind == "safety_lifted"}
    return tuple((e.at, lifted.get(e.source)) for e in events if e.kind == "safety_decision")


def order(event: FileEvent) -> tuple[datetime, tuple[tuple[int, str], ...]]:
    """Time order; at the same moment (one transaction) by source, its numbers as numbers,
    so audit_log:9 comes before audit_log:10, as they were written."""
    parts = re.split(r"(\d+)", event.source)
    return event.at, tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts if p)


class _Events:
    """Turns one pupil's rows into events, one method per source table."""

    def __init__(self, pupil: Pupil, rows: dict[str, list[Row]], people: _People) -> None:
        self.pupil = pupil
        self.rows = rows
        self.people = people
        self.out: list[FileEvent] = []
        self.invitees = self._group("meeting_invitees", "meeting_id")
        self.meetings = {m["id"]: m for m in rows["meetings"]}
        self.moves: dict[int, list[Row]] = {}
        for entry in rows["audit_log"]:
            if entry["action"] == "meeting_moved":
                meeting_id = _details(entry).get("meeting_id")
                self.moves.setdefault(int(meeting_id or 0), []).append(entry)

    def _group(self, table: str, column: str) -> dict[Any, list[Row]]:
        grouped: dict[Any, list[Row]] = {}
        for row in self.rows[table]:
            grouped.setdefault(row[column], []).append(row)
        return grouped

    def add(
        self,
        at: str,
        kind: str,
        actor: Person,
        source: str,
        *,
        subject: Person | None = None,
        concerns: Iterable[PersonKey] = (),
        fields: dict[str, str | None] | None = None,
    ) -> None:
        self.out.append(
            FileEvent(
                at=_utc(at),
                kind=kind,
                staff_only=kind in STAFF_ONLY,
                actor=actor,
                subject=subject,
                concerns=frozenset(concerns),
                fields=_compact(fields or {}),
                source=source,
            )
        )

    def names(self, keys: Iterable[PersonKey]) -> str:
        return _lines(self.people.name(k) for k in keys)

    def build(self) -> list[FileEvent]:
        self.meeting_events()
        self.summary_events()
        self.preparation_events()
        self.discussion_events()
        self.news_events()
        self.restriction_events()
        self.safety_events()
        self.invitation_events()
        self.audit_events()
        return self.out

    # meetings ---------------------------------------------------------------------------

    def invited(self, meeting_id: int) -> list[PersonKey]:
        return [(i["person_kind"], i["person_id"]) for i in self.invitees.get(meeting_id, [])]

    def meeting_events(self) -> None:
        for m in self.rows["meetings"]:
            invitees = self.invitees.get(m["id"], [])
            moves = self.moves.get(m["id"], [])
            # The time it was planned for: a move keeps only the newest in the table.
            first_start = (_details(moves[0]).get("from") if moves else None) or m["starts_at"]
            alternatives = [] if moves else json.loads(m["alternatives"] or "[]")
            teacher = self.people.person("staff", m["created_by"])
            self.add(
                m["created_at"],
                "meeting_planned",
                teacher,
                f"meetings:{m['id']}",
                concerns=self.invited(m["id"]),
                fields={
                    "meeting_id": str(m["id"]),
                    "meeting_kind": m["kind"],
                    "starts_at": _stamp(str(first_start)),
                    "minutes": str(m["minutes"]),
                    "place_kind": m["place_kind"],
                    "place": m["place"],
                    "goal": m["goal"],
                    "alternatives": _lines(_stamp(a) for a in alternatives),
                    "round_id": None if m["round_id"] is None else str(m["round_id"]),
                    "invited": self.names(self.invited(m["id"])),
                    "interpreter": self.names(
                        (i["person_kind"], i["person_id"]) for i in invitees if i["interpreter"]
                    ),
                    "companion": self.names(
                        (i["person_kind"], i["person_id"]) for i in invitees if i["companion"]
                    ),
                },
            )
            if m["cancelled_at"]:
                self.add(
                    m["cancelled_at"],
                    "meeting_cancelled",
                    teacher,  # only the teacher who planned a talk can cancel it
                    f"meetings:{m['id']}:cancelled",
                    concerns=self.invited(m["id"]),
                    fields={
                        "meeting_id": str(m["id"]),
                        "meeting_kind": m["kind"],
                        "starts_at": _stamp(m["starts_at"]),
                    },
                )

    def summary_events(self) -> None:
        readers = self._group("summary_readers", "meeting_id")
        for s in self.rows["summaries"]:
            meeting = self.meetings[s["meeting_id"]]
            sent_to = [(r["person_kind"], r["person_id"]) for r in readers.get(s["meeting_id"], [])]
            fields: dict[str, str | None] = {
                "meeting_id": str(s["meeting_id"]),
                "meeting_kind": meeting["kind"],
                "starts_at": _stamp(meeting["starts_at"]),
                "attended": _lines(json.loads(s["attended"] or "[]")),
                "going_well": s["going_well"],
                "advice_school": s["advice_school"],
                "advice_home": s["advice_home"],
                "next_step": s["next_step"],
                "sent_to": self.names(sent_to),
            }
            for number, agreement in enumerate(json.loads(s["agreements"] or "[]"), 1):
                fields[f"agreement.{number}"] = agreement.get("what", "")
                fields[f"agreement.{number}.who"] = agreement.get("who", "")
                fields[f"agreement.{number}.when"] = agreement.get("when", "")
            self.add(
                s["sent_at"],
                "summary_written",
                self.people.person("staff", s["written_by"]),
                f"summaries:{s['meeting_id']}",
                concerns=sent_to,
                fields=fields,
            )
        for r in self.rows["summary_readers"]:
            if not r["read_at"]:
                continue
            reader = self.people.person(r["person_kind"], r["person_id"])
            self.add(
                r["read_at"],
                "summary_read",
                reader,
                f"summary_readers:{r['meeting_id']}:{r['person_kind']}:{r['person_id']}",
                subject=reader,
                concerns=[(r["person_kind"], r["person_id"])],
                fields={"meeting_id": str(r["meeting_id"])},
            )
        for q in self.rows["summary_questions"]:
            asker = self.people.person(q["person_kind"], q["person_id"])
            key = (q["person_kind"], q["person_id"])
            self.add(
                q["asked_at"],
                "summary_question",
                asker,
                f"summary_questions:{q['id']}",
                subject=asker,
                concerns=[key],
                fields={"meeting_id": str(q["meeting_id"]), "question": q["question"]},
            )
            if q["answered_at"]:
                # Only the teacher who planned the talk can answer; the row does not say who.
                teacher = self.meetings[q["meeting_id"]]["created_by"]
                self.add(
                    q["answered_at"],
                    "summary_answered",
                    self.people.person("staff", teacher),
                    f"summary_questions:{q['id']}:answer",
                    subject=asker,
                    concerns=[key],
                    fields={
                        "meeting_id": str(q["meeting_id"]),
                        "question": q["question"],
                        "answer": q["answer"],
                    },
                )

    def preparation_events(self) -> None:
        for p in self.rows["preparations"]:
            answers = json.loads(p["answers"] or "{}")
            fields: dict[str, str | None] = {"meeting_id": str(p["meeting_id"])}
            fields.update({f"tip.{k}": str(v) for k, v in answers.items()})
            self.add(
                p["written_at"],
                "preparation",
                self.people.person("staff", p["written_by"]),
                f"preparations:{p['meeting_id']}",
                fields=fields,
            )

    # discussions ------------------------------------------------------------------------

    def discussion_events(self) -> None:
        recipients = self._group("discussion_recipients", "discussion_id")
        kinds = {d["id"]: d["kind"] for d in self.rows["discussions"]}
        for d in self.rows["discussions"]:
            sent = [(r["person_kind"], r["person_id"]) for r in recipients.get(d["id"], [])]
            fields: dict[str, str | None] = {
                "discussion_id": str(d["id"]),
                "discussion_kind": d["kind"],
                "starts_at": _stamp(d["starts_at"]),
                "purpose": d["purpose"],
                "child": self.pupil.first_name,
                "shared_info": _lines(json.loads(d["shared_info"] or "[]")),
                "answer_before": _stamp(d["notice_deadline"]) if d["notice_deadline"] else None,
                "sent_to": self.names(sent),
                "text_version": _lines(
                    sorted({r["text_version"] for r in recipients.get(d["id"], [])})
                ),
            }
            for number, p in enumerate(json.loads(d["participants"] or "[]"), 1):
                fields[f"participant.{number}"] = p.get("name", "")
                fields[f"participant.{number}.role"] = p.get("role", "")
                fields[f"participant.{number}.organisation"] = p.get("organisation", "")
            coordinator = self.people.person("staff", d["created_by"])
            kind = "notice_sent" if d["kind"] == "cvb" else "consent_requested"
            self.add(
                d["created_at"],
                kind,
                coordinator,
                f"discussions:{d['id']}",
                concerns=sent,
                fields=fields,
            )
            if d["cancelled_at"]:
                self.add(
                    d["cancelled_at"],
                    "discussion_cancelled",
                    coordinator,
                    f"discussions:{d['id']}:cancelled",
                    concerns=sent,
                    fields={
                        "discussion_id": str(d["id"]),
                        "discussion_kind": d["kind"],
                        "starts_at": _stamp(d["starts_at"]),
                    },
                )
        for a in self.rows["answers"]:
            person = self.people.person(a["person_kind"], a["person_id"])
            if kinds[a["discussion_id"]] == "cvb":
                kind = "notice_answer"
            else:
                kind = "consent_withdrawn" if a["answer"] == "withdraw" else "consent_answer"
            self.add(
                a["at"],
                kind,
                person,
                f"answers:{a['id']}",
                subject=person,
                concerns=[(a["person_kind"], a["person_id"])],
                fields={
                    "discussion_id": str(a["discussion_id"]),
                    "discussion_kind": kinds[a["discussion_id"]],
                    "answer": a["answer"],
                    "language": a["language"],
                    "text_version": a["text_version"],
                    "text_hash": a["text_hash"],
                    "telegram_user": None if a["user_id"] is None else str(a["user_id"]),
                },
            )
        for r in self.rows["reminders_sent"]:
            person = self.people.person(r["person_kind"], r["person_id"])
            self.add(
                r["at"],
                "consent_reminder",
                Person("system", None, ""),
                f"reminders_sent:{r['discussion_id']}:{r['person_kind']}:{r['person_id']}"
                f":{r['number']}",
                subject=person,
                concerns=[(r["person_kind"], r["person_id"])],
                fields={"discussion_id": str(r["discussion_id"]), "number": str(r["number"])},
            )

    # positive news ----------------------------------------------------------------------

    def news_events(self) -> None:
        recipients = self._group("positive_news_recipients", "news_id")
        for n in self.rows["positive_news"]:
            sent = [(r["person_kind"], r["person_id"]) for r in recipients.get(n["id"], [])]
            self.add(
                n["send_at"],  # when the family got it; it may have been written earlier
                "positive_news",
                self.people.person("staff", n["staff_id"]),
                f"positive_news:{n['id']}",
                concerns=sent,
                fields={
                    "news_id": str(n["id"]),
                    "themes": _lines(json.loads(n["themes"] or "[]")),
                    "words": n["own_words"],
                    "written_at": _stamp(n["created_at"]),
                    "sent_to": self.names(sent),
                },
            )
        for r in self.rows["positive_news_recipients"]:
            if not r["reacted_at"]:
                continue
            person = self.people.person(r["person_kind"], r["person_id"])
            self.add(
                r["reacted_at"],
                "news_reaction",
                person,
                f"positive_news_recipients:{r['news_id']}:{r['person_kind']}:{r['person_id']}",
                subject=person,
                concerns=[(r["person_kind"], r["person_id"])],
                fields={
                    "news_id": str(r["news_id"]),
                    "reaction": r["reaction"],
                    "text": r["reaction_text"],
                    "child": self.pupil.first_name,
                },
            )

    # information rights and safety --------------------------------------------------------

    def by(self, staff_id: str | None) -> Person:
        """Recorded by a coordinator, or by a roster import (no one in particular)."""
        return self.people.person("staff", staff_id) if staff_id else Person("admin", None, "")

    def restriction_events(self) -> None:
        for r in self.rows["restrictions"]:
            guardian = self.people.person("guardian", r["guardian_id"])
            concerns = [("guardian", r["guardian_id"])]
            self.add(
                r["created_at"],
                "restriction",
                self.by(r["created_by"]),
                f"restrictions:{r['id']}",
                subject=guardian,
                concerns=concerns,
                fields={
                    "restriction_kind": r["kind"],
                    "reason": r["reason"],
                    "allowed": _lines(json.loads(r["allowed"] or "[]")),
                },
            )
            if r["lifted_at"]:
                self.add(
                    r["lifted_at"],
                    "restriction_lifted",
                    self.by(r["lifted_by"]),
                    f"restrictions:{r['id']}:lifted",
                    subject=guardian,
                    concerns=concerns,
                    fields={"restriction_kind": r["kind"]},
                )

    def safety_events(self) -> None:
        starts = {d["id"]: d["starts_at"] for d in self.rows["discussions"]}
        for s in self.rows["safety_exceptions"]:
            discussion = s["discussion_id"]
            self.add(
                s["recorded_at"],
                "safety_decision",
                self.by(s["recorded_by"]),
                f"safety_exceptions:{s['id']}",
                fields={
                    "reason": s["reason"],
                    "discussion_id": None if discussion is None else str(discussion),
                    "discussion_starts_at": (
                        _stamp(starts[discussion]) if discussion in starts else None
                    ),
                },
            )
            if s["lifted_at"]:
                self.add(
                    s["lifted_at"],
                    "safety_lifted",
                    self.by(s["lifted_by"]),
                    f"safety_exceptions:{s['id']}:lifted",
                )

    def invitation_events(self) -> None:
        for i in self.rows["invitations"]:
            person = self.people.person(i["kind"], i["person_id"])
            self.add(
                i["created_at"],
                "invitation_made",
                Person("admin", None, ""),
                f"invitations:{i['id']}",
                subject=person,
                concerns=[(i["kind"], i["person_id"])],
                fields={"valid_until": _stamp(i["expires_at"])},
            )

    # the audit trail --------------------------------------------------------------------

    def audit_events(self) -> None:
        latest_answer: dict[tuple[int, str, str], int] = {}
        for entry in self.rows["audit_log"]:
            if FROM_AUDIT.get(entry["action"]) == "meeting_answer":
                meeting_id = int(_details(entry).get("meeting_id") or 0)
                latest_answer[(meeting_id, entry["actor_kind"], entry["actor_id"])] = entry["id"]
        for entry in self.rows["audit_log"]:
            action = entry["action"]
            if action in FROM_TABLES:
                continue
            details = _details(entry)
            kind = FROM_AUDIT.get(action, "audit_entry")
            actor = self.people.person(entry["actor_kind"], entry["actor_id"])
            subject = (
                self.people.person(entry["subject_kind"], entry["subject_id"])
                if entry["subject_kind"]
                else None
            )
            concerns: list[PersonKey] = []
            if subject is not None and subject.id is not None:
                concerns.append((subject.kind, subject.id))
            fields: dict[str, str | None] = {}
            if kind == "meeting_answer":
                meeting_id = int(details.get("meeting_id") or 0)
                key = (entry["actor_kind"], entry["actor_id"])
                subject, concerns = actor, [key]
                fields = {
                    "meeting_id": str(meeting_id),
                    "version": str(details.get("version", "")),
                    "answer": action.removeprefix("meeting_"),
                    "wish": self.wish_text(entry, meeting_id, key, latest_answer),
                }
            elif kind == "meeting_moved":
                meeting_id = int(details.get("meeting_id") or 0)
                concerns = self.invited(meeting_id)
                fields = {
                    "meeting_id": str(meeting_id),
                    "meeting_kind": self.meetings.get(meeting_id, {}).get("kind"),
                    "from": _stamp(details["from"]) if details.get("from") else None,
                    "to": _stamp(details["to"]) if details.get("to") else None,
                }
            elif kind == "slot_booked":
                subject, concerns = actor, [(entry["actor_kind"], entry["actor_id"])]
                fields = {"round_id": str(details.get("round_id", ""))}
            elif kind == "route_moved":
                fields = {"from": details.get("from"), "to": details.get("to")}
            elif kind in ("route_step_ticked", "route_step_unticked"):
                fields = {"step": details.get("step"), "item": details.get("item")}
            elif kind == "support_route_notice":
                sent = [tuple(k.split(":", 1)) for k in details.get("recipients", []) if ":" in k]
                concerns = [(k, p) for k, p in sent]
                fields = {"sent_to": self.names(concerns)}
            elif kind == "sdq_reminder":
                fields = {"recipients": str(details.get("recipients", ""))}
            elif kind == "safety_parents_told":
                fields = {"how": details.get("how")}
            elif kind in ("adult_consent_given", "adult_consent_withdrawn"):
                concerns.append(("pupil", self.pupil.pupil_id))
            elif kind == "capability_recorded":
                fields = {
                    "capable": "yes" if details.get("capable") else "no",
                    "reason": details.get("reason"),
                }
            elif kind == "roster_facts_changed":
                kept = {k: v for k, v in details.items() if k not in _RESTRICTION_KEYS}
                if set(kept) <= {"file"}:
                    continue  # only a restriction changed: that is its restrictions row
                fields = {k: _yes_no(v) for k, v in kept.items()}
            elif kind == "unreachable":
                fields = {"reason": details.get("reason")}
            elif kind == "audit_entry":
                fields = {
                    "action": action,
                    "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
                }
            self.add(
                entry["at"],
                kind,
                actor,
                f"audit_log:{entry['id']}",
                subject=subject,
                concerns=concerns,
                fields=fields,
            )

    def wish_text(
        self,
        entry: Row,
        meeting_id: int,
        key: PersonKey,
        latest: dict[tuple[int, str, str], int],
    ) -> str | None:
        """A wish for another time is kept with the invitee, only for their latest answer."""
        if entry["action"] != "meeting_other_time" or latest.get((meeting_id, *key)) != entry["id"]:
            return None
        meeting = self.meetings.get(meeting_id)
        if meeting is None or _details(entry).get("version") != meeting["version"]:
            return None
        for invitee in self.invitees.get(meeting_id, []):
            if (invitee["person_kind"], invitee["person_id"]) == key and (
                invitee["answer"] == "other_time"
            ):
                return invitee["preference"]
        return None


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- JSON -------------------------------------------------------------------------------


def _person_json(person: Person | None) -> dict[str, str | None] | None:
    if person is None:
        return None
    return {"kind": person.kind, "id": person.id, "name": person.name}


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
        "events": [
            {
                "at": e.at.astimezone(UTC).isoformat(),
                "kind": e.kind,
                "staff_only": e.staff_only,
                "actor": _person_json(e.actor),
                "subject": _person_json(e.subject),
                "concerns": sorted([k, p] for k, p in e.concerns),
                "fields": e.fields,
                "source": e.source,
            }
            for e in file.events
        ],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _person_from(data: dict[str, Any] | None) -> Person | None:
    return None if data is None else Person(data["kind"], data["id"], data["name"])


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
    events = []
    for e in data["events"]:
        actor = _person_from(e["actor"])
        assert actor is not None
        events.append(
            FileEvent(
                at=datetime.fromisoformat(e["at"]),
                kind=e["kind"],
                staff_only=e["staff_only"],
                actor=actor,
                subject=_person_from(e["subject"]),
                concerns=frozenset((k, i) for k, i in e["concerns"]),
                fields=dict(e["fields"]),
                source=e["source"],
            )
        )
    return PupilFile(pupil, guardians, tuple(events), data["school"], safety_periods(events))


# --- words ------------------------------------------------------------------------------

HEADINGS = {
    "meeting_planned": N_("Talk planned"),
    "meeting_moved": N_("Talk moved to another time"),
    "meeting_cancelled": N_("Talk cancelled"),
    "meeting_answer": N_("Answer to an invitation for a talk"),
    "slot_booked": N_("Time chosen for a short talk"),
    "summary_written": N_("Summary of a talk sent"),
    "summary_read": N_("Summary read"),
    "summary_question": N_("Question about a summary"),
    "summary_answered": N_("Answer to a question about a summary"),
    # staff:
    "preparation": N_("Talk prepared by the teacher"),
    "notice_sent": N_("Message about a talk in the school's care team (CvB)"),
    "notice_answer": N_("Answer to the message about the care team"),
    "consent_requested": N_("Question for consent"),
    "consent_answer": N_("Answer about consent"),
    "consent_withdrawn": N_("Consent withdrawn"),
    "consent_reminder": N_("Reminder about the question for consent"),
    "discussion_cancelled": N_("Talk in a team cancelled"),
    "positive_news": N_("Good news sent"),
    "news_reaction": N_("Reaction to good news"),
    "route_moved": N_("New step in the school's support"),
    "route_step_ticked": N_("Done in the school's support"),
    "route_step_unticked": N_("No longer done in the school's support"),
    "support_route_notice": N_("Message: extra support starts"),
    "sdq_reminder": N_("Asked to fill in a list of questions (the SDQ)"),
    # staff:
    "restriction": N_("Information limited for a parent"),
    # staff:
    "restriction_lifted": N_("Limit on information lifted"),
    # staff:
    "safety_decision": N_("Safety decision (meldcode)"),
    # staff:
    "safety_parents_told": N_("Parents told about the safety decision"),
    # staff:
    "safety_lifted": N_("Safety decision ended"),
    "invitation_made": N_("Invitation to Samen made"),
    "account_linked": N_("Joined Samen"),
    "unreachable": N_("Samen could not reach someone"),
    "reachable_again": N_("Samen can reach someone again"),
    "information_request": N_("A parent asked to be informed"),
    "adult_consent_given": N_("The pupil allows a parent to be informed"),
    "adult_consent_withdrawn": N_("The pupil no longer allows a parent to be informed"),
    "capability_recorded": N_("Can the pupil decide about consent?"),
    "roster_facts_changed": N_("Family details changed"),
    # staff:
    "audit_entry": N_("Other record"),
}

MEETING_ANSWERS = {
    "come": N_("will come"),
    "cannot": N_("cannot come"),
    "other_time": N_("asks for another time"),
}
NOTICE_ANSWERS = {
    "come": N_("will come"),
    "talk": N_("wants to talk first"),
    "understood": N_("has read it"),
}
CONSENT_ANSWERS = {
    "agree": N_("agrees"),
    "refuse": N_("does not agree"),
    "talk": N_("wants to talk first"),
    "withdraw": N_("withdraws consent"),
}
REACTIONS = {
    "thanks": N_("Thank you!"),
    "heart": N_("a heart"),
    "well_done": N_("Tell {child}: well done!"),
}
RESTRICTION_KINDS = {
    # staff:
    "court_arrangement": N_("court arrangement"),
    # staff:
    "withheld": N_("information withheld in the child's interest"),
    # staff:
    "refused_by_pupil": N_("the pupil (16–17) refuses"),
}
TIP_LABELS = {
    # staff:
    "goal": N_("Goal"),
    # staff:
    "positive": N_("What goes well"),
    # staff:
    "behaviour": N_("The concern, as behaviour"),
    # staff:
    "ask": N_("Questions for the parents"),
    # staff:
    "absorb": N_("Hard news: time to let it sink in"),
    # staff:
    "school": N_("What school can and cannot do"),
    # staff:
    "culture": N_("Language and culture"),
    # staff:
    "team": N_("CvB or ZAT"),
}
YES_NO = {"yes": N_("yes"), "no": N_("no")}


def _when(t: Translator, stamp: str) -> str:
    return t.datetime(datetime.fromisoformat(stamp))


def _list(t: Translator, lines: str) -> str:
    return t.list_of([line for line in lines.split("\n") if line])


def _who(t: Translator, person: Person | None) -> str:
    if person is None:
        return t.label("someone")
    if person.name:
        return person.name
    if person.kind == "admin":
        return t.label("the school office")
    return "Samen"


def _quoted(t: Translator, text: str, author: str) -> str:
    return t.label("{author} wrote (in Dutch): “{text}”", author=author, text=text)


def _wish_text(t: Translator, wish: str) -> str:
    """A chosen alternative is stored as a moment; a typed wish as the parent wrote it."""
    try:
        return t.datetime(datetime.fromisoformat(wish))
    except ValueError:
        return wish


def _meeting_kind(t: Translator, key: str | None) -> str:
    return (
        t.label(meeting_messages.KINDS[key]) if key in meeting_messages.KINDS else t.label("talk")
    )


def _team(t: Translator, key: str | None) -> str:
    return t.label(care_messages.KIND_LABELS[key]) if key in care_messages.KIND_LABELS else ""


def _step(t: Translator, key: str | None) -> str:
    try:
        return t.label(STEP_LABELS[RouteStep(key)])
    except ValueError:
        return str(key)


def _tick(t: Translator, step: str | None, item: str | None) -> str:
    try:
        labels = dict(CHECKLIST[RouteStep(step)])
    except ValueError:
        return str(item)
    return t.label(labels[item]) if item in labels else str(item)


def _numbered(fields: dict[str, str], prefix: str) -> list[int]:
    return sorted(int(k.split(".")[1]) for k in fields if re.fullmatch(rf"{prefix}\.\d+", k))


def describe(event: FileEvent, t: Translator) -> tuple[str, str]:
    """(heading, body) of one event in the reader's language, as plain text."""
    f = event.fields
    who = _who(t, event.actor)
    subject = _who(t, event.subject)
    heading = t.label(HEADINGS.get(event.kind, HEADINGS["audit_entry"]))
    lines: list[str] = []
    kind = event.kind
    if kind == "meeting_planned":
        lines.append(
            t.label(
                "{kind} on {date}, {minutes} minutes.",
                kind=_meeting_kind(t, f.get("meeting_kind")),
                date=_when(t, f["starts_at"]),
                minutes=f.get("minutes", ""),
            )
        )
        lines.append(
            t.label(
                "Where: {place}.",
                place=t.label(
                    meeting_messages.PLACE_KINDS[f["place_kind"]], place=f.get("place", "")
                )
                if f.get("place_kind") in meeting_messages.PLACE_KINDS
                else f.get("place", ""),
            )
        )
        if f.get("goal"):
            lines.append(_quoted(t, f["goal"], who))
        if f.get("alternatives"):
            others = [_wish_text(t, a) for a in f["alternatives"].split("\n")]
            lines.append(t.label("Other possible times: {dates}.", dates=t.list_of(others)))
        lines.append(t.label("Invited: {names}.", names=_list(t, f.get("invited", "")) or "–"))
        if f.get("interpreter"):
            lines.append(
                t.label("Asked for an interpreter: {names}.", names=_list(t, f["interpreter"]))
            )
        if f.get("companion"):
            lines.append(t.label("Will bring someone: {names}.", names=_list(t, f["companion"])))
    elif kind == "meeting_moved":
        lines.append(_meeting_kind(t, f.get("meeting_kind")))
        if f.get("from") and f.get("to"):
            lines.append(
                t.label("From {old} to {new}.", old=_when(t, f["from"]), new=_when(t, f["to"]))
            )
    elif kind == "meeting_cancelled":
        lines.append(
            t.label(
                "The {kind} on {date} will not take place.",
                kind=_meeting_kind(t, f.get("meeting_kind")),
                date=_when(t, f["starts_at"]),
            )
        )
    elif kind == "meeting_answer":
        answer = f.get("answer", "")
        lines.append(
            t.label(
                "{name}: {answer}.",
                name=subject,
                answer=t.label(MEETING_ANSWERS[answer]) if answer in MEETING_ANSWERS else answer,
            )
        )
        if f.get("wish"):
            lines.append(t.label("Wish: {wish}.", wish=_wish_text(t, f["wish"])))
    elif kind == "slot_booked":
        lines.append(t.label("{name} chose a time.", name=subject))
    elif kind == "summary_written":
        lines += _summary_lines(t, f, who)
    elif kind == "summary_read":
        lines.append(t.label("{name} read the summary.", name=subject))
    elif kind == "summary_question":
        lines.append(t.label("{name} asked: “{text}”", name=subject, text=f.get("question", "")))
    elif kind == "summary_answered":
        lines.append(
            t.label("Question of {name}: “{text}”", name=subject, text=f.get("question", ""))
        )
        lines.append(_quoted(t, f.get("answer", ""), who))
    elif kind == "preparation":
        for key, value in f.items():
            if key.startswith("tip."):
                label = TIP_LABELS.get(key.removeprefix("tip."))
                # staff:
                lines.append(
                    t.label("{label}: “{text}”", label=t.label(label) if label else key, text=value)
                )
    elif kind in ("notice_sent", "consent_requested"):
        lines += _discussion_lines(t, f, who)
    elif kind in ("notice_answer", "consent_answer", "consent_withdrawn"):
        answer = f.get("answer", "")
        words = NOTICE_ANSWERS if kind == "notice_answer" else CONSENT_ANSWERS
        lines.append(
            t.label(
                "{name}: {answer}.",
                name=subject,
                answer=t.label(words[answer]) if answer in words else answer,
            )
        )
        if kind != "notice_answer":
            lines.append(t.label("About: {team}.", team=_team(t, f.get("discussion_kind"))))
        if f.get("text_version"):
            lines.append(t.label("Version of the text: {version}.", version=f["text_version"]))
    elif kind == "consent_reminder":
        lines.append(t.label("Sent to {name}.", name=subject))
    elif kind == "discussion_cancelled":
        lines.append(
            t.label(
                "The talk in {team} on {date} will not take place.",
                team=_team(t, f.get("discussion_kind")),
                date=_when(t, f["starts_at"]),
            )
        )
    elif kind == "positive_news":
        themes = [t.label(THEMES[k]) for k in f.get("themes", "").split("\n") if k in THEMES]
        if themes:
            lines.append(t.label("Did really well at: {themes}.", themes=t.list_of(themes)))
        if f.get("words"):
            lines.append(_quoted(t, f["words"], who))
        lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    elif kind == "news_reaction":
        reaction = f.get("reaction", "")
        if reaction == "words" and f.get("text"):
            lines.append(t.label("{name} wrote: “{text}”", name=subject, text=f["text"]))
        else:
            shown = (
                t.label(REACTIONS[reaction], child=f.get("child", ""))
                if reaction in REACTIONS
                else reaction
            )
            lines.append(t.label("{name}: {answer}", name=subject, answer=shown))
    elif kind == "route_moved":
        lines.append(t.label("Before: {step}", step=_step(t, f.get("from"))))
        lines.append(t.label("Now: {step}", step=_step(t, f.get("to"))))
    elif kind in ("route_step_ticked", "route_step_unticked"):
        lines.append(_step(t, f.get("step")))
        lines.append(_tick(t, f.get("step"), f.get("item")))
    elif kind == "support_route_notice":
        lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    elif kind == "sdq_reminder":
        lines.append(t.label("Number of people asked: {count}.", count=f.get("recipients", "0")))
    elif kind == "restriction":
        # staff:
        lines.append(t.label("For: {name}.", name=subject))
        restriction = f.get("restriction_kind", "")
        # staff:
        lines.append(
            t.label(
                "Kind: {kind}.",
                kind=t.label(RESTRICTION_KINDS[restriction])
                if restriction in RESTRICTION_KINDS
                else restriction,
            )
        )
        if f.get("reason"):
            lines.append(_quoted(t, f["reason"], who))
        if f.get("allowed"):
            # staff:
            lines.append(t.label("Still allowed: {things}.", things=_list(t, f["allowed"])))
    elif kind == "restriction_lifted":
        # staff:
        lines.append(t.label("For: {name}.", name=subject))
    elif kind == "safety_decision":
        if f.get("reason"):
            lines.append(_quoted(t, f["reason"], who))
        if f.get("discussion_starts_at"):
            # staff:
            lines.append(
                t.label("For the talk on {date}.", date=_when(t, f["discussion_starts_at"]))
            )
        # staff:
        lines.append(t.label("Consent rules lifted; automated messages to the family paused."))
    elif kind == "safety_parents_told":
        if f.get("how"):
            lines.append(_quoted(t, f["how"], who))
    elif kind == "safety_lifted":
        # staff:
        lines.append(t.label("Automated messages to the family go out again."))
    elif kind == "invitation_made":
        lines.append(
            t.label(
                "For {name}, valid until {date}.", name=subject, date=_when(t, f["valid_until"])
            )
        )
    elif kind == "account_linked":
        lines.append(t.label("{name} joined Samen on Telegram.", name=subject))
    elif kind == "unreachable":
        lines.append(t.label("Samen could not reach {name}.", name=subject))
    elif kind == "reachable_again":
        lines.append(t.label("{name} can be reached in Samen again.", name=subject))
    elif kind == "information_request":
        lines.append(t.label("{name} asked to be told important things.", name=subject))
    elif kind in ("adult_consent_given", "adult_consent_withdrawn"):
        lines.append(t.label("About: {name}.", name=subject))
    elif kind == "capability_recorded":
        if f.get("capable") == "yes":
            lines.append(t.label("Yes: the pupil decides together with the parents."))
        else:
            lines.append(t.label("No: the parents decide for now."))
        if f.get("reason"):
            lines.append(_quoted(t, f["reason"], who))
    elif kind == "roster_facts_changed":
        lines.append(t.label("About: {name}.", name=subject))
        if "recognised" in f:
            lines.append(
                t.label("Recognised the child: {answer}.", answer=_yes_no_label(t, f["recognised"]))
            )
        if "information_request" in f:
            lines.append(
                t.label(
                    "Asked to be told important things: {answer}.",
                    answer=_yes_no_label(t, f["information_request"]),
                )
            )
    else:
        # staff:
        lines.append(t.label("Record: {action}", action=f.get("action", kind)))
        if f.get("details") and f["details"] != "{}":
            lines.append(f["details"])
    if who and event.actor.kind in ("staff", "admin"):
        lines.append(t.label("By: {name}", name=who))
    return heading, "\n".join(line for line in lines if line)


def _yes_no_label(t: Translator, value: str) -> str:
    return t.label(YES_NO[value]) if value in YES_NO else value


def _summary_lines(t: Translator, f: dict[str, str], who: str) -> list[str]:
    lines = [
        t.label(
            "{kind} on {date}.",
            kind=_meeting_kind(t, f.get("meeting_kind")),
            date=_when(t, f["starts_at"]),
        ),
    ]
    if f.get("attended"):
        lines.append(t.label("Present: {names}.", names=_list(t, f["attended"])))
    if f.get("going_well"):
        lines.append(t.label("What goes well: “{text}”", text=f["going_well"]))
    for number in _numbered(f, "agreement"):
        parts = [f[f"agreement.{number}"]]
        if f.get(f"agreement.{number}.who"):
            parts.append(f"({f[f'agreement.{number}.who']})")
        if f.get(f"agreement.{number}.when"):
            parts.append(t.label("by {when}", when=f[f"agreement.{number}.when"]))
        lines.append(t.label("We agreed: “{text}”", text=" ".join(parts)))
    if f.get("advice_school"):
        lines.append(t.label("Advice for school: “{text}”", text=f["advice_school"]))
    if f.get("advice_home"):
        lines.append(t.label("Advice for home: “{text}”", text=f["advice_home"]))
    step = f.get("next_step", "")
    if step in meeting_messages.NEXT_STEPS:
        lines.append(t.label("Next step: {step}.", step=t.label(meeting_messages.NEXT_STEPS[step])))
    lines.append(t.label("Text in quotes: {name}'s own words, in Dutch.", name=who))
    lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    return lines


def _discussion_lines(t: Translator, f: dict[str, str], who: str) -> list[str]:
    child = f.get("child", "")
    lines = [
        t.label("About: {team}.", team=_team(t, f.get("discussion_kind"))),
        t.label("When: {date}.", date=_when(t, f["starts_at"])),
    ]
    participants = [
        Participant(
            f.get(f"participant.{n}", ""),
            f.get(f"participant.{n}.role", ""),
            f.get(f"participant.{n}.organisation", ""),
        )
        for n in _numbered(f, "participant")
    ]
    if participants:
        lines.append(
            t.label(
                "These people take part: {names}.",
                names=care_messages.participants_text(t, participants),
            )
        )
    if f.get("shared_info"):
        shared = care_messages.shared_text(t, f["shared_info"].split("\n"), child)
        lines.append(t.label("What the school may share: {things}.", things=shared))
    if f.get("purpose"):
        lines.append(_quoted(t, f["purpose"], who))
    if f.get("answer_before"):
        lines.append(t.label("Answer before: {date}.", date=_when(t, f["answer_before"])))
    lines.append(t.label("Sent to: {names}.", names=_list(t, f.get("sent_to", "")) or "–"))
    return lines


# --- choosing and printing --------------------------------------------------------------


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


# Emoji and pictographs: the document fonts have none, and a box helps no one.
_NO_GLYPH = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]")


def printable(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", _NO_GLYPH.sub("", text)).strip()


def _keep_together(doc: Document, block: list[tuple[str, Style, float]]) -> None:
    """A new page first when the event would not fit on this one: a "For staff only" mark
    must never stand at the foot of a page, apart from what it marks."""
    pdf = doc.pdf
    height = 0.0
    for text, style, gap in block:
        doc.set_style(text, style)
        height += float(
            pdf.multi_cell(
                0,
                style.size * 0.5,
                text,
                dry_run=True,
                output=MethodReturnValue.HEIGHT,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        )
        height += gap
    # An event longer than a page starts where it is: a new page would not help.
    if height < pdf.eph and pdf.will_page_break(height):
        doc.new_page()


def render_pdf(
    file: PupilFile,
    t: Translator,
    font_dir: Path,
    created: datetime,
    *,
    include_staff_only: bool = True,
    only_concerning: frozenset[PersonKey] | None = None,
) -> bytes:
    """An A4 document: who the pupil is, then every chosen event with its local time."""
    pupil = file.pupil
    full_name = f"{pupil.first_name} {pupil.last_name}"
    events = select(file, include_staff_only=include_staff_only, only_concerning=only_concerning)
    rtl = t.rtl
    doc = Document(font_dir, created, title=full_name)
    doc.new_page()

    def say(text: str, style: Style | None = None, gap: float = 2.0) -> None:
        doc.text(printable(text), style or Style(), rtl=rtl, gap=gap)

    if file.school:
        say(file.school, Style(12, grey=True), gap=1)
    say(t.label("Pupil file: {name}", name=full_name), Style(18, bold=True))
    say(t.label("Born on {date}", date=t.date_with_year(pupil.birth_date)), gap=1)
    say(t.label("Group: {group}", group=pupil.group), gap=1)
    say(
        t.label("Made on {date}", date=t.date_with_year(created.astimezone(t.timezone).date())),
        gap=3,
    )
    say(
        t.label(
            "This file shows what Samen recorded about {name}. The oldest comes first.",
            name=pupil.first_name,
        ),
        Style(11),
        gap=2,
    )
    if any(e.staff_only for e in events):
        # staff:
        say(t.label("Parts marked “For staff only” are not for parents."), Style(11, bold=True))
    if not events:
        say(t.label("Nothing was recorded yet."), Style(11))
    doc.rule()
    year = None
    for event in events:
        block: list[tuple[str, Style, float]] = []
        local = event.at.astimezone(t.timezone)
        if local.year != year:
            # t.datetime has no year: the year heads each year's events instead.
            year = local.year
            block.append((str(year), Style(14, bold=True), 2))
        heading, body = describe(event, t)
        if event.staff_only:
            # staff:
            block.append((t.label("For staff only"), Style(9.5, bold=True), 0.5))
        block.append((t.datetime(event.at), Style(9, grey=True), 0.5))
        block.append((heading, Style(12, bold=True), 1))
        if body:
            block.append((body, Style(10.5), 1))
        _keep_together(doc, [(printable(text), style, gap) for text, style, gap in block])
        for text, style, gap in block:
            say(text, style, gap)
        doc.rule(gap=2.5)
    return doc.output()
