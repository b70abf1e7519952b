"""Regular tidying that keeps the database small and free of data it no longer needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.invitations import BLOCK_DURATION, FAILURE_WINDOW
from bot.services.pupil_discussions import CONFIRM_WITHIN
from bot.storage import Database

# Failed `/start` attempts matter only while they can still block someone.
FAILURE_MEMORY = FAILURE_WINDOW + BLOCK_DURATION
# A delivered file stays in the outbox a day (to look into a complaint about a send), no more.
SENT_FILE_MEMORY = timedelta(days=1)


async def tidy(db: Database, now: datetime) -> dict[str, int]:
    async with db.transaction() as tx:
        forgotten = await tx.forget_start_failures_before(now - FAILURE_MEMORY)
        files = await tx.drop_sent_documents(now - SENT_FILE_MEMORY)
        first_taps = await tx.forget_confirmations_before(now - CONFIRM_WITHIN)
    return {"start_failures": forgotten, "sent_files": files, "first_taps": first_taps}
