"""Scheduled work on the bot's event loop (APScheduler through python-telegram-bot's JobQueue).

Jobs are small: they ask a function of the database and an explicit `now` what is due
and call the same functions the handlers call. The database, not a job store, is
the truth, so jobs are simply installed again at every start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.services import (
    absences,
    backups,
    digests,
    good_news,
    meeting_card,
    meetings,
    preparation,
    pupil_discussions,
    right_of_access,
    rounds,
    school_calendar,
    summaries,
)
from bot.services.context import Services
from bot.services.housekeeping import tidy
from bot.services.translations import translate_pending
from bot.services.work import Units, Work

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
    queue.run_repeating(
        _translations,
        interval=timedelta(seconds=3),
        first=timedelta(seconds=2),
        name="translations",
        job_kwargs=JOB_DEFAULTS,
    )
    queue.run_repeating(
        _due_work,
        interval=timedelta(minutes=1),
        first=timedelta(seconds=5),
        name="due-work",
        job_kwargs=JOB_DEFAULTS,
    )
    # Its own job, not one of the minute tick's: a backup takes a while (in a thread) and
    # holds no transaction, so the tick's jobs are never kept waiting for it.
    queue.run_repeating(
        _daily,
        interval=timedelta(minutes=1),
        first=timedelta(seconds=20),
        name="daily-backup",
        job_kwargs=JOB_DEFAULTS,
    )


DueJob = Callable[[Units], Awaitable[int]]


def _one_unit(job: Callable[[Work], Awaitable[int]]) -> DueJob:
    """A job that does all it finds in one unit of work (it never finds much)."""

    async def run(units: Units) -> int:
        async with units.work() as w:
            return await job(w)

    return run


# Each job of the minute tick in units of work of its own: one slow or failing job neither
# holds the database for the others nor rolls back what they did. The jobs that may find
# much to do (reminders, prompts) read what is due in a few queries, then write in short
# units of work, a batch each.
DUE_JOBS: tuple[tuple[str, DueJob], ...] = (
    ("consent_reminders", pupil_discussions.send_due_reminders),
    ("meeting_reminders", meetings.send_reminders),
    ("summary_prompts", summaries.prompt_summaries),
    ("started_cards", _one_unit(meeting_card.refresh_started_cards)),
    ("prepare_prompts", preparation.prompt_preparations),
    ("preparation_cards", _one_unit(preparation.show_preparations)),
    ("news_reminders", good_news.remind_mentors),
    ("access_request_reminders", _one_unit(right_of_access.remind_coordinators)),
    ("absence_overviews", _one_unit(absences.send_daily_overview)),
    ("family_digests", _one_unit(digests.send_digests)),
    ("holidays_run_out", _one_unit(school_calendar.warn_when_holidays_run_out)),
    ("round_reminders", rounds.remind_to_book),
    ("round_overviews", rounds.send_overviews),
)


async def due_work(services: Services) -> dict[str, int]:
    """Everything due at the clock's `now`: what a restart after downtime catches up, once."""
    done: dict[str, int] = {}
    units = services.background()
    for name, job in DUE_JOBS:
        done[name] = await job(units)
    return done


async def daily_work(services: Services) -> dict[str, int]:
    """The daily backup and the scheduled purge, when due at the clock's `now` ([backup])."""
    return await backups.daily_work(services.db, services.settings, services.clock.now())


async def _daily(context: ContextTypes.DEFAULT_TYPE) -> None:
    await daily_work(context.application.bot_data["services"])


async def _due_work(context: ContextTypes.DEFAULT_TYPE) -> None:
    await due_work(context.application.bot_data["services"])


async def _translations(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    if services.translation.configured:
        await translate_pending(services, services.translation)


async def _tidy(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    await tidy(services.db, services.clock.now())
