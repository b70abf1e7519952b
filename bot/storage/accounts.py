"""Telegram users and the accounts that link them to people on the roster: invitation codes,
failed starts, chosen languages, chats and reachability."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.rules.models import (
    Guardian,
    Invitation,
    PersonKind,
    Pupil,
    Role,
    StaffMember,
    UserFacts,
)
from bot.storage.records import _guardian, _invitation, _pupil, _staff, from_iso, iso
from bot.storage.roster import RosterQueries


class AccountQueries(RosterQueries):
    """Telegram users, accounts, invitations and failed starts. Stands on RosterQueries:
    a person's roster language and the people still without an account come from there."""

    async def touch_telegram_user(self, user_id: int, chat_id: int, now: datetime) -> None:
        """Record a Telegram user and keep their private chat id current."""
        await self._run(
            "INSERT INTO telegram_users (user_id, chat_id, first_seen) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id",
            (user_id, chat_id, iso(now)),
        )

    async def user_facts(self, user_id: int) -> UserFacts | None:
        """Chat, reachability, language and the linked person of a Telegram user: one query,
        because every update needs it."""
        row = await self._one(
            "SELECT t.chat_id, t.language AS chosen, a.kind, a.person_id,"
            " a.unreachable_at IS NOT NULL AS unreachable,"
            " COALESCE(s.first_name, g.first_name, p.first_name) AS first_name, s.role,"
            " COALESCE(g.language, p.language) AS roster_language"
            " FROM telegram_users t LEFT JOIN accounts a ON a.user_id = t.user_id"
            " LEFT JOIN staff s ON a.kind = 'staff' AND s.staff_id = a.person_id"
            " LEFT JOIN guardians g ON a.kind = 'guardian' AND g.guardian_id = a.person_id"
            " LEFT JOIN pupils p ON a.kind = 'pupil' AND p.pupil_id = a.person_id"
            " WHERE t.user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        kind = PersonKind(row["kind"]) if row["kind"] else None
        role = {
            None: None,
            PersonKind.STAFF: Role(row["role"]) if row["role"] else None,
            PersonKind.GUARDIAN: Role.GUARDIAN,
            PersonKind.PUPIL: Role.PUPIL,
        }[kind]
        return UserFacts(
            chat_id=int(row["chat_id"]),
            unreachable=bool(row["unreachable"]),
            chosen_language=row["chosen"],
            kind=kind,
            person_id=row["person_id"],
            first_name=row["first_name"],
            role=role if row["first_name"] is not None else None,
            roster_language=row["roster_language"],
        )

    async def set_chosen_language(self, user_id: int, language: str) -> None:
        """Store the language a Telegram user chose."""
        await self._run(
            "UPDATE telegram_users SET language = ? WHERE user_id = ?", (language, user_id)
        )

    async def account_of_user(self, user_id: int) -> tuple[PersonKind, str] | None:
        """(kind, person id) of the person linked to this Telegram user, or None."""
        row = await self._one("SELECT kind, person_id FROM accounts WHERE user_id = ?", (user_id,))
        return None if row is None else (PersonKind(row["kind"]), row["person_id"])

    async def chat_of_person(self, kind: PersonKind, person_id: str) -> int | None:
        """The private chat of the person's linked Telegram user, or None."""
        row = await self._one(
            "SELECT t.chat_id FROM accounts a JOIN telegram_users t ON t.user_id = a.user_id"
            " WHERE a.kind = ? AND a.person_id = ?",
            (kind.value, person_id),
        )
        return None if row is None else int(row["chat_id"])

    async def language_facts(
        self, kind: PersonKind, person_id: str
    ) -> tuple[str | None, str | None]:
        """(their own choice in /taal, the roster's language); bot.rules.language decides."""
        _, chosen, roster = await self.reader_facts(kind, person_id)
        return chosen, roster

    async def reader_facts(
        self, kind: PersonKind, person_id: str
    ) -> tuple[int | None, str | None, str | None]:
        """(their private chat, their own choice in /taal, the roster's language), in one
        statement: what telling someone something needs, looked up for every message."""
        roster, params = "NULL", [kind.value, person_id]
        if kind is PersonKind.GUARDIAN:
            roster = "(SELECT language FROM guardians WHERE guardian_id = ?)"
            params.insert(0, person_id)
        elif kind is PersonKind.PUPIL:
            roster = "(SELECT language FROM pupils WHERE pupil_id = ?)"
            params.insert(0, person_id)
        row = await self._one(
            f"SELECT t.chat_id, t.language AS chosen, {roster} AS roster"
            " FROM (SELECT 1 AS here) AS one"
            " LEFT JOIN accounts a ON a.kind = ? AND a.person_id = ?"
            " LEFT JOIN telegram_users t ON t.user_id = a.user_id",
            params,
        )
        assert row is not None  # one row, whoever the person is
        return (
            None if row["chat_id"] is None else int(row["chat_id"]),
            str(row["chosen"]) if row["chosen"] else None,
            str(row["roster"]) if row["roster"] else None,
        )

    async def link_account(
        self, kind: PersonKind, person_id: str, user_id: int, now: datetime
    ) -> None:
        """Link a person on the roster to a Telegram user."""
        await self._run(
            "INSERT INTO accounts (kind, person_id, user_id, linked_at) VALUES (?, ?, ?, ?)",
            (kind.value, person_id, user_id, iso(now)),
        )

    async def person_is_linked(self, kind: PersonKind, person_id: str) -> bool:
        """Whether the person has a linked Telegram account."""
        row = await self._one(
            "SELECT 1 FROM accounts WHERE kind = ? AND person_id = ?", (kind.value, person_id)
        )
        return row is not None

    async def account_since(self, kind: PersonKind, person_id: str) -> datetime | None:
        """When the person linked their account, or None when not linked."""
        row = await self._one(
            "SELECT linked_at FROM accounts WHERE kind = ? AND person_id = ?",
            (kind.value, person_id),
        )
        return None if row is None else from_iso(str(row["linked_at"]))

    async def mark_unreachable(self, chat_id: int, now: datetime) -> tuple[str, str, bool] | None:
        """Mark the account behind a private chat unreachable.
        Returns (kind, person_id, newly marked), or None when no one is linked to the chat."""
        row = await self._one(
            "SELECT a.kind, a.person_id, a.unreachable_at FROM accounts a"
            " JOIN telegram_users t ON t.user_id = a.user_id WHERE t.chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        newly = row["unreachable_at"] is None
        if newly:
            await self._run(
                "UPDATE accounts SET unreachable_at = ? WHERE kind = ? AND person_id = ?",
                (iso(now), row["kind"], row["person_id"]),
            )
        return row["kind"], row["person_id"], newly

    async def reachable_among(
        self, people: Iterable[tuple[PersonKind, str]]
    ) -> set[tuple[PersonKind, str]]:
        """Which of these people are linked to Telegram and not marked unreachable."""
        wanted = sorted({(kind.value, person_id) for kind, person_id in people})
        if not wanted:
            return set()
        # Joined, not `(kind, person_id) IN (VALUES …)`: SQLite scans the whole table for
        # that, and looks each person up by the key for this.
        rows = await self._all(
            f"WITH wanted (kind, person_id) AS (VALUES {', '.join(['(?, ?)'] * len(wanted))})"
            " SELECT a.kind, a.person_id FROM wanted w JOIN accounts a"
            " ON a.kind = w.kind AND a.person_id = w.person_id WHERE a.unreachable_at IS NULL",
            [value for pair in wanted for value in pair],
        )
        return {(PersonKind(r["kind"]), r["person_id"]) for r in rows}

    async def guardians_unreachable_since(self, since: datetime) -> list[str]:
        """Guardians marked unreachable since `since`, in that order."""
        rows = await self._all(
            "SELECT person_id FROM accounts WHERE kind = 'guardian' AND unreachable_at >= ?"
            " ORDER BY unreachable_at, person_id",
            (iso(since),),
        )
        return [r["person_id"] for r in rows]

    async def clear_unreachable(self, user_id: int) -> bool:
        """The person wrote to us again, so they can be reached; True if that is news."""
        return (
            await self._run(
                "UPDATE accounts SET unreachable_at = NULL"
                " WHERE user_id = ? AND unreachable_at IS NOT NULL",
                (user_id,),
            )
            > 0
        )

    async def reachable_people(self) -> set[tuple[PersonKind, str]]:
        """Everyone linked to Telegram and not marked unreachable (one read for a whole view)."""
        rows = await self._all("SELECT kind, person_id FROM accounts WHERE unreachable_at IS NULL")
        return {(PersonKind(r["kind"]), r["person_id"]) for r in rows}

    async def all_chats(self) -> dict[tuple[PersonKind, str], int]:
        """The private chat of every linked person (one read for a whole view)."""
        rows = await self._all(
            "SELECT a.kind, a.person_id, t.chat_id FROM accounts a JOIN telegram_users t"
            " ON t.user_id = a.user_id"
        )
        return {(PersonKind(r["kind"]), r["person_id"]): int(r["chat_id"]) for r in rows}

    async def staff_chats(self) -> dict[str, int]:
        """The private chat of every linked staff member, by staff id."""
        rows = await self._all(
            "SELECT a.person_id, t.chat_id FROM accounts a JOIN telegram_users t"
            " ON t.user_id = a.user_id WHERE a.kind = 'staff'"
        )
        return {r["person_id"]: int(r["chat_id"]) for r in rows}

    async def linked_coordinators(self) -> list[tuple[StaffMember, int]]:
        """Coordinators with a Telegram chat: who handles requests for the whole school."""
        rows = await self._all(
            "SELECT s.staff_id, t.chat_id FROM staff s"
            " JOIN accounts a ON a.kind = 'staff' AND a.person_id = s.staff_id"
            " JOIN telegram_users t ON t.user_id = a.user_id"
            " WHERE s.role = 'coordinator' ORDER BY s.staff_id"
        )
        out = []
        for row in rows:
            member = await self.staff_member(row["staff_id"])
            if member is not None:
                out.append((member, int(row["chat_id"])))
        return out

    async def revoke_open_invitations(self, kind: PersonKind, person_id: str, now: datetime) -> int:
        """Revoke the person's unused invitation codes; returns how many."""
        return await self._run(
            "UPDATE invitations SET revoked_at = ? WHERE kind = ? AND person_id = ?"
            " AND used_at IS NULL AND revoked_at IS NULL",
            (iso(now), kind.value, person_id),
        )

    async def add_invitation(
        self,
        code_hash: str,
        kind: PersonKind,
        person_id: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a person's new invitation code (its hash), valid until `expires_at`."""
        await self._run(
            "INSERT INTO invitations (code_hash, kind, person_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code_hash, kind.value, person_id, iso(now), iso(expires_at)),
        )

    async def invitation(self, code_hash: str) -> Invitation | None:
        """The invitation of a code hash, or None."""
        row = await self._one("SELECT * FROM invitations WHERE code_hash = ?", (code_hash,))
        return None if row is None else _invitation(row)

    async def use_invitation(self, code_hash: str, user_id: int, now: datetime) -> None:
        """Mark an invitation code as used by this Telegram user."""
        await self._run(
            "UPDATE invitations SET used_at = ?, used_by = ? WHERE code_hash = ?",
            (iso(now), user_id, code_hash),
        )

    async def record_start_failure(self, user_id: int, now: datetime) -> None:
        """Record a failed attempt of this Telegram user to start with a code."""
        await self._run(
            "INSERT INTO start_failures (user_id, at) VALUES (?, ?)", (user_id, iso(now))
        )

    async def start_failures_since(self, user_id: int, since: datetime) -> list[datetime]:
        """When this user's failed attempts since `since` happened, oldest first."""
        rows = await self._all(
            "SELECT at FROM start_failures WHERE user_id = ? AND at >= ? ORDER BY at",
            (user_id, iso(since)),
        )
        return [from_iso(r["at"]) for r in rows]

    async def forget_start_failures_before(self, moment: datetime) -> int:
        """Delete failed attempts before `moment`; returns how many."""
        return await self._run("DELETE FROM start_failures WHERE at < ?", (iso(moment),))

    async def unlinked_staff(self) -> list[StaffMember]:
        """Staff members without an account, with their groups."""
        groups = await self._staff_groups()
        rows = await self._all(
            "SELECT * FROM staff s WHERE NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.kind = 'staff' AND a.person_id = s.staff_id) ORDER BY staff_id"
        )
        return [_staff(r, groups.get(r["staff_id"], ())) for r in rows]

    async def unlinked_guardians(self) -> list[tuple[Guardian, list[str]]]:
        """Guardians without an account, each with the ids of their children at school."""
        rows = await self._all(
            "SELECT g.*, group_concat(l.pupil_id, '|') AS pupil_ids FROM guardians g"
            " JOIN guardian_links l ON l.guardian_id = g.guardian_id"
            # Only for children still at school: a leaver's family gets no new letter.
            " JOIN pupils p ON p.pupil_id = l.pupil_id AND p.left_on IS NULL"
            " WHERE NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.kind = 'guardian' AND a.person_id = g.guardian_id)"
            " GROUP BY g.guardian_id ORDER BY g.guardian_id"
        )
        return [(_guardian(r), sorted(r["pupil_ids"].split("|"))) for r in rows]

    async def unlinked_pupils(self) -> list[Pupil]:
        """Pupils at school without an account."""
        rows = await self._all(
            "SELECT * FROM pupils p WHERE p.left_on IS NULL AND NOT EXISTS (SELECT 1"
            " FROM accounts a WHERE a.kind = 'pupil' AND a.person_id = p.pupil_id)"
            " ORDER BY pupil_id"
        )
        return [_pupil(r) for r in rows]
