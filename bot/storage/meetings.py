"""Talks with a pupil's family (meetings): the invitees and their answers, the teacher's card,
outcome summaries with their readers, and questions asked about a summary."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.rules.models import Agreement, Invitee, Meeting, PersonKind, Summary, SummaryQuestion
from bot.storage.executor import Executor
from bot.storage.records import _invitee, _meeting, _question, among_ids, from_iso, iso, marks

# Meetings to remind someone of ({columns}: what of them to read); see `meetings_to_remind`.
_TO_REMIND = (
    "SELECT {columns} FROM meetings m WHERE m.cancelled_at IS NULL"
    " AND m.starts_at >= ? AND m.starts_at < ?"
    " AND NOT EXISTS (SELECT 1 FROM safety_exceptions x"
    " WHERE x.pupil_id = m.pupil_id AND x.lifted_at IS NULL)"
    " AND EXISTS (SELECT 1 FROM meeting_invitees i WHERE i.meeting_id = m.id"
    " AND i.answer IS NOT 'cannot' AND i.reminded_version IS NOT m.version"
    " AND (m.round_id IS NULL OR i.answer = 'come'))"
)

# Talks begun by then that have no summary and whose teacher was not asked for one yet
# ({columns}: what of them to read); whether each has ended is worked out from its length.
_TO_SUMMARISE = (
    "SELECT {columns} FROM meetings m WHERE m.cancelled_at IS NULL"
    " AND m.summary_prompted_at IS NULL AND m.starts_at <= ?"
    " AND NOT EXISTS (SELECT 1 FROM summaries s WHERE s.meeting_id = m.id)"
)


class MeetingQueries(Executor):
    """Meetings, invitees, summaries, summary readers and questions."""

    async def add_meeting(
        self,
        *,
        pupil_id: str,
        kind: str,
        starts_at: datetime,
        minutes: int,
        place_kind: str,
        place: str,
        goal: str,
        alternatives: Sequence[datetime],
        created_by: str,
        now: datetime,
        round_id: int | None = None,
    ) -> int:
        """Record a planned talk; returns its id."""
        return await self._insert(
            "INSERT INTO meetings (pupil_id, kind, starts_at, minutes, place_kind, place, goal,"
            " alternatives, created_by, created_at, round_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pupil_id,
                kind,
                iso(starts_at),
                minutes,
                place_kind,
                place,
                goal,
                json.dumps([iso(a) for a in alternatives]),
                created_by,
                iso(now),
                round_id,
            ),
        )

    async def meeting(self, meeting_id: int) -> Meeting | None:
        """One meeting by id (cancelled or not), or None."""
        row = await self._one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def meetings_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Meetings not cancelled that start in [start, end), soonest first."""
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND starts_at >= ? AND starts_at < ?"
            " ORDER BY starts_at, id",
            (iso(start), iso(end)),
        )
        return [_meeting(r) for r in rows]

    async def meetings_to_remind(
        self, start: datetime, end: datetime, ids: Iterable[int]
    ) -> list[Meeting]:
        """Of these meetings, those not cancelled that start in [start, end), the family's
        messages not paused, with an invitee still to remind of this version of the talk:
        not one who cannot come, and of a round's short talk only one who comes too.
        Soonest first."""
        params: list[Any] = [iso(start), iso(end)]
        narrowed = among_ids(_TO_REMIND.format(columns="m.*"), params, ids, "m.id")
        if narrowed is None:
            return []
        rows = await self._all(narrowed + " ORDER BY m.starts_at, m.id", params)
        return [_meeting(r) for r in rows]

    async def starts_to_remind(self, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
        """`meetings_to_remind` among all meetings as (id, start): all a tick needs to pick
        those whose reminder is due, each batch's talks read again in the unit that sends."""
        rows = await self._all(
            _TO_REMIND.format(columns="m.id, m.starts_at") + " ORDER BY m.starts_at, m.id",
            (iso(start), iso(end)),
        )
        return [(r["id"], from_iso(r["starts_at"])) for r in rows]

    async def meetings_of_staff(self, staff_id: str, since: datetime) -> list[Meeting]:
        """Meetings not cancelled a staff member planned, from `since` on."""
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND created_by = ?"
            " AND starts_at >= ? ORDER BY starts_at, id",
            (staff_id, iso(since)),
        )
        return [_meeting(r) for r in rows]

    async def recent_meetings_of_staff(self, staff_id: str, limit: int = 20) -> list[Meeting]:
        """The talks a teacher planned last, newest first: her usual hours and place."""
        rows = await self._all(
            "SELECT * FROM meetings WHERE created_by = ? AND round_id IS NULL"
            " ORDER BY created_at DESC, id DESC LIMIT ?",
            (staff_id, limit),
        )
        return [_meeting(r) for r in rows]

    async def busy_times_of_staff(
        self, staff_id: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, int]]:
        """When a teacher is taken between `start` and `end`: her talks and her round slots
        (booked, free or blocked), as (start, minutes)."""
        rows = await self._all(
            "SELECT starts_at, minutes FROM meetings WHERE created_by = ?"
            " AND cancelled_at IS NULL AND starts_at >= ? AND starts_at < ?"
            " UNION ALL SELECT s.starts_at, r.minutes FROM round_slots s"
            " JOIN rounds r ON r.id = s.round_id WHERE r.created_by = ? AND r.closed_at IS NULL"
            " AND s.starts_at >= ? AND s.starts_at < ?",
            # Looking back four hours catches a long talk that began before `start`.
            (staff_id, iso(start - timedelta(hours=4)), iso(end)) * 2,
        )
        return [(from_iso(r[0]), int(r[1])) for r in rows]

    async def started_cards(self, now: datetime) -> list[Meeting]:
        """Talks that have started whose teacher's card still offers to move or cancel."""
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND card_outbox_id IS NOT NULL"
            " AND card_started_at IS NULL AND starts_at <= ? ORDER BY starts_at",
            (iso(now),),
        )
        return [_meeting(r) for r in rows]

    async def set_card_started(self, meeting_id: int, now: datetime) -> None:
        """Record that a talk's card was changed for its start (it is done once)."""
        await self._run(
            "UPDATE meetings SET card_started_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def ended_without_summary_prompt(
        self, now: datetime, ids: Iterable[int]
    ) -> list[Meeting]:
        """Of these talks, those ended by `now` without a summary whose teacher was not asked
        for one yet, earliest first."""
        params: list[Any] = [iso(now)]
        narrowed = among_ids(_TO_SUMMARISE.format(columns="m.*"), params, ids, "m.id")
        if narrowed is None:
            return []
        rows = await self._all(narrowed + " ORDER BY m.starts_at, m.id", params)
        return [m for m in (_meeting(r) for r in rows) if m.ends_at <= now]

    async def ended_ids_without_summary_prompt(self, now: datetime) -> list[int]:
        """The ids of `ended_without_summary_prompt` among all talks: only what a tick needs
        to pick them, each batch's talks read again in the unit of work that asks."""
        rows = await self._all(
            _TO_SUMMARISE.format(columns="m.id, m.starts_at, m.minutes")
            + " ORDER BY m.starts_at, m.id",
            (iso(now),),
        )
        return [
            r["id"]
            for r in rows
            if from_iso(r["starts_at"]) + timedelta(minutes=int(r["minutes"])) <= now
        ]

    async def set_summary_prompted(self, meeting_ids: Sequence[int], now: datetime) -> None:
        """Record that the teachers were asked to write the summaries of these talks."""
        await self._run_many(
            "UPDATE meetings SET summary_prompted_at = ? WHERE id = ?",
            [(iso(now), meeting_id) for meeting_id in meeting_ids],
        )

    async def set_meeting_card(self, meeting_id: int, outbox_id: int) -> None:
        """Remember the outbox message of the teacher's card of a meeting."""
        await self._run(
            "UPDATE meetings SET card_outbox_id = ? WHERE id = ?", (outbox_id, meeting_id)
        )

    async def move_meeting(self, meeting_id: int, starts_at: datetime) -> None:
        """A new time is a new version: answers and reminders start again."""
        await self._run(
            "UPDATE meetings SET starts_at = ?, version = version + 1, alternatives = '[]'"
            " WHERE id = ?",
            (iso(starts_at), meeting_id),
        )
        await self._run(
            "UPDATE meeting_invitees SET answer = NULL, answered_at = NULL, preference = NULL"
            " WHERE meeting_id = ?",
            (meeting_id,),
        )

    async def cancel_meeting(self, meeting_id: int, now: datetime) -> None:
        """Mark a meeting cancelled."""
        await self._run("UPDATE meetings SET cancelled_at = ? WHERE id = ?", (iso(now), meeting_id))

    async def add_invitee(self, invitee: Invitee, outbox_id: int | None) -> None:
        """Record an invitee of a meeting with the outbox message that invited them."""
        await self._run(
            "INSERT INTO meeting_invitees (meeting_id, person_kind, person_id, language,"
            " invite_outbox_id) VALUES (?, ?, ?, ?, ?)",
            (
                invitee.meeting_id,
                invitee.person_kind.value,
                invitee.person_id,
                invitee.language,
                outbox_id,
            ),
        )

    async def invitees(self, meeting_id: int) -> list[Invitee]:
        """A meeting's invitees."""
        rows = await self._all(
            "SELECT * FROM meeting_invitees WHERE meeting_id = ? ORDER BY person_kind, person_id",
            (meeting_id,),
        )
        return [_invitee(r) for r in rows]

    async def set_invitee_answer(
        self,
        meeting_id: int,
        kind: PersonKind,
        person_id: str,
        answer: str | None,
        preference: str | None,
        now: datetime,
    ) -> None:
        """Store an invitee's answer and preference."""
        await self._run(
            "UPDATE meeting_invitees SET answer = ?, preference = ?, answered_at = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (answer, preference, iso(now), meeting_id, kind.value, person_id),
        )

    async def set_invitee_wish(
        self, meeting_id: int, kind: PersonKind, person_id: str, wish: str, value: bool
    ) -> None:
        """Set an invitee's wish (`wish`: 'interpreter' or 'companion')."""
        column = {"interpreter": "interpreter", "companion": "companion"}[wish]
        await self._run(
            f"UPDATE meeting_invitees SET {column} = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (int(value), meeting_id, kind.value, person_id),
        )

    async def invite_outbox_ids(self, meeting_id: int) -> dict[tuple[PersonKind, str], int]:
        """The outbox message that invited each invitee of a meeting."""
        rows = await self._all(
            "SELECT person_kind, person_id, invite_outbox_id FROM meeting_invitees"
            " WHERE meeting_id = ? AND invite_outbox_id IS NOT NULL",
            (meeting_id,),
        )
        return {(PersonKind(r[0]), r[1]): r[2] for r in rows}

    async def invite_outbox_id(
        self, meeting_id: int, kind: PersonKind, person_id: str
    ) -> int | None:
        """The outbox message that invited this person to a meeting, or None."""
        row = await self._one(
            "SELECT invite_outbox_id FROM meeting_invitees"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (meeting_id, kind.value, person_id),
        )
        return None if row is None or row[0] is None else int(row[0])

    async def summary_sent_as(self, chat_id: int, telegram_id: int) -> int | None:
        """The meeting whose summary a Telegram message in this chat carries, or None."""
        row = await self._one(
            "SELECT r.meeting_id FROM summary_readers r JOIN outbox o ON o.id = r.outbox_id"
            " WHERE o.chat_id = ? AND o.message_id = ?",
            (chat_id, telegram_id),
        )
        return None if row is None else int(row["meeting_id"])

    async def summary_outbox_id(
        self, meeting_id: int, kind: PersonKind, person_id: str
    ) -> int | None:
        """The outbox message that sent this person a meeting's summary, or None."""
        row = await self._one(
            "SELECT outbox_id FROM summary_readers"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (meeting_id, kind.value, person_id),
        )
        return None if row is None or row[0] is None else int(row[0])

    async def set_reminded(self, handled: Sequence[tuple[int, PersonKind, str, int]]) -> None:
        """Record that these invitees were reminded of (or, not in Samen, passed over for)
        this version of their meeting: (meeting id, kind, person id, version)."""
        await self._run_many(
            "UPDATE meeting_invitees SET reminded_version = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            [(version, meeting, kind.value, person) for meeting, kind, person, version in handled],
        )

    async def invitees_to_remind(
        self, meeting_ids: Sequence[int]
    ) -> dict[int, list[tuple[Invitee, int | None]]]:
        """Of these meetings, by meeting id, the invitees still to remind of the meeting's
        version (as `meetings_to_remind` says), each with their private chat (None: not in
        Samen). One query for all."""
        numbers = sorted(set(meeting_ids))
        if not numbers:
            return {}
        rows = await self._all(
            "SELECT i.*, t.chat_id FROM meeting_invitees i JOIN meetings m ON m.id = i.meeting_id"
            " LEFT JOIN accounts a ON a.kind = i.person_kind AND a.person_id = i.person_id"
            " LEFT JOIN telegram_users t ON t.user_id = a.user_id"
            f" WHERE i.meeting_id IN ({marks(numbers)}) AND i.answer IS NOT 'cannot'"
            " AND i.reminded_version IS NOT m.version"
            " AND (m.round_id IS NULL OR i.answer = 'come')"
            " ORDER BY i.meeting_id, i.person_kind, i.person_id",
            numbers,
        )
        found: dict[int, list[tuple[Invitee, int | None]]] = {}
        for r in rows:
            chat = None if r["chat_id"] is None else int(r["chat_id"])
            found.setdefault(r["meeting_id"], []).append((_invitee(r), chat))
        return found

    async def meetings_of_person(self, kind: PersonKind, person_id: str) -> list[Meeting]:
        """Every meeting this person was invited to, newest first."""
        rows = await self._all(
            "SELECT m.* FROM meetings m JOIN meeting_invitees i ON i.meeting_id = m.id"
            " WHERE i.person_kind = ? AND i.person_id = ? ORDER BY m.starts_at DESC",
            (kind.value, person_id),
        )
        return [_meeting(r) for r in rows]

    async def add_summary(self, summary: Summary) -> None:
        """Store the outcome summary of a meeting."""
        await self._run(
            "INSERT INTO summaries (meeting_id, attended, going_well, agreements, advice_school,"
            " advice_home, next_step, written_by, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                summary.meeting_id,
                json.dumps(list(summary.attended), ensure_ascii=False),
                summary.going_well,
                json.dumps([a.__dict__ for a in summary.agreements], ensure_ascii=False),
                summary.advice_school,
                summary.advice_home,
                summary.next_step,
                summary.written_by,
                iso(summary.sent_at),
            ),
        )

    async def summary(self, meeting_id: int) -> Summary | None:
        """A meeting's outcome summary, or None."""
        row = await self._one("SELECT * FROM summaries WHERE meeting_id = ?", (meeting_id,))
        if row is None:
            return None
        return Summary(
            meeting_id=row["meeting_id"],
            attended=tuple(json.loads(row["attended"])),
            going_well=row["going_well"],
            agreements=tuple(Agreement(**a) for a in json.loads(row["agreements"])),
            advice_school=row["advice_school"],
            advice_home=row["advice_home"],
            next_step=row["next_step"],
            written_by=row["written_by"],
            sent_at=from_iso(row["sent_at"]),
        )

    async def add_summary_reader(
        self, meeting_id: int, kind: PersonKind, person_id: str, outbox_id: int | None
    ) -> None:
        """Record who was sent a meeting's summary, with the outbox message."""
        await self._run(
            "INSERT INTO summary_readers (meeting_id, person_kind, person_id, outbox_id)"
            " VALUES (?, ?, ?, ?)",
            (meeting_id, kind.value, person_id, outbox_id),
        )

    async def summary_readers(
        self, meeting_id: int
    ) -> list[tuple[PersonKind, str, datetime | None]]:
        """Who was sent a meeting's summary, and when each read it (None: not yet)."""
        rows = await self._all(
            "SELECT * FROM summary_readers WHERE meeting_id = ? ORDER BY person_kind, person_id",
            (meeting_id,),
        )
        return [
            (
                PersonKind(r["person_kind"]),
                r["person_id"],
                from_iso(r["read_at"]) if r["read_at"] else None,
            )
            for r in rows
        ]

    async def mark_summary_read(
        self, meeting_id: int, kind: PersonKind, person_id: str, now: datetime
    ) -> bool:
        """Record that this person read the summary; False when already read (or not a reader)."""
        return (
            await self._run(
                "UPDATE summary_readers SET read_at = ? WHERE meeting_id = ? AND person_kind = ?"
                " AND person_id = ? AND read_at IS NULL",
                (iso(now), meeting_id, kind.value, person_id),
            )
            > 0
        )

    async def add_question(
        self, meeting_id: int, kind: PersonKind, person_id: str, question: str, now: datetime
    ) -> int:
        """Record a question about a meeting's summary; returns its id."""
        return await self._insert(
            "INSERT INTO summary_questions (meeting_id, person_kind, person_id, question, asked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (meeting_id, kind.value, person_id, question, iso(now)),
        )

    async def question(self, question_id: int) -> SummaryQuestion | None:
        """One question about a summary by id, or None."""
        row = await self._one("SELECT * FROM summary_questions WHERE id = ?", (question_id,))
        return None if row is None else _question(row)

    async def answer_question(self, question_id: int, answer: str, now: datetime) -> bool:
        """Store the answer to a question; False when it was answered already."""
        return (
            await self._run(
                "UPDATE summary_questions SET answer = ?, answered_at = ?"
                " WHERE id = ? AND answer IS NULL",
                (answer, iso(now), question_id),
            )
            > 0
        )
