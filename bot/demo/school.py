"""The sample school, alive: the real Samen runtime against the fake Bot API, the sample roster
from `examples/`, and people who act in their chats.

`School` holds what the end-to-end tests' harness and `samen try` share: loading the sample
roster, knowing when the bot has finished an update (so nobody sleeps), and people who type,
tap and link their accounts with real invitation codes. `DemoSchool` is `samen try`'s: a demo
clock that runs on with real time, every sample person linked to a demo Telegram account, the
phones the page shows, and the time machine.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from bot.app import Runtime
from bot.demo.fake_telegram import TOKEN, ChatMessage, FakeTelegram, FakeUser
from bot.i18n.translator import language_name
from bot.platform.admission import ChatGate
from bot.platform.clock import Clock, DemoClock
from bot.platform.config import Settings
from bot.platform.webhooks import Webhook
from bot.rules.language import reading_language, telegram_language_code
from bot.rules.models import InviteRow, PersonKind, StaffMember
from bot.rules.schooltime import is_school_day
from bot.services.housekeeping import tidy
from bot.services.invitations import issue_invitations
from bot.services.meetings import reminder_moment
from bot.services.pseudonym_key import prepare_key
from bot.services.roster_import import import_guardians, import_pupils, import_staff
from bot.storage import Database
from scheduler import daily_work, due_work

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEMO_SCHOOL_NAME = "SO/VSO De Brug"
DEMO_BOT_USERNAME = "samen_demo_bot"
# Where the demo clock stood when a kept demo database (`samen try --db FILE`) was last used:
# the school's records never see time run backwards.
CLOCK_META = "demo_clock"
# A bot token as BotFather hands them out: the bot's number, a colon, 35 characters.
REAL_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{35}")
# The phones on the page at the start: a teacher, the coordinator, a Turkish mother, an
# Arabic-reading father without parental authority, and a pupil of 14.
DEFAULT_PHONES = ("S002", "S004", "G020", "G041", "P013")


def examples_dir() -> Path:
    """The sample roster: inside the installed package (bot/demo/examples), or the source
    tree's `examples/` folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "examples", here.parent.parent / "examples"):
        if (candidate / "staff.csv").exists():
            return candidate
    raise FileNotFoundError(f"no sample roster (examples/staff.csv) near {here}")


def real_looking_token(token: str | None) -> bool:
    return token is not None and REAL_TOKEN.fullmatch(token.strip()) is not None


async def load_examples(db: Database, now: datetime, timezone: ZoneInfo = AMSTERDAM) -> None:
    """Import the sample school's staff, pupils and guardians, as `samen import` does."""
    folder = examples_dir()
    today = now.astimezone(timezone).date()
    await import_staff(db, (folder / "staff.csv").read_bytes(), "staff.csv", now)
    await import_pupils(db, (folder / "pupils.csv").read_bytes(), "pupils.csv", now, today)
    await import_guardians(db, (folder / "guardians.csv").read_bytes(), "guardians.csv", now)


class TrackingApplication(Application):
    """Reports every update it has finished, so whoever acts knows when the bot is done."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                tracker: UpdateTracker = self.bot_data["tracker"]
                tracker.finished(update.update_id)


@dataclass
class UpdateTracker:
    done: set[int] = field(default_factory=set)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def finished(self, update_id: int) -> None:
        self.done.add(update_id)
        self.event.set()

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:
        async def until_done() -> None:
            while update_id not in self.done:
                self.event.clear()
                await self.event.wait()

        await asyncio.wait_for(until_done(), timeout)


class School:
    """The real Samen runtime against the fake Bot API, and people acting in their chats.

    `say` and `tap` return once the bot has completely processed the update (the application
    reports each processed update id), so nobody sleeps."""

    # A test may run Samen on a database with injected faults, or shorten how long an answer
    # from Telegram is awaited.
    database_class: type[Database] = Database
    request_timeout = 5.0

    def __init__(self, clock: Clock, server: FakeTelegram) -> None:
        self.clock = clock
        self.server = server
        self.tracker = UpdateTracker()
        self.db: Database | None = None
        self.runtime: Runtime | None = None
        self.settings: Settings | None = None
        self.invites: dict[tuple[PersonKind, str], InviteRow] = {}
        # Each step a person takes through `say` and `tap` takes them a second, the least it
        # takes to read an answer before the next tap: the flood limit sees them at that
        # pace, on the school's clock. A test that floods sends without waiting (`user.send`).
        self.paced = 0.0

    def admission_clock(self) -> float:
        """The seconds the flood limit counts in: the school's clock, plus a second a step."""
        return self.clock.now().timestamp() + self.paced

    def pause(self, seconds: float) -> None:
        """People wait this long before their next step, as the flood limit and the quiet for
        unlinked chats see it; the school's clock stays where it is."""
        self.paced += seconds

    async def start_bot(self, webhook: Webhook | None = None, **outbox_options: Any) -> None:
        """With `webhook`: updates as the fake posts them to it (else by long polling)."""
        assert self.settings is not None and self.db is not None
        options = {"per_chat_interval": 0.02, **outbox_options}
        self.runtime = Runtime(
            self.settings,
            self.db,
            self.clock,
            application_class=TrackingApplication,
            poll_timeout=1,
            outbox_options=options,
            request_timeout=self.request_timeout,
            admission=ChatGate(clock=self.admission_clock),
        )
        self.runtime.application.bot_data["tracker"] = self.tracker
        await self.runtime.start(webhook)

    async def stop_bot(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def issue_invites(self) -> dict[tuple[PersonKind, str], InviteRow]:
        assert self.db is not None and self.settings is not None
        rows = await issue_invitations(
            self.db, self.settings, self.clock.now(), self.server.username
        )
        self.invites = {(r.kind, r.person_id): r for r in rows}
        return self.invites

    def code(self, kind: PersonKind, person_id: str) -> str:
        return self.invites[(kind, person_id)].code

    async def say(
        self, user: FakeUser, text: str, reply_to: ChatMessage | None = None
    ) -> list[ChatMessage]:
        """The user sends text (as a reply to `reply_to`, if given); returns what the bot
        showed in that chat in response."""
        before = len(user.messages)
        self.pause(1.0)
        await self.tracker.wait(user.send(text, reply_to))
        return user.messages[before:]

    async def tap(self, user: FakeUser, label: str, message: ChatMessage | None = None) -> str:
        """The user taps a button; returns the callback query id (answered by then)."""
        self.pause(1.0)
        update_id, query_id = user.tap(label, message)
        await self.tracker.wait(update_id)
        return query_id

    async def tap_data(self, user: FakeUser, data: str, message: ChatMessage) -> str:
        self.pause(1.0)
        update_id, query_id = user.tap_data(data, message)
        await self.tracker.wait(update_id)
        return query_id

    async def react(self, user: FakeUser, message: ChatMessage, emoji: str) -> None:
        self.pause(1.0)
        await self.tracker.wait(user.react(message, emoji))

    async def press(self, user: FakeUser, pattern: str) -> ChatMessage:
        """Tap the newest button whose callback data matches `pattern`; the message it was on."""
        message = with_data(user, pattern)
        await self.tap_data(user, data_of(message, pattern), message)
        return message

    async def flow(self, user: FakeUser, value: str) -> None:
        """Tap the button of a flow's step (bot/rules/callback_data: f:<nonce>:<value>)."""
        await self.press(user, rf"f:[^:]+:{re.escape(value)}")

    async def link(self, user: FakeUser, kind: PersonKind, person_id: str) -> ChatMessage:
        """Onboard a user with their invitation code; returns the welcome."""
        if not self.invites:
            await self.issue_invites()
        shown = await self.say(user, f"/start {self.code(kind, person_id)}")
        assert len(shown) == 1, [m.text for m in shown]
        return shown[0]


def with_data(user: FakeUser, pattern: str) -> ChatMessage:
    """The newest message with a button whose callback data matches `pattern`."""
    for message in reversed(user.messages):
        for row in message.buttons:
            for button in row:
                if button.data and re.fullmatch(pattern, button.data):
                    return message
    raise LookupError(f"no button matching {pattern!r}: {[m.labels for m in user.messages]}")


def data_of(message: ChatMessage, pattern: str) -> str:
    """The callback data of the message's button that matches `pattern`."""
    for row in message.buttons:
        for button in row:
            if button.data and re.fullmatch(pattern, button.data):
                return button.data
    raise LookupError(pattern)


# --- the demo ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone of the sample school with a demo Telegram account."""

    kind: PersonKind
    person_id: str
    name: str
    first_name: str
    role: str  # in English, for the page: "mother of Emre (VSO-1)", "teacher VSO-1"
    user_id: int
    roster_language: str | None


RELATIONS = {
    "mother": "mother",
    "father": "father",
    "parent": "parent",
    "guardian": "guardian",
    "foster_parent": "foster parent",
    "family_guardian": "family guardian",
    "other": "carer",
}
STAFF_ROLES = {"coordinator": "care coordinator", "admin": "administrator"}
# A user id far from the fake server's message ids, for the first demo account.
FIRST_DEMO_USER = 100_001


class DemoError(Exception):
    """A demo request that cannot be done; the message says why, for the page (with the HTTP
    status to answer: 404 for someone or something unknown, 409 for a wrong moment)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class DemoSchool(School):
    """`samen try`: the sample school on a demo clock, every sample person linked."""

    def __init__(self, folder: Path, *, db_path: Path | None = None, start: datetime) -> None:
        clock = DemoClock(start)
        super().__init__(clock, FakeTelegram(clock=clock.now, username=DEMO_BOT_USERNAME))
        self.demo_clock = clock
        self.folder = folder
        self.db_path = db_path or folder / "samen-demo.db"
        self.people: dict[str, Person] = {}
        self.users: dict[str, FakeUser] = {}
        self.by_chat: dict[int, str] = {}
        self.phones: list[str] = list(DEFAULT_PHONES)
        # One jump or story at a time: two would run the same scheduled work twice at once.
        self.moving = asyncio.Lock()

    @property
    def timezone(self) -> ZoneInfo:
        assert self.settings is not None
        return self.settings.timezone

    async def open(self) -> None:
        base_url = await self.server.start()
        self.settings = Settings(
            token=TOKEN,
            api_url=base_url,
            db_path=self.db_path,
            school_name=DEMO_SCHOOL_NAME,
            bot_username=DEMO_BOT_USERNAME,
            # Every kind of scheduled work runs in the demo, the weekly purge too.
            purge_schedule="weekly",
        )
        self.db = await self.database_class.open(self.db_path)
        async with self.db.reading() as tx:
            stopped_at = await tx.get_meta(CLOCK_META)
        if stopped_at is not None and datetime.fromisoformat(stopped_at) > self.clock.now():
            self.demo_clock.set(datetime.fromisoformat(stopped_at))
        await prepare_key(self.db, self.settings.pseudonym_key_file)
        await load_examples(self.db, self.clock.now(), self.settings.timezone)
        # Messages to the same chat a moment apart, not Telegram's second: nobody waits in a
        # demonstration, and the fake Bot API has no limits to keep.
        await self.start_bot(per_chat_interval=0.05)
        await self.link_everyone()

    async def close(self) -> None:
        if self.db is not None:
            async with self.db.transaction() as tx:
                await tx.set_meta(CLOCK_META, self.clock.now().isoformat())
        await self.stop_bot()
        if self.db is not None:
            await self.db.close()
        await self.server.stop()

    # --- people ------------------------------------------------------------------------

    async def link_everyone(self) -> None:
        """Every sample person who may have an account gets a demo Telegram account, linked
        with their own invitation code, as a family would with the letter."""
        assert self.db is not None
        async with self.db.reading() as tx:
            chats = await tx.all_chats()
        next_user = max([FIRST_DEMO_USER - 1, *chats.values()]) + 1
        rows = await self.issue_invites()
        await self._read_people(chats, rows.values())
        for (_kind, person_id), chat_id in chats.items():
            self._make_user(person_id, chat_id)
        waits = []
        for row in rows.values():
            user = self._make_user(row.person_id, next_user)
            next_user += 1
            waits.append(self.tracker.wait(user.send(f"/start {row.code}"), timeout=60))
        await asyncio.gather(*waits)
        async with self.db.reading() as tx:
            linked = await tx.all_chats()
        await self._read_people(linked, ())
        await self.settle()

    def _make_user(self, person_id: str, user_id: int) -> FakeUser:
        person = self.people[person_id]
        phone = telegram_language_code(person.roster_language or "nl") or "nl"
        user = self.server.user(user_id, person.first_name, phone)
        self.users[person_id] = user
        self.by_chat[user_id] = person_id
        return user

    async def _read_people(
        self, chats: dict[tuple[PersonKind, str], int], invited: Iterable[InviteRow]
    ) -> None:
        """Who has (or is about to get) a demo account, with their role in a line."""
        assert self.db is not None
        today = self.clock.now().astimezone(self.timezone).date()
        wanted = set(chats) | {(row.kind, row.person_id) for row in invited}
        people: dict[str, Person] = {}
        async with self.db.reading() as tx:
            pupils = {p.pupil_id: p for p in await tx.all_pupils()}
            for member in await tx.all_staff():
                if (PersonKind.STAFF, member.staff_id) in wanted:
                    people[member.staff_id] = Person(
                        PersonKind.STAFF,
                        member.staff_id,
                        f"{member.first_name} {member.last_name}",
                        member.first_name,
                        _staff_role(member),
                        chats.get((PersonKind.STAFF, member.staff_id), 0),
                        None,
                    )
            links = await tx.all_guardian_links()
            for guardian in await tx.all_guardians():
                if (PersonKind.GUARDIAN, guardian.guardian_id) not in wanted:
                    continue
                own = [link for link in links if link.guardian_id == guardian.guardian_id]
                children = [
                    f"{pupils[link.pupil_id].first_name} ({pupils[link.pupil_id].group})"
                    for link in own
                    if link.pupil_id in pupils
                ]
                relation = RELATIONS.get(own[0].relation, "carer") if own else "carer"
                role = f"{relation} of {' and '.join(children)}"
                if own and not any(link.authority for link in own):
                    role += ", without parental authority"
                people[guardian.guardian_id] = Person(
                    PersonKind.GUARDIAN,
                    guardian.guardian_id,
                    f"{guardian.first_name} {guardian.last_name}",
                    guardian.first_name,
                    role,
                    chats.get((PersonKind.GUARDIAN, guardian.guardian_id), 0),
                    guardian.language,
                )
            for pupil in pupils.values():
                if (PersonKind.PUPIL, pupil.pupil_id) in wanted:
                    people[pupil.pupil_id] = Person(
                        PersonKind.PUPIL,
                        pupil.pupil_id,
                        f"{pupil.first_name} {pupil.last_name}",
                        pupil.first_name,
                        f"pupil, {_age(pupil.birth_date, today)}, {pupil.group}",
                        chats.get((PersonKind.PUPIL, pupil.pupil_id), 0),
                        pupil.language,
                    )
        self.people = people

    def person(self, person_id: str) -> Person:
        found = self.people.get(person_id)
        if found is None:
            raise DemoError(f"nobody with a demo account is called {person_id!r}", 404)
        return found

    def user(self, person_id: str) -> FakeUser:
        self.person(person_id)
        return self.users[person_id]

    async def language_of(self, person: Person) -> str:
        """The language Samen writes to this person in now (their /taal choice counts)."""
        assert self.db is not None and self.runtime is not None
        async with self.db.reading() as tx:
            chosen, roster = await tx.language_facts(person.kind, person.person_id)
        return reading_language(chosen, roster, self.runtime.texts.languages)

    def right_to_left(self, language: str) -> bool:
        assert self.runtime is not None
        return self.runtime.texts(language).rtl

    @staticmethod
    def language_name(language: str) -> str:
        return language_name(language)

    # --- phones --------------------------------------------------------------------------

    def set_phones(self, person_ids: Iterable[str]) -> list[str]:
        phones: list[str] = []
        for person_id in person_ids:
            self.person(person_id)
            if person_id not in phones:
                phones.append(person_id)
        self.phones = phones
        return phones

    def add_phone(self, person_id: str) -> list[str]:
        return self.set_phones([*self.phones, person_id])

    def remove_phone(self, person_id: str) -> list[str]:
        return self.set_phones(p for p in self.phones if p != person_id)

    # --- acting ----------------------------------------------------------------------------

    async def say_as(self, person_id: str, text: str, reply_to: int | None = None) -> None:
        user = self.user(person_id)
        replied = None
        if reply_to is not None:
            replied = self.server.message(user.id, reply_to)
            if replied is None:
                raise DemoError(f"no message {reply_to} in {person_id}'s chat", 404)
        await self.say(user, text, replied)
        await self.settle()

    async def tap_as(self, person_id: str, message_id: int, data: str) -> str | None:
        """Tap a button of a message in the person's chat; the answer the bot showed (a toast)."""
        user = self.user(person_id)
        message = self.server.message(user.id, message_id)
        if message is None or message.deleted:
            raise DemoError(f"no message {message_id} in {person_id}'s chat", 404)
        if not any(button.data == data for row in message.buttons for button in row):
            raise DemoError(f"message {message_id} has no button {data!r}")
        query_id = await self.tap_data(user, data, message)
        await self.settle()
        answer = self.server.callback_answers.get(query_id, {}).get("text")
        return str(answer) if answer else None

    async def react_as(self, person_id: str, message_id: int, emoji: str) -> None:
        user = self.user(person_id)
        message = self.server.message(user.id, message_id)
        if message is None or message.deleted:
            raise DemoError(f"no message {message_id} in {person_id}'s chat", 404)
        await self.react(user, message, emoji)
        await self.settle()

    async def settle(self, timeout: float = 15.0) -> None:
        """Let the outbox deliver everything due now: what a step or a jump caused."""
        assert self.db is not None and self.runtime is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            async with self.db.reading() as tx:
                due = await tx.due_messages(self.clock.now(), 1)
            if not due:
                return
            self.runtime.outbox.wake()
            await asyncio.sleep(0.02)

    # --- the time machine ----------------------------------------------------------------

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.timezone)

    def school_day(self, day: date) -> bool:
        assert self.settings is not None
        return is_school_day(day, self.settings.holidays)

    def next_school_day(self, after: date) -> date:
        day = after + timedelta(days=1)
        while not self.school_day(day):
            day += timedelta(days=1)
        return day

    def at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.timezone)

    async def moment_of(self, jump: str) -> datetime:
        """Where a named jump of the clock bar goes."""
        now = self.local_now()
        if jump == "hour":
            return now + timedelta(hours=1)
        if jump == "next_school_day":
            return self.at(self.next_school_day(now.date()), time(8, 0))
        if jump == "friday":
            days = (4 - now.weekday()) % 7
            friday = self.at(now.date() + timedelta(days=days), time(13, 0))
            return friday if friday > now else friday + timedelta(days=7)
        if jump == "day_before_talk":
            return await self._reminder_of_next_talk()
        raise DemoError(f"no such jump: {jump!r}", 400)

    async def _reminder_of_next_talk(self) -> datetime:
        """When the reminder of the next planned talk goes out: the day before, at the talk's
        time, moved out of quiet hours."""
        assert self.db is not None and self.settings is not None
        now = self.clock.now()
        async with self.db.reading() as tx:
            talks = await tx.meetings_between(now, now + timedelta(days=366))
        moments = sorted(
            moment
            for moment in (reminder_moment(talk, self.settings) for talk in talks)
            if moment > now
        )
        if not moments:
            raise DemoError("no planned talk whose reminder is still to come")
        return moments[0]

    async def jump_to(self, moment: datetime) -> dict[str, int]:
        """Set the clock and run every scheduled job as it would run at that moment, then let
        the outbox deliver what they caused. The clock only moves forward: the school's
        records never see time run backwards."""
        assert self.runtime is not None and self.db is not None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.timezone)
        async with self.moving:
            if moment < self.clock.now():
                raise DemoError("the demo clock only moves forward")
            self.demo_clock.set(moment)
            ran = await self.run_scheduled_work()
            async with self.db.transaction() as tx:
                await tx.set_meta(CLOCK_META, self.clock.now().isoformat())
        await self.settle()
        return ran

    async def run_scheduled_work(self) -> dict[str, int]:
        """Every job the scheduler runs (bot/scheduler), at the clock's `now`."""
        assert self.runtime is not None and self.db is not None
        services = self.runtime.services
        ran = dict(await due_work(services))
        ran.update(await daily_work(services))
        ran.update(await tidy(self.db, self.clock.now()))
        return ran


def _staff_role(member: StaffMember) -> str:
    if member.role.value == "teacher":
        return f"teacher {', '.join(member.groups)}".strip()
    return STAFF_ROLES.get(member.role.value, member.role.value)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def demo_start(now: datetime, holidays: Iterable[date] = ()) -> datetime:
    """Monday 08:00 of the current school week (the coming one at a weekend), or the first
    school day after it when that Monday has no school."""
    free = set(holidays)
    local = now.astimezone(AMSTERDAM)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() >= 5:
        monday += timedelta(days=7)
    day = monday
    while not is_school_day(day, free):
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 0), tzinfo=AMSTERDAM)
