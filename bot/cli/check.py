"""`samen check`: the configuration, the database, the fonts and Telegram, each reported
with what to do."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.cli.files import (
    EXIT_FAILED,
)
from bot.paper.pdf import FontsMissing, check_fonts
from bot.platform.backup_crypto import EXAMPLE_KEY_USED, EXAMPLE_RECIPIENT
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.platform.outbox import PAUSE_META
from bot.rules.models import AccessRequest
from bot.rules.school_calendar import holidays_run_out, known_until
from bot.services.backups import last_daily_backup
from bot.services.pseudonym_key import key_report
from bot.storage import database_problem, open_database, readable_by_others


async def check(settings: Settings) -> int:
    """A report an administrator can read: configuration, database, Telegram."""
    _report_configuration(settings)
    problems, usable = await _check_database(settings)
    _warn_readable_by_others(settings)
    if usable:  # else reported under "database", and opening it again would only wait again
        problems += await _check_pseudonym_key(settings)
    problems += _check_fonts(settings)
    _check_school_calendar(settings)
    if usable:
        problems += await _check_backups(settings)
        problems += await _check_sending(settings)
    problems += await _check_telegram(settings)
    print("all good" if not problems else f"{problems} problem{'s' if problems > 1 else ''}")
    return 0 if not problems else EXIT_FAILED


def _report_configuration(settings: Settings) -> None:
    config = settings.config_path or "(none: defaults)"
    school = repr(settings.school_name) if settings.school_name else "(not set)"
    print(
        f"configuration: {config}; school {school}; time zone"
        f" {settings.timezone.key}; languages {', '.join(settings.languages)}"
    )
    if not settings.school_name:
        # A warning, not a problem: Samen works, its texts only read less personal.
        print(
            "school name: WARNING, not set; add name under [school] in samen.toml"
            " (until then families read “your child's school”)"
        )


async def _check_database(settings: Settings) -> tuple[int, bool]:
    """Report on the database: the number of problems found, and whether it could be used."""
    try:
        db = await open_database(settings.database)
    except RuntimeError as exc:  # damaged, locked, of a newer Samen, or broken migrations
        print(f"database: FAILED, {exc}")
        return 1, False
    problems = 0
    try:
        async with db.transaction() as tx:
            counts = await tx.roster_counts()
            integrity = await tx.integrity()
            outbox = await tx.outbox_counts()
            requests = await tx.unanswered_access_requests()
        print(
            f"database: {settings.database_name}, schema {await db.schema_version()},"
            f" integrity {integrity}; {counts['staff']} staff, {counts['pupils']} pupils,"
            f" {counts['guardians']} guardians, {counts['accounts']} linked accounts;"
            f" outbox pending {outbox.get('pending', 0)}"
        )
        if integrity != "ok":
            problems += 1
        problems += _report_access_requests(settings, requests)
    except Exception as exc:
        problem = database_problem(settings.database_name, exc)
        if problem is None:
            raise
        print(f"database: FAILED, {problem}")
        return 1, False
    finally:
        await db.close()
    return problems, True


def _warn_readable_by_others(settings: Settings) -> None:
    # A warning, not a problem: Samen works, but other accounts on the machine can read every
    # family's data. Samen creates its files owner-only; files from before keep their mode.
    # (A database server's files are its own administrator's.)
    files = readable_by_others(settings.db_path) if settings.db_url is None else []
    if files:
        modes = ", ".join(f"{file} (mode {mode:o})" for file, mode in files)
        print(
            f"database file: WARNING, other users of this machine can read {modes};"
            f" make it private: chmod 600 {' '.join(str(file) for file, _ in files)}"
        )


def _report_access_requests(settings: Settings, requests: list[AccessRequest]) -> int:
    """Report the open requests to see data; 1 when one of them is overdue, else 0."""
    # Requests to see data must be answered within a month (AVG): an overdue one is
    # a problem for the school, not only for the coordinator who was reminded.
    today = SystemClock().now().astimezone(settings.timezone).date()
    overdue = [r for r in requests if r.due_on < today]
    print(
        f"requests to see data: {len(requests)} open"
        + (f", first due {requests[0].due_on.isoformat()}" if requests else "")
        + (f", {len(overdue)} OVERDUE" if overdue else "")
    )
    return int(bool(overdue))


async def _check_pseudonym_key(settings: Settings) -> int:
    """Where the key of the pseudonymised audit trail is, and whether it fits the database;
    1 when samen run would refuse to start for it, else 0."""
    try:
        db = await open_database(settings.database)
    except (OSError, RuntimeError, sqlite3.Error):
        return 0  # reported under "database"
    try:
        report = await key_report(db, settings.pseudonym_key_file)
    finally:
        await db.close()
    if report.problem is not None:
        print(f"pseudonymisation key: FAILED, {report.problem}")
        return 1
    if report.in_database:
        print(f"pseudonymisation key: still in the database; samen run moves it to {report.path}")
    elif report.found is None:
        print(f"pseudonymisation key: none yet at {report.path} (samen run makes it)")
    else:
        use = "its pseudonyms are made with it" if report.in_use else "no pseudonyms made yet"
        print(
            f"pseudonymisation key: {report.path} (key {report.found}; {use}); keep a copy"
            " where the school keeps its keys, apart from the database and its backups"
        )
    if report.readable_by_others is not None:
        print(
            f"pseudonymisation key: WARNING, other users of this machine can read {report.path}"
            f" (mode {report.readable_by_others:o}); make it private: chmod 600 {report.path}"
        )
    return 0


# The daily backup is a problem once it is this late (a missed night is not yet).
BACKUP_LATE = timedelta(days=2)


async def _check_backups(settings: Settings) -> int:
    """Whether the bot's daily backup ([backup]) happens; 1 when it has stopped, else 0."""
    if EXAMPLE_RECIPIENT in settings.backup_recipients:
        print(f"backups: FAILED, {EXAMPLE_KEY_USED}")
        return 1
    if settings.backup_folder is None:
        print("daily backup: off (set folder under [backup] in samen.toml)")
        return 0
    db = await open_database(settings.database)
    try:
        last = await last_daily_backup(db)
        async with db.reading() as tx:
            started = await tx.get_meta("first_started_at")
    finally:
        await db.close()
    now = SystemClock().now()
    plan = (
        f"daily backup: into {settings.backup_folder} at"
        f" {settings.backup_time.strftime('%H:%M')}, newest {settings.backup_keep} kept,"
        f" encrypted to {len(settings.backup_recipients)} key(s)"
    )
    if last is not None:
        late = now - last > BACKUP_LATE
        local = last.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")
        print(f"{plan}; last {local}" + (", LATE: see the log of samen run" if late else ""))
        return int(late)
    if started is not None and now - datetime.fromisoformat(started) > BACKUP_LATE:
        print(f"{plan}; NONE made yet: see the log of samen run")
        return 1
    print(f"{plan}; none yet (the bot makes the first one)")
    return 0


# Less free space than this where the database is, and SQLite may fail to write.
DISK_LOW = 16 * 1024 * 1024


async def _check_sending(settings: Settings) -> int:
    """Whether Samen can write down what it sends: 1 when the disk is (nearly) full, else 0.
    The last time sending paused for it is reported, as a warning."""
    problems = 0
    try:
        # A database server's disk is watched by its own administrator.
        free: int | None = disk_free(settings.db_path) if settings.db_url is None else None
    except OSError:
        free = None
    if free is not None and free < DISK_LOW:
        print(
            f"disk: FAILED, {free / 1_000_000:.1f} MB free where {settings.db_path} is: Samen"
            " cannot write down what it sends and pauses sending until there is room"
        )
        problems += 1
    try:
        db = await open_database(settings.database)
    except (OSError, RuntimeError, sqlite3.Error):
        return problems  # reported under "database"
    try:
        async with db.reading() as tx:
            last = await tx.get_meta(PAUSE_META)
    finally:
        await db.close()
    if last is not None:
        pause = json.loads(last)
        begun, ended = datetime.fromisoformat(pause["from"]), datetime.fromisoformat(pause["until"])
        local = begun.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")
        print(
            f"sending: WARNING, paused on {local} for {(ended - begun).total_seconds():.0f} s"
            f" because the database could not be written ({pause['error']}); nothing was"
            " sent twice. Keep room on the disk"
        )
    return problems


def disk_free(path: Path) -> int:
    """Bytes free on the disk that holds `path` (or the folder it will be made in)."""
    return shutil.disk_usage(path.resolve().parent).free


def _check_fonts(settings: Settings) -> int:
    try:
        print(f"fonts for letters and PDF files: {check_fonts(settings.font_dir)}")
    except FontsMissing as exc:
        print(f"fonts for letters and PDF files: MISSING, {exc}")
        return 1
    return 0


def _check_school_calendar(settings: Settings) -> None:
    """A warning, not a problem: Samen runs, but soon counts holidays as school days."""
    today = SystemClock().now().astimezone(settings.timezone).date()
    last = holidays_run_out(settings.region, today)
    if settings.region is None:
        print("school holidays: no [calendar] region; public holidays and your own dates only")
    elif last is None:
        print(
            f"school holidays: region {settings.region}, known until {known_until(settings.region)}"
        )
    else:
        print(
            f"school holidays: WARNING, the holidays of region {settings.region} are known"
            f" until {last.isoformat()} only; add the next school year's under [calendar]"
            " holidays in samen.toml, or update Samen"
        )


async def _check_telegram(settings: Settings) -> int:
    """Whether the token is set and Telegram accepts it; the number of problems found."""
    if not settings.token:
        print("telegram: no TELEGRAM_BOT_TOKEN set (needed for samen run)")
        return 1
    bot = Bot(settings.token, base_url=settings.api_url, base_file_url=settings.file_url)
    try:
        async with bot:
            print(f"telegram: reachable as @{bot.username}")
    except InvalidToken:
        print("telegram: FAILED, the token was rejected")
        return 1
    except TelegramError as exc:
        print(f"telegram: FAILED, cannot reach the Bot API ({type(exc).__name__})")
        return 1
    return 0
