"""Who may act: every command and every kind of button, tried by every role. Refusals leak
nothing about another family, and forged or replayed buttons change nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.demo.fake_telegram import FakeUser
from bot.rules.models import Agreement, PersonKind
from bot.services import good_news, meetings, rounds, summaries
from bot.services.work import Work
from tests.harness import Harness
from tests.test_care import agree, delivered, people, request

G, P, S = PersonKind.GUARDIAN, PersonKind.PUPIL, PersonKind.STAFF
# The target family: Milan Smit (14, VSO-1), parents Ruud Smit and Mark de Wit.
SECRETS = ("Milan", "Smit", "Ruud", "de Wit")
COMMANDS = ("start", "help", "taal", "overzicht", "annuleren", "cvb", "toestemming", "leerling",
            "gesprek", "voorbereiden", "ronde", "zorgroute", "positief", "schrijf",
            "onbekend")  # fmt: skip
# Which roles may use each command (None: not linked).
STAFF_ALL = {"teacher", "coordinator", "admin"}
TEACHING = {"teacher", "coordinator"}
ALLOWED = {
    "start": {None, "guardian", "pupil", *STAFF_ALL},
    # Not linked yet, help is the explanation of how to start: the same answer as a refusal.
    "help": {"guardian", "pupil", *STAFF_ALL},
    "taal": {None, "guardian", "pupil", *STAFF_ALL},
    "overzicht": STAFF_ALL,
    "annuleren": STAFF_ALL,
    "cvb": TEACHING,
    "toestemming": {"coordinator"},
    "leerling": {"coordinator"},
    "gesprek": TEACHING,
    "voorbereiden": TEACHING,
    "ronde": TEACHING,
    "zorgroute": TEACHING,
    "positief": TEACHING,
    "schrijf": TEACHING,
    "onbekend": set(),
}
REFUSALS_NL = (
    "Samen is voor ouders, leerlingen en medewerkers van school.",
    "Dat hoort niet bij uw rol in Samen.",
    "Dat is alleen voor medewerkers van school.",
    "Ik begrijp dit niet.",
    # Oliver reads English.
    "That is only for school staff.",
    "I don't understand this.",
)


async def snapshot(harness: Harness) -> dict[str, list[tuple]]:
    """Everything a forged button could change (not the chat-flow scratchpad)."""
    return {
        table: await harness.rows(f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in ("answers", "meeting_invitees", "summary_readers", "summary_questions",
                      "round_slots", "positive_news_recipients", "support_route",
                      "restrictions", "safety_exceptions", "meetings", "discussions")
    }  # fmt: skip


async def setup_target_family(harness: Harness) -> dict[str, str]:
    """Objects of Milan's family to forge buttons against; returns callback data by kind."""
    users = await people(harness, (S, "S002", "Hakan"), (G, "G023", "Ruud"), (G, "G024", "Mark"))
    assert harness.db is not None and harness.runtime is not None
    texts, settings, now = harness.runtime.texts, harness.runtime.settings, harness.clock.now()
    consent = await request(harness, "P014")
    cvb = await request(harness, "P014", kind="cvb")
    await delivered(harness, users["G023"], 3)
    await agree(harness, users["G023"], consent.discussion_id)
    async with harness.db.transaction() as tx:
        hakan = await tx.staff_member("S002")
        assert hakan is not None
        planned = await meetings.plan_meeting(
            Work(tx, texts, settings, now),
            staff=hakan,
            pupil_id="P014",
            kind="progress",
            starts_at=now + timedelta(days=3),
            minutes=15,
            place_kind="room",
            place="12",
            goal="Hoe gaat het?",
        )
        await summaries.send_summary(
            Work(tx, texts, settings, now),
            staff=hakan,
            meeting_id=planned.meeting_id,
            attended=["Ruud Smit"],
            going_well="Milan leest goed.",
            agreements=[Agreement("lezen")],
            advice_school="",
            advice_home="",
            next_step="none",
        )
        question = await tx.add_question(planned.meeting_id, G, "G023", "Wanneer?", now)
        opened = await rounds.open_round(
            Work(tx, texts, settings, now),
            staff=hakan,
            group="VSO-1",
            slots=[now + timedelta(days=5)],
            minutes=10,
            place="12",
            deadline=now + timedelta(days=4),
        )
        slots = await tx.slots(opened.round_id)
        news = await good_news.send_positive_news(
            Work(tx, texts, settings, now), staff=hakan, pupil_id="P014", words="Top!"
        )
    m = planned.meeting_id
    return {
        "consent": f"c:{consent.discussion_id}:yes",
        "consent_withdraw": f"c:{consent.discussion_id}:withdrawyes",
        "consent_again": f"c:{consent.discussion_id}:again",
        "notice": f"n:{cvb.discussion_id}:come",
        "invitation": f"m:{m}:1:come",
        "invitation_wish": f"m:{m}:1:interp",
        "card_move": f"mt:{m}:move",
        "card_cancel": f"mt:{m}:cancel",
        "summary_prompt": f"sum:{m}",
        "summary_read": f"sr:{m}:read",
        "summary_ask": f"sr:{m}:ask",
        "question_answer": f"qa:{question}",
        "round_choose": f"rb:{opened.round_id}:P014",
        "round_book": f"rs:{opened.round_id}:P014:{slots[0].id}",
        "round_block": f"rbk:{opened.round_id}:{slots[0].id}",
        "news_reaction": f"pn:{news.news_id}:heart",
        "news_compose": "pos:P014",
        "prepare": f"prep:{m}",
        "discussion_detail": f"d:{consent.discussion_id}",
        "old_flow_button": "f:AAAAAAAA:send",
        "language_forged": "lang:set:xx",
        "menu_overview": "menu:overview",
        "menu_card": "menu:card",
        "menu_children": "menu:children",
        "menu_permissions": "menu:permissions",
    }


# Button kinds whose answer may show the target family, and to whom.
MAY_SEE = {
    "discussion_detail": {"coordinator"},
    "news_compose": {"coordinator"},  # a coordinator may send any family good news
    "menu_overview": {"coordinator"},  # the coordinator's own overview lists every discussion
    "menu_card": {"coordinator"},
}


async def roles(harness: Harness) -> dict[str | None, FakeUser]:
    linked = await people(
        harness,
        (G, "G001", "Jeroen"),  # a guardian of another family (Daan, SO-Zon)
        (P, "P022", "Oliver"),  # a pupil of another family
        (S, "S001", "Marieke"),  # a teacher of another group (SO-Zon)
        (S, "S004", "Ingrid"),  # the coordinator
        (S, "S005", "Peter"),  # the admin
    )
    return {
        None: harness.server.user(99_001, "Onbekend"),
        "guardian": linked["G001"],
        "pupil": linked["P022"],
        "teacher": linked["S001"],
        "coordinator": linked["S004"],
        "admin": linked["S005"],
    }


async def test_every_command_as_every_role(harness: Harness) -> None:
    users = await roles(harness)
    cases = 0
    for command in COMMANDS:
        for role, user in users.items():
            if role is None:
                harness.pause(60)  # someone not linked is answered once a minute at most
            shown = await harness.say(user, f"/{command}")
            assert shown, (command, role)
            text = " ".join(m.text for m in shown)
            refused = any(text.startswith(r) for r in REFUSALS_NL)
            assert refused is (role not in ALLOWED[command]), (command, role, text[:80])
            if refused:
                assert not any(secret in text for secret in SECRETS), (command, role)
            await harness.say(user, "/annuleren") if role in STAFF_ALL else None
            cases += 1
    print(f"\nauthorisation: {cases} command cases")
    assert cases == len(COMMANDS) * len(users)


async def test_every_kind_of_button_forged_by_every_role_changes_nothing(harness: Harness) -> None:
    forged = await setup_target_family(harness)
    users = await roles(harness)
    before = await snapshot(harness)
    cases = 0
    for kind, data in forged.items():
        for role, user in users.items():
            anchor = user.messages[-1] if user.messages else None
            if anchor is None:
                await harness.say(user, "/help")
                anchor = user.messages[-1]
            count = len(user.messages)
            if role is None:
                harness.pause(60)  # someone not linked is answered once a minute at most
            query = await harness.tap_data(user, data, anchor)
            assert query in harness.server.callback_answers, (kind, role)  # never left spinning
            shown = " ".join(m.text for m in user.messages[count - 1 :])
            if role not in MAY_SEE.get(kind, set()):
                leaked = [s for s in SECRETS if s in shown]
                assert leaked == [], (kind, role, shown[:120])
            if role in STAFF_ALL:
                await harness.say(user, "/annuleren")
            cases += 1
    assert await snapshot(harness) == before
    print(f"\nauthorisation: {cases} forged button cases, nothing changed")
    assert cases == len(forged) * len(users)
