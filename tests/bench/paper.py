"""How long printed invitation letters take: `python -m tests.bench.paper`.

Prints milliseconds per A4 letter, and the file size, for Dutch only, Arabic only and all
every shipped language mixed. Not part of the test run; `--quick` makes fewer pages (to check the
script itself).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues
from bot.paper.letters import letters_pdf
from bot.paper.pdf import find_fonts
from bot.rules.models import InviteRow, PersonKind
from bot.services.invitations import new_code

MIXES = {
    "Dutch": ("nl",),
    "Arabic": ("ar",),
    "every shipped language": SUPPORTED_LANGUAGES,
}


def letters(count: int, languages: tuple[str, ...]) -> list[InviteRow]:
    expires = datetime.now(UTC) + timedelta(days=30)
    rows = []
    for n in range(count):
        code = new_code()
        rows.append(
            InviteRow(
                PersonKind.GUARDIAN,
                f"G{n:05d}",
                f"Ouder {n}",
                f"P{n:05d}",
                languages[n % len(languages)],
                code,
                f"https://t.me/bench_bot?start={code}",
                (f"Kind {n}",),
                expires,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    pages = 18 if args.quick else 180
    catalogues = Catalogues(SUPPORTED_LANGUAGES, ZoneInfo("Europe/Amsterdam"))
    fonts = find_fonts()
    print(f"| letters ({pages} pages each) | ms per page | MB |")
    print("|---|---|---|")
    for name, languages in MIXES.items():
        rows = letters(pages, languages)
        started = time.perf_counter()
        pdf = letters_pdf(
            rows,
            catalogues,
            school="De Brug",
            bot_username="bench_bot",
            font_dir=fonts,
            created=datetime.now(UTC),
        )
        elapsed = time.perf_counter() - started
        print(f"| {name} | {elapsed / pages * 1000:.0f} | {len(pdf) / 1e6:.2f} |")


if __name__ == "__main__":
    main()
