"""Retention: what `samen purge` (bot/services/retention.py) finds and removes of pupils who left.

Each purge_* method counts the rows of one kind of data of the given pupils (or, for the chat,
the given messages and flows) and, with apply=True, deletes (or pseudonymises) exactly those
rows by the same conditions, so a dry run reports what an apply does. Ids go in, counts come
out; the caller decides whose data is due and runs every kind in one transaction. The outbox_*
methods only find messages: which of them count as a pupil's chat is the caller's choice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from bot.storage.records import marks
from bot.storage.roster import RosterQueries


class RetentionQueries(RosterQueries):
    """Leavers, their guardians, and one purge per kind of data. Stands on RosterQueries:
    a guardian recorded with a leaver who is on the roster again is not pending."""

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
            f" HAVING count(*) = sum(CASE WHEN pupil_id IN ({marks(pupil_ids)}) THEN 1 ELSE 0 END)",
            list(pupil_ids),
        )
        return {r["guardian_id"] for r in rows}

    async def pending_guardians(self, pupil_ids: Sequence[str]) -> set[str]:
        """The guardians recorded with pupils off the roster, unless on the roster again."""
        rows = await self._all(
            f"SELECT guardians FROM retention_pending WHERE pupil_id IN ({marks(pupil_ids)})",
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
                await self._run(f"DELETE FROM {table} WHERE id IN ({marks(chunk)})", chunk)

    async def account_users(
        self, pupil_ids: Sequence[str], guardian_ids: Sequence[str]
    ) -> list[int]:
        """Telegram user ids of the accounts of these pupils and guardians."""
        rows = await self._all(
            "SELECT user_id FROM accounts WHERE (kind = 'pupil' AND person_id IN"
            f" ({marks(pupil_ids)})) OR (kind = 'guardian' AND person_id IN"
            f" ({marks(guardian_ids)}))",
            [*pupil_ids, *guardian_ids],
        )
        return [r["user_id"] for r in rows]

    async def outbox_about_pupils(self, pupil_ids: Sequence[str]) -> set[int]:
        """Messages about these pupils, or sent to them."""
        p = marks(pupil_ids)
        return await self._outbox_ids(
            f"pupil_id IN ({p}) OR (recipient_kind = 'pupil' AND recipient_id IN ({p}))",
            [*pupil_ids, *pupil_ids],
        )

    async def outbox_to_guardians(self, guardian_ids: Sequence[str]) -> set[int]:
        """Messages sent to these guardians."""
        return await self._outbox_ids(
            f"recipient_kind = 'guardian' AND recipient_id IN ({marks(guardian_ids)})",
            guardian_ids,
        )

    async def outbox_in_chats_of(self, user_ids: Sequence[int]) -> set[int]:
        """Messages in the chats of these Telegram users."""
        return await self._outbox_ids(
            f"chat_id IN (SELECT chat_id FROM telegram_users WHERE user_id IN ({marks(user_ids)}))",
            user_ids,
        )

    async def outbox_of_records(self, pupil_ids: Sequence[str]) -> set[int]:
        """Messages the pupils' meetings, discussions, good news and conversations point at."""
        p = marks(pupil_ids)
        meetings = f"SELECT id FROM meetings WHERE pupil_id IN ({p})"
        return await self._outbox_ids(
            f"id IN (SELECT card_outbox_id FROM meetings WHERE pupil_id IN ({p}))"
            " OR id IN (SELECT invite_outbox_id FROM meeting_invitees"
            f"          WHERE meeting_id IN ({meetings}))"
            f" OR id IN (SELECT outbox_id FROM summary_readers WHERE meeting_id IN ({meetings}))"
            " OR id IN (SELECT outbox_id FROM discussion_recipients WHERE discussion_id IN"
            f"          (SELECT id FROM discussions WHERE pupil_id IN ({p})))"
            " OR id IN (SELECT outbox_id FROM positive_news_recipients WHERE news_id IN"
            f"          (SELECT id FROM positive_news WHERE pupil_id IN ({p})))"
            " OR id IN (SELECT outbox_id FROM family_message_copies WHERE message_id IN"
            f"          (SELECT id FROM family_messages WHERE pupil_id IN ({p})))",
            [*pupil_ids] * 6,
        )

    async def outbox_naming(self, needles: Sequence[str]) -> set[int]:
        """Messages whose text holds one of these strings."""
        if not needles:
            return set()
        return await self._outbox_ids(" OR ".join("instr(text, ?) > 0" for _ in needles), needles)

    async def outbox_edits(self, outbox_ids: set[int]) -> set[int]:
        """The edits of these messages, the edits of those edits, and so on."""
        edits: set[int] = set()
        frontier = set(outbox_ids)
        while frontier:
            found: set[int] = set()
            for chunk in _chunks(sorted(frontier)):
                found |= await self._outbox_ids(f"edit_of IN ({marks(chunk)})", chunk)
            frontier = found - outbox_ids - edits
            edits |= frontier
        return edits

    async def _outbox_ids(self, where: str, params: Sequence[Any]) -> set[int]:
        """Ids of the messages that meet this condition."""
        rows = await self._all(f"SELECT id FROM outbox WHERE {where}", params)
        return {int(r["id"]) for r in rows}

    async def purge_outbox(self, outbox_ids: set[int], *, apply: bool) -> dict[str, int]:
        """Count, and with apply=True delete, exactly these messages."""
        counts: dict[str, int] = {}
        await self._purge_ids(counts, "outbox", outbox_ids, apply)
        return counts

    async def purge_flows(
        self, user_ids: Sequence[int], pupil_ids: Sequence[str], *, apply: bool
    ) -> dict[str, int]:
        """Count, and with apply=True delete, the flows of these users or holding these ids."""
        counts: dict[str, int] = {}
        # Flow data is JSON: an id in it is a quoted string.
        quoted = [json.dumps(pupil_id, ensure_ascii=False) for pupil_id in pupil_ids]
        await self._purge_rows(
            counts,
            "flows",
            f"user_id IN ({marks(user_ids)})" + "".join(" OR instr(data, ?) > 0" for _ in quoted),
            [*user_ids, *quoted],
            apply,
        )
        return counts

    async def purge_meetings(self, pupil_ids: Sequence[str], *, apply: bool) -> dict[str, int]:
        """Talks about the pupils with everything hanging on them; a booked slot of a round
        (the round is the group's) is released rather than deleted."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = marks(pupil_ids)
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
        p = marks(pupil_ids)
        discussions = f"SELECT id FROM discussions WHERE pupil_id IN ({p})"
        answers = await self._all(
            "SELECT id, person_kind, person_id FROM answers"
            f" WHERE discussion_id IN ({discussions}) AND substr(person_id, 1, 5) <> 'anon:'",
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
        for table in ("reminders_sent", "discussion_recipients", "consent_confirmations"):
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
        """Good news about the pupils, with its recipients."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = marks(pupil_ids)
        await self._purge_rows(
            counts,
            "positive_news_recipients",
            f"news_id IN (SELECT id FROM positive_news WHERE pupil_id IN ({p}))",
            pupil_ids,
            apply,
        )
        await self._purge_rows(counts, "positive_news", f"pupil_id IN ({p})", pupil_ids, apply)
        return counts

    async def purge_family_messages(
        self, pupil_ids: Sequence[str], *, apply: bool
    ) -> dict[str, int]:
        """What families and school wrote to each other about the pupils, with its copies."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = marks(pupil_ids)
        of_theirs = f"message_id IN (SELECT id FROM family_messages WHERE pupil_id IN ({p}))"
        children = (
            "family_messages_waiting",
            "family_message_translations",
            "family_message_copies",
        )
        for table in children:
            await self._purge_rows(counts, table, of_theirs, pupil_ids, apply)
        # An answer points at what it answers; the links go first, then the messages.
        if apply:
            await self._run(
                f"UPDATE family_messages SET answer_to = NULL WHERE pupil_id IN ({p})", pupil_ids
            )
        await self._purge_rows(counts, "family_messages", f"pupil_id IN ({p})", pupil_ids, apply)
        await self._purge_rows(counts, "absences", f"pupil_id IN ({p})", pupil_ids, apply)
        return counts

    async def purge_route(self, pupil_ids: Sequence[str], *, apply: bool) -> dict[str, int]:
        """The pupils' support route and its ticks."""
        counts: dict[str, int] = {}
        if not pupil_ids:
            return counts
        p = marks(pupil_ids)
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
        p, g = marks(pupil_ids), marks(guardian_ids)
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
                f"pupil_id IN ({marks(pending_done)})",
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
        p, g = marks(pupil_ids), marks(guardian_ids)
        people = (
            f"(kind = 'pupil' AND person_id IN ({p})) OR (kind = 'guardian' AND person_id IN ({g}))"
        )
        both = [*pupil_ids, *guardian_ids]
        users = [
            r["user_id"]
            for r in await self._all(f"SELECT user_id FROM accounts WHERE {people}", both)
        ]
        u = marks(users)
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


def _chunks(values: Sequence[int], size: int = 500) -> list[list[int]]:
    """Long id lists in parts, well below SQLite's limit on parameters per statement."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]
