"""Keeping the translation catalogues complete and correct: the checks and the catalogue
mechanics behind `python -m bot.catalogues` (see `bot/catalogues.py`).

Staff-only strings carry a `# staff:` comment in the code; every other string may
reach a parent or pupil and is held to the plain-language rules.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import legal
from bot.i18n.translator import DOMAIN, SUPPORTED_LANGUAGES, placeholders

SOURCE_DIRS = ("bot", "conversations", "scheduler")
KEYWORDS = ("_", "label", "phrase", "n_:1,2")
STAFF_TAG = "staff:"
# Modules whose every text is for staff; elsewhere a `# staff:` comment marks one string.
STAFF_MODULES = frozenset(
    {
        "bot/services/preparation.py",
        "bot/texts/staff_labels.py",
        "bot/texts/rights_card.py",
        "bot/rules/support_route.py",
        "bot/services/information_rights.py",
        "conversations/care_overview.py",
        "conversations/discussions.py",
        "conversations/flow.py",
        "conversations/meeting_card.py",
        "conversations/meetings.py",
        "conversations/preparation.py",
        "conversations/pupil_card.py",
        "conversations/route.py",
        "conversations/summaries.py",
    }
)
_TAG = re.compile(r"</?([a-zA-Z-]+)[^>]*>")


@dataclass(frozen=True)
class Problem:
    language: str
    message: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.message[:60]!r}: {self.problem}"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def is_staff_only(message: Message) -> bool:
    if any(c.strip().startswith(STAFF_TAG) for c in message.auto_comments):
        return True
    return bool(message.locations) and all(path in STAFF_MODULES for path, _ in message.locations)


def parent_messages(folder: Path) -> list[str | tuple[str, str]]:
    """The id of every message a parent or pupil may read (a pair for a plural message)."""
    return [
        message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
        for message in read_catalog(folder / "messages.pot")
        if message.id and not is_staff_only(message)
    ]


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (tuple, list)):
        return tuple(message.string)
    return (message.string,)


def check_catalogs(folder: Path, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> list[Problem]:
    """Every message of messages.pot translated in every language, with the same
    placeholders and HTML tags, the right number of plural forms, nothing fuzzy."""
    template = read_catalog(folder / "messages.pot")
    wanted = {m.id: m for m in template if m.id}
    problems: list[Problem] = []
    for language in languages:
        path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            problems.append(Problem(language, "*", f"catalogue missing: {path}"))
            continue
        catalog = read_catalog(path, language)
        for msgid, source in wanted.items():
            message = catalog.get(msgid)
            label = _ids(source)[0]
            if message is None or not all(_strings(message)):
                problems.append(Problem(language, label, "not translated"))
                continue
            if message.fuzzy:
                problems.append(Problem(language, label, "marked fuzzy (needs review)"))
            if isinstance(source.id, (tuple, list)):
                forms = catalog.num_plurals
                if len(_strings(message)) != forms:
                    problems.append(
                        Problem(language, label, f"needs {forms} plural forms for {language}")
                    )
            expected = placeholders(_ids(source)[-1]) | placeholders(_ids(source)[0])
            for text in _strings(message):
                if placeholders(text) != expected:
                    problems.append(
                        Problem(
                            language,
                            label,
                            f"placeholders {sorted(placeholders(text))} should be"
                            f" {sorted(expected)}",
                        )
                    )
                if sorted(_TAG.findall(text)) != sorted(_TAG.findall(_ids(source)[0])):
                    problems.append(Problem(language, label, "HTML tags differ from the source"))
        for message in catalog:
            if message.id and message.id not in wanted and not message.obsolete:
                problems.append(Problem(language, _ids(message)[0], "not in messages.pot"))
    return problems


# Plain Dutch (B1) for everything a parent or pupil may read.
MAX_AVERAGE_WORDS = 12
MAX_SENTENCE_WORDS = 20
JARGON = ("CvB", "ZAT", "OPP", "IB-er", "handelingsplan", "SDQ")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
_EXPLAINED = re.compile(r"\((?:de |het )?{term}\)|noemen (?:we |dit |deze |het )*.*\b{term}\b")


def sentences(text: str) -> list[list[str]]:
    """The words of each sentence, tags and emoji left out; a {placeholder} is one word."""
    plain = _TAG.sub(" ", text)
    out = []
    for sentence in _SENTENCE_END.split(plain):
        words = [w for w in sentence.split() if any(c.isalnum() for c in w)]
        if words:
            out.append(words)
    return out


def plain_language_problems(folder: Path) -> list[Problem]:
    """Parent-facing Dutch: short sentences, and jargon explained where it first appears.
    The binding legal texts in force (`bot/legal`) are read too: parents sign them."""
    catalog = read_catalog(folder / "nl" / "LC_MESSAGES" / f"{DOMAIN}.po", "nl")
    problems: list[Problem] = []
    for message in catalog:
        if not message.id or is_staff_only(message):
            continue
        for text in _strings(message):
            problems += plain_text_problems(_ids(message)[0], text)
    for name, text in legal.templates().items():
        if name.startswith(legal.CONSENT_VERSION):
            problems += plain_text_problems(f"bot/i18n/legal/{name}", text)
    return problems


def plain_text_problems(label: str, text: str) -> list[Problem]:
    if not text:
        return []
    problems = []
    found = sentences(text)
    longest = max((len(s) for s in found), default=0)
    average = sum(len(s) for s in found) / len(found) if found else 0
    if average > MAX_AVERAGE_WORDS:
        problems.append(
            Problem("nl", label, f"sentences average {average:.1f} words (max {MAX_AVERAGE_WORDS})")
        )
    elif longest > MAX_SENTENCE_WORDS:
        problems.append(
            Problem("nl", label, f"a sentence of {longest} words (max {MAX_SENTENCE_WORDS})")
        )
    for term in JARGON:
        if re.search(rf"\b{re.escape(term)}\b", text) and not re.search(
            _EXPLAINED.pattern.format(term=re.escape(term)), text
        ):
            problems.append(Problem("nl", label, f"{term} is not explained"))
    return problems


def pot_problems(root: Path, folder: Path) -> list[Problem]:
    """messages.pot must hold exactly what the code asks to translate."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "messages.pot"
        extract(root, fresh)
        extracted = {m.id: m for m in read_catalog(fresh) if m.id}
    current = {m.id for m in read_catalog(folder / "messages.pot") if m.id}
    problems = [
        Problem("pot", _ids(extracted[key])[0], "in the code but not in messages.pot (extract)")
        for key in extracted.keys() - current
    ]
    problems += [
        Problem("pot", key if isinstance(key, str) else key[0], "in messages.pot, not in the code")
        for key in current - extracted.keys()
    ]
    return problems


def compile_problems(
    folder: Path, languages: tuple[str, ...] = SUPPORTED_LANGUAGES
) -> list[Problem]:
    """What `pybabel compile` would warn about, and whether each catalogue compiles."""
    import io

    from babel.messages.mofile import write_mo

    problems: list[Problem] = []
    for language in languages:
        path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            continue
        catalog = read_catalog(path, language)
        for message, errors in catalog.check():
            for error in errors:
                problems.append(Problem(language, _ids(message)[0], f"compile: {error}"))
        try:
            write_mo(io.BytesIO(), catalog)
        except Exception as exc:  # any failure to compile is a problem to report
            problems.append(Problem(language, "*", f"does not compile: {exc}"))
    return problems


def report(folder: Path, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> list[str]:
    """Per language: translated strings, and whether a native speaker reviewed them."""
    lines = []
    total = len([m for m in read_catalog(folder / "messages.pot") if m.id])
    for language in languages:
        path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            lines.append(f"{language}: missing")
            continue
        catalog = read_catalog(path, language)
        done = sum(1 for m in catalog if m.id and all(_strings(m)) and not m.fuzzy)
        reviewed = reviewed_by_native_speaker(path)
        lines.append(
            f"{language}: {done}/{total} strings, "
            f"{'reviewed' if reviewed else 'not reviewed by a native speaker'}"
        )
    return lines


def reviewed_by_native_speaker(path: Path) -> bool:
    """The catalogue header says so: `X-Samen-Reviewed: yes`."""
    for line in path.read_text(encoding="utf-8").splitlines()[:40]:
        if line.startswith('"X-Samen-Reviewed:'):
            return "yes" in line.lower()
    return False


def extract(root: Path, output: Path) -> None:
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-wrap",
            "--sort-by-file",
            "--project=Samen",
            "--add-comments",
            STAFF_TAG,
            *keywords,
            "-o",
            str(output),
            *SOURCE_DIRS,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def update(folder: Path) -> None:
    """pybabel update, keeping each catalogue's review flag (pybabel drops unknown headers)."""
    paths = sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    reviewed = {path: reviewed_by_native_speaker(path) for path in paths}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "update",
            "--no-wrap",
            "--ignore-obsolete",
            "--no-fuzzy-matching",
            "-i",
            str(folder / "messages.pot"),
            "-d",
            str(folder),
            "-D",
            DOMAIN,
        ],
        check=True,
        capture_output=True,
    )
    for path, flag in reviewed.items():
        set_reviewed(path, flag)


def set_reviewed(path: Path, reviewed: bool) -> None:
    lines = [
        line
        for line in path.read_text(encoding="utf-8").split("\n")
        if not line.startswith('"X-Samen-Reviewed:')
    ]
    at = next(i for i, line in enumerate(lines) if line.startswith('"Content-Transfer-Encoding'))
    lines.insert(at + 1, f'"X-Samen-Reviewed: {"yes" if reviewed else "no"}\\n"')
    path.write_text("\n".join(lines), encoding="utf-8")
