"""Scheduled work on the bot's event loop (APScheduler through python-telegram-bot's JobQueue).

Jobs are small: they ask a function of the database and an explicit `now` what is due
and call the same functions the handlers call. The database, not a job store, is
the truth, so jobs are simply installed again at every start.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.services import (
    good_news,
    meeting_card,
    meetings,
    preparation,
    pupil_discussions,
    right_of_access,
    rounds,
    summaries,
)
from bot.services.context import Services
from bot.services.housekeeping import tidy

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
        _due_work,
        interval=timedelta(minutes=1),
        first=timedelta(seconds=5),
        name="due-work",
        job_kwargs=JOB_DEFAULTS,
    )


async def care_tick(services: Services) -> int:
    """Consent reminders that are due now; the same function tests call with any `now`."""
    async with services.db.transaction() as tx:
        return await pupil_discussions.send_due_reminders(
            tx, services.texts, services.settings, services.clock.now()
        )


async def meetings_tick(services: Services) -> dict[str, int]:
    """Meeting reminders the day before, and summary prompts after meetings have ended."""
    now = services.clock.now()
    async with services.db.transaction() as tx:
        reminders = await meetings.send_reminders(tx, services.texts, services.settings, now)
        prompts = await summaries.prompt_summaries(tx, services.texts, now)
        started = await meeting_card.refresh_started_cards(
            tx, services.texts, services.settings, now
        )
        round_work = await rounds.due_round_work(tx, services.texts, services.settings, now)
        prepare = await preparation.prompt_preparations(tx, services.texts, services.settings, now)
        cards = await preparation.show_preparations(tx, services.texts, services.settings, now)
        news = await good_news.remind_mentors(tx, services.texts, services.settings, now)
        access = await right_of_access.remind_coordinators(
            tx, services.texts, services.settings, now
        )
    return {
        "meeting_reminders": reminders,
        "summary_prompts": prompts,
        "started_cards": started,
        "prepare_prompts": prepare,
        "preparation_cards": cards,
        "news_reminders": news,
        "access_request_reminders": access,
        **round_work,
    }


async def due_work(services: Services) -> dict[str, int]:
    """Everything due at the clock's `now`: what a restart after downtime catches up, once."""
    done = {"consent_reminders": await care_tick(services)}
    done.update(await meetings_tick(services))
    return done


async def _due_work(context: ContextTypes.DEFAULT_TYPE) -> None:
    await due_work(context.application.bot_data["services"])


async def _tidy(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    await tidy(services.db, services.clock.now())
