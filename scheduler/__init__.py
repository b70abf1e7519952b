"""Scheduled work on the bot's event loop (APScheduler through python-telegram-bot's JobQueue).

Jobs are small: they ask a function of the database and an explicit `now` what is due
and call the same functions the handlers call. The database, not a job store, is
the truth, so jobs are simply installed again at every start.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.housekeeping import tidy
from bot.services import Services

# Misfires are caught up once (coalesce) however late, instead of APScheduler's 1 s grace.
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def install_jobs(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    queue.run_repeating(
        _tidy,
        interval=timedelta(hours=1),
        first=timedelta(seconds=30),
        name="housekeeping",
        job_kwargs=JOB_DEFAULTS,
    )


async def _tidy(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    await tidy(services.db, services.clock.now())
