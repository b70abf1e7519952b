"""The pupil file: a pupil with a full history, built through the real service functions,
comes out with every recorded event exactly once, in time order, staff-only records marked,
nothing of another pupil; as JSON that reads back the same, as a PDF whose text says it all,
and through `samen export pupil` as files only their owner can read."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues, Translator
from bot.paper.pdf import find_fonts
from bot.paper.pupil_file import render_pdf
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.rules.models import Agreement, PersonKind, StaffMember
from bot.rules.pupil_file import (
    STAFF_ONLY,
    FileEvent,
    Person,
    PupilFile,
    from_json,
    order,
    select,
    to_json,
)
from bot.rules.pupil_file_sources import FROM_AUDIT, FROM_TABLES
from bot.rules.rights import Restriction, RestrictionKind
from bot.rules.support_route import RouteStep
from bot.services import (
    good_news,
    information_rights,
    invitations,
    meeting_answers,
    meetings,
    pupil_discussions,
    reachability,
    route_steps,
    summaries,
)
from bot.services.context import Services
from bot.services.pupil_file import collect
from bot.services.roster_import import import_guardians
from bot.services.work import Work
from bot.storage import Database, Tx, from_iso
from bot.texts.pupil_file_words import describe
from tests.harness import AMSTERDAM, load_examples
from tests.pdf_reading import pdf_text, words_on_page
from tests.places import Place, place_on
from tests.postgresql import BACKENDS

G, P, S = PersonKind.GUARDIAN, PersonKind.PUPIL, PersonKind.STAFF
PUPIL, OTHER = "P014", "P013"  # Milan Smit (14; parents Ruud and Mark) and Julia Nowak
START = datetime(2026, 11, 30, 9, 0, tzinfo=AMSTERDAM)  # a Monday in term time
USERS = {"G023": 1001, "G024": 1002, "P014": 1003, "G022": 1004}

EXPECTED_KINDS = {
    "invitation_made",
    "account_linked",
    "positive_news",
    "news_reaction",
    "meeting_planned",
    "meeting_answer",
    "meeting_moved",
    "meeting_cancelled",
    "preparation",
    "summary_written",
    "summary_read",
    "summary_question",
    "summary_answered",
    "notice_sent",
    "notice_answer",
    "consent_requested",
    "consent_reminder",
    "consent_answer",
    "consent_withdrawn",
    "route_moved",
    "route_step_ticked",
    "route_step_unticked",
    "support_route_notice",
    "sdq_reminder",
    "restriction",
    "restriction_lifted",
    "capability_recorded",
    "safety_decision",
    "safety_parents_told",
    "safety_lifted",
    "unreachable",
    "reachable_again",
    "roster_facts_changed",
}


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A moment in Amsterdam in the winter of 2026 (December unless said otherwise)."""
    return datetime(2026, month, day, hour, minute, tzinfo=AMSTERDAM)


async def staff(tx: Tx, staff_id: str) -> StaffMember:
    member = await tx.staff_member(staff_id)
    assert member is not None
    return member


async def build_history(place: Place) -> None:
    """Milan's first weeks in Samen, with a little of Julia's alongside (she must not leak)."""
    settings = replace(place.settings, school_name="De Brug")
    texts = Catalogues(SUPPORTED_LANGUAGES, settings.timezone)
    db = await place.open()
    try:
        await _history(db, settings, texts)
    finally:
        await db.close()


async def _history(db: Database, settings: Settings, texts: Catalogues) -> None:
    await load_examples(db, START)
    rows = await invitations.issue_invitations(db, settings, START, "samen_bot")
    codes = {r.person_id: r.code for r in rows}
    for person_id, user_id in USERS.items():
        linked = await invitations.redeem(db, user_id, user_id, codes[person_id], at(30, 9, 5, 11))
        assert linked.outcome is invitations.Redeemed.LINKED

    async def plan(tx: Tx, now: datetime, pupil_id: str, kind: str, starts: datetime) -> int:
        planned = await meetings.plan_meeting(
            Work(tx, texts, settings, now),
            staff=await staff(tx, "S002"),
            pupil_id=pupil_id,
            kind=kind,
            starts_at=starts,
            minutes=30,
            place_kind="room",
            place="lokaal 12",
            goal="We praten over hoe het gaat in de klas.",
            alternatives=[at(4, 14, 0)] if kind == "progress" else [],
        )
        return planned.meeting_id

    async def reply(
        tx: Tx, now: datetime, who: str, meeting_id: int, version: int, said: str, wish: str = ""
    ) -> None:
        found = await meeting_answers.answer(
            Work(tx, texts, settings, now),
            person=(G, who),
            meeting_id=meeting_id,
            version=version,
            answer=said,
            preference=wish or None,
        )
        assert found.ok

    async def consent(
        tx: Tx, now: datetime, who: tuple[PersonKind, str], d: int, said: str
    ) -> None:
        w = Work(tx, texts, settings, now)
        # The first tap of an answer given like a signature, then the answer.
        await pupil_discussions.ask_confirmation(
            w, user_id=USERS[who[1]], discussion_id=d, answer=said
        )
        outcome = await pupil_discussions.record_answer(
            w,
            person=who,
            user_id=USERS[who[1]],
            discussion_id=d,
            answer=said,
        )
        assert outcome is pupil_discussions.Outcome.RECORDED, (who, said)

    async with db.transaction() as tx:
        teacher = await staff(tx, "S002")
        for pupil_id, words in ((PUPIL, "Milan hielp een klasgenoot."), (OTHER, "Julia las voor.")):
            await good_news.send_positive_news(
                Work(tx, texts, settings, at(30, 10, 0, 11)),
                staff=teacher,
                pupil_id=pupil_id,
                words=words,
                themes=["effort", "helping"],
            )
        news_id = (await tx.pupil_file_rows(PUPIL))["positive_news"][0]["id"]
        await tx.set_news_reaction(news_id, G, "G023", "thanks", at(30, 10, 20, 11))
        await tx.set_news_reaction(news_id, G, "G024", "words", at(30, 10, 25, 11), "Fijn!")

    async with db.transaction() as tx:
        teacher = await staff(tx, "S002")
        talk = await plan(tx, at(30, 11, 0, 11), PUPIL, "progress", at(3, 15, 30))
        await plan(tx, at(30, 11, 1, 11), OTHER, "progress", at(3, 16, 0))
        await reply(tx, at(30, 11, 5, 11), "G023", talk, 1, "come")
        await reply(tx, at(30, 11, 6, 11), "G024", talk, 1, "other_time", at(4, 14).isoformat())
        await meeting_answers.toggle_wish(
            Work(tx, texts, settings, at(30, 11, 7, 11)),
            person=(G, "G024"),
            wish="interpreter",
            meeting_id=talk,
            version=1,
        )
        moved = await meetings.move(
            Work(tx, texts, settings, at(30, 11, 30, 11)),
            staff=teacher,
            meeting_id=talk,
            starts_at=at(4, 14, 0),
        )
        assert moved is not None and moved.version == 2
        await reply(tx, at(30, 11, 40, 11), "G023", talk, 2, "come")
        await reply(tx, at(30, 11, 41, 11), "G024", talk, 2, "other_time", "liever in de ochtend")
        second = await plan(tx, at(30, 11, 50, 11), PUPIL, "care", at(10, 9, 0))
        cancelled = await meetings.cancel(
            Work(tx, texts, settings, at(30, 11, 55, 11)), staff=teacher, meeting_id=second
        )
        assert cancelled
        answers = {"goal": "Afspraken over lezen.", "behaviour": "Milan stoort in de rekenles."}
        await tx.save_preparation(talk, answers, "S002", at(1, 9, 0))

    async with db.transaction() as tx:
        teacher = await staff(tx, "S002")
        reached = await summaries.send_summary(
            Work(tx, texts, settings, at(4, 15, 0)),
            staff=teacher,
            meeting_id=talk,
            attended=["Ruud Smit", "Hakan Öztürk"],
            going_well="Milan werkt goed samen.",
            agreements=[Agreement("Elke dag tien minuten lezen", "Ruud", "januari")],
            advice_school="Korte opdrachten.",
            advice_home="Samen lezen.",
            next_step="follow_up",
        )
        assert reached
        read = await summaries.read_summary(
            Work(tx, texts, settings, at(4, 15, 10)), person=(G, "G023"), meeting_id=talk
        )
        assert read
        asked = await summaries.ask_question(
            Work(tx, texts, settings, at(4, 15, 20)),
            person=(G, "G024"),
            meeting_id=talk,
            question="Wanneer is het volgende gesprek?",
        )
        assert asked
        question_id = (await tx.pupil_file_rows(PUPIL))["summary_questions"][0]["id"]
        answered = await summaries.answer_question(
            Work(tx, texts, settings, at(4, 15, 30)),
            staff=teacher,
            question_id=question_id,
            answer="In januari.",
        )
        assert answered

    async with db.transaction() as tx:
        coordinator = await staff(tx, "S004")
        for pupil_id, guardian in ((PUPIL, "G023"), (OTHER, "G022")):
            cvb = await pupil_discussions.send_discussion(
                Work(tx, texts, settings, at(7, 9, 0)),
                staff=coordinator,
                pupil_id=pupil_id,
                kind="cvb",
                starts_at=at(14, 13, 0),
                purpose="Zorgen over rekenen.",
            )
            await consent(tx, at(7, 9, 30), (G, guardian), cvb.discussion_id, "understood")
        zat = await pupil_discussions.send_discussion(
            Work(tx, texts, settings, at(7, 10, 0)),
            staff=coordinator,
            pupil_id=PUPIL,
            kind="zat",
            starts_at=at(21, 14, 0),
            purpose="Kijken welke hulp nodig is.",
            participants=settings.care.team,
            shared_info=["learning", "behaviour"],
        )

    # Three school days on, nobody has answered: each of the three is reminded.
    three_days_on = Services(settings, db, FakeClock(at(10, 10, 0)), texts)
    assert await pupil_discussions.send_due_reminders(three_days_on) == 3
    async with db.transaction() as tx:
        await consent(tx, at(10, 11, 0), (G, "G023"), zat.discussion_id, "agree")
        await consent(tx, at(10, 11, 1), (G, "G024"), zat.discussion_id, "refuse")
        await consent(tx, at(10, 11, 2), (P, "P014"), zat.discussion_id, "agree")
        await consent(tx, at(10, 11, 30), (G, "G023"), zat.discussion_id, "withdraw")

    async with db.transaction() as tx:
        coordinator = await staff(tx, "S004")
        for target, now in ((RouteStep.OBSERVE, at(11, 9, 0)), (RouteStep.CONSULT, at(11, 9, 10))):
            if target is RouteStep.CONSULT:
                for item, minute in (("inform", 5), ("together", 6), ("together", 7)):
                    await route_steps.tick(
                        Work(tx, texts, settings, at(11, 9, minute)),
                        staff=coordinator,
                        pupil_id=PUPIL,
                        step=RouteStep.OBSERVE,
                        item=item,
                    )
            refusal = await route_steps.move(
                Work(tx, texts, settings, now), staff=coordinator, pupil_id=PUPIL, target=target
            )
            assert refusal is None, target
        await route_steps.remind_sdq(
            Work(tx, texts, settings, at(11, 9, 20)), staff=coordinator, pupil_id=PUPIL
        )

    async with db.transaction() as tx:
        coordinator = await staff(tx, "S004")
        withheld = Restriction(RestrictionKind.WITHHELD, "Op advies van jeugdzorg.", frozenset())
        for guardian, pupil_id in (("G024", PUPIL), ("G022", OTHER)):
            refusal = await information_rights.record_restriction(
                Work(tx, texts, settings, at(14, 9, 0)), coordinator, guardian, pupil_id, withheld
            )
            assert refusal is None
        assert await information_rights.lift_restriction(
            Work(tx, texts, settings, at(14, 9, 30)), coordinator, "G024", PUPIL
        )
        reason = "Overziet het nog niet."
        refusal = await information_rights.record_capability(
            Work(tx, texts, settings, at(14, 10, 0)), coordinator, PUPIL, False, reason
        )
        assert refusal is None
        refusal = await information_rights.record_safety_exception(
            Work(tx, texts, settings, at(14, 11, 0)),
            coordinator,
            PUPIL,
            zat.discussion_id,
            "Zorgmelding.",
        )
        assert refusal is None
        how = "Telefonisch door de IB-er."
        assert (
            await information_rights.record_parents_told(
                Work(tx, texts, settings, at(14, 12, 0)), coordinator, PUPIL, how
            )
            is None
        )
        assert await information_rights.lift_safety_exception(
            Work(tx, texts, settings, at(15, 9, 0)), coordinator, PUPIL
        )

    async with db.transaction() as tx:
        blocked = await reachability.record_unreachable(
            Work(tx, texts, settings, at(15, 10, 0)), USERS["G024"], "blocked"
        )
        assert blocked
        await reachability.record_reachable_again(
            Work(tx, texts, settings, at(15, 11, 0)), USERS["G024"]
        )

    # The administration imports facts about the links: a restriction (a restrictions row)
    # and a request for information (an audit entry only).
    sheet = (
        "guardian_id,pupil_id,first_name,last_name,relation,authority,language,"
        "information_request,restriction,restriction_reason\n"
        "G023,P014,Ruud,Smit,parent,yes,nl,,withheld,Besluit van de directie\n"
        "G024,P014,Mark,de Wit,parent,yes,nl,yes,,\n"
    )
    await import_guardians(db, sheet.encode(), "fix.csv", at(16, 9, 0))


@pytest.fixture(scope="module", params=BACKENDS)
def history(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Place]:
    """Built once per backend: every test reads the same database and changes nothing in it."""
    with place_on(request.param, tmp_path_factory.mktemp("pupil_file")) as place:
        asyncio.run(build_history(place))
        yield place


@pytest.fixture
async def db(history: Place) -> AsyncIterator[Database]:
    database = await history.open()
    try:
        yield database
    finally:
        await database.close()


async def read(db: Database, pupil_id: str = PUPIL) -> tuple[PupilFile, dict[str, list[dict]]]:
    async with db.transaction() as tx:
        return await collect(tx, pupil_id, school="De Brug"), await tx.pupil_file_rows(pupil_id)


def dutch() -> Translator:
    return Catalogues(("nl",), AMSTERDAM)("nl")


# --- the events -------------------------------------------------------------------------


async def test_every_recorded_row_is_one_event(db: Database) -> None:
    file, rows = await read(db)
    events = file.events
    sources = [e.source for e in events]
    assert len(sources) == len(set(sources))
    by_source = {e.source: e for e in events}
    expected: set[str] = set()  # the source of every event the rows call for

    def one(source: str, kind: str) -> FileEvent:
        assert source in by_source, source
        expected.add(source)
        assert by_source[source].kind == kind, (source, by_source[source].kind)
        return by_source[source]

    for m in rows["meetings"]:
        planned = one(f"meetings:{m['id']}", "meeting_planned")
        invited = {
            (i["person_kind"], i["person_id"])
            for i in rows["meeting_invitees"]
            if i["meeting_id"] == m["id"]
        }
        assert invited and planned.concerns == invited
        if m["cancelled_at"]:
            one(f"meetings:{m['id']}:cancelled", "meeting_cancelled")
    for summary in rows["summaries"]:
        written = one(f"summaries:{summary['meeting_id']}", "summary_written")
        readers = {
            (r["person_kind"], r["person_id"])
            for r in rows["summary_readers"]
            if r["meeting_id"] == summary["meeting_id"]
        }
        assert written.concerns == readers
    for r in rows["summary_readers"]:
        source = f"summary_readers:{r['meeting_id']}:{r['person_kind']}:{r['person_id']}"
        if r["read_at"]:
            one(source, "summary_read")
        else:
            assert source not in by_source
    for q in rows["summary_questions"]:
        one(f"summary_questions:{q['id']}", "summary_question")
        one(f"summary_questions:{q['id']}:answer", "summary_answered")
    for p in rows["preparations"]:
        one(f"preparations:{p['meeting_id']}", "preparation")
    for d in rows["discussions"]:
        event = one(
            f"discussions:{d['id']}", "notice_sent" if d["kind"] == "cvb" else "consent_requested"
        )
        sent = {
            (r["person_kind"], r["person_id"])
            for r in rows["discussion_recipients"]
            if r["discussion_id"] == d["id"]
        }
        assert sent and event.concerns == sent
    for a in rows["answers"]:
        cvb = any(d["id"] == a["discussion_id"] and d["kind"] == "cvb" for d in rows["discussions"])
        kind = "notice_answer" if cvb else "consent_answer"
        kind = "consent_withdrawn" if a["answer"] == "withdraw" else kind
        assert one(f"answers:{a['id']}", kind).fields["answer"] == a["answer"]
    for r in rows["reminders_sent"]:
        key = f"{r['discussion_id']}:{r['person_kind']}:{r['person_id']}:{r['number']}"
        one(f"reminders_sent:{key}", "consent_reminder")
    for n in rows["positive_news"]:
        news = one(f"positive_news:{n['id']}", "positive_news")
        assert news.concerns == {
            (r["person_kind"], r["person_id"])
            for r in rows["positive_news_recipients"]
            if r["news_id"] == n["id"]
        }
    for r in rows["positive_news_recipients"]:
        source = f"positive_news_recipients:{r['news_id']}:{r['person_kind']}:{r['person_id']}"
        if r["reacted_at"]:
            one(source, "news_reaction")
    for r in rows["restrictions"]:
        one(f"restrictions:{r['id']}", "restriction")
        if r["lifted_at"]:
            one(f"restrictions:{r['id']}:lifted", "restriction_lifted")
    for x in rows["safety_exceptions"]:
        one(f"safety_exceptions:{x['id']}", "safety_decision")
        if x["lifted_at"]:
            one(f"safety_exceptions:{x['id']}:lifted", "safety_lifted")
    for i in rows["invitations"]:
        one(f"invitations:{i['id']}", "invitation_made")

    # The audit trail: an entry is its own event, or its table's row is (never both).
    for entry in rows["audit_log"]:
        source = f"audit_log:{entry['id']}"
        if entry["action"] in FROM_TABLES:
            assert source not in by_source, entry["action"]
        elif entry["action"] == "link_facts_imported" and set(json.loads(entry["details"])) <= {
            "restriction",
            "restriction_reason",
            "file",
        }:
            assert source not in by_source  # only a restriction: its restrictions row
        else:
            one(source, FROM_AUDIT.get(entry["action"], "audit_entry"))
    assert set(by_source) == expected  # and no event the rows do not call for
    # Each shadowed audit entry has exactly one table event beside it.
    actions = Counter(e["action"] for e in rows["audit_log"])
    kinds = Counter(e.kind for e in events)
    answers_audited = sum(n for a, n in actions.items() if FROM_TABLES.get(a) == "answers")
    assert (
        answers_audited
        == len(rows["answers"])
        == (kinds["notice_answer"] + kinds["consent_answer"] + kinds["consent_withdrawn"])
    )
    assert actions["meeting_planned"] == kinds["meeting_planned"] == len(rows["meetings"])
    assert actions["summary_sent"] == kinds["summary_written"]
    assert actions["positive_news_sent"] == kinds["positive_news"]
    assert actions["cvb_notice_sent"] + actions["consent_requested"] == len(rows["discussions"])
    assert actions["safety_exception_recorded"] == kinds["safety_decision"]
    # What the tables keep as current state is the newest of the audited history.
    (route,) = rows["support_route"]
    last_move = [e for e in events if e.kind == "route_moved"][-1]
    assert last_move.fields["to"] == route["step"] and last_move.at == from_iso(route["since"])
    for tick in rows["support_route_ticks"]:
        place = (tick["step"], tick["item"])
        ticked = [
            e
            for e in events
            if e.kind == "route_step_ticked" and (e.fields["step"], e.fields["item"]) == place
        ]
        assert ticked[-1].at == from_iso(tick["ticked_at"])


async def test_events_in_time_order_with_every_kind_and_staff_only_marked(db: Database) -> None:
    file, _ = await read(db)
    events = file.events
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert list(events) == sorted(events, key=order)
    audited = [(e.at, int(e.source.split(":")[1])) for e in events if e.source.startswith("audit_")]
    assert audited == sorted(audited)  # at one moment, in the order they were written
    assert all(e.at.utcoffset() == timedelta(0) for e in events)
    assert {e.kind for e in events} >= EXPECTED_KINDS
    assert "audit_entry" not in {e.kind for e in events}  # every action here has its own kind
    for event in events:
        assert event.staff_only is (event.kind in STAFF_ONLY), event.kind
    assert {e.kind for e in events if e.staff_only} == {
        "preparation",
        "restriction",
        "restriction_lifted",
        "safety_decision",
        "safety_parents_told",
        "safety_lifted",
    }
    # The history reads as it happened.
    answers = [
        (e.subject and e.subject.id, e.fields["answer"], e.fields["version"])
        for e in events
        if e.kind == "meeting_answer"
    ]
    assert answers == [
        ("G023", "come", "1"),
        ("G024", "other_time", "1"),
        ("G023", "come", "2"),
        ("G024", "other_time", "2"),
    ]
    wishes = [e.fields.get("wish") for e in events if e.kind == "meeting_answer"]
    assert wishes == [None, None, None, "liever in de ochtend"]  # the table keeps the latest
    planned = next(e for e in events if e.kind == "meeting_planned")
    assert planned.fields["starts_at"] == "2026-12-03T14:30:00+00:00"  # before it was moved
    assert planned.fields["interpreter"] == "Mark de Wit"
    assert planned.actor.name == "Hakan Öztürk" and planned.actor.kind == "staff"
    withdrawn = next(e for e in events if e.kind == "consent_withdrawn")
    assert withdrawn.subject is not None and withdrawn.subject.name == "Ruud Smit"
    assert withdrawn.concerns == {("guardian", "G023")}
    linked = {e.subject.id for e in events if e.kind == "account_linked" and e.subject}
    assert linked == {"G023", "G024", "P014"}
    imported = next(e for e in events if e.kind == "roster_facts_changed")
    assert imported.fields["information_request"] == "yes" and "restriction" not in imported.fields
    by_import = [e for e in events if e.kind == "restriction" and e.actor.kind == "admin"]
    assert [e.subject.id for e in by_import if e.subject] == ["G023"]


def test_one_moment_is_ordered_by_source_with_numbers_as_numbers() -> None:
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
    sources = ["audit_log:10", "answers:2", "audit_log:9", "answers:11"]
    events = [
        FileEvent(moment, "audit_entry", True, Person("system", None, ""), None, frozenset(), {}, s)
        for s in sources
    ]
    assert [e.source for e in sorted(events, key=order)] == [
        "answers:2",
        "answers:11",
        "audit_log:9",
        "audit_log:10",
    ]


async def test_nothing_of_another_pupil_comes_along(db: Database) -> None:
    mine, _ = await read(db)
    theirs, their_rows = await read(db, OTHER)
    assert their_rows["positive_news"] and their_rows["meetings"] and their_rows["restrictions"]
    assert not {e.source for e in mine.events} & {e.source for e in theirs.events}
    text = to_json(mine)
    for word in ("Julia", "Nowak", "Agnieszka", OTHER, "G022", "Julia las voor"):
        assert word not in text
    people = {key for e in mine.events for key in e.concerns}
    assert people <= {("guardian", "G023"), ("guardian", "G024"), ("pupil", PUPIL)}


async def test_an_unknown_pupil_is_a_lookup_error(db: Database) -> None:
    async with db.transaction() as tx:
        with pytest.raises(LookupError):
            await collect(tx, "P999")


async def test_json_is_stable_and_reads_back_the_same(db: Database) -> None:
    file, _ = await read(db)
    text = to_json(file)
    assert text == to_json(file)
    assert from_json(text) == file
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["pupil"]["first_name"] == "Milan" and len(data["guardians"]) == 2
    first = data["events"][0]
    assert list(first) == sorted(first) and first["at"].endswith("+00:00")
    assert "Öztürk" in text  # ensure_ascii off: names as they are


async def test_a_parents_copy_leaves_out_staff_records_and_the_other_parents_events(
    db: Database,
) -> None:
    file, _ = await read(db)
    ruud = frozenset({("guardian", "G023")})
    chosen = select(file, include_staff_only=False, only_concerning=ruud)
    assert chosen and not any(e.staff_only for e in chosen)
    assert all(not e.concerns or e.concerns & ruud for e in chosen)
    kinds = {e.kind for e in chosen}
    assert {"consent_answer", "summary_read", "meeting_planned", "route_moved"} <= kinds
    assert not any(e.subject and e.subject.id == "G024" for e in chosen)
    assert select(file) == list(file.events)


# --- the document -----------------------------------------------------------------------


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_the_pdf_says_every_events_heading_with_and_without_staff_records(
    db: Database,
) -> None:
    file, _ = await read(db)
    t = dutch()
    created = datetime(2026, 12, 18, 10, 0, tzinfo=AMSTERDAM)
    full = flat(pdf_text(render_pdf(file, t, find_fonts(), created)))
    assert "Milan Smit" in full and "De Brug" in full and "VSO-1" in full
    assert t.date_with_year(file.pupil.birth_date) in full
    for event in file.events:
        heading, body = describe(event, t)
        assert flat(heading) in full, event.kind
        assert body, event.kind
    assert flat(t.label("For staff only")) in full
    assert "Milan stoort in de rekenles." in full  # the teacher's preparation

    for_parents = flat(
        pdf_text(render_pdf(file, t, find_fonts(), created, include_staff_only=False))
    )
    shown = select(file, include_staff_only=False)
    for event in shown:
        assert flat(describe(event, t)[0]) in for_parents, event.kind
    for kind in {e.kind for e in file.events if e.staff_only}:
        heading = describe(next(e for e in file.events if e.kind == kind), t)[0]
        assert flat(heading) not in for_parents, kind
    assert flat(t.label("For staff only")) not in for_parents
    for secret in ("Zorgmelding.", "Op advies van jeugdzorg.", "Milan stoort in de rekenles."):
        assert secret not in for_parents


async def test_a_right_to_left_reader_gets_right_aligned_paragraphs(db: Database) -> None:
    file, _ = await read(db)
    arabic = Catalogues(("nl", "ar"), AMSTERDAM)("ar")
    assert arabic.rtl
    pdf = render_pdf(file, arabic, find_fonts(), datetime(2026, 12, 18, 10, 0, tzinfo=AMSTERDAM))
    # The heading with the pupil's name ends at the right margin and starts far from the left
    # one (A4 is 595 points wide, margins 18 mm).
    # Arabic and Latin words of one line have different boxes: compare their middles.
    words = [(w.left, (w.top + w.bottom) / 2, w.right, w.text) for w in words_on_page(pdf, 1)]
    line = next(y for _, y, _, word in words if word == "Smit")
    heading = [w for w in words if abs(w[1] - line) < 3]
    margin = 18 / 25.4 * 72
    assert max(x1 for _, _, x1, _ in heading) > 595 - margin - 5
    assert min(x0 for x0, _, _, _ in heading) > margin + 100


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def operator(history: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "samen.toml"
    config.write_text('[school]\nname = "De Brug"\n')
    monkeypatch.delenv("SAMEN_KEY_FILE", raising=False)
    for key, value in history.env.items():  # SAMEN_DB (and SAMEN_KEY_FILE for a server)
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SAMEN_CONFIG", str(config))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return tmp_path


def test_export_writes_pdf_and_json_readable_by_the_owner_only(operator: Path, capsys) -> None:
    pdf, data = operator / "milan.pdf", operator / "milan.json"
    assert main(["export", "pupil", PUPIL, "--pdf", str(pdf), "--json", str(data)]) == 0
    out = capsys.readouterr().out.strip()
    file = from_json(data.read_text(encoding="utf-8"))
    assert out == f"Wrote {len(file.events)} events for {PUPIL} to {pdf} and {data}."
    for path in (pdf, data):
        assert (path.stat().st_mode & 0o777) == 0o600
    assert pdf.read_bytes().startswith(b"%PDF")
    assert file.school == "De Brug" and file.pupil.pupil_id == PUPIL
    assert not list(operator.glob(".samen-*"))  # no temporary file left behind

    only_json = operator / "only.json"
    assert main(["export", "pupil", PUPIL, "--json", str(only_json)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"to {only_json}.")
    assert only_json.read_text(encoding="utf-8") == data.read_text(encoding="utf-8")


def test_export_refuses_an_unknown_pupil_no_file_and_missing_fonts(operator: Path, capsys) -> None:
    target = operator / "x.json"
    assert main(["export", "pupil", "P999", "--json", str(target)]) == 1
    assert "P999" in capsys.readouterr().err and not target.exists()
    assert main(["export", "pupil", PUPIL]) == 2
    assert "--pdf" in capsys.readouterr().err
    (operator / "samen.toml").write_text(f'[paper]\nfonts = "{operator / "nofonts"}"\n')
    assert main(["export", "pupil", PUPIL, "--pdf", str(operator / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "`fonts` under [paper] in samen.toml points at" in err
    assert not (operator / "x.pdf").exists()
