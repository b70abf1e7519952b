"""What one message costs in work that could be done once: `python -m tests.bench.per_message`.

Prints the time of the calendar file sent with every invitation to a talk, and of the
Translator's formatting (numbers, dates and times, lists) that most messages use. Not part of
the test run; the figures are as noisy as the machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n.translator import Catalogues
from bot.paper.calendar_file import meeting_ics
from bot.platform.config import SUPPORTED_LANGUAGES
from bot.rules.dates import parse_day_range
from bot.rules.models import Meeting

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)


def per_call(work: Callable[[], object], calls: int) -> float:
    """Seconds per call, the best of three runs (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            work()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def meeting(number: int) -> Meeting:
    return Meeting(
        id=number,
        pupil_id="P1",
        kind="progress",
        starts_at=NOW + timedelta(days=number % 20, hours=2),
        minutes=15,
        place_kind="room",
        place="1.12",
        goal="",
        alternatives=(),
        created_by="T1",
        version=1,
        cancelled_at=None,
        card_outbox_id=None,
        round_id=None,
        summary_prompted_at=None,
    )


def calendar_file(calls: int) -> float:
    counter = iter(range(10**9))

    def one() -> bytes:
        return meeting_ics(
            meeting(next(counter)),
            title="Voortgangsgesprek: Daan",
            location="Lokaal 1.12",
            description="Met juf Anna",
            now=NOW,
            school="De Brug",
            tz=AMS,
        )

    return per_call(one, calls)


def main(quick: bool) -> None:
    calls = 20 if quick else 200
    print(f"{'calendar file (.ics) of a talk':<44} {calendar_file(calls) * 1e3:8.2f} ms")
    texts = Catalogues(SUPPORTED_LANGUAGES, AMS)
    # The first message in each language after the start: Babel's data already loaded?
    start = time.perf_counter()
    for language in SUPPORTED_LANGUAGES:
        texts(language).number(1234)
    first = (time.perf_counter() - start) / len(SUPPORTED_LANGUAGES)
    print(f"{'the first number in a language after start':<44} {first * 1e6:8.1f} µs")
    moment = NOW + timedelta(days=4)
    for language in ("nl", "ar", "fa"):
        tr = texts(language)
        for what, work in (
            ("a number", lambda tr=tr: tr.number(1234)),
            ("a date and time", lambda tr=tr: tr.datetime(moment)),
            ("a list of three names", lambda tr=tr: tr.list_of(["Ayla", "Sem", "Noor"])),
            (
                "a typed day range",
                lambda tr=tr: parse_day_range("3 dec t/m 5 dec", NOW, AMS, tr.language),
            ),
        ):
            label = f"{language}: {what}"
            print(f"{label:<44} {per_call(work, calls * 10) * 1e6:8.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, to check the script")
    main(parser.parse_args().quick)
