"""Keeping the translation catalogues complete and correct, and reviewed by native speakers.

    python -m bot.catalogues extract          # code → locales/messages.pot
    python -m bot.catalogues update           # messages.pot → every <lang>/LC_MESSAGES/messages.po
    python -m bot.catalogues check            # fails on anything a reader would notice
    python -m bot.catalogues report           # per language, Dutch first: the share reviewed
    python -m bot.catalogues export LANG FILE # the reviewer's sheet (CSV) for one language
    python -m bot.catalogues import LANG FILE # the reviewed sheet back into the catalogue

The checks on the catalogue files live in `bot/i18n/catalogues.py` and the sheet in
`bot/i18n/review_sheet.py`; this command also renders every parent message with realistic
values (`bot/texts/samples.py`) for the plain-Dutch check and the sheet, so it sits above the
texts it renders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n.catalogues import (
    BINDING_LANGUAGE,
    Problem,
    Review,
    catalog_path,
    check_catalogs,
    compile_problems,
    extract,
    parent_messages,
    plain_language_problems,
    pot_problems,
    report,
    review_states,
    sentences,
    update,
)
from bot.i18n.review_sheet import Example, import_sheet, sheet_rows, write_sheet
from bot.i18n.translator import (
    SUPPORTED_LANGUAGES,
    Catalogues,
    Translator,
    locales_dir,
    placeholders,
)
from bot.texts import samples

# The examples are shown in the school's time zone, as every message is.
SCHOOL_TIME = ZoneInfo("Europe/Amsterdam")

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
    tr = Catalogues(("nl",), SCHOOL_TIME, folder)("nl")
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
    if command in ("export", "import") and len(argv) == 3:
        language, file = argv[1], Path(argv[2])
        if language not in SUPPORTED_LANGUAGES or not catalog_path(folder, language).exists():
            print(f"no catalogue for {language!r}; languages: {' '.join(SUPPORTED_LANGUAGES)}")
            return 2
        if command == "export":
            return export(folder, language, file)
        return import_(folder, language, file)
    print(__doc__)
    return 2


def export(folder: Path, language: str, file: Path) -> int:
    rows = sheet_rows(folder, language, examples(folder, language))
    write_sheet(rows, file, language)
    print(f"{file}: {len(rows)} rows for {language}")
    if language != BINDING_LANGUAGE:
        dutch = review_states(folder, BINDING_LANGUAGE).values()
        done = sum(1 for state in dutch if state is Review.REVIEWED)
        print(
            f"Dutch is reviewed for {done} of {len(dutch)} texts: a translation the reviewer"
            " approves counts as reviewed once its Dutch is (and the Dutch did not change)."
        )
    return 0


def import_(folder: Path, language: str, file: Path) -> int:
    outcome = import_sheet(folder, language, file)
    if outcome.refused:
        for problem in outcome.problems:
            print(f"{file}: {problem}")
        print(f"{file}: nothing was changed; correct these rows and import the sheet again")
        return 1
    for line in outcome.skipped:
        print(f"{file}: skipped {line}")
    for line in outcome.comments:
        print(f"{file}: comment {line}")
    print(
        f"{language}: {outcome.changed} texts changed, {outcome.marked} marked reviewed,"
        f" {outcome.unmarked} marks taken back, {len(outcome.skipped)} rows skipped"
    )
    if outcome.waiting_for_dutch:
        print(
            f"{outcome.waiting_for_dutch} of the reviewed texts count once their Dutch is"
            " reviewed (Dutch first)"
        )
    return 0


def examples(folder: Path, language: str) -> Example:
    """Each text as its reader gets it, with realistic values (a placeholder without a sample
    stays as it is)."""
    tr = Catalogues((language,), SCHOOL_TIME, folder)(language)
    filled = samples.values(tr) | staff_values(tr)

    def example(msgid: str | tuple[str, str], count: int | None) -> str:
        names = placeholders(msgid) if isinstance(msgid, str) else set()
        for text in msgid if isinstance(msgid, tuple) else ():
            names |= placeholders(text)
        values = {name: filled.get(name, f"{{{name}}}") for name in names}
        [rendered] = samples.render(tr, msgid, values, counts=(count or 0,))
        return samples.plain(rendered.text)

    return example


def staff_values(tr: Translator) -> dict[str, object]:
    """The names and numbers only staff read, for the examples of their texts."""
    names: dict[str, object] = {
        "pupil": f"{samples.CHILD} van den Berg",
        "guardian": samples.ADDRESSEE,
        "parent": samples.ADDRESSEE,
        "person": samples.ADDRESSEE,
    }
    numbers = {
        "total": 24,
        "due": 3,
        "weeks": 6,
        "families": 12,
        "slots": 14,
        "reached": 9,
        "answered": 2,
        "created": 5,
        "updated": 2,
        "unchanged": 17,
        "line": 7,
        "length": 120,
        "limit": 100,
    }
    return names | {name: tr.number(value) for name, value in numbers.items()}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
