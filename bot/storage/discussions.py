"""Care discussions: CvB notices and consent requests (ZAT, assessment), who was told (the
recipients, with the version of the text they read), their answers and the reminders sent."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.rules.models import Answer, AskedPerson, Discussion, Participant, PersonKind, Recipient
from bot.storage.executor import Executor
from bot.storage.records import _discussion, _recipient, among_ids, from_iso, iso, marks


class DiscussionQueries(Executor):
    """Discussions with their recipients, answers and reminders."""

    async def add_discussion(
        self,
        *,
        pupil_id: str,
        kind: str,
        purpose: str,
        starts_at: datetime,
        participants: Sequence[Participant],
        shared_info: Sequence[str],
        created_by: str,
        now: datetime,
        notice_deadline: datetime | None,
        purpose_key: str | None = None,
    ) -> int:
        """Record a CvB notice or consent request; returns its id."""
        return await self._insert(
            "INSERT INTO discussions (pupil_id, kind, purpose, purpose_key, starts_at,"
            " participants, shared_info, created_by, created_at, notice_deadline)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pupil_id,
                kind,
                purpose,
                purpose_key,
                iso(starts_at),
                json.dumps([p.__dict__ for p in participants], ensure_ascii=False),
                json.dumps(list(shared_info), ensure_ascii=False),
                created_by,
                iso(now),
                iso(notice_deadline) if notice_deadline else None,
            ),
        )

    async def discussion(self, discussion_id: int) -> Discussion | None:
        """One discussion by id (cancelled or not), or None."""
        row = await self._one("SELECT * FROM discussions WHERE id = ?", (discussion_id,))
        return None if row is None else _discussion(row)

    async def discussions(
        self,
        *,
        since: datetime | None = None,
        pupil_ids: Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Discussion]:
        """Discussions not cancelled, from `since` on (of these pupils, with these ids),
        soonest first."""
        sql = "SELECT * FROM discussions WHERE cancelled_at IS NULL"
        params: list[Any] = []
        if since is not None:
            sql += " AND starts_at >= ?"
            params.append(iso(since))
        narrowed = among_ids(sql, params, ids, "id")
        if narrowed is None:
            return []
        sql = narrowed
        if pupil_ids is not None:
            wanted = sorted(set(pupil_ids))
            if not wanted:
                return []
            sql += f" AND pupil_id IN ({marks(wanted)})"
            params.extend(wanted)
        rows = await self._all(sql + " ORDER BY starts_at, id", params)
        return [_discussion(r) for r in rows]

    async def cancel_discussion(self, discussion_id: int, now: datetime) -> None:
        """Mark a discussion cancelled."""
        await self._run(
            "UPDATE discussions SET cancelled_at = ? WHERE id = ?", (iso(now), discussion_id)
        )

    async def discussions_of_person(self, kind: PersonKind, person_id: str) -> list[Discussion]:
        """The discussions this person was actually told of: a request still held in the
        outbox (a safety exception) is not theirs to see."""
        rows = await self._all(
            "SELECT d.* FROM discussions d JOIN discussion_recipients r ON r.discussion_id = d.id"
            " JOIN outbox o ON o.id = r.outbox_id"
            " WHERE r.person_kind = ? AND r.person_id = ? AND d.cancelled_at IS NULL"
            " AND o.status = 'sent'"
            " ORDER BY d.starts_at DESC, d.id DESC",
            (kind.value, person_id),
        )
        return [_discussion(r) for r in rows]

    async def cvb_notice_sent(self, pupil_id: str) -> bool:
        """Whether the pupil has a CvB discussion that is not cancelled."""
        row = await self._one(
            "SELECT 1 FROM discussions WHERE pupil_id = ? AND kind = 'cvb'"
            " AND cancelled_at IS NULL",
            (pupil_id,),
        )
        return row is not None

    async def latest_consent_discussion(self, pupil_id: str) -> Discussion | None:
        """The pupil's newest consent discussion (ZAT or assessment) not cancelled, or None."""
        row = await self._one(
            "SELECT * FROM discussions WHERE pupil_id = ? AND kind IN ('zat', 'assessment')"
            " AND cancelled_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
            (pupil_id,),
        )
        return None if row is None else _discussion(row)

    async def add_recipient(self, recipient: Recipient, outbox_id: int | None) -> None:
        """Record who was told of a discussion, the text they got and its message."""
        await self._run(
            "INSERT INTO discussion_recipients (discussion_id, person_kind, person_id, decides,"
            " language, text_hash, text_version, outbox_id, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                recipient.discussion_id,
                recipient.person_kind.value,
                recipient.person_id,
                int(recipient.decides),
                recipient.language,
                recipient.text_hash,
                recipient.text_version,
                outbox_id,
                iso(recipient.sent_at),
            ),
        )

    async def recipients(self, discussion_id: int) -> list[Recipient]:
        """Who was told of a discussion, those who decide first."""
        rows = await self._all(
            "SELECT * FROM discussion_recipients WHERE discussion_id = ?"
            " ORDER BY decides DESC, person_kind, person_id",
            (discussion_id,),
        )
        return [_recipient(r) for r in rows]

    async def recipient_outbox_ids(self, discussion_id: int) -> dict[tuple[PersonKind, str], int]:
        """The outbox message that told each recipient of a discussion."""
        rows = await self._all(
            "SELECT person_kind, person_id, outbox_id FROM discussion_recipients"
            " WHERE discussion_id = ? AND outbox_id IS NOT NULL",
            (discussion_id,),
        )
        return {(PersonKind(r["person_kind"]), r["person_id"]): r["outbox_id"] for r in rows}

    async def recipient_outbox_id(
        self, discussion_id: int, kind: PersonKind, person_id: str
    ) -> int | None:
        """The outbox message that told this person of a discussion, or None."""
        row = await self._one(
            "SELECT outbox_id FROM discussion_recipients"
            " WHERE discussion_id = ? AND person_kind = ? AND person_id = ?",
            (discussion_id, kind.value, person_id),
        )
        return None if row is None or row["outbox_id"] is None else int(row["outbox_id"])

    async def asked_person(
        self, discussion_id: int, kind: PersonKind, person_id: str
    ) -> AskedPerson | None:
        """What a tap on this request needs of this person, in one statement; None when the
        request was not sent to them."""
        row = await self._one(
            "SELECT r.decides, p.first_name,"
            " (SELECT a.answer FROM answers a WHERE a.discussion_id = r.discussion_id"
            "  AND a.person_kind = r.person_kind AND a.person_id = r.person_id"
            "  ORDER BY a.id DESC LIMIT 1) AS latest,"
            " o.id AS outbox_id, o.chat_id, o.text, o.message_id"
            " FROM discussion_recipients r"
            " JOIN discussions d ON d.id = r.discussion_id"
            " JOIN pupils p ON p.pupil_id = d.pupil_id"
            " LEFT JOIN outbox o ON o.id = r.outbox_id"
            " WHERE r.discussion_id = ? AND r.person_kind = ? AND r.person_id = ?",
            (discussion_id, kind.value, person_id),
        )
        if row is None:
            return None
        sent = (
            None if row["outbox_id"] is None else (row["chat_id"], row["text"], row["message_id"])
        )
        return AskedPerson(bool(row["decides"]), row["first_name"], row["latest"], sent)

    async def ask_confirmation(
        self, user_id: int, discussion_id: int, answer: str, now: datetime
    ) -> None:
        """The first tap of an answer that takes two: kept until the second (or a newer first)."""
        await self._run(
            "INSERT INTO consent_confirmations (user_id, discussion_id, answer, asked_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, discussion_id) DO UPDATE SET"
            " answer = excluded.answer, asked_at = excluded.asked_at",
            (user_id, discussion_id, answer, iso(now)),
        )

    async def take_confirmation(
        self, user_id: int, discussion_id: int, answer: str, since: datetime
    ) -> bool:
        """Whether this account's first tap for `answer` came at or after `since`; used up."""
        taken = await self._run(
            "DELETE FROM consent_confirmations WHERE user_id = ? AND discussion_id = ?"
            " AND answer = ? AND asked_at >= ?",
            (user_id, discussion_id, answer, iso(since)),
        )
        return taken > 0

    async def forget_confirmations_before(self, moment: datetime) -> int:
        """First taps never followed by a second."""
        return await self._run(
            "DELETE FROM consent_confirmations WHERE asked_at < ?", (iso(moment),)
        )

    async def add_answer(
        self,
        recipient: Recipient,
        answer: str,
        user_id: int | None,
        now: datetime,
    ) -> None:
        """Append a recipient's answer (answers are added, never changed)."""
        await self._run(
            "INSERT INTO answers (discussion_id, person_kind, person_id, user_id, answer, at,"
            " language, text_hash, text_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                recipient.discussion_id,
                recipient.person_kind.value,
                recipient.person_id,
                user_id,
                answer,
                iso(now),
                recipient.language,
                recipient.text_hash,
                recipient.text_version,
            ),
        )

    async def answers(self, discussion_id: int) -> list[Answer]:
        """A discussion's answers in the order they were given."""
        rows = await self._all(
            "SELECT * FROM answers WHERE discussion_id = ? ORDER BY id", (discussion_id,)
        )
        return [
            Answer(
                discussion_id=r["discussion_id"],
                person_kind=PersonKind(r["person_kind"]),
                person_id=r["person_id"],
                answer=r["answer"],
                at=from_iso(r["at"]),
            )
            for r in rows
        ]

    async def consent_reminder_candidates(
        self, now: datetime, sent_by: Sequence[tuple[int, datetime]]
    ) -> list[int]:
        """The consent requests to come (not cancelled, the family's messages not paused)
        where someone who decides has not answered and got the request by the moment given
        for a reminder number not recorded for them: (number, moment) pairs. Soonest first.
        Whether a reminder is due takes the school's quiet hours; the caller decides that for
        these few, which the moments leave a little wide."""
        if not sent_by:
            return []
        rows = await self._all(
            "WITH due (number, sent_by) AS"
            f" (VALUES {', '.join('(?, ?)' for _ in sent_by)})"
            " SELECT DISTINCT d.id, d.starts_at FROM discussions d"
            " JOIN discussion_recipients r ON r.discussion_id = d.id AND r.decides = 1"
            " JOIN due ON r.sent_at <= due.sent_by"
            " WHERE d.cancelled_at IS NULL AND d.kind != 'cvb' AND d.starts_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.discussion_id = d.id"
            " AND a.person_kind = r.person_kind AND a.person_id = r.person_id)"
            " AND NOT EXISTS (SELECT 1 FROM reminders_sent s WHERE s.discussion_id = d.id"
            " AND s.person_kind = r.person_kind AND s.person_id = r.person_id"
            " AND s.number = due.number)"
            " AND NOT EXISTS (SELECT 1 FROM safety_exceptions x"
            " WHERE x.pupil_id = d.pupil_id AND x.lifted_at IS NULL)"
            " ORDER BY d.starts_at, d.id",
            [*(v for number, at in sent_by for v in (number, iso(at))), iso(now)],
        )
        return [int(r["id"]) for r in rows]

    async def reminders_sent(self, discussion_id: int) -> set[tuple[str, str, int]]:
        """(person kind, person id, number) of each reminder sent about a discussion."""
        rows = await self._all(
            "SELECT person_kind, person_id, number FROM reminders_sent WHERE discussion_id = ?",
            (discussion_id,),
        )
        return {(r["person_kind"], r["person_id"], r["number"]) for r in rows}

    async def record_reminder(
        self, discussion_id: int, kind: PersonKind, person_id: str, number: int, now: datetime
    ) -> None:
        """Record that reminder `number` about a discussion went to this person."""
        await self._run(
            "INSERT INTO reminders_sent (discussion_id, person_kind, person_id, number, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (discussion_id, kind.value, person_id, number, iso(now)),
        )
