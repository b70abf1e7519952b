"""Wiring: the Telegram application, the outbox sender and the scheduler, started and
stopped together. `samen run` and the end-to-end tests both go through `Runtime`."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor

import conversations
from bot.i18n.translator import Catalogues
from bot.platform.admission import ChatGate, Verdict
from bot.platform.clock import Clock
from bot.platform.config import Settings, school_name_for
from bot.platform.foreground import Foreground
from bot.platform.outbox import OutboxSender
from bot.platform.rate_limit import TelegramLimiter
from bot.platform.telegram_http import AiohttpRequest
from bot.platform.webhooks import Webhook
from bot.rules.language import telegram_language_code
from bot.rules.models import OutgoingMessage
from bot.services.context import Services
from bot.services.reachability import record_undelivered, record_unreachable
from bot.services.work import Work
from bot.storage import Database, Tx
from bot.texts import bot_profile
from conversations.admission import onboarding_input
from conversations.keyboards import role_commands
from scheduler import install_jobs

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "message_reaction"]
# Updates in handling at once, each of another chat. While one waits on the database or on
# Telegram, the next family's is handled; more than this buys nothing on one event loop.
CONCURRENT_UPDATES = 32
# PTB's own limit counts an update from its arrival, also while it waits for its chat's
# turn: a flood from one chat would fill it and every other family would wait behind it.
# Here it only keeps PTB's bookkeeping; `_slots` below is the limit that counts.
_ARRIVED_AT_MOST = 1_000_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Handles updates of different chats side by side, and each chat's strictly in the order
    Telegram sent them: a parent who taps twice gets the two answers in that order.

    With a `gate`, each update is judged as it arrives (bot/platform/admission.py), in
    memory: one past its chat's allowance is dropped there and then, holding no slot and
    waiting in no queue, so a flood from one chat leaves everyone else's updates as fast as
    ever. A chat's updates that wait for their turn hold no slot either: one chat uses at
    most one of the `max_concurrent_updates`."""

    def __init__(
        self,
        max_concurrent_updates: int,
        gate: ChatGate | None = None,
        foreground: Foreground | None = None,
    ) -> None:
        super().__init__(_ARRIVED_AT_MOST)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._gate = gate
        self._foreground = foreground or Foreground()
        self._chats: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None or not isinstance(update, Update):
            async with self._slots:
                await coroutine
            return
        gate = self._gate
        if gate is None:
            await self._in_turn(key, update, coroutine)
            return
        # Someone blocking or unblocking the bot is news from Telegram, not a flood.
        verdict = Verdict.HANDLE if update.my_chat_member else gate.judge(key)
        gate.mark(update.update_id, verdict)
        try:
            if verdict is Verdict.DROP:
                # Only the gate's handler runs (conversations/admission.py): it stops at once.
                await coroutine
                return
            await self._in_turn(key, update, coroutine)
        finally:
            gate.done(update.update_id)

    async def _in_turn(self, key: int, update: Update, coroutine: Awaitable[Any]) -> None:
        # PTB starts the tasks in arrival order and asyncio.Lock wakes waiters first in,
        # first out, so the lock keeps one chat's order.
        lock = self._chats.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                gate = self._gate
                if (
                    gate is not None
                    and gate.quiet_for_certain(key)
                    and not onboarding_input(update)
                ):
                    # Not linked, and answered a moment ago: dropped without a look at the
                    # database (an earlier update of this chat found out it is not linked).
                    gate.mark(update.update_id, Verdict.DROP)
                    await coroutine
                    return
                # A slot only once it is this update's turn: a chat's waiting updates hold
                # none, so one chat never takes the slots of others.
                async with self._slots:
                    with self._foreground.answering():
                        await coroutine
        finally:
            if not lock.locked() and self._chats.get(key) is lock:
                del self._chats[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class Runtime:
    """One running Samen bot."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        application_class: type[Application] = Application,  # type: ignore[type-arg]
        poll_timeout: float = 10.0,
        outbox_options: dict[str, Any] | None = None,
        rate_limiter: bool = True,
        request_timeout: float = 5.0,
        admission: ChatGate | None = None,
    ) -> None:
        """`rate_limiter=False` only for measuring Samen's own cost (benchmarks): in
        production every call to Telegram is paced to its overall limit. `request_timeout`:
        how long an answer from Telegram is awaited (PTB's default; tests shorten it).
        `admission`: the flood limit per chat (tests pass one on their own clock)."""
        if not settings.token:
            raise ValueError("a bot token is needed to run")
        self.settings = settings
        self.db = db
        self.clock = clock
        self.texts = Catalogues(settings.languages, settings.timezone)
        # Answers first: the outbox and the minute tick work in the gaps between updates.
        self.foreground = Foreground()
        self.services = Services(settings, db, clock, self.texts, self.foreground)
        self.poll_timeout = poll_timeout
        self._webhook: Webhook | None = None
        self.admission = admission or ChatGate()
        builder = (
            ApplicationBuilder()
            .application_class(application_class)
            .token(settings.token)
            .base_url(settings.api_url)
            .base_file_url(settings.file_url)
            .concurrent_updates(
                PerChatUpdateProcessor(CONCURRENT_UPDATES, self.admission, self.foreground)
            )
            .request(AiohttpRequest(read_timeout=request_timeout))
            # PTB adds the long-poll time to this request's read timeout itself.
            .get_updates_request(AiohttpRequest(1))
        )
        self.limiter: TelegramLimiter | None = None
        if rate_limiter:
            # One limiter for every call: the outbox's and the direct replies'.
            self.limiter = TelegramLimiter()
            builder = builder.rate_limiter(self.limiter)
        self.application = builder.build()
        self.application.bot_data["services"] = self.services
        self.application.bot_data["admission"] = self.admission
        conversations.register(self.application)
        self.outbox = OutboxSender(
            db,
            self.application.bot,
            clock,
            on_unreachable=self._unreachable,
            on_failed=self._undelivered,
            foreground=self.foreground,
            **(outbox_options or {}),
        )

    async def _unreachable(self, tx: Tx, chat_id: int) -> None:
        await record_unreachable(
            Work(tx, self.texts, self.services.settings, self.clock.now()), chat_id, "send_refused"
        )

    async def _undelivered(self, tx: Tx, message: OutgoingMessage, error: str) -> None:
        await record_undelivered(
            Work(tx, self.texts, self.services.settings, self.clock.now()), message, error
        )

    @property
    def username(self) -> str:
        return self.application.bot.username

    async def start(self, webhook: Webhook | None = None) -> None:
        """Take updates by long polling, or, with `webhook`, as Telegram posts them to this
        worker's web server. Raises telegram.error.InvalidToken when Telegram rejects the
        token."""
        await self.application.initialize()
        async with self.db.transaction() as tx:
            await tx.set_meta("bot_username", self.username)
            if await tx.get_meta("first_started_at") is None:
                await tx.set_meta("first_started_at", self.clock.now().isoformat())
        await self._publish_default_commands()
        await self._publish_profile()
        self.outbox.start()
        install_jobs(self.application, self.services)
        await self.application.start()
        self._webhook = webhook
        if webhook is not None:
            # Set by every worker that takes the school over: the same address and secret.
            await self.application.bot.set_webhook(
                webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES
            )
            webhook.server.serve(webhook.key, self.application)
        else:
            # Polling deletes a webhook set before (PTB's start-up asks deleteWebhook first).
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                timeout=int(self.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
        log.info(
            "Samen is running as @%s with database %s, taking updates by %s",
            self.username,
            self.db.name,
            "webhook" if webhook is not None else "long polling",
        )

    def settle(self) -> None:
        """Once, after `start` in a long-running process (`samen run`): the school calendar
        is worked out now rather than in the first tick, and what start-up made (modules,
        catalogues, the calendar) lives as long as the process, so it is moved out of the
        garbage collector's way (gc.freeze). A full collection then scans only what the day
        made: with 10,000 pupils one took 167 ms, and every answer waited for it."""
        self.settings.holidays  # noqa: B018 (worked out and cached on first use)
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        """Stop taking updates, finish the send in flight, then close. A webhook stays set:
        the worker that takes over takes the updates from then on."""
        if self._webhook is not None:
            self._webhook.server.stop_serving(self._webhook.key)
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.outbox.stop()
        await self.application.shutdown()

    async def _publish_profile(self) -> None:
        """What people read before pressing Start, in each of the school's languages (Dutch
        for a Telegram in any other language); sent again only when it changed."""
        settings = self.settings
        profile: dict[str, tuple[str, str]] = {}
        for language in ("", *settings.languages):
            tr = self.texts(language or "nl")
            school = school_name_for(tr, settings)
            profile[language] = (
                bot_profile.description(tr, school),
                bot_profile.short_description(tr, school),
            )
        published = json.dumps(profile, sort_keys=True, ensure_ascii=False)
        async with self.db.transaction() as tx:
            if await tx.get_meta("bot_profile") == published:
                return
        bot = self.application.bot
        try:
            for language, (description, short) in profile.items():
                code = telegram_language_code(language) if language else ""
                if code is None:
                    continue
                await bot.set_my_description(description, language_code=code)
                await bot.set_my_short_description(short, language_code=code)
        except TelegramError as exc:
            log.warning("could not set the bot's description: %s", type(exc).__name__)
            return
        async with self.db.transaction() as tx:
            await tx.set_meta("bot_profile", published)

    async def _publish_default_commands(self) -> None:
        """The menu people see before they are linked, in each language."""
        bot = self.application.bot
        try:
            await bot.set_my_commands(
                role_commands(None, self.texts("nl")), scope=BotCommandScopeDefault()
            )
            for language in self.settings.languages:
                code = telegram_language_code(language)
                if code is None:
                    continue
                await bot.set_my_commands(
                    role_commands(None, self.texts(language)),
                    scope=BotCommandScopeDefault(),
                    language_code=code,
                )
        except TelegramError as exc:
            log.warning("could not set the default command menus: %s", type(exc).__name__)
