"""The `samen` command: run the bot, import the roster, hand out invitations."""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import gc
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.cli.check import check
from bot.cli.exports import export_audit, export_copy, export_pupil
from bot.cli.files import (
    EXIT_FAILED,
    EXIT_USAGE,
    fonts_for_paper,
    write_private_csv,
    write_private_file,
)
from bot.cli.operations import (
    LOST_FOR_GOOD,
    backup,
    backup_key,
    beating,
    health,
    migrate_to,
    pseudonym_key,
    restore,
)
from bot.cli.serving import Shares, serve_on_server
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues
from bot.paper.letters import letters_pdf
from bot.platform.clock import SystemClock
from bot.platform.config import (
    ConfigError,
    Settings,
    choose_schools,
    load_schools,
    token_variable,
)
from bot.platform.run_lock import DatabaseInUse, RunLock
from bot.platform.webhooks import Listen, Webhook, WebhookServer, webhook_key, webhook_secret
from bot.services.invitations import Selection, issue_invitations
from bot.services.pseudonym_key import PseudonymKeyProblem, prepare_key
from bot.services.retention import apply_purge, plan_purge
from bot.services.right_of_access import SafetyChoice
from bot.services.roster_import import (
    RosterImportError,
    import_edexml,
    import_guardians,
    import_pupils,
    import_staff,
)
from bot.storage import Database, ServerDatabase, database_problem, open_database

NO_TOKEN = """\
samen run needs a Telegram bot token in TELEGRAM_BOT_TOKEN.

To get one: open Telegram, talk to @BotFather, send /newbot and follow the steps.
BotFather answers with a token like 123456789:AA...; then run:

    TELEGRAM_BOT_TOKEN=123456789:AA... samen run

To see Samen first, without Telegram or a token (a sample school in your browser):

    samen try
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samen",
        description="Samen: the Telegram bot for parents, pupils and staff of a (V)SO school.",
        epilog="Configuration: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, SAMEN_DB, SAMEN_CONFIG,"
        " SAMEN_KEY_FILE.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # In this order in `samen --help`.
    _add_try(commands)
    serving = commands.add_parser(
        "run", help="run the bot until interrupted (creates the database)"
    )
    serving.add_argument(
        "--webhook",
        action="store_true",
        help="take updates as Telegram posts them to SAMEN_WEBHOOK_URL (through your reverse"
        " proxy to SAMEN_LISTEN, default 127.0.0.1:8080), not by long polling",
    )
    _add_import(commands)
    _add_invites(commands)
    _add_backup_and_restore(commands)
    commands.add_parser("check", help="check the configuration, the database and Telegram")
    commands.add_parser(
        "health", help="whether samen run is alive (for a health check; quick, no network)"
    )
    audit = commands.add_parser("audit", help="export the audit trail of one pupil as CSV")
    audit.add_argument("pupil_id")
    audit.add_argument("--csv", dest="csv_file", type=Path, required=True, metavar="FILE")
    _add_export(commands)
    _add_purge(commands)
    moving = commands.add_parser(
        "migrate-to",
        help="move this school's SQLite file into a school board's PostgreSQL database"
        " (all or nothing; --school ID: its id there)",
    )
    moving.add_argument("url", metavar="postgresql://…")
    key = commands.add_parser(
        "pseudonym-key",
        help="where the key of the pseudonymised audit trail is, and whether it fits",
    )
    key.add_argument(
        "--replace-lost",
        action="store_true",
        help="the key is lost for good: make a new one (later pseudonyms will not match)",
    )
    for name, command in commands.choices.items():
        if name != "try":  # the demo has its own school
            _add_school_choice(command, name)
    return parser


def _add_school_choice(command: argparse.ArgumentParser, name: str) -> None:
    """`--school ID` on a command, or on each of its own commands (export pupil, …)."""
    inner = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
    for action in inner:
        for each in action.choices.values():
            _add_school_choice(each, name)
    if inner:
        return
    meaning = {
        "run": " (only this one; default: all)",
        "migrate-to": "; on the server: its place there (school_ID)",
    }
    command.add_argument(
        "--school",
        metavar="ID",
        help="with several schools (SAMEN_CONFIG a folder): the school's id"
        + meaning.get(name, ""),
    )


def _add_try(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "try",
        help="the sample school in your browser: every role's phone, a time machine; no"
        " token, nothing leaves this computer",
    )
    demo.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="keep the demo school in FILE (default: a fresh one each time, in a temporary folder)",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="N",
        help="serve the page on 127.0.0.1:N (default: a free port)",
    )
    demo.add_argument("--no-browser", action="store_true", help="only print the address")
    demo.add_argument(
        "--start",
        metavar="DATE",
        help="the school's clock starts here (2026-12-07 or 2026-12-07T08:00; default:"
        " Monday 08:00 of this school week)",
    )


def _add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser(
        "import",
        help="import staff, pupils or guardians from CSV, or groups, pupils and teachers"
        " from an EDEXML file",
    )
    importer.add_argument("what", choices=["staff", "pupils", "guardians", "edexml"])
    importer.add_argument("file", type=Path)
    importer.add_argument(
        "--leavers-ok",
        action="store_true",
        help="pupils, edexml: accept that many pupils missing from the file are marked as left",
    )


def _add_invites(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    invites = commands.add_parser(
        "invites",
        help="new invitation codes for everyone not linked: a CSV file, printable letters, or both",
    )
    invites.add_argument("--csv", dest="csv_file", type=Path, metavar="FILE")
    invites.add_argument(
        "--letters", dest="letters_file", type=Path, metavar="FILE.pdf", help="one A4 page each"
    )
    only = invites.add_mutually_exclusive_group()
    only.add_argument("--group", help="only the people of this group (pupils, parents, staff)")
    only.add_argument(
        "--person", metavar="ID", help="only this person (staff, guardian or pupil id)"
    )


def _add_backup_and_restore(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    copy = commands.add_parser(
        "backup",
        help="copy the database safely, also while running: to a file, or into a folder",
    )
    copy.add_argument("target", type=Path, metavar="FILE|FOLDER")
    copy.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="FOLDER gets a timestamped backup and keeps the newest N that samen made there",
    )
    copy.add_argument(
        "--unencrypted",
        action="store_true",
        help="a plain SQLite copy instead of one encrypted to [backup] recipients",
    )
    keys = commands.add_parser(
        "backup-key",
        help="make the key pair backups are encrypted with: the private key into FILE (to keep"
        " off this machine), the public key printed for samen.toml",
    )
    keys.add_argument("file", type=Path)
    put_back = commands.add_parser(
        "restore",
        help="put a backup in place of the database (the bot stopped; the old one is kept)",
    )
    put_back.add_argument("file", type=Path)
    put_back.add_argument(
        "--identity",
        type=Path,
        metavar="KEYFILE",
        help="the private backup key (from samen backup-key) for an encrypted backup;"
        " /dev/stdin reads it from standard input",
    )


def _add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`samen export pupil` (the whole file) and `samen export copy` (right of access)."""
    export = commands.add_parser("export", help="export the file of one pupil")
    exports = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    pupil_file = exports.add_parser(
        "pupil", help="everything Samen recorded about one pupil, as PDF (Dutch), JSON or both"
    )
    pupil_file.add_argument("pupil_id")
    pupil_file.add_argument("--pdf", dest="pdf_file", type=Path, metavar="FILE")
    pupil_file.add_argument("--json", dest="json_file", type=Path, metavar="FILE")
    copy = exports.add_parser(
        "copy",
        help="what a parent or pupil may see of what Samen keeps (right of access), to print",
    )
    copy.add_argument("person_id", help="a guardian id or a pupil id")
    copy.add_argument("--pdf", dest="pdf_file", type=Path, required=True, metavar="FILE")
    copy.add_argument(
        "--safety-period",
        choices=["leave-out", "include"],
        help="for a family with a safety exception (meldcode): leave out or include what was"
        " recorded while it lasted (required then, with --reason)",
    )
    copy.add_argument("--reason", help="why, for the audit trail (with --safety-period)")


def _add_purge(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = commands.add_parser(
        "purge", help="delete the data of pupils who left long enough ago ([retention])"
    )
    mode = purge.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="only count; change nothing")
    mode.add_argument("--apply", action="store_true", help="delete and pseudonymise")


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the process is this command (tests call main with their own argv)
        # The modules just loaded live as long as the command: out of the collector's way,
        # so that a full collection scans only what the command makes. An import of 10,000
        # pupils took 0.41 s with them in the way and 0.28 s without.
        gc.freeze()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        # One event a line, key=value: easy to grep and to ship to a log service. Messages name
        # ids and counts, never people or what they wrote.
        format="%(asctime)s level=%(levelname)s logger=%(name)s%(school)s %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_name_the_school)
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # fontTools reports every glyph it keeps when fpdf2 subsets a font for a PDF.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if args.command == "try":
        # The demo has its own school, database and fake Telegram: samen.toml, SAMEN_DB and
        # TELEGRAM_API_URL are not read.
        return _try(args)
    try:
        # migrate-to's --school names the school's place on the server; with several
        # schools on their files it is also which file moves.
        schools = load_schools()
        choice = args.school if args.command != "migrate-to" or len(schools) > 1 else None
        # run serves, and check and health look at, every school unless --school names one.
        every = args.command in ("run", "check", "health")
        schools = choose_schools(schools, choice, every=every)
    except ConfigError as exc:
        if len(exc.problems) > 1:  # each mistake on its own line, `file:line: …`
            print(f"samen: {len(exc.problems)} configuration errors:", file=sys.stderr)
            print(*exc.problems, sep="\n", file=sys.stderr)
        else:
            print(f"samen: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "run":
            return run(schools, webhook=args.webhook)
        if args.command == "check" and len(schools) > 1:
            return asyncio.run(_check_every_school(schools))
        if args.command == "health" and len(schools) > 1:
            return _health_of_every_school(schools)
        return _dispatch(args, schools[0])
    except Exception as exc:
        # A damaged, locked or newer database, found when opened or by any query on the way:
        # one sentence and a clean exit, never a traceback (a service manager restarts it).
        problem = database_problem(", ".join(s.database_name for s in schools), exc)
        if problem is None:
            raise
        print(f"samen: {problem}", file=sys.stderr)
        return EXIT_FAILED


# The school whose bot the current task serves, among several in one worker (None: one).
SCHOOL_IN_LOG: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "school_in_log", default=None
)


def _name_the_school(record: logging.LogRecord) -> bool:
    school = SCHOOL_IN_LOG.get()
    record.school = f" school={school}" if school else ""
    return True


async def _check_every_school(schools: list[Settings]) -> int:
    """`samen check` for each school in turn, each report under its id; failed when any
    school has a problem."""
    failed = []
    for settings in schools:
        print(f"== school {settings.school_id}")
        if await check(settings):
            failed.append(settings.school_id or "")
    print(
        f"== {len(schools)} schools: "
        + (f"problems at {', '.join(failed)}" if failed else "all good")
    )
    return EXIT_FAILED if failed else 0


def _health_of_every_school(schools: list[Settings]) -> int:
    """`samen health` for each school, a line each: healthy only when some live worker
    serves every school (a monitor's or a container's check of the whole deployment)."""
    unhealthy = 0
    for settings in schools:
        print(f"school {settings.school_id}: ", end="")
        unhealthy += health(settings) != 0
    return EXIT_FAILED if unhealthy else 0


def _try(args: argparse.Namespace) -> int:
    from bot.cli.trying import start_moment, try_samen

    try:
        start = start_moment(args.start) if args.start else None
    except ValueError:
        print(f"samen: --start {args.start}: give a date like 2026-12-07", file=sys.stderr)
        return EXIT_USAGE
    return try_samen(args.db, args.port, not args.no_browser, start)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "import":
        return asyncio.run(_import(settings, args.what, args.file, args.leavers_ok))
    if args.command == "audit":
        return asyncio.run(export_audit(settings, args.pupil_id, args.csv_file))
    if args.command == "export" and args.what == "copy":
        safety = (
            SafetyChoice(args.safety_period == "leave-out", args.reason.strip())
            if args.safety_period and args.reason and args.reason.strip()
            else None
        )
        if args.safety_period and safety is None:
            print("samen: --safety-period needs a --reason for the audit trail.", file=sys.stderr)
            return EXIT_USAGE
        return asyncio.run(export_copy(settings, args.person_id, args.pdf_file, safety))
    if args.command == "export":
        if args.pdf_file is None and args.json_file is None:
            print("samen: export pupil needs --pdf FILE, --json FILE, or both.", file=sys.stderr)
            return EXIT_USAGE
        return asyncio.run(export_pupil(settings, args.pupil_id, args.pdf_file, args.json_file))
    if args.command == "backup":
        return asyncio.run(backup(settings, args.target, args.keep, unencrypted=args.unencrypted))
    if args.command == "backup-key":
        return backup_key(args.file)
    if args.command == "restore":
        return restore(settings, args.file, args.identity)
    if args.command == "health":
        return health(settings)
    if args.command == "check":
        return asyncio.run(check(settings))
    if args.command == "purge":
        return asyncio.run(_purge(settings, apply=args.apply))
    if args.command == "migrate-to":
        return asyncio.run(migrate_to(settings, args.url, args.school))
    if args.command == "pseudonym-key":
        return asyncio.run(pseudonym_key(settings, replace_lost=args.replace_lost))
    if args.csv_file is None and args.letters_file is None:
        print("samen: invites needs --csv FILE, --letters FILE.pdf, or both.", file=sys.stderr)
        return EXIT_USAGE
    selection = Selection(group=args.group, person_id=args.person)
    return asyncio.run(_invites(settings, args.csv_file, args.letters_file, selection))


def run(schools: list[Settings], *, webhook: bool = False) -> int:
    try:
        web = web_settings(dict(os.environ), webhook=webhook)
    except ValueError as exc:
        print(f"samen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not schools[0].school_id and not schools[0].token:
        print(NO_TOKEN, file=sys.stderr, end="")
        return EXIT_USAGE
    tokenless = [token_variable(s.school_id) for s in schools if s.school_id and not s.token]
    if tokenless:
        print(
            f"samen: run needs each school's bot token: set {', '.join(tokenless)}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Letters and copies of a family's data are made in the chat too: fonts that cannot make
    # them stop the start, not a coordinator's tap on "send" weeks later.
    if any(fonts_for_paper(settings, apart=True) is None for settings in schools):
        return EXIT_FAILED
    return asyncio.run(_serve_schools(schools, web))


@dataclass(frozen=True)
class WebSettings:
    """The worker's web server: where it listens, and the public address of the webhooks
    (None: updates by long polling, the server only for /health)."""

    listen: Listen
    webhook_url: str | None


def web_settings(env: dict[str, str], *, webhook: bool) -> WebSettings | None:
    """From SAMEN_WEBHOOK_URL and SAMEN_LISTEN; None: no web server (polling, no /health)."""
    listen = Listen.parse(env["SAMEN_LISTEN"]) if env.get("SAMEN_LISTEN") else None
    if not webhook:
        return None if listen is None else WebSettings(listen, None)
    url = env.get("SAMEN_WEBHOOK_URL", "")
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(
            "samen run --webhook needs SAMEN_WEBHOOK_URL: the https address your reverse proxy"
            " passes on to this worker, e.g. https://samen.bestuur.nl/telegram (see the README)"
        )
    return WebSettings(listen or Listen(), url)


async def _serve_schools(schools: list[Settings], web: WebSettings | None) -> int:
    # Signals are caught from the very start, so a stop during start-up is still clean.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = None
    if web is not None:
        secrets = {webhook_key(s.school_id): webhook_secret(s.token or "") for s in schools}
        server = WebhookServer(secrets, web.listen)
        try:
            await server.start()
        except OSError as exc:
            print(
                f"samen: cannot listen on {web.listen.host}:{web.listen.port}: {exc.strerror}",
                file=sys.stderr,
            )
            return EXIT_FAILED

    def webhook_of(settings: Settings) -> Webhook | None:
        if server is None or web is None or web.webhook_url is None:
            return None
        return Webhook.of(server, web.webhook_url, settings.school_id, settings.token or "")

    shares = None
    keeping_even = None

    async def serve(settings: Settings) -> int:
        # Every line this school's bot logs names the school (the context goes with the tasks
        # it starts).
        SCHOOL_IN_LOG.set(settings.school_id)
        code = await _serve(settings, stop, webhook_of(settings), shares)
        if code:
            # One school that cannot run stops them all: the service manager restarts the
            # worker, and the log says why, rather than half a deployment running unseen.
            stop.set()
        return code

    try:
        # On a database server the workers share the schools evenly.
        if schools[0].db_url is not None:
            shares = Shares(schools[0].db_url, len(schools))
            await shares.join()
            keeping_even = asyncio.create_task(shares.keep_even(stop))
        if len(schools) == 1:
            return await _serve(schools[0], stop, webhook_of(schools[0]), shares)
        return max(await asyncio.gather(*(serve(settings) for settings in schools)))
    finally:
        if keeping_even is not None:
            stop.set()
            await keeping_even
        if shares is not None:
            await shares.leave()
        if server is not None:
            await server.stop()


async def _serve(
    settings: Settings, stop: asyncio.Event, webhook: Webhook | None, shares: Shares | None
) -> int:
    database = settings.database
    if isinstance(database, ServerDatabase):
        return await serve_on_server(
            settings, database, stop, webhook, _serve_until_stopped, shares
        )
    # One bot per database, held for the bot's whole life: `samen restore` and a second
    # `samen run` see it and stay away.
    try:
        lock = RunLock.acquire(settings.db_path)
    except DatabaseInUse:
        print(
            f"samen: another samen run (or a samen restore) is using {settings.db_path}."
            " One bot per database: stop the other one first.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except OSError as exc:
        print(f"samen: cannot use {settings.db_path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with lock:
        async with beating(lock.beat):
            return await _serve_until_stopped(settings, stop, webhook)


async def _serve_until_stopped(
    settings: Settings, stop: asyncio.Event, webhook: Webhook | None
) -> int:
    from bot.app import Runtime

    try:
        db = await open_database(settings.database)
    except RuntimeError as exc:  # damaged, locked, of a newer Samen, or broken migrations
        print(f"samen: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        # The bot writes from its first update on: a database another program holds locked
        # stops the start here, in seconds, not in the middle of a family's answer.
        async with db.transaction():
            pass
        try:
            # Before anything is backed up or purged: the key apart from the data, and the
            # right one.
            await prepare_key(db, settings.pseudonym_key_file)
        except PseudonymKeyProblem as exc:
            print(f"samen: {exc}\n{LOST_FOR_GOOD}", file=sys.stderr)
            return EXIT_FAILED
        runtime = Runtime(settings, db, SystemClock())
        try:
            await runtime.start(webhook)
        except InvalidToken:
            print(
                "samen: Telegram rejected the token in TELEGRAM_BOT_TOKEN."
                " Check it with @BotFather (/mybots → API Token).",
                file=sys.stderr,
            )
            await runtime.application.shutdown()
            return EXIT_USAGE
        except NetworkError as exc:
            print(
                f"samen: cannot reach the Telegram Bot API ({type(exc).__name__}: {exc})."
                " Check the network and TELEGRAM_API_URL.",
                file=sys.stderr,
            )
            await runtime.application.shutdown()
            return EXIT_FAILED
        runtime.settle()
        await stop.wait()
        logging.getLogger(__name__).info("stopping: finishing messages in flight")
        await runtime.stop()
    finally:
        await db.close()
    return 0


async def _import(settings: Settings, what: str, file: Path, leavers_ok: bool = False) -> int:
    try:
        data = file.read_bytes()
    except OSError as exc:
        print(f"samen: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    clock = SystemClock()
    now = clock.now()
    today = now.astimezone(settings.timezone).date()
    db = await open_database(settings.database)
    try:
        name = str(file)
        if what == "staff":
            parts = [("staff", await import_staff(db, data, name, now))]
        elif what == "pupils":
            summary = await import_pupils(db, data, name, now, today, leavers_ok=leavers_ok)
            parts = [("pupils", summary)]
        elif what == "edexml":
            result = await import_edexml(db, data, name, now, today, leavers_ok=leavers_ok)
            print(f"groups: {len(result.groups)} ({', '.join(result.groups) or '-'})")
            parts = list(result.parts)
        else:
            parts = [("guardians", await import_guardians(db, data, name, now))]
    except RosterImportError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        count = len(exc.errors)
        print(
            f"samen: {count} problem{'s' if count != 1 else ''} in {file}; nothing was imported.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        await db.close()
    for part, summary in parts:
        print(f"{part}: {summary}")
    return 0


async def _bot_username(settings: Settings, db: Database) -> str | None:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    async with db.transaction() as tx:
        known = await tx.get_meta("bot_username")
    if known:
        return known
    if settings.token:
        bot = Bot(settings.token, base_url=settings.api_url, base_file_url=settings.file_url)
        try:
            async with bot:
                return bot.username
        except TelegramError:
            return None
    return None


async def _invites(
    settings: Settings, csv_file: Path | None, letters_file: Path | None, selection: Selection
) -> int:
    font_dir = None
    if letters_file is not None:
        font_dir = fonts_for_paper(settings)
        # Before any code changes: a missing font must not leave people with revoked codes
        # and nothing that holds the new ones. The CSV needs no fonts.
        if font_dir is None and csv_file is None:
            return EXIT_FAILED
    letters_failed = letters_file is not None and font_dir is None
    db = await open_database(settings.database)
    try:
        username = await _bot_username(settings, db)
        if username is None:
            print(
                "samen: the bot's username is needed for the links. Set bot_username under"
                " [school] in samen.toml, set TELEGRAM_BOT_TOKEN, or run `samen run` once.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        now = SystemClock().now()
        rows = await issue_invitations(db, settings, now, username, selection)
    finally:
        await db.close()
    if not rows:
        who = (f"in group {selection.group!r} " if selection.group else "") + (
            f"with id {selection.person_id!r} " if selection.person_id else ""
        )
        print(f"Nobody {who}needs an invitation: everyone is linked, or nobody matches.")
        return EXIT_FAILED if letters_failed else 0
    if csv_file is not None:
        write_private_csv(
            csv_file,
            ["kind", "person_id", "name", "pupil_id", "language", "code", "link"],
            [
                [r.kind.value, r.person_id, r.name, r.pupil_id, r.language, r.code, r.link]
                for r in rows
            ],
        )
    if letters_file is not None and font_dir is not None:
        catalogues = Catalogues(SUPPORTED_LANGUAGES, settings.timezone)
        pdf = letters_pdf(
            rows,
            catalogues,
            school=settings.school_name,
            bot_username=username,
            font_dir=font_dir,
            created=now,
        )
        write_private_file(letters_file, pdf, suffix=".pdf")
    made = (csv_file, None if letters_failed else letters_file)
    written = " and ".join(str(f) for f in made if f is not None)
    print(
        f"Wrote {len(rows)} invitation{'s' if len(rows) != 1 else ''} to {written}"
        f" (valid {settings.invite_valid_days} days)."
        " Older unused invitations of these people no longer work."
    )
    if letters_failed:
        print(
            f"samen: the letters were NOT made ({letters_file} was not written; the fonts, see"
            f" above). The new codes are in {csv_file}: fix the fonts and print letters from"
            " it, or run `samen invites --letters` again (that makes new codes once more).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


async def _purge(settings: Settings, *, apply: bool) -> int:
    """Counts per kind of data, never names: the output may end up in a ticket or a log."""
    now = SystemClock().now()
    today = now.astimezone(settings.timezone).date()
    db = await open_database(settings.database)
    try:
        if apply:
            report = await apply_purge(db, settings, today, now)
        else:
            report = await plan_purge(db, settings, today)
    except PseudonymKeyProblem as exc:
        print(f"samen: nothing was purged: {exc}\n{LOST_FOR_GOOD}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        await db.close()
    print(f"Retention on {today.isoformat()} ({settings.database_name}):")
    width = max(len(k.kind) for k in report.kinds)
    for kind in report.kinds:
        done = [f"{n} {what}" for what, n in kind.counts if n]
        pupils = f"{kind.pupils} pupil{'s' if kind.pupils != 1 else ''}"
        print(
            f"  {kind.kind + ':':<{width + 1}} {kind.years} years, left before"
            f" {kind.cutoff.isoformat()}: {pupils}; {', '.join(done) or 'nothing to do'}"
        )
    if apply:
        print(f"Done: {report.rows} rows deleted or pseudonymised, recorded as retention_purge.")
    else:
        print("Dry run: nothing was changed. `samen purge --apply` does the above.")
    return 0
