"""One unit of work: what a use case needs to change something and tell people about it.

`async with services.work() as w:` opens one transaction and fixes one `now` for
everything it does; use cases take `w` instead of four parameters. Everything written
through `w.tx`, the outbox messages included, is committed together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n.translator import Catalogues
from bot.platform.config import Settings
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
