"""What every handler and job needs, in one object stored in the application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property

from bot.i18n.translator import Catalogues
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.foreground import Foreground
from bot.platform.translation import MachineTranslation, machine_translation
from bot.rules.language import phone_language, reading_language
from bot.rules.models import UserFacts, Viewer
from bot.services.reachability import record_reachable_again
from bot.services.work import Units, Work
from bot.storage import Database, Tx


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    texts: Catalogues
    # The updates being answered (bot/app.py's processor): scheduled work waits for a gap.
    foreground: Foreground = field(default_factory=Foreground)

    @cached_property
    def translation(self) -> MachineTranslation:
        """The school's machine translation services (none: words stay as written)."""
        return machine_translation(self.settings.translation)

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Work]:
        """One unit of work: one transaction, one `now`; committed together or not at all."""
        async with self.db.transaction() as tx:
            yield Work(tx, self.texts, self.settings, self.clock.now())

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Work]:
        """The same for a screen that only reads: outside a transaction, writes refused."""
        async with self.db.reading() as tx:
            yield Work(tx, self.texts, self.settings, self.clock.now())

    def background(self) -> Units:
        """Units of work for scheduled jobs: each first waits for a gap between the updates
        being answered (briefly), so that a family's answer never waits for a tick."""
        return _Background(self)

    async def viewer(self, user_id: int, chat_id: int, telegram_language: str | None) -> Viewer:
        """Who is writing, as far as the roster says; records that they can be reached."""
        # Most updates come from someone known, in the same chat, reachable: then this is
        # one read, and nothing is written. Someone Samen does not know yet is not written
        # down either: a stranger's Telegram account is kept only once they use a code or
        # choose a language.
        async with self.db.reading() as tx:
            facts = await tx.user_facts(user_id)
        if facts is None:
            return self._viewer(None, user_id, chat_id, telegram_language)
        if facts.chat_id != chat_id or facts.unreachable:
            async with self.db.transaction() as tx:
                if facts.chat_id != chat_id:
                    await tx.touch_telegram_user(user_id, chat_id, self.clock.now())
                if facts.unreachable:
                    await record_reachable_again(
                        Work(tx, self.texts, self.settings, self.clock.now()), user_id
                    )
                return await self.viewer_in(tx, user_id, chat_id, telegram_language)
        return self._viewer(facts, user_id, chat_id, telegram_language)

    async def choose_language(self, viewer: Viewer, code: str) -> Viewer:
        """Samen writes to this person in `code` from now on; who they are, in that language."""
        async with self.db.transaction() as tx:
            await tx.touch_telegram_user(viewer.user_id, viewer.chat_id, self.clock.now())
            await tx.set_chosen_language(viewer.user_id, code)
            return await self.viewer_in(tx, viewer.user_id, viewer.chat_id, None)

    async def viewer_in(
        self, tx: Tx, user_id: int, chat_id: int, telegram_language: str | None
    ) -> Viewer:
        return self._viewer(await tx.user_facts(user_id), user_id, chat_id, telegram_language)

    def _viewer(
        self, facts: UserFacts | None, user_id: int, chat_id: int, telegram_language: str | None
    ) -> Viewer:
        chosen = facts.chosen_language if facts else None
        loaded = self.texts.languages
        if facts is None or facts.kind is None or facts.person_id is None:
            # Not linked yet: their own choice, else their phone's language.
            phone = phone_language(telegram_language)
            return Viewer(user_id, chat_id, reading_language(chosen, phone, loaded))
        language = reading_language(chosen, facts.roster_language, loaded)
        return Viewer(
            user_id,
            chat_id,
            language,
            facts.kind,
            facts.person_id,
            facts.first_name or "",
            facts.role,
        )


@dataclass
class _Background:
    services: Services

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Work]:
        await self.services.foreground.gap()
        async with self.services.work() as w:
            yield w

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Work]:
        await self.services.foreground.gap()
        async with self.services.reading() as r:
            yield r
