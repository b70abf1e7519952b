"""Retention: the expiry rule, `samen purge` (dry run and apply), the append-only triggers
that allow only purge's pseudonymisation, and leavers found by the roster import."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.cli import main
from bot.platform.config import ConfigError, RetentionSettings, Settings, load_settings
from bot.rules.models import (
    Agreement,
    AuditEntry,
    FlowState,
    Guardian,
    GuardianLink,
    Invitee,
    Participant,
    PersonKind,
    Pupil,
    Recipient,
    Summary,
)
from bot.rules.rights import Restriction, RestrictionKind
from bot.services.pseudonym_key import read_key_file
from bot.services.retention import apply_purge, cutoff, expired_kinds, plan_purge, pseudonym
from bot.services.roster_import import too_many_leavers
from bot.storage import Database, ServerDatabase, Tx, open_database
from bot.storage.queries import Queries
from tests.harness import AMSTERDAM
from tests.places import Place, run_now

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

# --- (a) the rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        (date(2026, 11, 30), 2, date(2024, 11, 30)),
        (date(2028, 2, 29), 2, date(2026, 3, 1)),  # no 29 February then: a whole year later
        (date(2028, 2, 29), 4, date(2024, 2, 29)),
        (date(2026, 1, 1), 30, date(1996, 1, 1)),
    ],
)
def test_cutoff(today: date, years: int, expected: date) -> None:
    assert cutoff(today, years) == expected


DEFAULT = RetentionSettings()
EVERY_KIND = frozenset({"chat", "meetings", "care", "news", "route", "roster", "audit"})


@pytest.mark.parametrize(
    ("left_on", "retention", "expected"),
    [
        (None, DEFAULT, frozenset()),  # still at school
        (date(2026, 11, 29), DEFAULT, frozenset()),  # left yesterday
        (date(2024, 11, 30), DEFAULT, frozenset()),  # exactly two years: not more than two
        (date(2024, 11, 29), DEFAULT, EVERY_KIND),  # two years and a day
        (date(2023, 11, 30), DEFAULT, EVERY_KIND),
        (date(2027, 1, 1), DEFAULT, frozenset()),  # a date still to come
        (date(2023, 11, 30), RetentionSettings(audit=5), EVERY_KIND - {"audit"}),
        (date(2021, 11, 29), RetentionSettings(audit=5), EVERY_KIND),
        (date(2025, 10, 1), RetentionSettings(chat=1), frozenset({"chat"})),
        (date(2025, 10, 1), RetentionSettings(years=1, roster=3), EVERY_KIND - {"roster"}),
        (date(2024, 1, 1), RetentionSettings(years=3, roster=4, care=4), frozenset()),
    ],
)
def test_expired_kinds(left_on: date | None, retention: RetentionSettings, expected) -> None:
    assert expired_kinds(TODAY, left_on, retention) == expected


def test_a_leap_day_leaver_expires_after_28_february() -> None:
    left = date(2024, 2, 29)
    assert "chat" not in expired_kinds(date(2026, 2, 28), left, DEFAULT)
    assert "chat" in expired_kinds(date(2026, 3, 1), left, DEFAULT)


def _config(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "samen.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"SAMEN_CONFIG": str(path)})


def test_retention_settings_from_samen_toml(tmp_path: Path) -> None:
    assert load_settings({}).retention == RetentionSettings()
    settings = _config(tmp_path, "[retention]\nyears = 3\naudit = 7\nchat = 1\n")
    assert [settings.retention.years_for(k) for k in ("chat", "care", "roster", "audit")] == [
        1,
        3,
        3,
        7,
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("retention = 2", "[retention] must be a table"),
        ("[retention]\nyears = 0", "retention.years must be between 1 and 30"),
        ("[retention]\naudit = 31", "retention.audit must be between 1 and 30"),
        ("[retention]\nyears = 2.5", "retention.years must be a whole number"),
        ("[retention]\nchat = true", "retention.chat must be a whole number"),
        ("[retention]\nchats = 1", "unknown key `chats` in [retention]; did you mean `chat`?"),
        ("[retention]\ncare = 5", "retention.care (5 years) is longer than retention.roster"),
    ],
)
def test_bad_retention_settings_are_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        _config(tmp_path, text)


# --- (b) a school with three pupils ------------------------------------------------------

A, B, C = "P900", "P901", "P902"
NAMES = {A: ("Annabel", "Achterberg"), B: ("Bram", "Brouwershaven"), C: ("Cornelis", "Claessens")}
# GA only A's, GS shared by A and C (C is still at school), GB only B's, GC only C's.
FAMILY = {A: ["G900A", "G900S"], B: ["G901B"], C: ["G902C", "G900S"]}
GUARDIAN_NAMES = {
    "G900A": ("Arend", "Achterberg"),
    "G900S": ("Sanne", "Smit"),
    "G901B": ("Berend", "Brouwershaven"),
    "G902C": ("Carla", "Claessens"),
}
USERS = {
    ("guardian", "G900A"): 7700011,
    ("guardian", "G900S"): 7700012,
    ("guardian", "G901B"): 7700013,
    ("guardian", "G902C"): 7700014,
    ("pupil", A): 7700015,
    ("pupil", B): 7700016,
    ("pupil", C): 7700017,
    ("staff", "S900"): 7700020,
}
STAFF = "S900"


async def _roster(tx: Tx, now: datetime) -> int:
    """Pupils, guardians, accounts, invitations; returns the round every family books in."""
    for pupil_id, (first, last) in NAMES.items():
        await tx.upsert_pupil(Pupil(pupil_id, first, last, date(2010, 5, 1), "VSO-1"), now)
    for guardian_id, (first, last) in GUARDIAN_NAMES.items():
        await tx.upsert_guardian(Guardian(guardian_id, first, last, "nl"), now)
    for pupil_id, guardians in FAMILY.items():
        for guardian_id in guardians:
            await tx.upsert_guardian_link(GuardianLink(guardian_id, pupil_id, "parent", True))
    for (kind, person_id), user_id in USERS.items():
        await tx.touch_telegram_user(user_id, user_id, now)
        await tx.link_account(PersonKind(kind), person_id, user_id, now)
        await tx.add_invitation(
            f"hash-{person_id}", PersonKind(kind), person_id, now, now + timedelta(days=30)
        )
        if kind != "staff":
            await tx.audit(
                now=now,
                actor=(kind, person_id),
                action="account_linked",
                subject=(kind, person_id),
                pupil_id=person_id if kind == "pupil" else None,
            )
    return await tx.add_round(
        group="VSO-1",
        created_by=STAFF,
        now=now,
        deadline=now + timedelta(days=7),
        minutes=10,
        place="lokaal 3",
        separate_slots=False,
        slots=[now + timedelta(days=10, minutes=10 * i) for i in range(4)],
    )


async def _fill(tx: Tx, pupil_id: str, round_id: int, slot_index: int, now: datetime) -> None:
    """One of everything Samen keeps about a pupil, as the real flows write it."""
    first, last = NAMES[pupil_id]
    full = f"{first} {last}"
    guardians = FAMILY[pupil_id]
    own = guardians[0]  # the guardian who answers, books and reacts
    # a request to see data, by the pupil and by the guardian
    await tx.add_access_request(PersonKind.PUPIL, pupil_id, now, (now + timedelta(days=30)).date())
    await tx.add_access_request(PersonKind.GUARDIAN, own, now, (now + timedelta(days=30)).date())
    staff_chat = USERS[("staff", STAFF)]
    # meetings
    meeting_id = await tx.add_meeting(
        pupil_id=pupil_id,
        kind="progress",
        starts_at=now + timedelta(days=3),
        minutes=30,
        place_kind="room",
        place="lokaal 3",
        goal=f"how {first} is doing",
        alternatives=[],
        created_by=STAFF,
        now=now,
    )
    card = await tx.enqueue(
        chat_id=staff_chat,
        text=f"Talk about {first}",
        purpose="meeting_card",
        now=now,
        recipient=(PersonKind.STAFF, STAFF),
    )
    await tx.set_meeting_card(meeting_id, card)
    await tx.enqueue_edit(card, f"Talk about {first}: 1 yes", None, now)
    for guardian_id in guardians:
        invite = await tx.enqueue(
            chat_id=USERS[("guardian", guardian_id)],
            text=f"Invitation about {first}",
            purpose="meeting_invitation",
            now=now,
            recipient=(PersonKind.GUARDIAN, guardian_id),
            pupil_id=pupil_id,
        )
        await tx.add_invitee(
            Invitee(
                meeting_id, PersonKind.GUARDIAN, guardian_id, "nl", None, None, False, False, None
            ),
            invite,
        )
    await tx.set_invitee_answer(meeting_id, PersonKind.GUARDIAN, own, "come", None, now)
    await tx.save_preparation(meeting_id, {"goal": f"{first} settles in"}, STAFF, now)
    await tx.add_summary(
        Summary(
            meeting_id=meeting_id,
            attended=(f"guardian:{own}",),
            going_well=f"{first} reads well",
            agreements=(Agreement(f"{first} practises at home", "parents"),),
            advice_school="",
            advice_home="",
            next_step="again in March",
            written_by=STAFF,
            sent_at=now,
        )
    )
    await tx.add_summary_reader(meeting_id, PersonKind.GUARDIAN, own, None)
    await tx.add_question(meeting_id, PersonKind.GUARDIAN, own, f"Is {first} happy?", now)
    slot = (await tx.slots(round_id))[slot_index]
    assert await tx.book_slot(slot.id, pupil_id, (PersonKind.GUARDIAN, own), now)
    await tx.set_slot_meeting(slot.id, meeting_id)
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="meeting_planned",
        pupil_id=pupil_id,
        details={"meeting_id": meeting_id, "kind": "progress", "invited": len(guardians)},
    )
    # care: a consent discussion, answers, a reminder, a restriction, a safety exception
    discussion_id = await tx.add_discussion(
        pupil_id=pupil_id,
        kind="zat",
        purpose=f"support for {first}",
        starts_at=now + timedelta(days=14),
        participants=[Participant("Dr. A. Jansen", "school_doctor", "GGD")],
        shared_info=["reports"],
        created_by=STAFF,
        now=now,
        notice_deadline=None,
    )
    for guardian_id in guardians:
        request = await tx.enqueue(
            chat_id=USERS[("guardian", guardian_id)],
            text=f"May we discuss {first}?",
            purpose="zat_request",
            now=now,
            recipient=(PersonKind.GUARDIAN, guardian_id),
            pupil_id=pupil_id,
        )
        recipient = Recipient(
            discussion_id, PersonKind.GUARDIAN, guardian_id, True, "nl", "hash1", "v1", now
        )
        await tx.add_recipient(recipient, request)
        await tx.record_reminder(discussion_id, PersonKind.GUARDIAN, guardian_id, 1, now)
        for answer in ("talk", "agree"):
            await tx.add_answer(recipient, answer, USERS[("guardian", guardian_id)], now)
            await tx.audit(
                now=now,
                actor=("guardian", guardian_id),
                action=f"consent_{answer}",
                pupil_id=pupil_id,
                subject=("guardian", guardian_id),
                details={
                    "discussion_id": discussion_id,
                    "telegram_user": USERS[("guardian", guardian_id)],
                    "language": "nl",
                    "text_hash": "hash1",
                    "text_version": "v1",
                },
            )
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="consent_requested",
        pupil_id=pupil_id,
        details={
            "discussion_id": discussion_id,
            "kind": "zat",
            "recipients": [f"guardian:{g}" for g in guardians],
            "not_linked": 0,
            "paused": False,
        },
    )
    await tx.enqueue(
        chat_id=staff_chat,
        text=f"✅ Everyone agreed: {full} may be discussed.",
        purpose="care_update",
        now=now,
        recipient=(PersonKind.STAFF, STAFF),
    )
    await tx.add_restriction(
        own, pupil_id, Restriction(RestrictionKind.WITHHELD, f"{first} is afraid"), now, STAFF
    )
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="restriction_recorded",
        pupil_id=pupil_id,
        subject=("guardian", own),
        details={"kind": "withheld", "reason": f"{first} is afraid", "allowed": []},
    )
    exception_id = await tx.add_safety_exception(
        pupil_id, discussion_id, f"worries about {first}", STAFF, now
    )
    await tx.record_parents_told(exception_id, f"phoned {first}'s mother", now)
    await tx.lift_safety_exceptions(pupil_id, STAFF, now)
    await tx.set_capability(pupil_id, False, f"{first} cannot oversee this")
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="capability_recorded",
        pupil_id=pupil_id,
        subject=("pupil", pupil_id),
        details={"capable": False, "reason": f"{first} cannot oversee this"},
    )
    # positive news
    news_id = await tx.add_positive_news(
        pupil_id=pupil_id,
        staff_id=STAFF,
        themes=["kindness"],
        own_words=f"{first} helped a classmate",
        now=now,
        send_at=now,
    )
    for guardian_id in guardians:
        message = await tx.enqueue(
            chat_id=USERS[("guardian", guardian_id)],
            text=f"Good news about {first}",
            purpose="positive_news",
            now=now,
            recipient=(PersonKind.GUARDIAN, guardian_id),
            pupil_id=pupil_id,
        )
        await tx.add_news_recipient(news_id, PersonKind.GUARDIAN, guardian_id, message)
    await tx.set_news_reaction(news_id, PersonKind.GUARDIAN, own, "thanks", now, "Fijn!")
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="positive_news_sent",
        pupil_id=pupil_id,
        details={"news_id": news_id, "recipients": len(guardians)},
    )
    # support route
    await tx.set_route_step(pupil_id, "2", STAFF, now)
    await tx.toggle_route_tick(pupil_id, "2", "parents_told", STAFF, now)
    await tx.audit(
        now=now,
        actor=("staff", STAFF),
        action="route_ticked",
        pupil_id=pupil_id,
        details={"step": "2", "item": "parents_told"},
    )
    # chat: the pupil's own chat and flow, the family's, a staff notice with the full name
    await tx.enqueue(
        chat_id=USERS[("pupil", pupil_id)],
        text=f"Hoi {first}!",
        purpose="welcome",
        now=now,
        recipient=(PersonKind.PUPIL, pupil_id),
    )
    await tx.enqueue(
        chat_id=staff_chat,
        text=f"Good news is due for:\n• {full} (8 weeks)",
        purpose="news_reminder",
        now=now,
        recipient=(PersonKind.STAFF, STAFF),
    )
    await tx.save_flow(
        FlowState(USERS[("pupil", pupil_id)], "language", "pick", {}, f"n-{pupil_id}", now)
    )
    await tx.save_flow(
        FlowState(
            USERS[("guardian", own)], "question", "text", {"meeting_id": meeting_id}, "n", now
        )
    )
    await tx.record_start_failure(USERS[("pupil", pupil_id)], now)


async def build(path: Path | ServerDatabase, today: date, now: datetime) -> None:
    """A left three years ago, B one year ago, C is at school; every kind of data for each."""
    db = await open_database(path)
    try:
        async with db.transaction() as tx:
            round_id = await _roster(tx, now)
            for index, pupil_id in enumerate(NAMES):
                await _fill(tx, pupil_id, round_id, index, now)
            # A staff member's unfinished flow about A (the flow data holds A's id).
            await tx.save_flow(
                FlowState(USERS[("staff", STAFF)], "meeting", "when", {"pupil_id": A}, "n", now)
            )
            await tx.set_left_on(A, today.replace(year=today.year - 3))
            await tx.set_left_on(B, today.replace(year=today.year - 1))
    finally:
        await db.close()


TABLES = (
    "pupils",
    "guardians",
    "guardian_links",
    "telegram_users",
    "accounts",
    "invitations",
    "start_failures",
    "outbox",
    "audit_log",
    "restrictions",
    "discussions",
    "discussion_recipients",
    "answers",
    "reminders_sent",
    "safety_exceptions",
    "flows",
    "meetings",
    "meeting_invitees",
    "summaries",
    "summary_readers",
    "summary_questions",
    "rounds",
    "round_slots",
    "support_route",
    "support_route_ticks",
    "preparations",
    "positive_news",
    "positive_news_recipients",
    "news_reminders",
    "retention_pending",
    "access_requests",
)


def pupil_queries(pupil_id: str) -> tuple[dict[str, str], tuple[str, str, str]]:
    """A query a table for every row that is one pupil's (or their family's), and its
    parameters (?1 the pupil, ?2 their first name, ?3 their id quoted as in JSON)."""
    first = NAMES[pupil_id][0]
    guardians = FAMILY[pupil_id]
    users = [USERS[("pupil", pupil_id)]] + [USERS[("guardian", g)] for g in guardians]
    g = ",".join(f"'{x}'" for x in guardians)
    u = ",".join(str(x) for x in users)
    meetings = "SELECT id FROM meetings WHERE pupil_id = ?1"
    discussions = "SELECT id FROM discussions WHERE pupil_id = ?1"
    queries = {
        "pupils": "SELECT * FROM pupils WHERE pupil_id = ?1",
        "guardians": f"SELECT * FROM guardians WHERE guardian_id IN ({g})",
        "guardian_links": "SELECT * FROM guardian_links WHERE pupil_id = ?1",
        "telegram_users": f"SELECT * FROM telegram_users WHERE user_id IN ({u})",
        "accounts": f"SELECT * FROM accounts WHERE user_id IN ({u})",
        "invitations": f"SELECT * FROM invitations WHERE person_id = ?1 OR person_id IN ({g})",
        "start_failures": f"SELECT * FROM start_failures WHERE user_id IN ({u})",
        "outbox": "SELECT * FROM outbox WHERE pupil_id = ?1 OR recipient_id = ?1"
        " OR instr(text, ?2) > 0",
        # A shared guardian's rows without a pupil are theirs, kept while a child is at school.
        "audit_log": "SELECT * FROM audit_log WHERE pupil_id = ?1 OR (pupil_id IS NULL AND"
        f" (subject_id = ?1 OR subject_id IN ({g}) OR actor_id IN ({g})))",
        "restrictions": "SELECT * FROM restrictions WHERE pupil_id = ?1",
        "discussions": "SELECT * FROM discussions WHERE pupil_id = ?1",
        "discussion_recipients": "SELECT * FROM discussion_recipients"
        f" WHERE discussion_id IN ({discussions})",
        "answers": f"SELECT * FROM answers WHERE discussion_id IN ({discussions})",
        "reminders_sent": f"SELECT * FROM reminders_sent WHERE discussion_id IN ({discussions})",
        "safety_exceptions": "SELECT * FROM safety_exceptions WHERE pupil_id = ?1",
        "flows": f"SELECT * FROM flows WHERE user_id IN ({u}) OR instr(data, ?3) > 0",
        "meetings": "SELECT * FROM meetings WHERE pupil_id = ?1",
        "round_slots": "SELECT * FROM round_slots WHERE pupil_id = ?1",
        "support_route": "SELECT * FROM support_route WHERE pupil_id = ?1",
        "support_route_ticks": "SELECT * FROM support_route_ticks WHERE pupil_id = ?1",
        "positive_news": "SELECT * FROM positive_news WHERE pupil_id = ?1",
        "positive_news_recipients": "SELECT * FROM positive_news_recipients WHERE news_id IN"
        " (SELECT id FROM positive_news WHERE pupil_id = ?1)",
        "access_requests": "SELECT * FROM access_requests WHERE requester_id = ?1"
        f" OR requester_id IN ({g})",
    }
    for table in (
        "meeting_invitees",
        "summaries",
        "summary_readers",
        "summary_questions",
        "preparations",
    ):
        queries[table] = f"SELECT * FROM {table} WHERE meeting_id IN ({meetings})"
    return queries, (pupil_id, first, json.dumps(pupil_id))


def used(sql: str, params: tuple[str, ...]) -> tuple[str, ...]:
    """The parameters up to the highest ?N the query names (SQLite wants no more)."""
    return params[: max((int(n) for n in re.findall(r"\?(\d)", sql)), default=0)]


class School(Place):
    """The school of `build` on one of the backends, with what the purge's tests compare."""

    async def counts(self) -> dict[str, int]:
        return {t: int((await self.read(f"SELECT count(*) FROM {t}"))[0][0]) for t in TABLES}

    async def everything(self) -> str:
        """Every row of every table, as text."""
        lines = []
        for table in TABLES:
            rows = await self.read(f"SELECT * FROM {table}")
            lines.append(f"{table}: {sorted(map(repr, rows))}")
        return "\n".join(lines)

    async def rows_of(self, pupil_id: str) -> dict[str, list[tuple[object, ...]]]:
        queries, params = pupil_queries(pupil_id)
        return {
            table: sorted(await self.read(sql, used(sql, params)), key=repr)
            for table, sql in queries.items()
        }

    def pseudonym_of(self, kind: str, person_id: str) -> str:
        key = read_key_file(self.settings.pseudonym_key_file)
        assert key is not None
        return pseudonym(key, kind, person_id)


@pytest.fixture(name="school")
async def built_school(place: Place) -> School:
    """The school of `build`, in an SQLite file or in a fresh PostgreSQL database."""
    await build(place.location, TODAY, NOW)
    return School(place.location, place.settings)


def deleted_by(report_counts: dict[str, int]) -> dict[str, int]:
    """Rows each table loses according to a report (pseudonymised and released rows stay)."""
    out: dict[str, int] = {}
    for what, n in report_counts.items():
        if " " not in what:
            out[what] = out.get(what, 0) + n
    return out


def all_counts(report) -> dict[str, int]:
    out: dict[str, int] = {}
    for kind in report.kinds:
        for what, n in kind.counts:
            out[what] = out.get(what, 0) + n
    return out


async def test_dry_run_changes_nothing_and_apply_removes_exactly_what_it_said(
    school: School,
) -> None:
    settings = school.settings
    before_dump, before_counts = await school.everything(), await school.counts()
    b_before, c_before = await school.rows_of(B), await school.rows_of(C)
    a_before = await school.rows_of(A)
    assert all(a_before[t] for t in a_before), [t for t in a_before if not a_before[t]]

    db = await school.open()
    try:
        plan = await plan_purge(db, settings, TODAY)
        assert await school.everything() == before_dump  # a dry run writes nothing, not the key
        report = await apply_purge(db, settings, TODAY, NOW)
    finally:
        await db.close()
    assert not plan.applied and report.applied
    assert [(k.kind, k.pupils, k.counts) for k in plan.kinds] == [
        (k.kind, k.pupils, k.counts) for k in report.kinds
    ]
    assert {k.kind: k.pupils for k in report.kinds} == dict.fromkeys(report_kinds(), 1)
    assert report.kind("care").cutoff == date(2024, 11, 30)
    care = dict(report.kind("care").counts)
    assert care["discussions"] == 1 and care["answers pseudonymised"] == 4
    assert dict(report.kind("meetings").counts)["round_slots released"] == 1

    # Every table lost exactly what the report said, and nothing else.
    after_counts = await school.counts()
    lost = {
        t: before_counts[t] - after_counts[t]
        for t in TABLES
        if t not in ("retention_pending", "audit_log")
    }
    reported = deleted_by(all_counts(report))
    assert {t: n for t, n in lost.items() if n} == {t: n for t, n in reported.items() if n}
    assert after_counts["audit_log"] == before_counts["audit_log"] + 1  # the purge entry

    # B (left a year ago) and C (at school) are untouched, to the byte.
    assert await school.rows_of(B) == b_before
    assert await school.rows_of(C) == c_before

    # A is gone, apart from the pseudonymised answers and audit rows; what is left is the
    # shared guardian, kept for C, with only their link to C.
    a_after = await school.rows_of(A)
    left = {t for t, rows in a_after.items() if rows}
    assert left == {"guardians", "telegram_users", "accounts", "invitations", "audit_log"}
    assert [r[0] for r in a_after["guardians"]] == ["G900S"]
    assert {r[7] for r in a_after["audit_log"]} == {"G900S"}  # subject_id: GS's own linking
    assert await school.read(
        "SELECT guardian_id FROM guardians WHERE substr(guardian_id, 1, 4) = 'G900'"
    ) == [("G900S",)]
    assert await school.read("SELECT pupil_id FROM guardian_links WHERE guardian_id = 'G900S'") == [
        (C,)
    ]
    pseudonymous = await school.read(
        "SELECT pupil_id, actor_kind, actor_id, subject_id, action, details FROM audit_log"
        " WHERE substr(pupil_id, 1, 5) = 'anon:' ORDER BY id"
    )
    answers = await school.read(
        "SELECT person_kind, person_id, user_id, answer FROM answers"
        " WHERE substr(person_id, 1, 5) = 'anon:'"
    )
    guardian_only = await school.read(
        "SELECT actor_id, subject_id, details FROM audit_log WHERE action = 'account_linked'"
        " AND pupil_id IS NULL AND substr(actor_id, 1, 5) = 'anon:'"
    )
    purge = await school.read(
        "SELECT actor_kind, pupil_id, details FROM audit_log WHERE action = 'retention_purge'"
    )
    # One pseudonym for A in all their rows: linkable to each other, not to A.
    assert {r[0] for r in pseudonymous} == {school.pseudonym_of("pupil", A)}
    actions = [r[4] for r in pseudonymous]
    for action in ("account_linked", "meeting_planned", "consent_agree", "capability_recorded"):
        assert action in actions
    assert all(json.loads(r[5])["redacted"] is True for r in pseudonymous)
    assert not any("reason" in json.loads(r[5]) for r in pseudonymous)
    agreed = [r for r in pseudonymous if r[4] == "consent_agree"]
    assert {r[2] for r in agreed} == {
        school.pseudonym_of("guardian", "G900A"),
        school.pseudonym_of("guardian", "G900S"),
    }
    assert all("telegram_user" not in json.loads(r[5]) for r in agreed)
    assert json.loads(agreed[0][5])["text_hash"] == "hash1"
    assert len(answers) == 4 and {a[2] for a in answers} == {None}
    assert {a[3] for a in answers} == {"agree", "talk"}
    assert guardian_only == [
        (
            school.pseudonym_of("guardian", "G900A"),
            school.pseudonym_of("guardian", "G900A"),
            '{"redacted": true}',
        )
    ]
    assert purge[0][:2] == ("admin", None)
    assert A not in purge[0][2] and "anon:" not in purge[0][2] and "Annabel" not in purge[0][2]

    # Nothing anywhere names or identifies A or the guardian who was only A's.
    text = await school.everything()
    for secret in (A, "Annabel", "Achterberg", "G900A", "7700011", "7700015"):
        assert secret not in text, secret
    for still in (B, C, "G900S", "Sanne", "Bram", "Cornelis"):
        assert still in text, still


def report_kinds() -> tuple[str, ...]:
    return ("chat", "meetings", "care", "news", "route", "roster", "audit")


async def test_purging_twice_changes_nothing_more(school: School) -> None:
    db = await school.open()
    try:
        await apply_purge(db, school.settings, TODAY, NOW)
        before = await school.counts()
        again = await apply_purge(db, school.settings, TODAY, NOW)
    finally:
        await db.close()
    assert again.rows == 0
    assert await school.counts() == {**before, "audit_log": before["audit_log"] + 1}


async def test_a_longer_audit_keeps_the_trail_identifiable_until_its_own_time(
    school: School,
) -> None:
    settings = replace(school.settings, retention=RetentionSettings(audit=5))
    db = await school.open()
    try:
        report = await apply_purge(db, settings, TODAY, NOW)
        assert report.kind("audit").pupils == 0 and report.kind("roster").pupils == 1
        async with db.reading() as tx:
            kept = await tx.audit_entries(A)
            assert {e.action for e in kept} >= {"consent_agree", "capability_recorded"}
            assert await tx.pupil(A) is None
        assert await school.read("SELECT pupil_id, guardians FROM retention_pending") == [
            (A, '["G900A"]')
        ]
        linked = await school.read(
            "SELECT count(*) FROM audit_log WHERE action = 'account_linked'"
            " AND subject_id = 'G900A'"
        )
        assert linked == [(1,)]
        # Five years after A left: the trail is pseudonymised, the pending entry goes.
        later = date(TODAY.year + 2, 12, 1)
        plan = await plan_purge(db, settings, later)
        assert plan.kind("audit").pupils == 1  # A, from the pending list
        assert plan.kind("roster").pupils == 1  # B's turn came, but not yet for B's audit
        await apply_purge(db, settings, later, NOW + timedelta(days=731))
    finally:
        await db.close()
    text = await school.everything()
    for secret in (A, "G900A", "Annabel"):
        assert secret not in text, secret
    assert await school.read("SELECT pupil_id FROM retention_pending") == [(B,)]


async def test_a_roster_row_outlives_the_data_that_refers_to_it(school: School) -> None:
    # Settings made in code skip samen.toml's check; purge still keeps the roster row.
    settings = replace(school.settings, retention=RetentionSettings(care=5))
    db = await school.open()
    try:
        report = await apply_purge(db, settings, TODAY, NOW)
    finally:
        await db.close()
    assert report.kind("care").pupils == 0 and report.kind("roster").pupils == 0
    assert report.kind("chat").pupils == 1
    assert await school.read("SELECT count(*) FROM discussions WHERE pupil_id = ?", (A,)) == [(1,)]
    assert await school.read("SELECT count(*) FROM pupils WHERE pupil_id = ?", (A,)) == [(1,)]


async def test_a_failure_halfway_leaves_everything_as_it_was(school: School, monkeypatch) -> None:
    before = await school.everything()

    async def broken(self: Tx, *args: object, **kwargs: object) -> dict[str, int]:
        raise RuntimeError("disk full")

    # On the queries both backends share, so the failure comes on either.
    monkeypatch.setattr(Queries, "purge_roster", broken)
    db = await school.open()
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            await apply_purge(db, school.settings, TODAY, NOW)
    finally:
        await db.close()
    assert await school.everything() == before


# --- (c) the triggers -------------------------------------------------------------------

ANON = "anon:0123456789ab"
OTHER_ANON = "anon:ba9876543210"


async def _refused(db: Database, sql: str, params: tuple[object, ...] = ()) -> None:
    # The database's own refusal (a trigger on SQLite, a rule's function on PostgreSQL).
    with pytest.raises((sqlite3.IntegrityError, psycopg.Error), match="append-only"):
        async with db.transaction() as tx:
            await tx._run(sql, params)


async def test_the_triggers_allow_only_pseudonymisation(any_db: Database) -> None:
    db = any_db
    async with db.transaction() as tx:
        round_id = await _roster(tx, NOW)
        await _fill(tx, A, round_id, 0, NOW)
    rows = await _audit_rows(db)
    consent = next(r for r in rows if r.action == "consent_agree")
    redacted = json.dumps(
        {"redacted": True, "discussion_id": json.loads(consent.details)["discussion_id"]}
    )
    row_id = consent.id
    # audit_log: everything but exactly purge's change is refused
    for sql, params in [
        ("UPDATE audit_log SET action = 'x' WHERE id = ?", (row_id,)),
        ("UPDATE audit_log SET at = '2000-01-01' WHERE id = ?", (row_id,)),
        ("UPDATE audit_log SET actor_kind = 'staff' WHERE id = ?", (row_id,)),
        ("UPDATE audit_log SET details = '{}' WHERE id = ?", (row_id,)),
        ("UPDATE audit_log SET details = '{\"redacted\": 1}' WHERE id = ?", (row_id,)),
        (
            "UPDATE audit_log SET pupil_id = 'P901', details = ? WHERE id = ?",
            (redacted, row_id),
        ),
        ("UPDATE audit_log SET pupil_id = ? WHERE id = ?", (ANON, row_id)),  # details stay
        (
            "UPDATE audit_log SET pupil_id = 'anon:XYZ', details = ? WHERE id = ?",
            (redacted, row_id),
        ),
        (
            "UPDATE audit_log SET pupil_id = 'anon:0123456789abc', details = ? WHERE id = ?",
            (redacted, row_id),
        ),
        # a key it did not have, or another value for a key it had
        (
            "UPDATE audit_log SET details = ? WHERE id = ?",
            (json.dumps({"redacted": True, "approved": True}), row_id),
        ),
        (
            "UPDATE audit_log SET details = ? WHERE id = ?",
            (json.dumps({"redacted": True, "discussion_id": 999}), row_id),
        ),
        (
            "UPDATE audit_log SET details = ? WHERE id = ?",
            (json.dumps({"redacted": True, "language": "en"}), row_id),
        ),
        # a staff member's id is accountability, not the pupil's data
        (
            "UPDATE audit_log SET actor_id = ?, details = ? WHERE action = 'meeting_planned'",
            (ANON, redacted),
        ),
        ("DELETE FROM audit_log WHERE id = ?", (row_id,)),
        ("DELETE FROM audit_log", ()),
    ]:
        await _refused(db, sql, params)
    assert await _audit_rows(db) == rows
    # purge's change is allowed, once
    allowed = (
        "UPDATE audit_log SET pupil_id = ?, actor_id = ?, subject_id = ?, details = ? WHERE id = ?"
    )
    async with db.transaction() as tx:
        await tx._run(allowed, (ANON, OTHER_ANON, OTHER_ANON, redacted, row_id))
    await _refused(db, allowed, (OTHER_ANON, ANON, ANON, redacted, row_id))
    await _refused(db, "UPDATE audit_log SET details = '{}' WHERE id = ?", (row_id,))
    await _refused(db, "DELETE FROM audit_log WHERE id = ?", (row_id,))
    recipients = next(r for r in rows if r.action == "consent_requested")
    async with db.transaction() as tx:  # a list of people becomes a list of pseudonyms
        await tx._run(
            "UPDATE audit_log SET pupil_id = ?, details = ? WHERE id = ?",
            (
                ANON,
                json.dumps({"redacted": True, "recipients": [ANON, OTHER_ANON]}),
                recipients.id,
            ),
        )

    # answers
    async with db.reading() as tx:
        answer = (await tx._all("SELECT * FROM answers ORDER BY id"))[0]
    answer_id = answer["id"]
    for sql in [
        "UPDATE answers SET answer = 'refuse' WHERE id = ?",
        "UPDATE answers SET at = '2000-01-01' WHERE id = ?",
        "UPDATE answers SET text_hash = 'other' WHERE id = ?",
        "UPDATE answers SET discussion_id = 999 WHERE id = ?",
        "UPDATE answers SET user_id = NULL WHERE id = ?",
        "UPDATE answers SET person_id = 'G999' , user_id = NULL WHERE id = ?",
        f"UPDATE answers SET person_id = '{ANON}' WHERE id = ?",  # the account stays
        f"UPDATE answers SET person_id = '{ANON}', user_id = NULL, answer = 'refuse' WHERE id = ?",
        "DELETE FROM answers WHERE id = ?",
    ]:
        await _refused(db, sql, (answer_id,))
    purge = f"UPDATE answers SET person_id = '{ANON}', user_id = NULL WHERE id = ?"
    async with db.transaction() as tx:
        await tx._run(purge, (answer_id,))
    await _refused(db, f"UPDATE answers SET person_id = '{OTHER_ANON}' WHERE id = ?", (answer_id,))
    await _refused(db, "DELETE FROM answers", ())


async def _audit_rows(db: Database) -> list[AuditEntry]:
    async with db.reading() as tx:
        return await tx.audit_entries()


# --- (d) the roster import ------------------------------------------------------------


@pytest.fixture
def school_db(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    """An empty school on each backend; `samen` runs in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    return place


PUPILS = (EXAMPLES / "pupils.csv").read_text(encoding="utf-8")


def _left_on(place: Place) -> dict[str, str | None]:
    return dict(place.rows("SELECT pupil_id, left_on FROM pupils"))


def _import(tmp_path: Path, text: str) -> int:
    path = tmp_path / "pupils.csv"
    path.write_text(text, encoding="utf-8")
    return main(["import", "pupils", str(path)])


@pytest.mark.parametrize(
    ("leaving", "at_school", "refused"),
    [(5, 10, False), (6, 10, True), (10, 100, False), (11, 100, True), (0, 0, False)],
)
def test_how_many_leavers_one_file_may_make(leaving: int, at_school: int, refused: bool) -> None:
    assert too_many_leavers(leaving, at_school) is refused


def test_a_partial_pupils_file_is_refused_unless_the_leavers_are_confirmed(
    school_db, tmp_path, capsys
) -> None:
    assert main(["import", "pupils", str(EXAMPLES / "pupils.csv")]) == 0
    capsys.readouterr()
    one_group = "\n".join(
        line for line in PUPILS.splitlines() if line.startswith("pupil_id") or ",SO-Zon," in line
    )
    assert _import(tmp_path, one_group + "\n") == 1
    err = capsys.readouterr().err
    assert "16 of the 25 pupils at school are not in this file" in err
    assert "--leavers-ok" in err and "nothing was imported" in err
    assert not any(_left_on(school_db).values())
    path = tmp_path / "pupils.csv"
    assert main(["import", "pupils", str(path), "--leavers-ok"]) == 0
    assert "16 marked as left" in capsys.readouterr().out
    assert sum(1 for d in _left_on(school_db).values() if d) == 16


def test_a_pupil_missing_from_the_import_left_and_returns(school_db, tmp_path, capsys) -> None:
    assert main(["import", "pupils", str(EXAMPLES / "pupils.csv")]) == 0
    assert "pupils: 25 created, 0 updated, 0 unchanged, 0 marked as left" in capsys.readouterr().out
    without = "\n".join(line for line in PUPILS.splitlines() if not line.startswith("P005,"))
    assert _import(tmp_path, without + "\n") == 0
    assert "0 created, 0 updated, 24 unchanged, 1 marked as left" in capsys.readouterr().out
    today = datetime.now(AMSTERDAM).date().isoformat()
    marked = {p: d for p, d in _left_on(school_db).items() if d}
    assert marked == {"P005": today}
    # Importing the same file again does not move the date.
    assert _import(tmp_path, without + "\n") == 0
    assert "0 marked as left" in capsys.readouterr().out
    assert main(["import", "pupils", str(EXAMPLES / "pupils.csv")]) == 0
    assert "25 unchanged, 0 marked as left, 1 back at school" in capsys.readouterr().out
    assert not any(_left_on(school_db).values())
    actions = school_db.rows(
        "SELECT action, details FROM audit_log WHERE pupil_id = 'P005' ORDER BY id"
    )
    assert [a for a, _ in actions] == ["pupil_left", "pupil_returned"]
    assert json.loads(actions[0][1])["source"] == "missing_from_file"


async def test_a_pupil_who_left_is_in_no_group_list(school: School) -> None:
    """Pickers, overviews, rounds and good-news reminders read these: a leaver is not in them."""
    db = await school.open()
    try:
        async with db.reading() as tx:
            in_group = {p.pupil_id for p in await tx.pupils_of_groups(["VSO-1"])}
            contacts = {c.pupil.pupil_id for c in await tx.contacts_of_groups(["VSO-1"])}
            assert C in in_group and C in contacts
            assert not {A, B} & (in_group | contacts)
            assert await tx.pupil(A) is not None  # still on file until purged
            # A parent's menu shows the child at school; their copy of the data both.
            shared = FAMILY[A][1]
            assert [p.pupil_id for p in await tx.children_of_guardian(shared, at_school=True)] == [
                C
            ]
            assert {p.pupil_id for p in await tx.children_of_guardian(shared)} == {A, C}
    finally:
        await db.close()


def test_the_left_on_column_sets_and_clears_it(school_db, tmp_path, capsys) -> None:
    lines = PUPILS.splitlines()
    body = [lines[0] + ",left_on"] + [
        line + (",30-06-2025" if line.startswith("P003,") else ",") for line in lines[1:]
    ]
    assert _import(tmp_path, "\n".join(body) + "\n") == 0
    assert "25 created, 0 updated, 0 unchanged, 1 marked as left" in capsys.readouterr().out
    assert {p: d for p, d in _left_on(school_db).items() if d} == {"P003": "2025-06-30"}
    # An empty cell: at school (again).
    body = [lines[0] + ",left_on"] + [line + "," for line in lines[1:]]
    assert _import(tmp_path, "\n".join(body) + "\n") == 0
    assert "1 back at school" in capsys.readouterr().out
    assert not any(_left_on(school_db).values())


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("2025-13-01", "bad date '2025-13-01'"),
        ("01-01-2099", "'01-01-2099' is in the future"),
        ("2000-01-01", "'2000-01-01' is not after the birth date"),
    ],
)
def test_a_bad_left_on_is_refused(school_db, tmp_path, capsys, cell: str, problem: str) -> None:
    lines = PUPILS.splitlines()
    body = [lines[0] + ",left_on"] + [
        line + (f",{cell}" if line.startswith("P001,") else ",") for line in lines[1:]
    ]
    assert _import(tmp_path, "\n".join(body) + "\n") == 1
    err = capsys.readouterr().err
    assert "pupils.csv:2:7: column 'left_on':" in err and problem in err
    assert not _left_on(school_db)


# --- (e) the command --------------------------------------------------------------------


@pytest.fixture
def cli_school(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    """The school of `build` as of now, on each backend, for `samen purge`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    now = datetime.now(UTC)
    run_now(build(place.location, now.astimezone(AMSTERDAM).date(), now))
    return place


def dump(place: Place) -> str:
    return repr(place.dump())


def test_purge_dry_run_then_apply(cli_school: Place, capsys) -> None:
    before = dump(cli_school)
    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert dump(cli_school) == before
    assert "Dry run: nothing was changed" in out
    care = next(line for line in out.splitlines() if line.strip().startswith("care:"))
    assert "2 years, left before" in care and "1 pupil;" in care
    assert "1 discussions" in care and "4 answers pseudonymised" in care
    assert "audit:" in out and "Annabel" not in out and A not in out

    assert main(["purge", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "recorded as retention_purge" in out
    assert "Annabel" not in dump(cli_school)
    assert "Bram" in dump(cli_school)


def test_purge_follows_retention_in_samen_toml(cli_school: Place, tmp_path, capsys) -> None:
    (tmp_path / "samen.toml").write_text("[retention]\nyears = 4\n", encoding="utf-8")
    assert main(["purge", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "chat:" in out and "4 years" in out and "0 pupils; nothing to do" in out
    assert "Annabel" in dump(cli_school)


@pytest.mark.parametrize("argv", [["purge"], ["purge", "--dry-run", "--apply"]])
def test_purge_needs_exactly_one_mode(cli_school: Place, argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--dry-run" in capsys.readouterr().err
