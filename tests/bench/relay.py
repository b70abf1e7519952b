"""What relaying a family's message costs, with and without translation:
`python -m tests.bench.relay`.

A Turkish father writes to his daughter's mentor and she answers, ten times over, in a school
without a translation service and in one with a (fake, local) LibreTranslate, where her
confirmation shows her answer as he reads it. Prints per round trip the Bot API calls, the
transactions and the read-only trips to the database, and the calls to the translation service.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.platform.config import TranslationService
from bot.rules.models import PersonKind
from bot.storage import Database
from tests.conftest import START
from tests.fake_translation import FakeLibreTranslate
from tests.harness import Harness
from tests.test_care import delivered, people, press

ROUNDS = 10


def count_trips(db: Database, counts: Counter[str]) -> None:
    """Count every transaction and every read-only trip the database hands out."""
    for name in ("transaction", "reading"):
        original: Callable[[], Any] = getattr(db, name)

        def counted(original: Callable[[], Any] = original, name: str = name) -> Any:
            @asynccontextmanager
            async def trip() -> AsyncIterator[Any]:
                counts[name] += 1
                async with original() as tx:
                    yield tx

            return trip()

        setattr(db, name, counted)


async def relay(translated: bool, rounds: int) -> dict[str, float]:
    service = FakeLibreTranslate(("nl", "tr"))
    with tempfile.TemporaryDirectory() as folder:
        harness = Harness(Path(folder), START)
        settings: dict[str, Any] = {}
        if translated:
            settings["translation"] = (TranslationService("libretranslate", await service.start()),)
        await harness.open(settings=settings)
        try:
            users = await people(
                harness, (PersonKind.GUARDIAN, "G003", "Mehmet"), (PersonKind.STAFF, "S001", "M")
            )
            father, teacher = users["G003"], users["S001"]
            assert harness.db is not None
            counts: Counter[str] = Counter()
            count_trips(harness.db, counts)
            calls = len(harness.server.calls)
            for n in range(rounds):
                before = len(teacher.messages)
                await harness.say(father, f"Bericht {n}")
                await delivered(harness, teacher, before + 1)
                await press(harness, teacher, r"fm:\d+")
                before = len(father.messages)
                await harness.say(teacher, f"Antwoord {n}")
                await delivered(harness, father, before + 1)
            # Per round: the father's message reaches the teacher, her answer reaches him.
            return {
                "bot_api_calls": (len(harness.server.calls) - calls) / rounds,
                "transactions": counts["transaction"] / rounds,
                "reads": counts["reading"] / rounds,
                "translation_calls": len(service.requests) / rounds,
            }
        finally:
            await harness.close()
            await service.stop()


async def main(rounds: int) -> None:
    plain = await relay(False, rounds)
    translated = await relay(True, rounds)
    print(
        f"Per round trip (a father writes, the teacher taps Answer and answers), {rounds} rounds:"
    )
    print(f"{'':28}{'untranslated':>14}{'translated':>12}{'difference':>12}")
    for key in plain:
        difference = translated[key] - plain[key]
        print(f"{key:28}{plain[key]:>14.1f}{translated[key]:>12.1f}{difference:>+12.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    asyncio.run(main(parser.parse_args().rounds))
