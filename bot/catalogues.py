"""Keeping the translation catalogues complete and correct.

    python -m bot.catalogues extract   # code → locales/messages.pot
    python -m bot.catalogues update    # messages.pot → every <lang>/LC_MESSAGES/messages.po
    python -m bot.catalogues check     # fails on anything a reader would notice
    python -m bot.catalogues report    # strings per language, and which are reviewed

The checks on the catalogue files live in `bot/i18n/catalogues.py`; this command also renders
every parent message with realistic values (`bot/texts/samples.py`), so it sits above the
texts it renders.
"""

from __future__ import annotations

import sys

from bot.i18n.catalogues import (
    check_catalogs,
    compile_problems,
    extract,
    plain_language_problems,
    pot_problems,
    report,
    update,
)
from bot.i18n.translator import SUPPORTED_LANGUAGES, locales_dir


def main(argv: list[str]) -> int:
    folder = locales_dir()
    root = folder.parent
    command = argv[0] if argv else "check"
    if command == "extract":
        extract(root, folder / "messages.pot")
        return 0
    if command == "update":
        update(folder)
        return 0
    if command == "report":
        print("\n".join(report(folder)))
        return 0
    if command == "check":
        problems = (
            pot_problems(root, folder)
            + check_catalogs(folder)
            + compile_problems(folder)
            + plain_language_problems(folder)
        )
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problems in {len(SUPPORTED_LANGUAGES)} catalogues")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
