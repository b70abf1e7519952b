"""Good news: a teacher's positive message about a pupil to the family, the family's reactions,
and the reminders to teachers to send some."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.rules.models import NewsRecipient, PersonKind, Pupil
from bot.storage.executor import Executor
from bot.storage.records import _news_recipient, _pupil, from_iso, iso, marks

# The pupils of some groups waiting for good news ({columns} of them, {groups} the groups'
# marks), then what {then} makes of them. MATERIALIZED: each pupil's last news is looked up
# once, where a subquery in FROM would be folded into the outer query and look it up once for
# every mention of it.
_WAITING = (
    "WITH waiting AS MATERIALIZED (SELECT {columns}, (SELECT max(n.send_at)"
    " FROM positive_news n WHERE n.pupil_id = p.pupil_id AND n.send_at <= ?) AS last_news"
    " FROM pupils p WHERE p.group_name IN ({groups}) AND p.left_on IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM safety_exceptions s"
    " WHERE s.pupil_id = p.pupil_id AND s.lifted_at IS NULL))"
    " {then} WHERE last_news IS NULL OR last_news < ?"
)


class NewsQueries(Executor):
    """Good news, its recipients and reactions, and good-news reminders."""

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
        """Record good news about a pupil, sent at `send_at`; returns its id."""
        return await self._insert(
            "INSERT INTO positive_news (pupil_id, staff_id, themes, own_words, created_at,"
            " send_at) VALUES (?, ?, ?, ?, ?, ?)",
            (pupil_id, staff_id, json.dumps(list(themes)), own_words, iso(now), iso(send_at)),
        )

    async def add_news_recipient(
        self, news_id: int, kind: PersonKind, person_id: str, outbox_id: int | None
    ) -> None:
        """Record a family member sent the good news, with the outbox message."""
        await self._run(
            "INSERT INTO positive_news_recipients (news_id, person_kind, person_id, outbox_id)"
            " VALUES (?, ?, ?, ?)",
            (news_id, kind.value, person_id, outbox_id),
        )

    async def news_recipient(
        self, news_id: int, kind: PersonKind, person_id: str
    ) -> NewsRecipient | None:
        """A recipient of good news (with its pupil and teacher), or None."""
        row = await self._one(
            "SELECT r.*, n.pupil_id, n.staff_id FROM positive_news_recipients r"
            " JOIN positive_news n ON n.id = r.news_id"
            " WHERE r.news_id = ? AND r.person_kind = ? AND r.person_id = ?",
            (news_id, kind.value, person_id),
        )
        return None if row is None else _news_recipient(row)

    async def news_sent_as(self, chat_id: int, telegram_id: int) -> int | None:
        """The good news a Telegram message in this chat carries, or None."""
        row = await self._one(
            "SELECT r.news_id FROM positive_news_recipients r JOIN outbox o ON o.id = r.outbox_id"
            " WHERE o.chat_id = ? AND o.message_id = ?",
            (chat_id, telegram_id),
        )
        return None if row is None else int(row["news_id"])

    async def set_news_reaction(
        self,
        news_id: int,
        kind: PersonKind,
        person_id: str,
        reaction: str,
        now: datetime,
        text: str | None = None,
    ) -> None:
        """Store a recipient's reaction to good news (and their words, if any)."""
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

    async def news_reminder_handled(self, staff_id: str, occurrence: datetime) -> bool:
        """Whether this teacher's good-news reminder of `occurrence` was handled."""
        row = await self._one(
            "SELECT 1 FROM news_reminders WHERE staff_id = ? AND occurrence = ?",
            (staff_id, iso(occurrence)),
        )
        return row is not None

    async def record_news_reminder(
        self, staff_id: str, occurrence: datetime, pupils: int, now: datetime
    ) -> None:
        """Record a teacher's good-news reminder of `occurrence` (`pupils`: how many it named)."""
        await self._run(
            "INSERT INTO news_reminders (staff_id, occurrence, handled_at, pupils)"
            " VALUES (?, ?, ?, ?)",
            (staff_id, iso(occurrence), iso(now), pupils),
        )

    async def news_reminders_handled(self, occurrence: datetime) -> set[str]:
        """The staff whose good-news reminder of `occurrence` was handled."""
        rows = await self._all(
            "SELECT staff_id FROM news_reminders WHERE occurrence = ?", (iso(occurrence),)
        )
        return {r["staff_id"] for r in rows}

    async def record_news_reminders(
        self, occurrence: datetime, counts: Sequence[tuple[str, int]], now: datetime
    ) -> None:
        """Record the good-news reminders of `occurrence` for many teachers: (staff id, pupils)."""
        await self._run_many(
            "INSERT INTO news_reminders (staff_id, occurrence, handled_at, pupils)"
            " VALUES (?, ?, ?, ?)",
            [(staff_id, iso(occurrence), iso(now), n) for staff_id, n in counts],
        )

    async def teachers_to_remind(self, occurrence: datetime) -> list[tuple[str, tuple[str, ...]]]:
        """The teachers with groups whose good-news reminder of `occurrence` is not handled
        yet: (staff id, their groups), by staff id."""
        rows = await self._all(
            "SELECT s.staff_id, g.group_name FROM staff s"
            " JOIN staff_groups g ON g.staff_id = s.staff_id"
            " WHERE s.role = 'teacher' AND NOT EXISTS (SELECT 1 FROM news_reminders r"
            " WHERE r.staff_id = s.staff_id AND r.occurrence = ?)"
            " ORDER BY s.staff_id, g.group_name",
            (iso(occurrence),),
        )
        teachers: dict[str, list[str]] = {}
        for r in rows:
            teachers.setdefault(r["staff_id"], []).append(r["group_name"])
        return [(staff_id, tuple(groups)) for staff_id, groups in teachers.items()]

    async def waiting_for_news(
        self, groups: Sequence[str], sent_before: datetime | None, now: datetime
    ) -> list[tuple[Pupil, datetime | None]]:
        """The pupils at school in these groups whose family may get automated messages (no
        safety exception) and whose last good news, sent by `now`, was sent before
        `sent_before` (None: only those without any): each with when that was, by group and
        pupil id. One query, each pupil's last news found through its index."""
        wanted = sorted(set(groups))
        if not wanted:
            return []
        rows = await self._all(
            _WAITING.format(
                columns="p.pupil_id, p.first_name, p.last_name, p.birth_date, p.group_name,"
                " p.language",
                groups=marks(wanted),
                then="SELECT * FROM waiting",
            )
            + " ORDER BY group_name, pupil_id",
            (iso(now), *wanted, iso(sent_before) if sent_before else ""),
        )
        return [(_pupil(r), from_iso(r["last_news"]) if r["last_news"] else None) for r in rows]

    async def how_many_waiting_for_news(
        self, groups: Sequence[str], sent_before: datetime | None, now: datetime
    ) -> dict[str, int]:
        """How many pupils of each of these groups `waiting_for_news` names (groups with none
        left out): where only the number is kept, nobody is read."""
        wanted = sorted(set(groups))
        if not wanted:
            return {}
        rows = await self._all(
            _WAITING.format(
                columns="p.group_name",
                groups=marks(wanted),
                then="SELECT group_name, count(*) AS n FROM waiting",
            )
            + " GROUP BY group_name",
            (iso(now), *wanted, iso(sent_before) if sent_before else ""),
        )
        return {r["group_name"]: r["n"] for r in rows}

    async def news_reminders_sent(self, staff_id: str) -> list[tuple[datetime, int]]:
        """A teacher's good-news reminders as (occurrence, pupils), oldest first."""
        rows = await self._all(
            "SELECT occurrence, pupils FROM news_reminders WHERE staff_id = ? ORDER BY occurrence",
            (staff_id,),
        )
        return [(from_iso(r["occurrence"]), r["pupils"]) for r in rows]
