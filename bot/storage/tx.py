"""The named queries of Samen, valid inside one transaction (see bot.storage.executor)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.rules.models import Agreement, Invitee, Meeting, PersonKind, Round, Slot, Summary
from bot.storage.access_requests import AccessRequestQueries
from bot.storage.accounts import AccountQueries
from bot.storage.audit import AuditQueries
from bot.storage.discussions import DiscussionQueries
from bot.storage.executor import SqliteExecutor
from bot.storage.flows import FlowQueries
from bot.storage.meta import MetaQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.records import _invitee, _meeting, _round, _slot, from_iso, iso
from bot.storage.roster import RosterQueries
from bot.storage.safety import SafetyQueries


class Tx(
    MetaQueries,
    AuditQueries,
    FlowQueries,
    AccountQueries,
    RosterQueries,
    AccessRequestQueries,
    OutboxQueries,
    SafetyQueries,
    DiscussionQueries,
    SqliteExecutor,
):
    """Named queries, valid inside one transaction."""

    # --- meetings ---------------------------------------------------------

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
        row = await self._one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def meetings_between(self, start: datetime, end: datetime) -> list[Meeting]:
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND starts_at >= ? AND starts_at < ?"
            " ORDER BY starts_at, id",
            (iso(start), iso(end)),
        )
        return [_meeting(r) for r in rows]

    async def meetings_of_staff(self, staff_id: str, since: datetime) -> list[Meeting]:
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
        await self._run(
            "UPDATE meetings SET card_started_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def ended_without_summary_prompt(self, now: datetime) -> list[Meeting]:
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND summary_prompted_at IS NULL"
            " AND starts_at <= ? AND NOT EXISTS (SELECT 1 FROM summaries s"
            " WHERE s.meeting_id = meetings.id) ORDER BY starts_at",
            (iso(now),),
        )
        return [m for m in (_meeting(r) for r in rows) if m.ends_at <= now]

    async def set_summary_prompted(self, meeting_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE meetings SET summary_prompted_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def set_meeting_card(self, meeting_id: int, outbox_id: int) -> None:
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
        await self._run("UPDATE meetings SET cancelled_at = ? WHERE id = ?", (iso(now), meeting_id))

    async def add_invitee(self, invitee: Invitee, outbox_id: int | None) -> None:
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
        await self._run(
            "UPDATE meeting_invitees SET answer = ?, preference = ?, answered_at = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (answer, preference, iso(now), meeting_id, kind.value, person_id),
        )

    async def set_invitee_wish(
        self, meeting_id: int, kind: PersonKind, person_id: str, wish: str, value: bool
    ) -> None:
        column = {"interpreter": "interpreter", "companion": "companion"}[wish]
        await self._run(
            f"UPDATE meeting_invitees SET {column} = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (int(value), meeting_id, kind.value, person_id),
        )

    async def invite_outbox_ids(self, meeting_id: int) -> dict[tuple[PersonKind, str], int]:
        rows = await self._all(
            "SELECT person_kind, person_id, invite_outbox_id FROM meeting_invitees"
            " WHERE meeting_id = ? AND invite_outbox_id IS NOT NULL",
            (meeting_id,),
        )
        return {(PersonKind(r[0]), r[1]): r[2] for r in rows}

    async def invite_outbox_id(
        self, meeting_id: int, kind: PersonKind, person_id: str
    ) -> int | None:
        row = await self._one(
            "SELECT invite_outbox_id FROM meeting_invitees"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (meeting_id, kind.value, person_id),
        )
        return None if row is None or row[0] is None else int(row[0])

    async def summary_outbox_id(
        self, meeting_id: int, kind: PersonKind, person_id: str
    ) -> int | None:
        row = await self._one(
            "SELECT outbox_id FROM summary_readers"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (meeting_id, kind.value, person_id),
        )
        return None if row is None or row[0] is None else int(row[0])

    async def set_reminded(
        self, meeting_id: int, kind: PersonKind, person_id: str, version: int
    ) -> None:
        await self._run(
            "UPDATE meeting_invitees SET reminded_version = ?"
            " WHERE meeting_id = ? AND person_kind = ? AND person_id = ?",
            (version, meeting_id, kind.value, person_id),
        )

    async def meetings_of_person(self, kind: PersonKind, person_id: str) -> list[Meeting]:
        rows = await self._all(
            "SELECT m.* FROM meetings m JOIN meeting_invitees i ON i.meeting_id = m.id"
            " WHERE i.person_kind = ? AND i.person_id = ? ORDER BY m.starts_at DESC",
            (kind.value, person_id),
        )
        return [_meeting(r) for r in rows]

    # --- outcome summaries ------------------------------------------------

    async def add_summary(self, summary: Summary) -> None:
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
        await self._run(
            "INSERT INTO summary_readers (meeting_id, person_kind, person_id, outbox_id)"
            " VALUES (?, ?, ?, ?)",
            (meeting_id, kind.value, person_id, outbox_id),
        )

    async def summary_readers(
        self, meeting_id: int
    ) -> list[tuple[PersonKind, str, datetime | None]]:
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
        return await self._insert(
            "INSERT INTO summary_questions (meeting_id, person_kind, person_id, question, asked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (meeting_id, kind.value, person_id, question, iso(now)),
        )

    async def question(self, question_id: int) -> dict[str, Any] | None:
        row = await self._one("SELECT * FROM summary_questions WHERE id = ?", (question_id,))
        return None if row is None else dict(row)

    async def answer_question(self, question_id: int, answer: str, now: datetime) -> bool:
        return (
            await self._run(
                "UPDATE summary_questions SET answer = ?, answered_at = ?"
                " WHERE id = ? AND answer IS NULL",
                (answer, iso(now), question_id),
            )
            > 0
        )

    # --- slot rounds ------------------------------------------------------

    async def add_round(
        self,
        *,
        group: str,
        created_by: str,
        now: datetime,
        deadline: datetime,
        minutes: int,
        place: str,
        separate_slots: bool,
        slots: Sequence[datetime],
    ) -> int:
        round_id = await self._insert(
            "INSERT INTO rounds (group_name, created_by, created_at, deadline, minutes, place,"
            " separate_slots) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (group, created_by, iso(now), iso(deadline), minutes, place, int(separate_slots)),
        )
        await self._run_many(
            "INSERT INTO round_slots (round_id, starts_at) VALUES (?, ?)",
            [(round_id, iso(s)) for s in slots],
        )
        return round_id

    async def round(self, round_id: int) -> Round | None:
        row = await self._one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return None if row is None else _round(row)

    async def open_rounds(self, now: datetime) -> list[Round]:
        rows = await self._all(
            "SELECT * FROM rounds WHERE closed_at IS NULL AND deadline > ? ORDER BY deadline",
            (iso(now),),
        )
        return [_round(r) for r in rows]

    async def all_rounds_of_booker(self, person: tuple[PersonKind, str]) -> list[Round]:
        rows = await self._all(
            "SELECT DISTINCT r.* FROM rounds r JOIN round_slots s ON s.round_id = r.id"
            " WHERE s.booked_by_kind = ? AND s.booked_by_id = ?",
            (person[0].value, person[1]),
        )
        return [_round(r) for r in rows]

    async def rounds_needing_overview(self, now: datetime) -> list[Round]:
        rows = await self._all(
            "SELECT * FROM rounds WHERE overview_sent_at IS NULL AND deadline <= ?", (iso(now),)
        )
        return [_round(r) for r in rows]

    async def set_round_reminded(self, round_id: int, now: datetime) -> None:
        await self._run("UPDATE rounds SET reminded_at = ? WHERE id = ?", (iso(now), round_id))

    async def set_round_overview_sent(self, round_id: int, now: datetime) -> None:
        await self._run("UPDATE rounds SET overview_sent_at = ? WHERE id = ?", (iso(now), round_id))

    async def slots(self, round_id: int) -> list[Slot]:
        rows = await self._all(
            "SELECT * FROM round_slots WHERE round_id = ? ORDER BY starts_at", (round_id,)
        )
        return [_slot(r) for r in rows]

    async def slot(self, slot_id: int) -> Slot | None:
        row = await self._one("SELECT * FROM round_slots WHERE id = ?", (slot_id,))
        return None if row is None else _slot(row)

    async def book_slot(
        self, slot_id: int, pupil_id: str, by: tuple[PersonKind, str], now: datetime
    ) -> bool:
        """Take a free slot; False when someone else was first or it is blocked."""
        return (
            await self._run(
                "UPDATE round_slots SET pupil_id = ?, booked_by_kind = ?, booked_by_id = ?,"
                " booked_at = ? WHERE id = ? AND pupil_id IS NULL AND blocked = 0",
                (pupil_id, by[0].value, by[1], iso(now), slot_id),
            )
            > 0
        )

    async def release_slot(self, slot_id: int) -> None:
        await self._run(
            "UPDATE round_slots SET pupil_id = NULL, booked_by_kind = NULL, booked_by_id = NULL,"
            " booked_at = NULL, meeting_id = NULL WHERE id = ?",
            (slot_id,),
        )

    async def set_slot_meeting(self, slot_id: int, meeting_id: int) -> None:
        await self._run("UPDATE round_slots SET meeting_id = ? WHERE id = ?", (meeting_id, slot_id))

    async def block_slot(self, slot_id: int, blocked: bool) -> bool:
        return (
            await self._run(
                "UPDATE round_slots SET blocked = ? WHERE id = ? AND pupil_id IS NULL",
                (int(blocked), slot_id),
            )
            > 0
        )

    async def slot_meeting_id(self, slot_id: int) -> int | None:
        row = await self._one("SELECT meeting_id FROM round_slots WHERE id = ?", (slot_id,))
        return None if row is None or row["meeting_id"] is None else int(row["meeting_id"])

    # --- support route ----------------------------------------------------

    async def route_step(self, pupil_id: str) -> tuple[str, datetime | None]:
        row = await self._one("SELECT * FROM support_route WHERE pupil_id = ?", (pupil_id,))
        return ("0", None) if row is None else (row["step"], from_iso(row["since"]))

    async def set_route_step(self, pupil_id: str, step: str, by: str, now: datetime) -> None:
        await self._run(
            "INSERT INTO support_route (pupil_id, step, since, moved_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pupil_id) DO UPDATE SET step = excluded.step,"
            " since = excluded.since, moved_by = excluded.moved_by",
            (pupil_id, step, iso(now), by),
        )

    async def route_ticks(self, pupil_id: str) -> dict[tuple[str, str], tuple[datetime, str]]:
        rows = await self._all("SELECT * FROM support_route_ticks WHERE pupil_id = ?", (pupil_id,))
        return {(r["step"], r["item"]): (from_iso(r["ticked_at"]), r["ticked_by"]) for r in rows}

    async def toggle_route_tick(
        self, pupil_id: str, step: str, item: str, by: str, now: datetime
    ) -> bool:
        """Tick an item, or untick it; returns whether it is ticked now."""
        removed = await self._run(
            "DELETE FROM support_route_ticks WHERE pupil_id = ? AND step = ? AND item = ?",
            (pupil_id, step, item),
        )
        if removed:
            return False
        await self._run(
            "INSERT INTO support_route_ticks (pupil_id, step, item, ticked_at, ticked_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (pupil_id, step, item, iso(now), by),
        )
        return True

    # --- preparations -----------------------------------------------------

    async def save_preparation(
        self, meeting_id: int, answers: dict[str, str], by: str, now: datetime
    ) -> None:
        await self._run(
            "INSERT INTO preparations (meeting_id, answers, written_by, written_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET"
            " answers = excluded.answers, written_by = excluded.written_by,"
            " written_at = excluded.written_at",
            (meeting_id, json.dumps(answers, ensure_ascii=False), by, iso(now)),
        )

    async def preparation(self, meeting_id: int) -> dict[str, str] | None:
        row = await self._one(
            "SELECT answers FROM preparations WHERE meeting_id = ?", (meeting_id,)
        )
        return None if row is None else dict(json.loads(row["answers"]))

    async def meetings_to_prepare(self, now: datetime, horizon: datetime) -> list[Meeting]:
        rows = await self._all(
            "SELECT * FROM meetings WHERE cancelled_at IS NULL AND prepare_prompted_at IS NULL"
            " AND round_id IS NULL AND starts_at > ? AND starts_at <= ? ORDER BY starts_at",
            (iso(now), iso(horizon)),
        )
        return [_meeting(r) for r in rows]

    async def set_prepare_prompted(self, meeting_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE meetings SET prepare_prompted_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def meetings_to_show_preparation(self, now: datetime, soon: datetime) -> list[Meeting]:
        rows = await self._all(
            "SELECT m.* FROM meetings m JOIN preparations p ON p.meeting_id = m.id"
            " WHERE m.cancelled_at IS NULL AND m.preparation_shown_at IS NULL"
            " AND m.starts_at > ? AND m.starts_at <= ? ORDER BY m.starts_at",
            (iso(now), iso(soon)),
        )
        return [_meeting(r) for r in rows]

    async def set_preparation_shown(self, meeting_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE meetings SET preparation_shown_at = ? WHERE id = ?", (iso(now), meeting_id)
        )

    async def open_agreements(self, pupil_id: str) -> list[tuple[datetime, Agreement]]:
        """Agreements from earlier summaries about this pupil, newest first."""
        rows = await self._all(
            "SELECT s.sent_at, s.agreements FROM summaries s JOIN meetings m"
            " ON m.id = s.meeting_id WHERE m.pupil_id = ? ORDER BY s.sent_at DESC",
            (pupil_id,),
        )
        return [
            (from_iso(r["sent_at"]), Agreement(**a))
            for r in rows
            for a in json.loads(r["agreements"])
        ]

    # --- positive news ----------------------------------------------------

    async def add_positive_news(
        self,
        *,
        pupil_id: str,
        staff_id: str,
        themes: Sequence[str],
        own_words: str,
        now: datetime,
        send_at: datetime,
    ) -> int:
        return await self._insert(
            "INSERT INTO positive_news (pupil_id, staff_id, themes, own_words, created_at,"
            " send_at) VALUES (?, ?, ?, ?, ?, ?)",
            (pupil_id, staff_id, json.dumps(list(themes)), own_words, iso(now), iso(send_at)),
        )

    async def add_news_recipient(
        self, news_id: int, kind: PersonKind, person_id: str, outbox_id: int | None
    ) -> None:
        await self._run(
            "INSERT INTO positive_news_recipients (news_id, person_kind, person_id, outbox_id)"
            " VALUES (?, ?, ?, ?)",
            (news_id, kind.value, person_id, outbox_id),
        )

    async def news_recipient(
        self, news_id: int, kind: PersonKind, person_id: str
    ) -> dict[str, Any] | None:
        row = await self._one(
            "SELECT r.*, n.pupil_id, n.staff_id FROM positive_news_recipients r"
            " JOIN positive_news n ON n.id = r.news_id"
            " WHERE r.news_id = ? AND r.person_kind = ? AND r.person_id = ?",
            (news_id, kind.value, person_id),
        )
        return None if row is None else dict(row)

    async def set_news_reaction(
        self,
        news_id: int,
        kind: PersonKind,
        person_id: str,
        reaction: str,
        now: datetime,
        text: str | None = None,
    ) -> None:
        await self._run(
            "UPDATE positive_news_recipients SET reaction = ?, reaction_text = ?, reacted_at = ?"
            " WHERE news_id = ? AND person_kind = ? AND person_id = ?",
            (reaction, text, iso(now), news_id, kind.value, person_id),
        )

    async def last_news_by_pupil(self, now: datetime) -> dict[str, datetime]:
        """For every pupil that ever had good news sent: when it was last sent (by `now`)."""
        rows = await self._all(
            "SELECT pupil_id, max(send_at) AS t FROM positive_news WHERE send_at <= ?"
            " GROUP BY pupil_id",
            (iso(now),),
        )
        return {r["pupil_id"]: from_iso(r["t"]) for r in rows}

    async def news_reminder_handled(self, staff_id: str, occurrence: datetime) -> bool:
        row = await self._one(
            "SELECT 1 FROM news_reminders WHERE staff_id = ? AND occurrence = ?",
            (staff_id, iso(occurrence)),
        )
        return row is not None

    async def record_news_reminder(
        self, staff_id: str, occurrence: datetime, pupils: int, now: datetime
    ) -> None:
        await self._run(
            "INSERT INTO news_reminders (staff_id, occurrence, handled_at, pupils)"
            " VALUES (?, ?, ?, ?)",
            (staff_id, iso(occurrence), iso(now), pupils),
        )

    async def news_reminders_handled(self, occurrence: datetime) -> set[str]:
        rows = await self._all(
            "SELECT staff_id FROM news_reminders WHERE occurrence = ?", (iso(occurrence),)
        )
        return {r["staff_id"] for r in rows}

    async def record_news_reminders(
        self, occurrence: datetime, counts: Sequence[tuple[str, int]], now: datetime
    ) -> None:
        await self._run_many(
            "INSERT INTO news_reminders (staff_id, occurrence, handled_at, pupils)"
            " VALUES (?, ?, ?, ?)",
            [(staff_id, iso(occurrence), iso(now), n) for staff_id, n in counts],
        )

    async def prepared_meeting_ids(self) -> set[int]:
        return {r["meeting_id"] for r in await self._all("SELECT meeting_id FROM preparations")}

    async def news_reminders_sent(self, staff_id: str) -> list[tuple[datetime, int]]:
        rows = await self._all(
            "SELECT occurrence, pupils FROM news_reminders WHERE staff_id = ? ORDER BY occurrence",
            (staff_id,),
        )
        return [(from_iso(r["occurrence"]), r["pupils"]) for r in rows]

    async def last_positive_news(
        self, pupil_id: str, now: datetime
    ) -> tuple[datetime, tuple[str, ...], str] | None:
        """When the last good news was sent (by `now`), its themes and the teacher's words."""
        row = await self._one(
            "SELECT send_at, themes, own_words FROM positive_news WHERE pupil_id = ?"
            " AND send_at <= ? ORDER BY send_at DESC, id DESC LIMIT 1",
            (pupil_id, iso(now)),
        )
        if row is None:
            return None
        return from_iso(row["send_at"]), tuple(json.loads(row["themes"])), row["own_words"] or ""

    # --- pupil file -------------------------------------------------------

    # One query per table: every row that belongs to one pupil (?1), in the order it was
    # written. Rows of child tables come through their meeting, discussion or news of this
    # pupil, so nothing of another pupil can come along. bot/pupil_file.py makes the events.
    _PUPIL_FILE_QUERIES: tuple[tuple[str, str], ...] = (
        ("meetings", "SELECT * FROM meetings WHERE pupil_id = ?1 ORDER BY id"),
        (
            "meeting_invitees",
            "SELECT i.* FROM meeting_invitees i JOIN meetings m ON m.id = i.meeting_id"
            " WHERE m.pupil_id = ?1 ORDER BY i.meeting_id, i.person_kind, i.person_id",
        ),
        (
            "summaries",
            "SELECT s.* FROM summaries s JOIN meetings m ON m.id = s.meeting_id"
            " WHERE m.pupil_id = ?1 ORDER BY s.meeting_id",
        ),
        (
            "summary_readers",
            "SELECT r.* FROM summary_readers r JOIN meetings m ON m.id = r.meeting_id"
            " WHERE m.pupil_id = ?1 ORDER BY r.meeting_id, r.person_kind, r.person_id",
        ),
        (
            "summary_questions",
            "SELECT q.* FROM summary_questions q JOIN meetings m ON m.id = q.meeting_id"
            " WHERE m.pupil_id = ?1 ORDER BY q.id",
        ),
        (
            "preparations",
            "SELECT p.* FROM preparations p JOIN meetings m ON m.id = p.meeting_id"
            " WHERE m.pupil_id = ?1 ORDER BY p.meeting_id",
        ),
        ("discussions", "SELECT * FROM discussions WHERE pupil_id = ?1 ORDER BY id"),
        (
            "discussion_recipients",
            "SELECT r.* FROM discussion_recipients r JOIN discussions d ON d.id = r.discussion_id"
            " WHERE d.pupil_id = ?1 ORDER BY r.discussion_id, r.person_kind, r.person_id",
        ),
        (
            "answers",
            "SELECT a.* FROM answers a JOIN discussions d ON d.id = a.discussion_id"
            " WHERE d.pupil_id = ?1 ORDER BY a.id",
        ),
        (
            "reminders_sent",
            "SELECT r.* FROM reminders_sent r JOIN discussions d ON d.id = r.discussion_id"
            " WHERE d.pupil_id = ?1"
            " ORDER BY r.at, r.discussion_id, r.person_kind, r.person_id, r.number",
        ),
        ("positive_news", "SELECT * FROM positive_news WHERE pupil_id = ?1 ORDER BY id"),
        (
            "positive_news_recipients",
            "SELECT r.* FROM positive_news_recipients r JOIN positive_news n ON n.id = r.news_id"
            " WHERE n.pupil_id = ?1 ORDER BY r.news_id, r.person_kind, r.person_id",
        ),
        ("support_route", "SELECT * FROM support_route WHERE pupil_id = ?1"),
        (
            "support_route_ticks",
            "SELECT * FROM support_route_ticks WHERE pupil_id = ?1 ORDER BY ticked_at, step, item",
        ),
        ("restrictions", "SELECT * FROM restrictions WHERE pupil_id = ?1 ORDER BY id"),
        ("safety_exceptions", "SELECT * FROM safety_exceptions WHERE pupil_id = ?1 ORDER BY id"),
        # The code hash stays out: the file is about people, not secrets.
        (
            "invitations",
            "SELECT rowid AS id, kind, person_id, created_at, expires_at, used_at, revoked_at"
            " FROM invitations WHERE (kind = 'pupil' AND person_id = ?1)"
            " OR (kind = 'guardian' AND person_id IN"
            "     (SELECT guardian_id FROM guardian_links WHERE pupil_id = ?1))"
            " ORDER BY created_at, rowid",
        ),
        # Linking and reachability of a guardian are recorded without a pupil: they belong to
        # the file of each of the guardian's children.
        (
            "audit_log",
            "SELECT * FROM audit_log WHERE pupil_id = ?1"
            " OR (pupil_id IS NULL AND subject_kind = 'guardian' AND subject_id IN"
            "     (SELECT guardian_id FROM guardian_links WHERE pupil_id = ?1))"
            " ORDER BY id",
        ),
    )

    async def pupil_file_rows(self, pupil_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about one pupil, by table name (see _PUPIL_FILE_QUERIES)."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for table, sql in self._PUPIL_FILE_QUERIES:
            rows[table] = [dict(r) for r in await self._all(sql, (pupil_id,))]
        return rows

    # --- retention --------------------------------------------------------
    # `samen purge` (bot/retention.py). Each purge_* method counts the rows of one kind of
    # data of the given pupils and, with apply=True, deletes (or pseudonymises) exactly those
    # rows by the same conditions, so a dry run reports what an apply does. Ids go in,
    # counts come out; the caller runs every kind in one transaction.

    async def leavers(self) -> list[tuple[str, date, bool]]:
        """(pupil_id, left_on, still on the roster) of everyone who left. A pupil off the
        roster (retention_pending) waits only for their audit rows to be pseudonymised."""
        rows = await self._all(
            "SELECT pupil_id, left_on, 1 AS on_roster FROM pupils WHERE left_on IS NOT NULL"
            " UNION ALL SELECT pupil_id, left_on, 0 AS on_roster FROM retention_pending r"
            " WHERE NOT EXISTS (SELECT 1 FROM pupils p WHERE p.pupil_id = r.pupil_id)"
            " ORDER BY pupil_id"
        )
        return [
            (r["pupil_id"], date.fromisoformat(r["left_on"]), bool(r["on_roster"])) for r in rows
        ]

    async def exclusive_guardians(self, pupil_ids: Sequence[str]) -> set[str]:
        """Guardians linked to these pupils only: a guardian of any other pupil is not."""
        if not pupil_ids:
            return set()
        rows = await self._all(
            "SELECT guardian_id FROM guardian_links GROUP BY guardian_id"
            f" HAVING count(*) = sum(pupil_id IN ({_marks(pupil_ids)}))",
            list(pupil_ids),
        )
        return {r["guardian_id"] for r in rows}

    async def pending_guardians(self, pupil_ids: Sequence[str]) -> set[str]:
        """The guardians recorded with pupils off the roster, unless on the roster again."""
        rows = await self._all(
            f"SELECT guardians FROM retention_pending WHERE pupil_id IN ({_marks(pupil_ids)})",
            list(pupil_ids),
        )
        recorded = {g for r in rows for g in json.loads(r["guardians"])}
        return recorded - {g.guardian_id for g in await self.all_guardians()}

    async def _purge_rows(
        self,
        counts: dict[str, int],
        table: str,
        where: str,
        params: Sequence[Any],
        apply: bool,
    ) -> None:
        row = await self._one(f"SELECT count(*) FROM {table} WHERE {where}", params)
        found = int(row[0]) if row else 0
        if apply and found:
            await self._run(f"DELETE FROM {table} WHERE {where}", params)
        counts[table] = counts.get(table, 0) + found

    async def _purge_ids(
        self, counts: dict[str, int], table: str, ids: set[int], apply: bool
    ) -> None:
        counts[table] = counts.get(table, 0) + len(ids)
        if apply:
            for chunk in _chunks(sorted(ids)):
                await self._run(f"DELETE FROM {table} WHERE id IN ({_marks(chunk)})", chunk)

    async def purge_chat(
        self,
        pupil_ids: Sequence[str],
        guardian_ids: Sequence[str],
        needles: Sequence[str],
        *,
        apply: bool,
    ) -> dict[str, int]:
        """Messages to or about the pupils (and to guardians of no one else), their edits,
        messages naming them (`needles`: full names as they appear in texts), and chat flows
        of their accounts or holding their ids."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p, g = _marks(pupil_ids), _marks(guardian_ids)
        users = [
            r["user_id"]
            for r in await self._all(
                "SELECT user_id FROM accounts WHERE (kind = 'pupil' AND person_id IN"
                f" ({p})) OR (kind = 'guardian' AND person_id IN ({g}))",
                [*pupil_ids, *guardian_ids],
            )
        ]
        u = _marks(users)
        meetings = f"SELECT id FROM meetings WHERE pupil_id IN ({p})"
        rows = await self._all(
            f"SELECT id FROM outbox WHERE pupil_id IN ({p})"
            f" OR (recipient_kind = 'pupil' AND recipient_id IN ({p}))"
            f" OR (recipient_kind = 'guardian' AND recipient_id IN ({g}))"
            f" OR chat_id IN (SELECT chat_id FROM telegram_users WHERE user_id IN ({u}))"
            # Messages the pupil's records point at, such as the teacher's meeting card.
            f" OR id IN (SELECT card_outbox_id FROM meetings WHERE pupil_id IN ({p}))"
            f" OR id IN (SELECT invite_outbox_id FROM meeting_invitees"
            f"           WHERE meeting_id IN ({meetings}))"
            f" OR id IN (SELECT outbox_id FROM summary_readers WHERE meeting_id IN ({meetings}))"
            " OR id IN (SELECT outbox_id FROM discussion_recipients WHERE discussion_id IN"
            f"           (SELECT id FROM discussions WHERE pupil_id IN ({p})))"
            " OR id IN (SELECT outbox_id FROM positive_news_recipients WHERE news_id IN"
            f"           (SELECT id FROM positive_news WHERE pupil_id IN ({p})))"
            + "".join(" OR instr(text, ?) > 0" for _ in needles),
            [
                *pupil_ids,
                *pupil_ids,
                *guardian_ids,
                *users,
                *pupil_ids,
                *pupil_ids,
                *pupil_ids,
                *pupil_ids,
                *pupil_ids,
                *needles,
            ],
        )
        ids = {int(r["id"]) for r in rows}
        # An edit points at the message it changes (a foreign key), so it goes with it.
        frontier = set(ids)
        while frontier:
            found: set[int] = set()
            for chunk in _chunks(sorted(frontier)):
                found |= {
                    int(r["id"])
                    for r in await self._all(
                        f"SELECT id FROM outbox WHERE edit_of IN ({_marks(chunk)})", chunk
                    )
                }
            frontier = found - ids
            ids |= frontier
        await self._purge_ids(counts, "outbox", ids, apply)
        flow_ids = [json.dumps(pupil_id, ensure_ascii=False) for pupil_id in pupil_ids]
        await self._purge_rows(
            counts,
            "flows",
            f"user_id IN ({u})" + "".join(" OR instr(data, ?) > 0" for _ in flow_ids),
            [*users, *flow_ids],
            apply,
        )
        return counts

    async def purge_meetings(self, pupil_ids: Sequence[str], *, apply: bool) -> dict[str, int]:
        """Talks about the pupils with everything hanging on them; a booked slot of a round
        (the round is the group's) is released rather than deleted."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = _marks(pupil_ids)
        meetings = f"SELECT id FROM meetings WHERE pupil_id IN ({p})"
        booked = f"pupil_id IN ({p}) OR meeting_id IN ({meetings})"
        row = await self._one(
            f"SELECT count(*) FROM round_slots WHERE {booked}", [*pupil_ids, *pupil_ids]
        )
        counts["round_slots released"] = int(row[0]) if row else 0
        if apply and counts["round_slots released"]:
            await self._run(
                "UPDATE round_slots SET pupil_id = NULL, booked_by_kind = NULL,"
                f" booked_by_id = NULL, booked_at = NULL, meeting_id = NULL WHERE {booked}",
                [*pupil_ids, *pupil_ids],
            )
        for table in (
            "preparations",
            "summary_questions",
            "summary_readers",
            "summaries",
            "meeting_invitees",
        ):
            await self._purge_rows(
                counts, table, f"meeting_id IN ({meetings})", list(pupil_ids), apply
            )
        await self._purge_rows(counts, "meetings", f"pupil_id IN ({p})", list(pupil_ids), apply)
        return counts

    async def purge_care(
        self,
        pupil_ids: Sequence[str],
        *,
        apply: bool,
        pseudonym: Callable[[str, str], str] | None = None,
    ) -> dict[str, int]:
        """CvB and consent discussions with recipients and reminders, restrictions, safety
        exceptions, capability judgements. Answers stay, pseudonymised: that consent was
        asked, given or refused, and when, is what the audit trail needs."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = _marks(pupil_ids)
        discussions = f"SELECT id FROM discussions WHERE pupil_id IN ({p})"
        answers = await self._all(
            "SELECT id, person_kind, person_id FROM answers"
            f" WHERE discussion_id IN ({discussions}) AND person_id NOT GLOB 'anon:*'",
            list(pupil_ids),
        )
        counts["answers pseudonymised"] = len(answers)
        if apply and answers:
            if pseudonym is None:
                raise ValueError("pseudonymising answers needs a pseudonym function")
            await self._run_many(
                "UPDATE answers SET person_id = ?, user_id = NULL WHERE id = ?",
                [(pseudonym(r["person_kind"], r["person_id"]), r["id"]) for r in answers],
            )
        for table in ("reminders_sent", "discussion_recipients"):
            await self._purge_rows(
                counts, table, f"discussion_id IN ({discussions})", list(pupil_ids), apply
            )
        await self._purge_rows(
            counts,
            "safety_exceptions",
            f"pupil_id IN ({p}) OR discussion_id IN ({discussions})",
            [*pupil_ids, *pupil_ids],
            apply,
        )
        await self._purge_rows(counts, "restrictions", f"pupil_id IN ({p})", pupil_ids, apply)
        await self._purge_rows(counts, "discussions", f"pupil_id IN ({p})", pupil_ids, apply)
        judged = f"pupil_id IN ({p}) AND (capable IS NOT NULL OR capability_reason IS NOT NULL)"
        row = await self._one(f"SELECT count(*) FROM pupils WHERE {judged}", pupil_ids)
        counts["capability judgements cleared"] = int(row[0]) if row else 0
        if apply and counts["capability judgements cleared"]:
            await self._run(
                f"UPDATE pupils SET capable = NULL, capability_reason = NULL WHERE {judged}",
                pupil_ids,
            )
        return counts

    async def purge_news(self, pupil_ids: Sequence[str], *, apply: bool) -> dict[str, int]:
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = _marks(pupil_ids)
        await self._purge_rows(
            counts,
            "positive_news_recipients",
            f"news_id IN (SELECT id FROM positive_news WHERE pupil_id IN ({p}))",
            pupil_ids,
            apply,
        )
        await self._purge_rows(counts, "positive_news", f"pupil_id IN ({p})", pupil_ids, apply)
        return counts

    async def purge_route(self, pupil_ids: Sequence[str], *, apply: bool) -> dict[str, int]:
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = _marks(pupil_ids)
        for table in ("support_route_ticks", "support_route"):
            await self._purge_rows(counts, table, f"pupil_id IN ({p})", pupil_ids, apply)
        return counts

    async def purge_audit(
        self,
        pupil_ids: Sequence[str],
        guardian_ids: Sequence[str],
        *,
        apply: bool,
        pseudonym: Callable[[str, str], str] | None = None,
        redact: Callable[[str], str] | None = None,
        pending_done: Sequence[str] = (),
    ) -> dict[str, int]:
        """Pseudonymise the audit rows about the pupils, and the rows without a pupil about
        guardians of no one else (linking, reachability). Rows are never deleted; staff ids
        stay, for accountability. `pending_done`: retention_pending entries now finished."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p, g = _marks(pupil_ids), _marks(guardian_ids)
        rows = await self._all(
            "SELECT * FROM audit_log WHERE json_type(details, '$.redacted') IS NULL"
            f" AND (pupil_id IN ({p}) OR (pupil_id IS NULL AND ("
            f"   (actor_kind = 'pupil' AND actor_id IN ({p}))"
            f"   OR (subject_kind = 'pupil' AND subject_id IN ({p}))"
            f"   OR (actor_kind = 'guardian' AND actor_id IN ({g}))"
            f"   OR (subject_kind = 'guardian' AND subject_id IN ({g})))))",
            [*pupil_ids, *pupil_ids, *pupil_ids, *guardian_ids, *guardian_ids],
        )
        counts["audit_log pseudonymised"] = len(rows)
        if apply and rows:
            if pseudonym is None or redact is None:
                raise ValueError("pseudonymising the audit trail needs pseudonym and redact")

            def person(kind: str | None, person_id: str | None) -> str | None:
                if person_id is None or kind not in ("pupil", "guardian"):
                    return person_id
                return pseudonym(kind, person_id)

            await self._run_many(
                "UPDATE audit_log SET pupil_id = ?, actor_id = ?, subject_id = ?, details = ?"
                " WHERE id = ?",
                [
                    (
                        person("pupil", r["pupil_id"]),
                        person(r["actor_kind"], r["actor_id"]),
                        person(r["subject_kind"], r["subject_id"]),
                        redact(r["details"]),
                        r["id"],
                    )
                    for r in rows
                ],
            )
        if pending_done:
            await self._purge_rows(
                counts,
                "retention_pending",
                f"pupil_id IN ({_marks(pending_done)})",
                pending_done,
                apply,
            )
        return counts

    async def purge_roster(
        self,
        pupil_ids: Sequence[str],
        guardian_ids: Sequence[str],
        *,
        apply: bool,
        keep_for_audit: Sequence[tuple[str, date, Sequence[str]]] = (),
    ) -> dict[str, int]:
        """The pupils' rows, their guardian links, the guardians of no one else, and the
        accounts, Telegram users and invitations of them all. `keep_for_audit`: (pupil,
        left_on, guardians) of pupils whose audit rows stay identifiable for longer."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p, g = _marks(pupil_ids), _marks(guardian_ids)
        people = (
            f"(kind = 'pupil' AND person_id IN ({p})) OR (kind = 'guardian' AND person_id IN ({g}))"
        )
        both = [*pupil_ids, *guardian_ids]
        users = [
            r["user_id"]
            for r in await self._all(f"SELECT user_id FROM accounts WHERE {people}", both)
        ]
        u = _marks(users)
        await self._purge_rows(counts, "invitations", people, both, apply)
        # Requests to see data: the audit trail keeps that they were asked and answered.
        requesters = people.replace("kind =", "requester_kind =").replace(
            "person_id IN", "requester_id IN"
        )
        await self._purge_rows(counts, "access_requests", requesters, both, apply)
        await self._purge_rows(counts, "start_failures", f"user_id IN ({u})", users, apply)
        await self._purge_rows(counts, "accounts", people, both, apply)
        await self._purge_rows(counts, "telegram_users", f"user_id IN ({u})", users, apply)
        await self._purge_rows(counts, "guardian_links", f"pupil_id IN ({p})", pupil_ids, apply)
        await self._purge_rows(counts, "guardians", f"guardian_id IN ({g})", guardian_ids, apply)
        await self._purge_rows(counts, "pupils", f"pupil_id IN ({p})", pupil_ids, apply)
        counts["retention_pending kept for the audit"] = len(keep_for_audit)
        if apply and keep_for_audit:
            await self._run_many(
                "INSERT INTO retention_pending (pupil_id, left_on, guardians) VALUES (?, ?, ?)"
                " ON CONFLICT (pupil_id) DO UPDATE SET left_on = excluded.left_on,"
                " guardians = excluded.guardians",
                [
                    (pupil_id, left_on.isoformat(), json.dumps(sorted(guardians)))
                    for pupil_id, left_on, guardians in keep_for_audit
                ],
            )
        return counts


def _marks(values: Sequence[object]) -> str:
    """Placeholders for an IN list (SQLite takes an empty list: nothing matches)."""
    return ",".join("?" * len(values))


def _chunks(values: Sequence[int], size: int = 500) -> list[list[int]]:
    """Long id lists in parts, well below SQLite's limit on parameters per statement."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]
