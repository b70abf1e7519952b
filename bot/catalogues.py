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

import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n.catalogues import (
    Problem,
    check_catalogs,
    compile_problems,
    extract,
    parent_messages,
    plain_language_problems,
    pot_problems,
    report,
    sentences,
    update,
)
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues, locales_dir
from bot.texts import samples

# Plain Dutch (B1) as a parent or pupil reads it: every sentence of every message they may
# get, rendered with the longest realistic values, has at most this many words. (The template
# rule in bot/i18n counts a placeholder as one word, so it cannot see a long value.)
MAX_READ_SENTENCE_WORDS = 12
# A parent's or teacher's own words, quoted as written (“…”), are not the school's sentence:
# the school cannot shorten them, so a quotation counts as one word, like a name.
_QUOTED = re.compile(r"“[^”]*”")
_QUOTATION = "“quote”"


def read_sentences(text: str) -> list[list[str]]:
    """The words of each sentence of a rendered message as a reader sees it (tags and emoji
    left out); a quotation of someone's own words is one word."""
    return sentences(_QUOTED.sub(_QUOTATION, samples.plain(text)))


def read_plain_problems(folder: Path) -> list[Problem]:
    """Every Dutch parent or pupil message, rendered with the longest realistic values
    (`bot/texts/samples.py`): no sentence over MAX_READ_SENTENCE_WORDS words."""
    tr = Catalogues(("nl",), ZoneInfo("Europe/Amsterdam"), folder)("nl")
    filled = samples.values(tr)
    problems = []
    for msgid in parent_messages(folder):
        label = msgid if isinstance(msgid, str) else msgid[0]
        try:
            rendered = samples.render(tr, msgid, filled)
        except (KeyError, IndexError, ValueError) as error:
            problems.append(Problem("nl", label, f"does not render: {error!r}"))
            continue
        for one in rendered:
            for words in read_sentences(one.text):
                if len(words) > MAX_READ_SENTENCE_WORDS:
                    problems.append(
                        Problem(
                            "nl",
                            label,
                            f"a sentence of {len(words)} words as read"
                            f" (max {MAX_READ_SENTENCE_WORDS}): {' '.join(words)}",
                        )
                    )
    return problems


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
            + read_plain_problems(folder)
        )
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problems in {len(SUPPORTED_LANGUAGES)} catalogues")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
