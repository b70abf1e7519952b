"""The pupil file's source: every stored row about one pupil, table by table;
bot/rules/pupil_file_events.py makes the events of the file (JSON and PDF) from them."""

from __future__ import annotations

from typing import Any

from bot.storage.executor import Executor


class PupilFileQueries(Executor):
    """The rows of one pupil's file."""

    # One query per table: every row that belongs to one pupil (?1), in the order it was
    # written. Rows of child tables come through their meeting, discussion or news of this
    # pupil, so nothing of another pupil can come along. bot/rules/pupil_file_events.py
    # makes the events.
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
        ("family_messages", "SELECT * FROM family_messages WHERE pupil_id = ?1 ORDER BY id"),
        ("absences", "SELECT * FROM absences WHERE pupil_id = ?1 ORDER BY id"),
        ("safety_exceptions", "SELECT * FROM safety_exceptions WHERE pupil_id = ?1 ORDER BY id"),
        # The code hash stays out: the file is about people, not secrets.
        (
            "invitations",
            # Its id names it without its code hash (a secret's): whose, and when it was made.
            "SELECT kind || ':' || person_id || ':' || created_at AS id,"
            " kind, person_id, created_at, expires_at, used_at, revoked_at"
            " FROM invitations WHERE (kind = 'pupil' AND person_id = ?1)"
            " OR (kind = 'guardian' AND person_id IN"
            "     (SELECT guardian_id FROM guardian_links WHERE pupil_id = ?1))"
            " ORDER BY created_at, kind, person_id",
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
        """Every row about one pupil, by table name (see _PUPIL_FILE_QUERIES), every column.

        The one query that gives rows keyed by column, on purpose: the file a family may ask
        for must show all that is stored, so a column a later migration adds appears in it
        without anyone remembering to add it to a record (tests/test_pupil_file.py checks
        that every row of every table is in the file)."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for table, sql in self._PUPIL_FILE_QUERIES:
            rows[table] = [dict(r) for r in await self._all(sql, (pupil_id,))]
        return rows
