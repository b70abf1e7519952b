"""Samen's benchmarks: `python -m tests.bench.run` prints a table and writes BENCHMARKS.md.

Everything runs on this machine against the project's fake Bot API on loopback, in one run:
  1. scale: import and all due work at one `now` at 1,000 / 10,000 / 50,000 pupils;
  2. update handling: Samen's handlers in bursts, side by side with a fair peer (the same
     transport, concurrency and Bot API calls per update, nothing else); the handler latency
     at 50 updates a second for 60 s with 10,000 pupils while the minute tick runs;
  3. `samen run` itself: start-up, and its peak memory after its tick and traffic;
  4. delivery: a 5,000-message broadcast through the outbox, without and with RetryAfter.
Every target of issue 25 is printed with whether it is met. Not part of the test run.
`--quick` runs a small version (used to check the script itself; writes no report).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import ALLOWED_UPDATES, CONCURRENT_UPDATES, PerChatUpdateProcessor, Runtime
from bot.demo.fake_telegram import TOKEN, ChatMessage, FakeTelegram, FakeUser
from bot.platform.clock import FakeClock
from bot.platform.config import Settings
from bot.platform.telegram_http import AiohttpRequest
from bot.rules.models import Invitee, PersonKind
from bot.services import pupil_discussions, rounds
from bot.services.invitations import issue_invitations
from bot.services.roster_import import import_guardians, import_pupils, import_staff
from bot.services.work import Work
from bot.storage import Database
from scheduler import due_work
from tests.bench.roster import write_roster
from tests.harness import TrackingApplication, UpdateTracker

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 4, 13, 0, tzinfo=AMS)  # a Friday at reminder time
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Results:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # what, figure, target
    verdicts: list[str] = field(default_factory=list)

    def add(self, what: str, figure: str, target: str = "", met: bool | None = None) -> None:
        state = "" if met is None else ("met" if met else "NOT met")
        self.rows.append((what, figure, f"{target}: {state}" if state else target))
        print(f"{what:<58} {figure:<28} {target}{f' — {state}' if state else ''}", flush=True)
        if target and met is not None:
            self.verdicts.append(f"- {what.strip()}: {figure}; target {target}: {state}.")


# --- 3 and 4: scale and growth -----------------------------------------------------------


async def build_school(
    folder: Path, pupils: int, db: Any = None
) -> tuple[Database, dict[str, float]]:
    """The school of `pupils` imported from its roster files (into `db`, or a new SQLite file
    in `folder`) with a term's activity; the import's timings."""
    paths = write_roster(folder / "csv", pupils)
    db = db or await Database.open(folder / "samen.db")
    # As `samen` does when it starts (bot.cli.main): what is loaded by then is frozen, so a
    # full collection during the import scans only what the import makes.
    gc.collect()
    gc.freeze()
    timings = {}
    start = time.perf_counter()
    await import_staff(db, paths["staff"].read_bytes(), "staff.csv", NOW)
    timings["staff"] = time.perf_counter() - start
    start = time.perf_counter()
    await import_pupils(db, paths["pupils"].read_bytes(), "pupils.csv", NOW, NOW.date())
    timings["pupils"] = time.perf_counter() - start
    start = time.perf_counter()
    await import_guardians(db, paths["guardians"].read_bytes(), "guardians.csv", NOW)
    timings["guardians"] = time.perf_counter() - start
    await add_activity(db, pupils)
    return db, timings


async def add_activity(db: Database, pupils: int) -> None:
    """A term's worth of work: good news for half the pupils, a talk planned for one in ten
    (next week), a consent request for one in fifty."""
    async with db.transaction() as tx:
        for n in range(0, pupils, 2):
            sent = NOW - timedelta(days=(n * 7) % 80)
            await tx.add_positive_news(
                pupil_id=f"P{n:06d}",
                staff_id="T00000",
                themes=[],
                own_words="",
                now=sent,
                send_at=sent,
            )
        for n in range(0, pupils, 10):
            meeting = await tx.add_meeting(
                pupil_id=f"P{n:06d}",
                kind="progress",
                starts_at=NOW + timedelta(days=1 + n % 6),
                minutes=15,
                place_kind="room",
                place="1",
                goal="-",
                alternatives=[],
                created_by="T00000",
                now=NOW,
            )
            guardian, _ = (await tx.guardians_of_pupil(f"P{n:06d}"))[0]
            await tx.add_invitee(
                Invitee(
                    meeting,
                    PersonKind.GUARDIAN,
                    guardian.guardian_id,
                    "nl",
                    None,
                    None,
                    False,
                    False,
                    None,
                ),
                None,
            )
        for n in range(0, pupils, 50):
            await tx.add_discussion(
                pupil_id=f"P{n:06d}",
                kind="zat",
                purpose="-",
                starts_at=NOW + timedelta(days=20),
                participants=[],
                shared_info=[],
                created_by="C00001",
                now=NOW - timedelta(days=4),
                notice_deadline=NOW + timedelta(days=10),
            )


async def time_due_work(db: Database, runs: int = 3) -> float:
    """All due work for the whole school at one `now`, as the scheduler runs it: the median
    of `runs`, each on a fresh copy of the school (a run leaves nothing due for the next).
    Closes `db`; the school itself is left as it was."""
    from bot.i18n.translator import Catalogues
    from bot.services.context import Services

    path = db.path
    await db.close()  # its -wal folded into the file, so that a copy is the whole school
    settings = Settings(token=TOKEN, db_path=path)
    # The school calendar is worked out once per process (about 0.15 s), not on every tick.
    assert settings.holidays
    timings = []
    for run in range(runs):
        copy = path.with_name(f"due-{run}.db")
        shutil.copyfile(path, copy)
        copied = await Database.open(copy)
        services = Services(settings, copied, FakeClock(NOW), Catalogues(settings.languages, AMS))
        start = time.perf_counter()
        await due_work(services)
        timings.append(time.perf_counter() - start)
        await copied.close()
        copy.unlink()
    return statistics.median(timings)


async def scale(results: Results, sizes: list[int], work: Path) -> Path:
    big = work
    due: dict[int, float] = {}
    for pupils in sizes:
        folder = work / f"school-{pupils}"
        db, timings = await build_school(folder, pupils)
        seconds = due[pupils] = await time_due_work(db)
        size = (folder / "samen.db").stat().st_size / 1e6
        label = f"{pupils:,} pupils"
        ten = pupils == 10_000
        results.add(
            f"import {label}: pupils, guardians, staff",
            f"{timings['pupils']:.2f} s, {timings['guardians']:.2f} s, {timings['staff']:.2f} s",
            "together < 1 s at 10,000" if ten else "",
            sum(timings.values()) < 1 if ten else None,
        )
        results.add(
            f"all due work at one now, {label} (median of 3)",
            f"{seconds:.2f} s",
            "< 0.1 s at 10,000" if ten else "",
            seconds < 0.1 if ten else None,
        )
        results.add(f"database size, {label}", f"{size:.1f} MB")
        if ten or pupils == sizes[0]:
            big = folder
    if 10_000 in due and 50_000 in due:
        growth = due[50_000] / due[10_000]
        results.add(
            "due work from 10,000 to 50,000 pupils (five times as many)",
            f"{growth:.1f} times the time",
            "linear: ≤ 7.5 times (1.5 × 5)",
            growth <= 7.5,
        )
    return big / "samen.db"


def run_samen(db_path: Path, server: FakeTelegram) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.base_url,
        "SAMEN_DB": str(db_path),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=db_path.parent,
    )


async def startup_and_memory(results: Results, db_path: Path, parents: int, seconds: float) -> None:
    """`samen run` itself on the 10,000-pupil school: its start-up, and its memory at the peak
    after its first minute tick (5 s after the start) and `seconds` of /help at 50 a second
    from the parents linked before."""
    server = FakeTelegram()
    await server.start()
    try:
        start = time.perf_counter()
        process = run_samen(db_path, server)
        await server.wait_for(lambda: len(server.calls_of("getUpdates")) > 0, timeout=120)
        results.add(
            "start-up of samen run (to first getUpdates)", f"{time.perf_counter() - start:.2f} s"
        )
        users = [server.user(800_000 + n, f"V{n}") for n in range(parents)]
        began = time.perf_counter()
        for index in range(int(seconds * 50)):
            await asyncio.sleep(max(0.0, began + index / 50 - time.perf_counter()))
            users[index % len(users)].send("/help")
        await asyncio.sleep(max(0.0, 6 - (time.perf_counter() - start)))  # the tick has run
        with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
        results.add(
            f"peak memory (RSS) of samen run, 10,000 pupils, after its tick and {seconds:.0f} s"
            " of traffic",
            f"{peak / 1024:.1f} MB",
            "< 120 MB",
            peak / 1024 < 120,
        )
        process.terminate()
        # Waited for beside the fake Bot API, which answers the bot's last calls meanwhile.
        await asyncio.to_thread(process.wait, 30)
    finally:
        await server.stop()


# --- 1: update handling ------------------------------------------------------------------


class TrackedEcho(Application):  # type: ignore[type-arg]
    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                self.bot_data["tracker"].finished(update.update_id)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_message and update.effective_message.text:
        await update.effective_chat.send_message(update.effective_message.text)


# What a bot does to the Bot API, and what it only receives.
NOT_CALLS = frozenset({"getUpdates", "getMe", "deleteWebhook", "getFile"})


def calls_made(server: FakeTelegram) -> int:
    return sum(1 for method, _ in server.calls if method not in NOT_CALLS)


@dataclass
class Interaction:
    """One kind of update, pushed in a burst: Samen's throughput, and the Bot API calls each
    of its updates caused (answers and outbox messages), which the fair peer makes too."""

    name: str
    push: list
    throughput: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    made: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    peer: float = 0.0  # the peer making the same calls, with Samen's own contents
    minimal_peer: float = 0.0  # the same calls with the smallest contents ("✓")
    target: bool = False  # one the issue sets a target for (≥ 0.8 of the peer)


class FairPeer:
    """python-telegram-bot with Samen's transport (AiohttpRequest), Samen's concurrency (the
    same update processor and slots) and no rate limiter, that answers each update with the
    Bot API calls Samen made for that kind of update, on average, and does nothing else: no
    database, no texts, no rules. What Samen costs beyond the calls it must make anyway.

    With `contents` it sends what Samen sent (the same texts, keyboards, menus and files, to
    its own chat), so that both pay the same for encoding a call and decoding Telegram's
    answer; without, the smallest call of each kind ("✓", no keyboard)."""

    def __init__(self, server: FakeTelegram) -> None:
        self.tracker = TimedTracker()
        self.application = (
            ApplicationBuilder()
            .application_class(TrackedEcho)
            .token(TOKEN)
            .base_url(server.base_url)
            .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
            .request(AiohttpRequest(read_timeout=5.0))
            .get_updates_request(AiohttpRequest(1))
            .build()
        )
        self.application.bot_data["tracker"] = self.tracker
        self.plans: deque[list[tuple[str, dict[str, Any] | None]]] = deque()
        self.application.add_handler(TypeHandler(Update, self._answer))

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        chat = update.effective_chat
        assert chat is not None
        query = update.callback_query
        tapped = query.message if query is not None else None
        for method, contents in self.plans.popleft() if self.plans else []:
            if contents is not None:
                await self._same_as_samen(bot, method, contents, chat.id, query)
            elif method == "answerCallbackQuery" and query is not None:
                await bot.answer_callback_query(query.id)
            elif method in ("editMessageText", "editMessageReplyMarkup") and tapped is not None:
                await bot.edit_message_text(f"✓ {update.update_id}", chat.id, tapped.message_id)
            elif method == "setMyCommands":
                await bot.set_my_commands(
                    [BotCommand("help", "Help")], scope=BotCommandScopeChat(chat.id)
                )
            elif method == "sendDocument":
                await bot.send_document(chat.id, b"BEGIN:VCALENDAR", filename="samen.ics")
            else:
                await bot.send_message(chat.id, "✓")

    @staticmethod
    async def _same_as_samen(
        bot: Bot,
        method: str,
        contents: dict[str, Any],
        chat_id: int,
        query: CallbackQuery | None,
    ) -> None:
        """The call Samen made, addressed to this update's chat (and tapped message)."""
        kwargs = dict(contents)
        if "chat_id" in kwargs:
            kwargs["chat_id"] = chat_id
        if isinstance(kwargs.get("scope"), dict) and "chat_id" in kwargs["scope"]:
            kwargs["scope"] = {**kwargs["scope"], "chat_id": chat_id}
        if "callback_query_id" in kwargs and query is not None:
            kwargs["callback_query_id"] = query.id
        if "message_id" in kwargs and query is not None and query.message is not None:
            kwargs["message_id"] = query.message.message_id
        if method == "sendDocument" and isinstance(kwargs.get("document"), dict):
            upload = kwargs["document"]
            kwargs["document"] = InputFile(upload["content"], filename=upload["filename"])
        answer: type[Message] | None = (
            Message if method.startswith(("send", "editMessage")) else None
        )
        # An edit the fake refuses (the text unchanged): Samen's call was answered too.
        with contextlib.suppress(BadRequest), warnings.catch_warnings():
            # PTB asks for its own method for a known call; the raw call keeps the contents.
            warnings.simplefilter("ignore", PTBUserWarning)
            await bot.do_api_request(method, api_kwargs=kwargs, return_type=answer)

    def plan(
        self,
        calls: Counter[str],
        updates: int,
        made: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        """Each update's calls, so that the peer makes as many of each kind as Samen did
        (with `made`: each with the contents of one Samen made, in turn)."""
        self.plans.clear()
        samples: dict[str, deque[dict[str, Any]]] = {}
        for method, sent in made or []:
            samples.setdefault(method, deque()).append(sent)
        for index in range(updates):
            plan: list[tuple[str, dict[str, Any] | None]] = []
            for method, total in sorted(calls.items()):
                for _ in range((index + 1) * total // updates - index * total // updates):
                    contents: dict[str, Any] | None = None
                    if made is not None and samples.get(method):
                        contents = samples[method].popleft()
                    plan.append((method, contents))
            self.plans.append(plan)

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()

    @contextlib.asynccontextmanager
    async def polling_instead_of(self, runtime: Runtime) -> AsyncIterator[None]:
        """The peer takes the updates while Samen's poller rests (one token, one poller), so
        that each of Samen's bursts is compared with the peer's on the machine of that moment:
        its speed drifts by a quarter within a minute."""
        samen, own = runtime.application.updater, self.application.updater
        assert samen is not None and own is not None
        await samen.stop()
        await own.start_polling(timeout=1)
        try:
            yield
        finally:
            await own.stop()
            await samen.start_polling(
                timeout=int(runtime.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )

    async def stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()


async def measure(
    server: FakeTelegram, tracker: UpdateTracker, push: list, rate: float | None
) -> tuple[float, list[float]]:
    """Push updates (at `rate` per second, or all at once); return throughput and latencies."""
    sent: dict[int, float] = {}
    start = time.perf_counter()
    for index, make in enumerate(push):
        if rate:
            await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        sent[make()] = time.perf_counter()
    latencies = []
    for update_id, at in sent.items():
        await tracker.wait(update_id, timeout=300)
        latencies.append(tracker_time(tracker, update_id) - at)
    elapsed = max(tracker_time(tracker, u) for u in sent) - start
    return len(push) / elapsed, latencies


async def burst(
    server: FakeTelegram, tracker: UpdateTracker, db: Database | None, push: list
) -> tuple[float, Counter[str]]:
    """Push a burst and wait until every Bot API call it caused is made (Samen's outbox
    included); updates a second over that time, and the calls made."""
    # Each burst starts from the same collector state: what earlier bursts left (the fake's
    # records of every call, above all) would otherwise slow whichever runs later, the peer.
    gc.collect()
    gc.freeze()
    before = len(server.calls)
    start = time.perf_counter()
    ids = [make() for make in push]
    for update_id in ids:
        await tracker.wait(update_id, timeout=300)
    if db is not None:  # until the outbox has sent what the burst queued
        await drained(db, 0.005)
    elapsed = time.perf_counter() - start
    made = Counter(m for m, _ in server.calls[before:] if m not in NOT_CALLS)
    return len(push) / elapsed, made


async def drained(db: Database, poll: float = 0.2) -> None:
    """Wait until the outbox holds nothing still to send."""
    while True:
        async with db.reading() as tx:
            if (await tx.outbox_counts()).get("pending", 0) == 0:
                return
        await asyncio.sleep(poll)


async def median_burst(
    server: FakeTelegram,
    peer: FairPeer,
    done: Interaction,
    made: list[tuple[str, dict[str, Any]]] | None,
    runs: int = 3,
) -> float:
    """The fair peer's throughput for one kind of update: the median of `runs` bursts."""
    rates = []
    for _ in range(runs):
        peer.plan(done.calls, len(done.push), made)
        rate, _ = await burst(server, peer.tracker, None, done.push)
        rates.append(rate)
    return statistics.median(rates)


def tracker_time(tracker: UpdateTracker, update_id: int) -> float:
    return tracker.times[update_id]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def update_handling(results: Results, db_path: Path, count: int, window: float) -> None:
    server = FakeTelegram()
    await server.start()
    # The bare baseline of before, for reference: python-telegram-bot echoing text, one call
    # an update, with PTB's own transport and concurrency.
    tracker = TimedTracker()
    app = (
        ApplicationBuilder()
        .application_class(TrackedEcho)
        .token(TOKEN)
        .base_url(server.base_url)
        .build()
    )
    app.bot_data["tracker"] = tracker
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1)
    users = [server.user(700_000 + n, f"U{n}") for n in range(200)]
    baseline, _ = await measure(
        server, tracker, [lambda u=u: u.send("hallo") for u in users * (count // 200)], None
    )
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    results.add("bare python-telegram-bot echo (reference), burst", f"{baseline:.0f} updates/s")

    # Samen: onboarding with invitation codes, /help, consent taps, the composer, a booking
    # rush; then the fair peer with the same calls for each.
    settings = Settings(token=TOKEN, api_url=server.base_url, db_path=db_path)
    # The letters first, on a connection of their own, as `samen invites` is a process of its
    # own: issuing every code on the bot's own connection changed the onboarding burst after
    # it by up to a third, depending on how that one transaction read (BENCHMARKS.md, round 6).
    letters = await Database.open(db_path)
    rows = await issue_invitations(letters, settings, NOW, "samen_test_bot")
    await letters.close()
    db = await Database.open(db_path)
    clock = FakeClock(NOW)
    # Samen's own cost: without a rate limiter and with the outbox unpaced, as the peer.
    # Below, the production set-up (the limiter pacing every call to 30/s) is measured too.
    runtime = Runtime(
        settings,
        db,
        clock,
        application_class=TrackingApplication,
        poll_timeout=1,
        rate_limiter=False,
        outbox_options={"per_chat_interval": 0.0},
    )
    tracker = TimedTracker()
    runtime.application.bot_data["tracker"] = tracker
    await runtime.start()
    runtime.settle()  # as `samen run` does after its start
    # Bursts are measured between ticks: a tick, a backup or housekeeping lands in a burst
    # of a second or two by chance, where over a minute it is one slice of many. What the
    # minute tick costs the answers is the latency row's, which runs 60 s with it.
    assert runtime.application.job_queue is not None
    runtime.application.job_queue.scheduler.pause()
    guardians = [r for r in rows if r.kind is PersonKind.GUARDIAN][:count]
    parents = [server.user(800_000 + n, f"V{n}") for n in range(len(guardians))]
    linked = parents[: count // 2]
    interactions: list[Interaction] = []

    peer = FairPeer(server)
    await peer.start()

    async def interaction(name: str, push: list, target: bool = False) -> None:
        done = Interaction(name, push, target=target)
        before = len(server.calls)
        done.throughput, done.calls = await burst(server, tracker, db, push)
        done.made = [(m, c) for m, c in server.calls[before:] if m not in NOT_CALLS]
        interactions.append(done)
        # The peer right after, with the same updates. It repeats its bursts (it changes
        # nothing): the median of three.
        async with peer.polling_instead_of(runtime):
            done.peer = await median_burst(server, peer, done, done.made)
            done.minimal_peer = await median_burst(server, peer, done, None)

    onboarding = [
        lambda u=u, r=r: u.send(f"/start {r.code}") for u, r in zip(parents, guardians, strict=True)
    ]
    await interaction("onboarding: /start CODE", onboarding[: count // 2], target=True)
    await interaction("/help from linked parents", [lambda u=u: u.send("/help") for u in linked])
    taps = await consent_requests(runtime, server, db, linked, guardians)
    await interaction("consent: tap agree, then confirm", taps, target=True)
    steps = await composers(server, tracker, rows, count // 2)
    await interaction("composer: /positief, then the pupil's name", steps)
    bookings = await booking_taps(runtime, server, tracker, db, linked, guardians)
    await interaction("booking rush: parents tap a free time", bookings, target=True)
    # What the paused ticks would have done (prompts, overviews) is done now and sent, so
    # that it does not fall into the runs below.
    await due_work(runtime.application.bot_data["services"])
    await drained(db)
    await runtime.stop()
    await peer.stop()
    for done in interactions:
        share = done.throughput / done.peer
        results.add(
            f"Samen: {done.name}, burst",
            f"{done.throughput:.0f} updates/s, {share:.0%} of the fair peer's"
            f" {done.peer:.0f} ({sum(done.calls.values()) / len(done.push):.1f} calls each;"
            f" {done.throughput / done.minimal_peer:.0%} of {done.minimal_peer:.0f} with"
            " the smallest calls)",
            "≥ 80% of the fair peer" if done.target else "",
            share >= 0.8 if done.target else None,
        )

    await latency_with_ticks(results, settings, db, server, linked, window)
    # Production: the limiter paces every call to Telegram's ~30 a second overall, so
    # answers queue up beyond that rate whatever Samen's own speed.
    runtime = Runtime(settings, db, clock, application_class=TrackingApplication, poll_timeout=1)
    tracker = TimedTracker()
    runtime.application.bot_data["tracker"] = tracker
    await runtime.start()
    paced = [lambda u=u: u.send("/help") for u in parents[: min(len(parents), 250)]]
    limited, latencies = await measure(server, tracker, paced, 25.0)
    results.add(
        "with the rate limiter (production), 25 updates/s: p99",
        f"{percentile(latencies, 0.99) * 1000:.0f} ms at {limited:.0f} updates/s",
    )
    await runtime.stop()
    await db.close()
    await server.stop()


async def latency_with_ticks(
    results: Results,
    settings: Settings,
    db: Database,
    server: FakeTelegram,
    parents: list[FakeUser],
    window: float,
) -> None:
    """50 updates a second for `window` seconds, on a clock a week on: the minute tick's
    first run (5 s after the start) finds the whole school's good-news reminders due, and
    the other scheduled jobs run as they do in production (no rate limiter, as above)."""
    runtime = Runtime(
        settings,
        db,
        FakeClock(NOW + timedelta(days=7)),
        application_class=TrackingApplication,
        poll_timeout=1,
        rate_limiter=False,
    )
    tracker = TimedTracker()
    runtime.application.bot_data["tracker"] = tracker
    await runtime.start()
    runtime.settle()  # as `samen run` does after its start
    async with db.reading() as tx:
        before = await tx.news_reminders_sent("T00000")
    updates = int(window * 50)
    asking = [lambda u=u: u.send("/help") for u in parents] * (updates // len(parents) + 1)
    _, latencies = await measure(server, tracker, asking[:updates], 50.0)
    async with db.reading() as tx:
        ticked = len(await tx.news_reminders_sent("T00000")) > len(before)
    await runtime.stop()
    p99 = percentile(latencies, 0.99)
    results.add(
        f"handler latency at 50 updates/s for {window:.0f} s, 10,000 pupils, minute tick"
        f" {'included' if ticked else 'NOT included'}, p50 / p95 / p99",
        f"{percentile(latencies, 0.5) * 1000:.0f} / {percentile(latencies, 0.95) * 1000:.0f}"
        f" / {p99 * 1000:.0f} ms",
        "p99 < 20 ms, with the tick",
        p99 < 0.02 and ticked,
    )


async def booking_taps(
    runtime: Runtime,
    server: FakeTelegram,
    tracker: UpdateTracker,
    db: Database,
    parents: list[FakeUser],
    guardians: list,
) -> list:
    """A round of short talks for each group with a linked parent's child; each parent opens
    the times for their child (not measured); returns their taps on the first free time."""
    async with db.reading() as tx:
        children = {
            child.pupil_id: child.group
            for row in guardians[: len(parents)]
            for child in await tx.children_of_guardian(row.person_id)
        }
        teachers = {
            group: (await tx.staff_of_group(group))[0] for group in sorted(set(children.values()))
        }
    day = (NOW + timedelta(days=4)).replace(hour=14)  # a Tuesday afternoon
    async with db.transaction() as tx:
        for group, teacher in teachers.items():
            await rounds.open_round(
                Work(tx, runtime.texts, runtime.settings, NOW),
                staff=teacher,
                group=group,
                slots=[day + timedelta(minutes=10 * n) for n in range(8)],
                minutes=10,
                place="lokaal 1",
                deadline=NOW + timedelta(days=3),
            )
    await drained(db)  # every invitation sent

    def buttons(parent: FakeUser, pattern: str) -> list[tuple[ChatMessage, str]]:
        return [
            (message, pressed.data)
            for message in parent.messages
            for row in message.buttons
            for pressed in row
            if re.fullmatch(pattern, pressed.data or "")
        ]

    opened = [(p, m, d) for p in parents for m, d in buttons(p, r"rb:\d+:P\d+")[:1]]
    await measure(
        server, tracker, [lambda p=p, m=m, d=d: p.tap_data(d, m)[0] for p, m, d in opened], None
    )
    taps = []
    for parent, _, _ in opened:
        times = buttons(parent, r"rs:\d+:P\d+:\d+")
        if times:
            message, data = times[0]
            taps.append(lambda p=parent, m=message, d=data: p.tap_data(d, m)[0])
    return taps


async def consent_requests(
    runtime: Runtime, server: FakeTelegram, db: Database, parents: list, guardians: list
) -> list:
    """A ZAT consent request to every linked parent's child; returns their taps, in order."""
    async with db.transaction() as tx:
        staff = await tx.staff_member("C00001")
        assert staff is not None
        pupils = {
            child.pupil_id
            for row in guardians[: len(parents)]
            for child in await tx.children_of_guardian(row.person_id)
        }
        for pupil_id in sorted(pupils):
            await pupil_discussions.send_discussion(
                Work(tx, runtime.texts, runtime.settings, NOW),
                staff=staff,
                pupil_id=pupil_id,
                kind="zat",
                starts_at=NOW + timedelta(days=14),
                purpose="Samen kijken welke hulp nodig is.",
                participants=runtime.settings.care.team,
                shared_info=["learning"],
            )

    def request_of(parent: FakeUser) -> ChatMessage | None:
        for message in parent.messages:
            for row in message.buttons:
                for pressed in row:
                    if re.fullmatch(r"c:\d+:agree", pressed.data or ""):
                        return message
        return None

    await drained(db)  # every request sent
    taps = []
    for parent in parents:
        request = request_of(parent)
        if request is None:  # not a decider (no parental authority)
            continue
        agree = next(
            b.data for row in request.buttons for b in row if (b.data or "").endswith(":agree")
        )
        taps.append(lambda p=parent, r=request, d=agree: p.tap_data(d, r)[0])
        confirm = agree.replace(":agree", ":yes")
        taps.append(lambda p=parent, r=request, d=confirm: p.tap_data(d, r)[0])
    return taps


async def composers(
    server: FakeTelegram, tracker: UpdateTracker, rows: list, teachers: int
) -> list:
    """Teachers link, then each opens the good-news composer and names a pupil."""
    codes = [r for r in rows if r.kind is PersonKind.STAFF and r.person_id.startswith("T")]
    users = [server.user(600_000 + n, f"T{n}") for n in range(min(teachers, len(codes)))]
    await measure(
        server,
        tracker,
        [lambda u=u, r=r: u.send(f"/start {r.code}") for u, r in zip(users, codes, strict=False)],
        None,
    )
    steps = []
    for user in users:
        steps.append(lambda u=user: u.send("/positief"))
        steps.append(lambda u=user: u.send("Daan"))
    return steps


class TimedTracker(UpdateTracker):
    def __init__(self) -> None:
        super().__init__()
        self.times: dict[int, float] = {}

    def finished(self, update_id: int) -> None:
        self.times[update_id] = time.perf_counter()
        super().finished(update_id)


# --- 2: delivery -----------------------------------------------------------------------


async def delivery(
    results: Results, messages: int, work: Path, retry_share: float, latency: float = 0.0
) -> None:
    server = FakeTelegram()
    await server.start()
    server.latency = latency
    if retry_share:
        server.fail_randomly(
            "sendMessage", retry_share, 429, "Too Many Requests: retry after 1", retry_after=1
        )
    chats = [server.user(900_000 + n, f"C{n}").chat_id for n in range(messages)]
    db = await Database.open(work / f"delivery-{retry_share}-{latency}.db")
    async with db.transaction() as tx:
        for n, chat in enumerate(chats):
            await tx.enqueue(chat_id=chat, text=f"m{n}", purpose="bench", now=NOW)
    runtime = Runtime(
        Settings(token=TOKEN, api_url=server.base_url, db_path=db.path),
        db,
        FakeClock(NOW + timedelta(minutes=1)),
        poll_timeout=1,
    )
    start = time.perf_counter()
    await runtime.start()

    def delivered() -> int:
        return sum(1 for chat in chats if server.messages(chat))

    await server.wait_for(lambda: delivered() >= messages, timeout=3600)
    elapsed = time.perf_counter() - start
    await runtime.stop()
    async with db.transaction() as tx:
        counts = await tx.outbox_counts()
    await db.close()
    chat_windows, overall_windows = server.rate_violations()
    label = f"{retry_share:.0%} RetryAfter" if retry_share else "no faults"
    if latency:
        label = f"each answer {latency * 1000:.0f} ms late"
    rate = messages / elapsed
    results.add(
        f"broadcast of {messages:,} messages, {label}",
        f"{rate:.1f} msg/s ({rate / 30:.0%} of 30)",
        "≥ 95% of the ceiling" if not (retry_share or latency) else "",
        rate / 30 >= 0.95 if not (retry_share or latency) else None,
    )
    results.add(
        f"  windows over Telegram's limits / messages lost, {label}",
        f"{chat_windows + overall_windows} / {messages - counts.get('sent', 0)}",
        "0 / 0",
        chat_windows + overall_windows == 0 and counts.get("sent", 0) == messages,
    )
    await server.stop()


# --- the report ------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo", encoding="ascii") as info:
        memory = int(next(line.split()[1] for line in info if line.startswith("MemTotal"))) / 1e6
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def write_report(results: Results, command: str, notes: list[str]) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}, in one run, against the",
        "project's fake Bot API on loopback (no Telegram). Produced by:",
        "",
        f"    {command}",
        "",
        "| what | figure | target |",
        "|---|---|---|",
        *(f"| {what.strip()} | {figure} | {target} |" for what, figure, target in results.rows),
        "",
        "## Where each target stands",
        "",
        *notes,
        "",
    ]
    # The sections after this run's own (other scripts' tables, figures before and after an
    # issue) stay as they are.
    report = ROOT / "BENCHMARKS.md"
    kept: list[str] = []
    if report.exists():
        old = report.read_text(encoding="utf-8").split("\n")
        later = [
            i
            for i, line in enumerate(old)
            if line.startswith("## ") and line != "## Where each target stands"
        ]
        kept = old[later[0] :] if later else []
    report.write_text("\n".join(lines + kept), encoding="utf-8")


EXPLAINED = [
    "Throughput is measured with the fake Bot API in the same process and event loop as the",
    "bot, so the fake's own work on every request counts against the bot that makes it. A",
    "burst counts until every Bot API call it caused is made, Samen's outbox messages",
    "included. The fair peer is python-telegram-bot with Samen's transport (aiohttp), Samen's",
    "update processor (chats side by side, each chat in order, 32 slots) and no rate limiter,",
    "making for each kind of update the Bot API calls Samen made for it, as many of each",
    "method, with the contents Samen sent (the same texts, keyboards and menus, so both pay",
    "the same to encode a call and decode its answer), and nothing else: no database, no",
    'texts, no rules. Beside it, the same calls with the smallest contents ("✓"). Each',
    "burst starts from the same collector state (gc.collect and gc.freeze before it), so that",
    "what earlier bursts left does not slow whichever runs later. The bare echo bot (one call",
    "an update, PTB's own transport) is shown for reference only. The peer runs right after",
    "each of Samen's bursts (Samen's poller resting meanwhile), as this machine's speed drifts",
    "by a quarter within a minute; its figure is the median of three bursts. Samen's bursts",
    "change the school, so each is measured once. The invitation letters are issued before",
    "the bot starts, on a connection of their own, as `samen invites` is a process of its own.",
    "Samen's bursts run between ticks (its job queue paused after start, as a burst of a",
    "second or two would meet a tick, a backup or housekeeping only by chance); the latency",
    "row runs 60 s with the minute tick.",
    "Samen's writes are serialised (one SQLite writer, one transaction at a time, its",
    "statements on the event loop's thread); its reads go beside them on a second connection.",
    "The latency run starts Samen on a clock a week after the school's activity, so the minute",
    "tick's first run (5 s in) finds the whole school's good-news reminders due (and the",
    "summary prompts and round overviews of the bursts before: about 2,000 messages), and",
    "settles as `samen run` does after its start (the calendar worked out, gc.freeze).",
    "Due work is the median of three runs, each on a fresh copy of the school. No staff member",
    "of the benchmark's school is in Samen: due work there is finding and recording what is",
    "due (every teacher's good-news reminder among it), not writing the messages; a teacher",
    "in Samen adds one reminder to write and queue.",
    "In production a rate limiter paces every call to Telegram's ~30 a second overall; beyond",
    "that rate answers wait, whatever Samen's own speed (see the production latency row).",
    "Delivery goes through the same limiter: 30 calls in any one second, each counted from its",
    "start until a second after its answer. A RetryAfter pauses only the chat it came from;",
    "the refused attempt keeps its place in the window (Telegram received it), so with 5%",
    "refused at most 95% of the attempts deliver. Nothing is lost.",
    "The fake answers on loopback in about a millisecond; Telegram takes longer. The outbox",
    "keeps one message on its way at a time (so that a crash repeats at most the one that",
    "Telegram accepted but Samen had not written down yet), so its rate is at most one over",
    "Telegram's answer time: the row with each answer 50 ms late shows it.",
]


async def main(quick: bool) -> Results:
    results = Results()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        sizes = [300, 1_000] if quick else [1_000, 10_000, 50_000]
        db_path = await scale(results, sizes, work)
        count = 200 if quick else 1000
        await update_handling(results, db_path, count, 10.0 if quick else 60.0)
        await startup_and_memory(results, db_path, count // 2, 5.0 if quick else 20.0)
        messages = 300 if quick else 5_000
        await delivery(results, messages, work, 0.0)
        await delivery(results, messages, work, 0.05)
        await delivery(results, messages // 10 if quick else 600, work, 0.0, latency=0.05)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, to check the script")
    args = parser.parse_args()
    outcome = asyncio.run(main(args.quick))
    print("\nTargets:", *outcome.verdicts, sep="\n")
    if not args.quick:
        write_report(outcome, "python -m tests.bench.run", [*outcome.verdicts, "", *EXPLAINED])
