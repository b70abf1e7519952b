"""`samen try`: the whole sample school in a browser, on this machine only. No token, no
Telegram, no network: the fake Bot API and the web page listen on 127.0.0.1, and Samen itself
runs against them on a demo clock (bot/demo)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import tempfile
import webbrowser
from datetime import datetime
from pathlib import Path

from bot.cli.files import EXIT_FAILED, EXIT_USAGE
from bot.demo.school import AMSTERDAM, DEMO_SCHOOL_NAME, DemoSchool, demo_start, real_looking_token
from bot.demo.web import DemoServer
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.platform.run_lock import DatabaseInUse, RunLock

REAL_TOKEN_REFUSED = (
    "samen try is a demonstration that never talks to Telegram, and TELEGRAM_BOT_TOKEN holds"
    " a real bot token: unset it first (unset TELEGRAM_BOT_TOKEN) and run samen try again."
)


def refusal(environ: dict[str, str] | None = None) -> str | None:
    """Why `samen try` must not start here, if it must not."""
    env = os.environ if environ is None else environ
    if real_looking_token(env.get("TELEGRAM_BOT_TOKEN")):
        return REAL_TOKEN_REFUSED
    return None


def try_samen(db: Path | None, port: int, browser: bool, start: datetime | None) -> int:
    problem = refusal()
    if problem is not None:
        print(f"samen: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # The demo speaks through the page; the bot's own progress lines would only crowd the
    # address out of sight.
    logging.getLogger().setLevel(logging.WARNING)
    moment = start or demo_start(SystemClock().now(), Settings().holidays)
    if db is not None:
        try:
            lock = RunLock.acquire(db)
        except DatabaseInUse:
            print(f"samen: another samen is using {db}; stop it first.", file=sys.stderr)
            return EXIT_FAILED
        except OSError as exc:
            print(f"samen: cannot use {db}: {exc.strerror}", file=sys.stderr)
            return EXIT_FAILED
        with lock:
            return asyncio.run(_serve(db.parent, db, port, browser, moment))
    with tempfile.TemporaryDirectory(prefix="samen-try-") as folder:
        return asyncio.run(_serve(Path(folder), None, port, browser, moment))


async def _serve(folder: Path, db: Path | None, port: int, browser: bool, start: datetime) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = DemoServer(DemoSchool(folder, db_path=db, start=start))
    print("samen try: starting the sample school (invented people; nothing leaves this computer)")
    try:
        url = await server.start(port)
    except OSError as exc:  # the port taken, the folder not writable
        print(f"samen: the demo could not start: {exc}", file=sys.stderr)
        await server.stop()
        return EXIT_FAILED
    print(f"\n  {DEMO_SCHOOL_NAME}, a demonstration: open {url}\n")
    print("Ctrl+C stops it" + (f"; the demo school stays in {db}." if db else "."))
    if browser:
        await asyncio.to_thread(open_browser, url)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0


def open_browser(url: str) -> bool:
    """Open the page when this machine has a browser to show it in."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def start_moment(text: str) -> datetime:
    """`--start 2026-12-07T08:00` (school time) or `--start 2026-12-07` (08:00)."""
    moment = datetime.fromisoformat(text if "T" in text else f"{text}T08:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=AMSTERDAM)
