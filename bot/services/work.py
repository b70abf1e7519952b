"""One unit of work: what a use case needs to change something and tell people about it.

`async with services.work() as w:` opens one transaction and fixes one `now` for
everything it does; use cases take `w` instead of four parameters. Everything written
through `w.tx`, the outbox messages included, is committed together or not at all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from bot.i18n.translator import Catalogues
from bot.platform.config import Settings
from bot.rules.models import StaffMember
from bot.storage import Tx


@dataclass(frozen=True)
class Work:
    tx: Tx
    texts: Catalogues
    settings: Settings
    now: datetime  # the one moment this work happens at, from the clock

    @property
    def today(self) -> date:
        """The school's date at `now`."""
        return self.now.astimezone(self.settings.timezone).date()

    async def audit(
        self,
        actor: StaffMember | tuple[str, str | None],
        action: str,
        *,
        pupil_id: str | None = None,
        subject: tuple[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """One entry in the audit trail, at this work's `now`, by a staff member or another
        actor (`("admin", None)`, `(kind, person_id)`)."""
        who = ("staff", actor.staff_id) if isinstance(actor, StaffMember) else actor
        await self.tx.audit(
            now=self.now,
            actor=who,
            action=action,
            pupil_id=pupil_id,
            subject=subject,
            details=details,
        )


class Units(Protocol):
    """Where units of work come from (`Services`). Scheduled work that may find much to do
    reads what is due first, then writes in one short unit of work per batch: the writer is
    never held for long, and the event loop gets a turn between the batches."""

    def work(self) -> AbstractAsyncContextManager[Work]:
        """One transaction, one `now`."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Work]:
        """Reads only, beside any transaction."""
        ...


T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in runs of at most `size`, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
