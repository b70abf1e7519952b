"""What every handler and job needs, in one object stored in the application."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogues
from bot.models import PersonKind, Role, Viewer
from bot.reachability import record_reachable_again
from bot.storage import Database, Tx


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    texts: Catalogues

    async def viewer(self, user_id: int, chat_id: int, telegram_language: str | None) -> Viewer:
        """Who is writing, as far as the roster says; records that they can be reached."""
        async with self.db.transaction() as tx:
            # Most updates come from someone known, in the same chat, reachable: then this is
            # one read, and nothing is written.
            seen = await tx.telegram_user_state(user_id)
            if seen is None or seen[0] != chat_id:
                await tx.touch_telegram_user(user_id, chat_id, self.clock.now())
            if seen is not None and seen[1]:
                await record_reachable_again(tx, self.clock.now(), user_id)
            return await self.viewer_in(tx, user_id, chat_id, telegram_language)

    async def viewer_in(
        self, tx: Tx, user_id: int, chat_id: int, telegram_language: str | None
    ) -> Viewer:
        chosen = await tx.chosen_language(user_id)
        account = await tx.account_of_user(user_id)
        if account is None:
            fallback = (telegram_language or "").split("-")[0].lower()
            language = chosen or (fallback if self.texts.supports(fallback) else "nl")
            return Viewer(user_id, chat_id, language)
        kind, person_id = account
        language = await tx.language_of_person(kind, person_id)
        if not self.texts.supports(language):
            language = "nl"
        first_name, role = await _name_and_role(tx, kind, person_id)
        return Viewer(user_id, chat_id, language, kind, person_id, first_name, role)


async def _name_and_role(tx: Tx, kind: PersonKind, person_id: str) -> tuple[str, Role | None]:
    if kind is PersonKind.STAFF:
        member = await tx.staff_member(person_id)
        return (member.first_name, member.role) if member else ("", None)
    if kind is PersonKind.GUARDIAN:
        guardian = await tx.guardian(person_id)
        return (guardian.first_name, Role.GUARDIAN) if guardian else ("", None)
    pupil = await tx.pupil(person_id)
    return (pupil.first_name, Role.PUPIL) if pupil else ("", None)
