"""The events of a pupil file, made from the rows stored about one pupil: rows in, events out,
no database and no words. Which table or audit entry is the source of which event:
`pupil_file_sources.py`; the events from the audit trail are made in `pupil_file_audit.py`."""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.rules.models import Pupil
from bot.rules.pupil_file import (
    FileEvent,
    GuardianOnFile,
    Person,
    PersonKey,
    PupilFile,
    order,
    safety_periods,
)
from bot.rules.pupil_file_audit import audit_events
from bot.rules.pupil_file_sources import (
    People,
    Row,
    details,
    group,
    keys,
    lines,
    new_event,
    stamp,
)


def build_file(
    pupil: Pupil,
    guardians: tuple[GuardianOnFile, ...],
    rows: dict[str, list[Row]],
    names: dict[PersonKey, str],
    *,
    school: str = "",
) -> PupilFile:
    """The file from one pupil's rows (`Tx.pupil_file_rows`) and the display names of
    everyone in them, its events in time order."""
    people = People(names)
    events = _Events(pupil, rows, people).build() + audit_events(pupil, rows, people)
    ordered = tuple(sorted(events, key=order))
    return PupilFile(pupil, guardians, ordered, school, safety_periods(ordered))


class _Events:
    """Turns one pupil's rows into events, one method per source table (the audit trail
    apart)."""

    def __init__(self, pupil: Pupil, rows: dict[str, list[Row]], people: People) -> None:
        self.pupil = pupil
        self.rows = rows
        self.people = people
        self.out: list[FileEvent] = []
        self.invitees = group(rows["meeting_invitees"], "meeting_id")
        self.meetings = {m["id"]: m for m in rows["meetings"]}
        self.moves: dict[int, list[Row]] = {}
        for entry in rows["audit_log"]:
            if entry["action"] == "meeting_moved":
                meeting_id = details(entry).get("meeting_id")
                self.moves.setdefault(int(meeting_id or 0), []).append(entry)

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
            new_event(at, kind, actor, source, subject=subject, concerns=concerns, fields=fields)
        )

    def build(self) -> list[FileEvent]:
        self.meeting_events()
        self.summary_events()
        self.summary_read_events()
        self.summary_question_events()
        self.preparation_events()
        self.discussion_events()
        self.answer_events()
        self.reminder_events()
        self.news_events()
        self.reaction_events()
        self.family_message_events()
        self.absence_events()
        self.restriction_events()
        self.safety_events()
        self.invitation_events()
        return self.out

    # meetings ---------------------------------------------------------------------------

    def invited(self, meeting_id: int) -> list[PersonKey]:
        return keys(self.invitees.get(meeting_id, []))

    def meeting_events(self) -> None:
        for m in self.rows["meetings"]:
            teacher = self.people.person("staff", m["created_by"])
            self.add(
                m["created_at"],
                "meeting_planned",
                teacher,
                f"meetings:{m['id']}",
                concerns=self.invited(m["id"]),
                fields=self.planned_fields(m),
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
                        "starts_at": stamp(m["starts_at"]),
                    },
                )

    def planned_fields(self, m: Row) -> dict[str, str | None]:
        invitees = self.invitees.get(m["id"], [])
        moves = self.moves.get(m["id"], [])
        # The time it was planned for: a move keeps only the newest in the table.
        first_start = (details(moves[0]).get("from") if moves else None) or m["starts_at"]
        alternatives = [] if moves else json.loads(m["alternatives"] or "[]")
        return {
            "meeting_id": str(m["id"]),
            "meeting_kind": m["kind"],
            "starts_at": stamp(str(first_start)),
            "minutes": str(m["minutes"]),
            "place_kind": m["place_kind"],
            "place": m["place"],
            "goal": m["goal"],
            "alternatives": lines(stamp(a) for a in alternatives),
            "round_id": None if m["round_id"] is None else str(m["round_id"]),
            "invited": self.people.names(self.invited(m["id"])),
            "interpreter": self.people.names(keys(i for i in invitees if i["interpreter"])),
            "companion": self.people.names(keys(i for i in invitees if i["companion"])),
        }

    def summary_events(self) -> None:
        readers = group(self.rows["summary_readers"], "meeting_id")
        for s in self.rows["summaries"]:
            meeting = self.meetings[s["meeting_id"]]
            sent_to = keys(readers.get(s["meeting_id"], []))
            fields: dict[str, str | None] = {
                "meeting_id": str(s["meeting_id"]),
                "meeting_kind": meeting["kind"],
                "starts_at": stamp(meeting["starts_at"]),
                "attended": lines(json.loads(s["attended"] or "[]")),
                "going_well": s["going_well"],
                "advice_school": s["advice_school"],
                "advice_home": s["advice_home"],
                "next_step": s["next_step"],
                "sent_to": self.people.names(sent_to),
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

    def summary_read_events(self) -> None:
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

    def summary_question_events(self) -> None:
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
        recipients = group(self.rows["discussion_recipients"], "discussion_id")
        for d in self.rows["discussions"]:
            sent = keys(recipients.get(d["id"], []))
            coordinator = self.people.person("staff", d["created_by"])
            kind = "notice_sent" if d["kind"] == "cvb" else "consent_requested"
            self.add(
                d["created_at"],
                kind,
                coordinator,
                f"discussions:{d['id']}",
                concerns=sent,
                fields=self.discussion_fields(d, recipients.get(d["id"], [])),
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
                        "starts_at": stamp(d["starts_at"]),
                    },
                )

    def discussion_fields(self, d: Row, recipients: list[Row]) -> dict[str, str | None]:
        fields: dict[str, str | None] = {
            "discussion_id": str(d["id"]),
            "discussion_kind": d["kind"],
            "starts_at": stamp(d["starts_at"]),
            "purpose": d["purpose"],
            "child": self.pupil.first_name,
            "shared_info": lines(json.loads(d["shared_info"] or "[]")),
            "answer_before": stamp(d["notice_deadline"]) if d["notice_deadline"] else None,
            "sent_to": self.people.names(keys(recipients)),
            "text_version": lines(sorted({r["text_version"] for r in recipients})),
        }
        for number, p in enumerate(json.loads(d["participants"] or "[]"), 1):
            fields[f"participant.{number}"] = p.get("name", "")
            fields[f"participant.{number}.role"] = p.get("role", "")
            fields[f"participant.{number}.organisation"] = p.get("organisation", "")
        return fields

    def answer_events(self) -> None:
        kinds = {d["id"]: d["kind"] for d in self.rows["discussions"]}
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

    def reminder_events(self) -> None:
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
        recipients = group(self.rows["positive_news_recipients"], "news_id")
        for n in self.rows["positive_news"]:
            sent = keys(recipients.get(n["id"], []))
            self.add(
                n["send_at"],  # when the family got it; it may have been written earlier
                "positive_news",
                self.people.person("staff", n["staff_id"]),
                f"positive_news:{n['id']}",
                concerns=sent,
                fields={
                    "news_id": str(n["id"]),
                    "themes": lines(json.loads(n["themes"] or "[]")),
                    "words": n["own_words"],
                    "written_at": stamp(n["created_at"]),
                    "sent_to": self.people.names(sent),
                },
            )

    def reaction_events(self) -> None:
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

    # families and school writing to each other ----------------------------------------------

    def family_message_events(self) -> None:
        for m in self.rows["family_messages"]:
            family = self.people.person(m["family_kind"], m["family_id"])
            writer = self.people.person("staff", m["staff_id"]) if m["from_school"] else family
            self.add(
                m["written_at"],
                "family_message",
                writer,
                f"family_messages:{m['id']}",
                subject=family,
                concerns=[(m["family_kind"], m["family_id"])],
                fields={"text": m["text"], "language": m["language"], "media": m["media"]},
            )

    def absence_events(self) -> None:
        for a in self.rows["absences"]:
            parent = self.people.person("guardian", a["reported_by"])
            self.add(
                a["reported_at"],
                "absence_reported",
                parent,
                f"absences:{a['id']}",
                concerns=[("guardian", a["reported_by"])],
                fields={
                    "first_day": a["first_day"],
                    "last_day": a["last_day"],
                    "reason": a["reason"],
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
                    "allowed": lines(json.loads(r["allowed"] or "[]")),
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
                        stamp(starts[discussion]) if discussion in starts else None
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
                fields={"valid_until": stamp(i["expires_at"])},
            )
