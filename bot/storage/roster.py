"""The roster: staff, pupils, guardians and the links between them as the school's administration
exports them, and what Samen records on top: a guardian's information rights (recognition,
requests for information, an adult pupil's consent, restrictions), a pupil's capability
judgement and the day a pupil left."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from bot.rules.models import (
    FamilyContact,
    Guardian,
    GuardianLink,
    Pupil,
    PupilContacts,
    StaffMember,
)
from bot.rules.rights import LinkFacts, PupilFacts, Restriction, RestrictionKind
from bot.storage.executor import Executor
from bot.storage.records import _guardian, _link, _pupil, _staff, iso, marks


class RosterQueries(Executor):
    """Staff, pupils, guardians, guardian links and the facts that decide a guardian's rights."""

    async def all_staff(self) -> list[StaffMember]:
        """Every staff member with their groups."""
        rows = await self._all("SELECT * FROM staff ORDER BY staff_id")
        groups = await self._staff_groups()
        return [_staff(r, groups.get(r["staff_id"], ())) for r in rows]

    async def _staff_groups(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for r in await self._all("SELECT * FROM staff_groups ORDER BY group_name"):
            out.setdefault(r["staff_id"], []).append(r["group_name"])
        return {k: tuple(v) for k, v in out.items()}

    async def staff_member(self, staff_id: str) -> StaffMember | None:
        """One staff member with their groups, or None."""
        row = await self._one("SELECT * FROM staff WHERE staff_id = ?", (staff_id,))
        if row is None:
            return None
        groups = await self._all(
            "SELECT group_name FROM staff_groups WHERE staff_id = ? ORDER BY group_name",
            (staff_id,),
        )
        return _staff(row, tuple(g["group_name"] for g in groups))

    async def upsert_staff(self, member: StaffMember, now: datetime) -> None:
        """Insert or update a staff member and replace their groups."""
        await self._run(
            "INSERT INTO staff (staff_id, first_name, last_name, role, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET"
            " first_name = excluded.first_name, last_name = excluded.last_name,"
            " role = excluded.role, updated_at = excluded.updated_at",
            (member.staff_id, member.first_name, member.last_name, member.role.value, iso(now)),
        )
        await self._run("DELETE FROM staff_groups WHERE staff_id = ?", (member.staff_id,))
        await self._run_many(
            "INSERT INTO staff_groups (staff_id, group_name) VALUES (?, ?)",
            [(member.staff_id, g) for g in member.groups],
        )

    async def all_pupils(self) -> list[Pupil]:
        """Every pupil on the roster, those who left included."""
        return [_pupil(r) for r in await self._all("SELECT * FROM pupils ORDER BY pupil_id")]

    async def pupil(self, pupil_id: str) -> Pupil | None:
        """One pupil by id, or None."""
        row = await self._one("SELECT * FROM pupils WHERE pupil_id = ?", (pupil_id,))
        return None if row is None else _pupil(row)

    async def upsert_pupil(self, pupil: Pupil, now: datetime) -> None:
        """Insert or update a pupil's roster data."""
        await self.upsert_pupils([pupil], now)

    async def upsert_pupils(self, pupils: Iterable[Pupil], now: datetime) -> None:
        """Insert or update the roster data of many pupils (one statement for all)."""
        stamp = iso(now)
        await self._run_many(
            "INSERT INTO pupils (pupil_id, first_name, last_name, birth_date, group_name,"
            " language, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (pupil_id) DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, birth_date = excluded.birth_date,"
            " group_name = excluded.group_name, language = excluded.language,"
            " updated_at = excluded.updated_at",
            [
                (
                    pupil.pupil_id,
                    pupil.first_name,
                    pupil.last_name,
                    pupil.birth_date.isoformat(),
                    pupil.group,
                    pupil.language,
                    stamp,
                )
                for pupil in pupils
            ],
        )

    async def pupil_ids(self) -> set[str]:
        """The ids of every pupil on the roster."""
        return {r["pupil_id"] for r in await self._all("SELECT pupil_id FROM pupils")}

    async def all_guardians(self) -> list[Guardian]:
        """Every guardian on the roster."""
        rows = await self._all("SELECT * FROM guardians ORDER BY guardian_id")
        return [_guardian(r) for r in rows]

    async def guardian(self, guardian_id: str) -> Guardian | None:
        """One guardian by id, or None."""
        row = await self._one("SELECT * FROM guardians WHERE guardian_id = ?", (guardian_id,))
        return None if row is None else _guardian(row)

    async def all_guardian_links(self) -> list[GuardianLink]:
        """Every link between a guardian and a pupil."""
        rows = await self._all("SELECT * FROM guardian_links ORDER BY guardian_id, pupil_id")
        return [_link(r) for r in rows]

    async def upsert_guardian(self, guardian: Guardian, now: datetime) -> None:
        """Insert or update a guardian."""
        await self.upsert_guardians([guardian], now)

    async def upsert_guardians(self, guardians: Iterable[Guardian], now: datetime) -> None:
        """Insert or update many guardians (one statement for all)."""
        stamp = iso(now)
        await self._run_many(
            "INSERT INTO guardians (guardian_id, first_name, last_name, language, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guardian_id) DO UPDATE SET"
            " first_name = excluded.first_name, last_name = excluded.last_name,"
            " language = excluded.language, updated_at = excluded.updated_at",
            [(g.guardian_id, g.first_name, g.last_name, g.language, stamp) for g in guardians],
        )

    async def upsert_guardian_link(self, link: GuardianLink) -> None:
        """Insert or update the link between a guardian and a pupil."""
        await self.upsert_guardian_links([link])

    async def upsert_guardian_links(self, links: Iterable[GuardianLink]) -> None:
        """Insert or update many guardian–pupil links (one statement for all)."""
        await self._run_many(
            "INSERT INTO guardian_links (guardian_id, pupil_id, relation, authority)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (guardian_id, pupil_id) DO UPDATE SET"
            " relation = excluded.relation, authority = excluded.authority",
            [(x.guardian_id, x.pupil_id, x.relation, int(x.authority)) for x in links],
        )

    async def children_of_guardian(
        self, guardian_id: str, *, at_school: bool = False
    ) -> list[Pupil]:
        """`at_school`: without children who left (what a parent's menu shows); a copy of
        the data Samen keeps includes them until they are purged."""
        rows = await self._all(
            "SELECT p.* FROM pupils p JOIN guardian_links l ON l.pupil_id = p.pupil_id"
            " WHERE l.guardian_id = ? AND (? = 0 OR p.left_on IS NULL)"
            " ORDER BY p.first_name, p.pupil_id",
            (guardian_id, int(at_school)),
        )
        return [_pupil(r) for r in rows]

    async def staff_of_group(self, group: str) -> list[StaffMember]:
        """The teachers of a group."""
        rows = await self._all(
            "SELECT s.* FROM staff s JOIN staff_groups g ON g.staff_id = s.staff_id"
            " WHERE g.group_name = ? AND s.role = 'teacher' ORDER BY s.last_name",
            (group,),
        )
        return [_staff(r, (group,)) for r in rows]

    async def groups(self) -> list[str]:
        # Pupils who left are in no group: not in pickers, overviews or good-news reminders.
        """The groups that have pupils at school."""
        rows = await self._all(
            "SELECT DISTINCT group_name FROM pupils WHERE left_on IS NULL ORDER BY group_name"
        )
        return [r["group_name"] for r in rows]

    async def pupils_of_groups(self, groups: Iterable[str]) -> list[Pupil]:
        """The pupils at school in these groups, by group and name."""
        wanted = sorted(set(groups))
        if not wanted:
            return []
        rows = await self._all(
            f"SELECT * FROM pupils WHERE group_name IN ({marks(wanted)})"
            " AND left_on IS NULL ORDER BY group_name, first_name, last_name",
            wanted,
        )
        return [_pupil(r) for r in rows]

    async def contacts_of_groups(self, groups: Iterable[str]) -> list[PupilContacts]:
        """Pupils of the groups with each guardian's reachability, in two queries."""
        wanted = sorted(set(groups))
        if not wanted:
            return []
        in_groups = marks(wanted)
        pupils = [
            _pupil(r)
            for r in await self._all(
                f"SELECT * FROM pupils WHERE group_name IN ({in_groups}) AND left_on IS NULL"
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
            f" WHERE p.group_name IN ({in_groups}) ORDER BY l.authority DESC, g.first_name",
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

    async def roster_counts(self) -> dict[str, int]:
        """How many staff members, pupils, guardians and accounts there are."""
        counts = {}
        for table in ("staff", "pupils", "guardians", "accounts"):
            row = await self._one(f"SELECT count(*) FROM {table}")
            counts[table] = int(row[0]) if row else 0
        return counts

    async def left_on_by_pupil(self) -> dict[str, date | None]:
        """The day each pupil left, or None while at school."""
        rows = await self._all("SELECT pupil_id, left_on FROM pupils")
        return {
            r["pupil_id"]: date.fromisoformat(r["left_on"]) if r["left_on"] else None for r in rows
        }

    async def set_left_on(self, pupil_id: str, left_on: date | None) -> None:
        """Record the day a pupil left (None: at school)."""
        await self._run(
            "UPDATE pupils SET left_on = ? WHERE pupil_id = ?",
            (left_on.isoformat() if left_on else None, pupil_id),
        )

    async def rights_facts(self, pupil_id: str) -> tuple[PupilFacts, list[LinkFacts]] | None:
        """What decides the guardians' information rights about a pupil; None: unknown pupil."""
        row = await self._one("SELECT * FROM pupils WHERE pupil_id = ?", (pupil_id,))
        if row is None:
            return None
        pupil = PupilFacts(
            birth_date=date.fromisoformat(row["birth_date"]),
            capable=row["capable"] is None or bool(row["capable"]),
            capability_reason=row["capability_reason"],
        )
        restrictions = {
            r["guardian_id"]: Restriction(
                RestrictionKind(r["kind"]), r["reason"], frozenset(json.loads(r["allowed"]))
            )
            for r in await self._all(
                "SELECT * FROM restrictions WHERE pupil_id = ? AND lifted_at IS NULL", (pupil_id,)
            )
        }
        links = [
            LinkFacts(
                guardian_id=r["guardian_id"],
                relation=r["relation"],
                authority=bool(r["authority"]),
                recognised=bool(r["recognised"]),
                information_requested=r["information_requested_at"] is not None,
                adult_pupil_consents=r["adult_consent_at"] is not None,
                restriction=restrictions.get(r["guardian_id"]),
                day_to_day_allowed_by=r["day_to_day_allowed_by"],
            )
            for r in await self._all(
                "SELECT * FROM guardian_links WHERE pupil_id = ? ORDER BY authority DESC,"
                " guardian_id",
                (pupil_id,),
            )
        ]
        return pupil, links

    async def guardians_of_pupil(self, pupil_id: str) -> list[tuple[Guardian, GuardianLink]]:
        """A pupil's guardians with their links, those with authority first."""
        rows = await self._all(
            "SELECT g.*, l.pupil_id, l.relation, l.authority FROM guardians g"
            " JOIN guardian_links l ON l.guardian_id = g.guardian_id WHERE l.pupil_id = ?"
            " ORDER BY l.authority DESC, g.guardian_id",
            (pupil_id,),
        )
        return [(_guardian(r), _link(r)) for r in rows]

    async def guardian_children_ids(self, guardian_id: str) -> list[str]:
        """The ids of a guardian's children."""
        rows = await self._all(
            "SELECT pupil_id FROM guardian_links WHERE guardian_id = ? ORDER BY pupil_id",
            (guardian_id,),
        )
        return [r["pupil_id"] for r in rows]

    async def set_capability(self, pupil_id: str, capable: bool | None, reason: str | None) -> None:
        """Record whether a pupil is capable of judging the matter, and why (None: no judgement)."""
        await self._run(
            "UPDATE pupils SET capable = ?, capability_reason = ? WHERE pupil_id = ?",
            (None if capable is None else int(capable), reason, pupil_id),
        )

    async def set_information_request(
        self, guardian_id: str, pupil_id: str, at: datetime | None
    ) -> None:
        """Record when a parent asked for information about a pupil (None clears it)."""
        await self._run(
            "UPDATE guardian_links SET information_requested_at = ?"
            " WHERE guardian_id = ? AND pupil_id = ?",
            (iso(at) if at else None, guardian_id, pupil_id),
        )

    async def set_day_to_day_allowed(
        self, guardian_id: str, pupil_id: str, allowed_by: str | None
    ) -> None:
        """Record which guardian allowed a foster parent day-to-day information (None: not)."""
        await self._run(
            "UPDATE guardian_links SET day_to_day_allowed_by = ?"
            " WHERE guardian_id = ? AND pupil_id = ?",
            (allowed_by, guardian_id, pupil_id),
        )

    async def set_adult_consent(self, guardian_id: str, pupil_id: str, at: datetime | None) -> None:
        """Record when an adult pupil consented to informing this guardian (None clears it)."""
        await self._run(
            "UPDATE guardian_links SET adult_consent_at = ? WHERE guardian_id = ? AND pupil_id = ?",
            (iso(at) if at else None, guardian_id, pupil_id),
        )

    async def set_recognised(self, guardian_id: str, pupil_id: str, recognised: bool) -> None:
        """Record whether this parent ever recognised the child."""
        await self._run(
            "UPDATE guardian_links SET recognised = ? WHERE guardian_id = ? AND pupil_id = ?",
            (int(recognised), guardian_id, pupil_id),
        )

    async def add_restriction(
        self,
        guardian_id: str,
        pupil_id: str,
        restriction: Restriction,
        now: datetime,
        by: str | None,
    ) -> None:
        """Restrict a guardian's information about a pupil, lifting any active restriction first."""
        await self.lift_restriction(guardian_id, pupil_id, now, by)
        await self._run(
            "INSERT INTO restrictions (guardian_id, pupil_id, kind, reason, allowed,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                guardian_id,
                pupil_id,
                restriction.kind.value,
                restriction.reason,
                json.dumps(sorted(restriction.allowed)),
                iso(now),
                by,
            ),
        )

    async def lift_restriction(
        self, guardian_id: str, pupil_id: str, now: datetime, by: str | None
    ) -> bool:
        """Lift a guardian's active restriction about a pupil; False when there was none."""
        return (
            await self._run(
                "UPDATE restrictions SET lifted_at = ?, lifted_by = ?"
                " WHERE guardian_id = ? AND pupil_id = ? AND lifted_at IS NULL",
                (iso(now), by, guardian_id, pupil_id),
            )
            > 0
        )
