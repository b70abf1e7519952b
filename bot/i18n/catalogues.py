"""Keeping the translation catalogues complete and correct: the checks and the catalogue
mechanics behind `python -m bot.catalogues` (see `bot/catalogues.py`).

Staff-only strings carry a `# staff:` comment in the code; every other string may
reach a parent or pupil and is held to the plain-language rules.

Each entry records whether a native speaker reviewed it, as a translator comment
`# reviewed: 1a2b3c4d` — the fingerprint of what was read: the text in the code, the
translation and, for a language other than Dutch and English, the Dutch it was read
against. pybabel's `update` and babel's `write_po` keep translator comments; a mark whose
fingerprint no longer fits (the translation or the Dutch changed without a review, or the
code's text changed) no longer counts, and `update` takes it out.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.i18n import legal
from bot.i18n.translator import DOMAIN, SUPPORTED_LANGUAGES, babel_locale, placeholders

SOURCE_DIRS = ("bot", "conversations", "scheduler")
KEYWORDS = ("_", "label", "phrase", "n_:1,2", "n_label:1,2")
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
# English is the language the code is written in; Dutch is the binding one, which every other
# translation is read against.
SOURCE_LANGUAGE = "en"
BINDING_LANGUAGE = "nl"
REVIEW_MARK = "reviewed: "


@dataclass(frozen=True)
class Problem:
    language: str
    message: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.message[:60]!r}: {self.problem}"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=babel_locale(language) if language else None, domain=DOMAIN)


def catalog_path(folder: Path, language: str) -> Path:
    return folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def write_catalog(path: Path, catalog: Catalog) -> None:
    """Write a catalogue as `pybabel update --no-wrap --ignore-obsolete` does."""
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, ignore_obsolete=True)


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
    """The words of each sentence, tags and emoji left out (ℹ️ among them, which Unicode
    calls a letter); a {placeholder} is one word."""
    plain = _TAG.sub(" ", text)
    out = []
    for sentence in _SENTENCE_END.split(plain):
        words = [w for w in sentence.split() if any(c.isalnum() for c in w.replace("ℹ", ""))]
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


class Review(Enum):
    REVIEWED = "reviewed"
    # A native speaker read the translation, against Dutch that nobody reviewed yet: it counts
    # once its Dutch is reviewed unchanged (Dutch first).
    WAITS_FOR_DUTCH = "reviewed, waiting for its Dutch"
    NOT_REVIEWED = "not reviewed"


def read_against_dutch(language: str) -> bool:
    return language not in (SOURCE_LANGUAGE, BINDING_LANGUAGE)


def fingerprint(message: Message, dutch: Message | None = None) -> str:
    """What a reviewer read: the code's text, the translation, and the Dutch beside it."""
    read: list[object] = [list(_ids(message)), list(_strings(message))]
    if dutch is not None:
        read.append(list(_strings(dutch)))
    digest = hashlib.sha256(json.dumps(read, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:8]


def review_mark(message: Message) -> str | None:
    for comment in message.user_comments:
        if comment.startswith(REVIEW_MARK):
            return comment[len(REVIEW_MARK) :].strip()
    return None


def set_review_mark(message: Message, dutch: Message | None, reviewed: bool) -> None:
    """Mark the entry as reviewed as it reads now (beside this Dutch), or take the mark out."""
    comments = [c for c in message.user_comments if not c.startswith(REVIEW_MARK)]
    if reviewed:
        comments.append(REVIEW_MARK + fingerprint(message, dutch))
    message.user_comments = comments


def mark_holds(message: Message, dutch: Message | None) -> bool:
    return review_mark(message) == fingerprint(message, dutch)


def review_states(folder: Path, language: str) -> dict[object, Review]:
    """Every entry of messages.pot: whether a native speaker reviewed it as it reads now. A
    translation counts only once its Dutch is reviewed too."""
    template = [m.id for m in read_catalog(folder / "messages.pot") if m.id]
    catalog = read_catalog(catalog_path(folder, language), language)
    dutch_catalog = None
    dutch_states: dict[object, Review] = {}
    if read_against_dutch(language):
        dutch_catalog = read_catalog(catalog_path(folder, BINDING_LANGUAGE), BINDING_LANGUAGE)
        dutch_states = review_states(folder, BINDING_LANGUAGE)
    states: dict[object, Review] = {}
    for msgid in template:
        message = catalog.get(msgid)
        dutch = dutch_catalog.get(msgid) if dutch_catalog is not None else None
        if message is None or not mark_holds(message, dutch):
            states[msgid] = Review.NOT_REVIEWED
        elif dutch_catalog is not None and dutch_states.get(msgid) is not Review.REVIEWED:
            states[msgid] = Review.WAITS_FOR_DUTCH
        else:
            states[msgid] = Review.REVIEWED
    return states


def refresh_review_marks(folder: Path, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> None:
    """Take out every review mark that no longer fits its entry, and mark the English entries
    that are the code's own text (the project writes them). Writes only what changed."""
    dutch_path = catalog_path(folder, BINDING_LANGUAGE)
    dutch_catalog = read_catalog(dutch_path, BINDING_LANGUAGE) if dutch_path.exists() else None
    for language in languages:
        path = catalog_path(folder, language)
        if not path.exists():
            continue
        catalog = read_catalog(path, language)
        changed = False
        for message in catalog:
            if not message.id:
                continue
            dutch = None
            if read_against_dutch(language) and dutch_catalog is not None:
                dutch = dutch_catalog.get(message.id)
            holds = mark_holds(message, dutch)
            the_codes_own = language == SOURCE_LANGUAGE and _strings(message) == _ids(message)
            if not holds and (the_codes_own or review_mark(message) is not None):
                set_review_mark(message, dutch, the_codes_own)
                changed = True
        if changed:
            write_catalog(path, catalog)


def report(folder: Path, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> list[str]:
    """Per language, Dutch first: translated strings, and the share a native speaker reviewed
    (of all texts, and of the texts parents and pupils read)."""
    template = [m for m in read_catalog(folder / "messages.pot") if m.id]
    total = len(template)
    parents = {m.id for m in template if not is_staff_only(m)}
    lines = [
        "Reviewed by a native speaker. Dutch is the binding text and is reviewed first:"
        " a translation counts as reviewed once its Dutch is."
    ]
    for language in sorted(languages, key=lambda code: code != BINDING_LANGUAGE):
        path = catalog_path(folder, language)
        if not path.exists():
            lines.append(f"{language}: missing")
            continue
        catalog = read_catalog(path, language)
        done = sum(1 for m in catalog if m.id and all(_strings(m)) and not m.fuzzy)
        states = review_states(folder, language)
        reviewed = {key for key, state in states.items() if state is Review.REVIEWED}
        waiting = sum(1 for state in states.values() if state is Review.WAITS_FOR_DUTCH)
        line = (
            f"{language}: {done}/{total} translated; reviewed {_share(len(reviewed), total)},"
            f" parent texts {_share(len(reviewed & parents), len(parents))}"
        )
        if waiting:
            line += f"; {waiting} more reviewed, waiting for their Dutch"
        lines.append(line)
    return lines


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part // whole if whole else 0}%)"


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
    """pybabel update (translator comments, and so the review marks, stay), then the review
    marks brought up to date."""
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
    refresh_review_marks(folder)
