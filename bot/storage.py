"""All SQL of Samen: the database handle, migrations and named queries.

Every read and write goes through `Database.transaction()`, which hands out a
`Tx` holding the named queries. Transactions are serialised by one lock:
aiosqlite runs statements on its own thread, so without the lock coroutines
could interleave inside one transaction.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.models import (
    FamilyContact,
    Guardian,
    GuardianLink,
    OutgoingMessage,
    PersonKind,
    Pupil,
    PupilContacts,
    Role,
    StaffMember,
)


def iso(moment: datetime) -> str:
    """Stored times are UTC ISO strings, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("stored times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("bot") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError("migration files must be numbered 0001, 0002, … without gaps")
    return found


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._outbox_listeners: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA synchronous = NORMAL")
        db = cls(conn, path)
        try:
            await db._migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        migrations = load_migrations()
        if current > len(migrations):
            raise RuntimeError(
                f"database {self.path} has schema version {current}, newer than this Samen "
                f"({len(migrations)}); upgrade Samen"
            )
        for migration in migrations[current:]:
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\nCOMMIT;"
            )

    def on_outbox_write(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit that put messages in the outbox."""
        self._outbox_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")
        if tx.wrote_outbox:
            for listener in self._outbox_listeners:
                listener()

    async def backup_to(self, target: Path) -> None:
        async with self._lock:
            dest = sqlite3.connect(target)
            try:
                await self._conn.backup(dest)
            finally:
                dest.close()


class Tx:
    """Named queries, valid inside one transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.wrote_outbox = False

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    # --- meta -------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- roster -----------------------------------------------------------

    async def all_staff(self) -> list[StaffMember]:
        rows = await self._all("SELECT * FROM staff ORDER BY staff_id")
        groups = await self._staff_groups()
        return [_staff(r, groups.get(r["staff_id"], ())) for r in rows]

    async def _staff_groups(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for r in await self._all("SELECT * FROM staff_groups ORDER BY group_name"):
            out.setdefault(r["staff_id"], []).append(r["group_name"])
        return {k: tuple(v) for k, v in out.items()}

    async def staff_member(self, staff_id: str) -> StaffMember | None:
        row = await self._one("SELECT * FROM staff WHERE staff_id = ?", (staff_id,))
        if row is None:
            return None
        groups = await self._all(
            "SELECT group_name FROM staff_groups WHERE staff_id = ? ORDER BY group_name",
            (staff_id,),
        )
        return _staff(row, tuple(g["group_name"] for g in groups))

    async def upsert_staff(self, member: StaffMember, now: datetime) -> None:
        await self._run(
            "INSERT INTO staff (staff_id, first_name, last_name, role, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET"
            " first_name = excluded.first_name, last_name = excluded.last_name,"
            " role = excluded.role, updated_at = excluded.updated_at",
            (member.staff_id, member.first_name, member.last_name, member.role.value, iso(now)),
        )
        await self._run("DELETE FROM staff_groups WHERE staff_id = ?", (member.staff_id,))
        await self._conn.executemany(
            "INSERT INTO staff_groups (staff_id, group_name) VALUES (?, ?)",
            [(member.staff_id, g) for g in member.groups],
        )

    async def all_pupils(self) -> list[Pupil]:
        return [_pupil(r) for r in await self._all("SELECT * FROM pupils ORDER BY pupil_id")]

    async def pupil(self, pupil_id: str) -> Pupil | None:
        row = await self._one("SELECT * FROM pupils WHERE pupil_id = ?", (pupil_id,))
        return None if row is None else _pupil(row)

    async def upsert_pupil(self, pupil: Pupil, now: datetime) -> None:
        await self._run(
            "INSERT INTO pupils (pupil_id, first_name, last_name, birth_date, group_name,"
            " language, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (pupil_id) DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, birth_date = excluded.birth_date,"
            " group_name = excluded.group_name, language = excluded.language,"
            " updated_at = excluded.updated_at",
            (
                pupil.pupil_id,
                pupil.first_name,
                pupil.last_name,
                pupil.birth_date.isoformat(),
                pupil.group,
                pupil.language,
                iso(now),
            ),
        )

    async def pupil_ids(self) -> set[str]:
        return {r["pupil_id"] for r in await self._all("SELECT pupil_id FROM pupils")}

    async def all_guardians(self) -> list[Guardian]:
        rows = await self._all("SELECT * FROM guardians ORDER BY guardian_id")
        return [_guardian(r) for r in rows]

    async def guardian(self, guardian_id: str) -> Guardian | None:
        row = await self._one("SELECT * FROM guardians WHERE guardian_id = ?", (guardian_id,))
        return None if row is None else _guardian(row)

    async def all_guardian_links(self) -> list[GuardianLink]:
        rows = await self._all("SELECT * FROM guardian_links ORDER BY guardian_id, pupil_id")
        return [_link(r) for r in rows]

    async def upsert_guardian(self, guardian: Guardian, now: datetime) -> None:
        await self._run(
            "INSERT INTO guardians (guardian_id, first_name, last_name, language, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guardian_id) DO UPDATE SET"
            " first_name = excluded.first_name, last_name = excluded.last_name,"
            " language = excluded.language, updated_at = excluded.updated_at",
            (
                guardian.guardian_id,
                guardian.first_name,
                guardian.last_name,
                guardian.language,
                iso(now),
            ),
        )

    async def upsert_guardian_link(self, link: GuardianLink) -> None:
        await self._run(
            "INSERT INTO guardian_links (guardian_id, pupil_id, relation, authority)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (guardian_id, pupil_id) DO UPDATE SET"
            " relation = excluded.relation, authority = excluded.authority",
            (link.guardian_id, link.pupil_id, link.relation, int(link.authority)),
        )

    async def children_of_guardian(self, guardian_id: str) -> list[Pupil]:
        rows = await self._all(
            "SELECT p.* FROM pupils p JOIN guardian_links l ON l.pupil_id = p.pupil_id"
            " WHERE l.guardian_id = ? ORDER BY p.first_name, p.pupil_id",
            (guardian_id,),
        )
        return [_pupil(r) for r in rows]

    async def staff_of_group(self, group: str) -> list[StaffMember]:
        rows = await self._all(
            "SELECT s.* FROM staff s JOIN staff_groups g ON g.staff_id = s.staff_id"
            " WHERE g.group_name = ? AND s.role = 'teacher' ORDER BY s.last_name",
            (group,),
        )
        return [_staff(r, (group,)) for r in rows]

    async def groups(self) -> list[str]:
        rows = await self._all("SELECT DISTINCT group_name FROM pupils ORDER BY group_name")
        return [r["group_name"] for r in rows]

    async def contacts_of_groups(self, groups: Iterable[str]) -> list[PupilContacts]:
        """Pupils of the groups with each guardian's reachability, in two queries."""
        wanted = sorted(set(groups))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        pupils = [
            _pupil(r)
            for r in await self._all(
                f"SELECT * FROM pupils WHERE group_name IN ({marks})"
                " ORDER BY group_name, first_name, last_name",
                wanted,
            )
        ]
        rows = await self._all(
            "SELECT l.pupil_id, g.guardian_id, g.first_name, g.last_name, l.relation,"
            " l.authority, a.user_id IS NOT NULL AS linked,"
            " a.unreachable_at IS NOT NULL AS unreachable,"
            " EXISTS (SELECT 1 FROM invitations i WHERE i.kind = 'guardian'"
            "         AND i.person_id = g.guardian_id) AS invited"
            " FROM guardian_links l JOIN guardians g ON g.guardian_id = l.guardian_id"
            " JOIN pupils p ON p.pupil_id = l.pupil_id"
            " LEFT JOIN accounts a ON a.kind = 'guardian' AND a.person_id = g.guardian_id"
            f" WHERE p.group_name IN ({marks}) ORDER BY l.authority DESC, g.first_name",
            wanted,
        )
        by_pupil: dict[str, list[FamilyContact]] = {}
        for r in rows:
            by_pupil.setdefault(r["pupil_id"], []).append(
                FamilyContact(
                    guardian_id=r["guardian_id"],
                    first_name=r["first_name"],
                    last_name=r["last_name"],
                    relation=r["relation"],
                    authority=bool(r["authority"]),
                    linked=bool(r["linked"]),
                    unreachable=bool(r["unreachable"]),
                    invited=bool(r["invited"]),
                )
            )
        return [PupilContacts(p, tuple(by_pupil.get(p.pupil_id, ()))) for p in pupils]

    async def mentors_of_guardian(self, guardian_id: str) -> list[tuple[StaffMember, Pupil]]:
        """The teachers of each child of a guardian, with that child."""
        out: list[tuple[StaffMember, Pupil]] = []
        for child in await self.children_of_guardian(guardian_id):
            out.extend((teacher, child) for teacher in await self.staff_of_group(child.group))
        return out

    # --- Telegram users and accounts --------------------------------------

    async def touch_telegram_user(self, user_id: int, chat_id: int, now: datetime) -> None:
        await self._run(
            "INSERT INTO telegram_users (user_id, chat_id, first_seen) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id",
            (user_id, chat_id, iso(now)),
        )

    async def chosen_language(self, user_id: int) -> str | None:
        row = await self._one("SELECT language FROM telegram_users WHERE user_id = ?", (user_id,))
        return None if row is None else row["language"]

    async def set_chosen_language(self, user_id: int, language: str) -> None:
        await self._run(
            "UPDATE telegram_users SET language = ? WHERE user_id = ?", (language, user_id)
        )

    async def account_of_user(self, user_id: int) -> tuple[PersonKind, str] | None:
        row = await self._one("SELECT kind, person_id FROM accounts WHERE user_id = ?", (user_id,))
        return None if row is None else (PersonKind(row["kind"]), row["person_id"])

    async def chat_of_person(self, kind: PersonKind, person_id: str) -> int | None:
        row = await self._one(
            "SELECT t.chat_id FROM accounts a JOIN telegram_users t ON t.user_id = a.user_id"
            " WHERE a.kind = ? AND a.person_id = ?",
            (kind.value, person_id),
        )
        return None if row is None else int(row["chat_id"])

    async def language_of_person(self, kind: PersonKind, person_id: str) -> str:
        """The language a person reads: their own choice, else the roster's, else Dutch."""
        row = await self._one(
            "SELECT t.language FROM accounts a JOIN telegram_users t ON t.user_id = a.user_id"
            " WHERE a.kind = ? AND a.person_id = ?",
            (kind.value, person_id),
        )
        if row is not None and row["language"]:
            return str(row["language"])
        if kind is PersonKind.GUARDIAN:
            guardian = await self.guardian(person_id)
            return guardian.language if guardian else "nl"
        if kind is PersonKind.PUPIL:
            pupil = await self.pupil(person_id)
            return pupil.language if pupil else "nl"
        return "nl"

    async def link_account(
        self, kind: PersonKind, person_id: str, user_id: int, now: datetime
    ) -> None:
        await self._run(
            "INSERT INTO accounts (kind, person_id, user_id, linked_at) VALUES (?, ?, ?, ?)",
            (kind.value, person_id, user_id, iso(now)),
        )

    async def person_is_linked(self, kind: PersonKind, person_id: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM accounts WHERE kind = ? AND person_id = ?", (kind.value, person_id)
        )
        return row is not None

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

    # --- invitations ------------------------------------------------------

    async def revoke_open_invitations(self, kind: PersonKind, person_id: str, now: datetime) -> int:
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
        await self._run(
            "INSERT INTO invitations (code_hash, kind, person_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code_hash, kind.value, person_id, iso(now), iso(expires_at)),
        )

    async def invitation(self, code_hash: str) -> dict[str, Any] | None:
        row = await self._one("SELECT * FROM invitations WHERE code_hash = ?", (code_hash,))
        return None if row is None else dict(row)

    async def use_invitation(self, code_hash: str, user_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE invitations SET used_at = ?, used_by = ? WHERE code_hash = ?",
            (iso(now), user_id, code_hash),
        )

    async def record_start_failure(self, user_id: int, now: datetime) -> None:
        await self._run(
            "INSERT INTO start_failures (user_id, at) VALUES (?, ?)", (user_id, iso(now))
        )

    async def start_failures_since(self, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._all(
            "SELECT at FROM start_failures WHERE user_id = ? AND at >= ? ORDER BY at",
            (user_id, iso(since)),
        )
        return [from_iso(r["at"]) for r in rows]

    async def forget_start_failures_before(self, moment: datetime) -> int:
        return await self._run("DELETE FROM start_failures WHERE at < ?", (iso(moment),))

    async def unlinked_staff(self) -> list[StaffMember]:
        groups = await self._staff_groups()
        rows = await self._all(
            "SELECT * FROM staff s WHERE NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.kind = 'staff' AND a.person_id = s.staff_id) ORDER BY staff_id"
        )
        return [_staff(r, groups.get(r["staff_id"], ())) for r in rows]

    async def unlinked_guardians(self) -> list[tuple[Guardian, list[str]]]:
        rows = await self._all(
            "SELECT g.*, group_concat(l.pupil_id, '|') AS pupil_ids FROM guardians g"
            " JOIN guardian_links l ON l.guardian_id = g.guardian_id"
            " WHERE NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.kind = 'guardian' AND a.person_id = g.guardian_id)"
            " GROUP BY g.guardian_id ORDER BY g.guardian_id"
        )
        return [(_guardian(r), sorted(r["pupil_ids"].split("|"))) for r in rows]

    async def unlinked_pupils(self) -> list[Pupil]:
        rows = await self._all(
            "SELECT * FROM pupils p WHERE NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.kind = 'pupil' AND a.person_id = p.pupil_id) ORDER BY pupil_id"
        )
        return [_pupil(r) for r in rows]

    # --- outbox -----------------------------------------------------------

    async def enqueue(
        self,
        *,
        chat_id: int,
        text: str,
        purpose: str,
        now: datetime,
        reply_markup: str | None = None,
        protect_content: bool = False,
        recipient: tuple[PersonKind, str] | None = None,
        not_before: datetime | None = None,
    ) -> int:
        self.wrote_outbox = True
        async with self._conn.execute(
            "INSERT INTO outbox (chat_id, recipient_kind, recipient_id, purpose, text,"
            " reply_markup, protect_content, created_at, not_before)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                recipient[0].value if recipient else None,
                recipient[1] if recipient else None,
                purpose,
                text,
                reply_markup,
                int(protect_content),
                iso(now),
                iso(not_before or now),
            ),
        ) as cur:
            return int(cur.lastrowid or 0)

    async def due_messages(self, now: datetime, limit: int) -> list[OutgoingMessage]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' AND not_before <= ? ORDER BY id LIMIT ?",
            (iso(now), limit),
        )
        return [
            OutgoingMessage(
                id=r["id"],
                chat_id=r["chat_id"],
                text=r["text"],
                reply_markup=r["reply_markup"],
                protect_content=bool(r["protect_content"]),
                attempts=r["attempts"],
                recipient_kind=r["recipient_kind"],
                recipient_id=r["recipient_id"],
                purpose=r["purpose"],
            )
            for r in rows
        ]

    async def next_not_before(self) -> datetime | None:
        row = await self._one("SELECT min(not_before) AS t FROM outbox WHERE status = 'pending'")
        return None if row is None or row["t"] is None else from_iso(row["t"])

    async def mark_sent(self, message_id: int, telegram_id: int | None, now: datetime) -> None:
        await self._run(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (iso(now), telegram_id, message_id),
        )

    async def mark_attempt_failed(self, message_id: int, error: str) -> None:
        await self._run(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error, message_id),
        )

    async def mark_undeliverable(self, message_id: int, status: str, error: str) -> None:
        await self._run(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (status, error, message_id),
        )

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._all("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    # --- audit trail ------------------------------------------------------

    async def audit(
        self,
        *,
        now: datetime,
        actor: tuple[str, str | None],
        action: str,
        pupil_id: str | None = None,
        subject: tuple[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self._run(
            "INSERT INTO audit_log (at, actor_kind, actor_id, action, pupil_id,"
            " subject_kind, subject_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                iso(now),
                actor[0],
                actor[1],
                action,
                pupil_id,
                subject[0] if subject else None,
                subject[1] if subject else None,
                json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            ),
        )

    async def audit_entries(self, pupil_id: str | None = None) -> list[dict[str, Any]]:
        if pupil_id is None:
            rows = await self._all("SELECT * FROM audit_log ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM audit_log WHERE pupil_id = ? ORDER BY id", (pupil_id,)
            )
        return [dict(r) for r in rows]


def _staff(row: aiosqlite.Row, groups: tuple[str, ...]) -> StaffMember:
    return StaffMember(
        staff_id=row["staff_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=Role(row["role"]),
        groups=groups,
    )


def _pupil(row: aiosqlite.Row) -> Pupil:
    return Pupil(
        pupil_id=row["pupil_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        group=row["group_name"],
        language=row["language"],
    )


def _guardian(row: aiosqlite.Row) -> Guardian:
    return Guardian(
        guardian_id=row["guardian_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        language=row["language"],
    )


def _link(row: aiosqlite.Row) -> GuardianLink:
    return GuardianLink(
        guardian_id=row["guardian_id"],
        pupil_id=row["pupil_id"],
        relation=row["relation"],
        authority=bool(row["authority"]),
    )
