"""The native speaker's review sheet: one catalogue as a spreadsheet, and the reviewed sheet read
back into it (`python -m bot.catalogues export|import LANG FILE`).

The sheet is CSV in UTF-8 with a byte order mark and `;` between the cells: what Excel in Dutch
opens with a double click, and LibreOffice and Google Sheets too, with nothing to install. One
row per text, and for a plural text one row per form with the counts it is for; the reviewer
reads where the text is shown and to whom, the Dutch, the English, the current translation and
an example with realistic values, then says "yes" under `reviewed` or writes a better text under
`new translation`, and may leave a comment.

Reading it back changes the catalogue all or nothing: an edit that breaks a placeholder, an
HTML tag, a plural form or anything else `python -m bot.catalogues check` looks at refuses the
whole sheet, naming the rows. A text the reviewer wrote, or said yes to, is marked reviewed;
a row whose text changed in Samen since the sheet was written is left alone (it was not what
the reviewer read). See "Native review" in the README for the order: Dutch first.
"""

from __future__ import annotations

import ast
import copy
import csv
import gettext
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from bot.i18n.catalogues import (
    BINDING_LANGUAGE,
    STAFF_TAG,
    Problem,
    Review,
    catalog_path,
    check_catalogs,
    compile_problems,
    is_staff_only,
    mark_holds,
    plain_language_problems,
    read_against_dutch,
    read_catalog,
    refresh_review_marks,
    review_states,
    set_review_mark,
    write_catalog,
)

COLUMNS = (
    "id",
    "where",
    "reader",
    "count",
    "Dutch",
    "English",
    "current translation",
    "example",
    "reviewed",
    "new translation",
    "comment",
)
# The columns with the translation carry the language's code: "current translation (tr)".
TRANSLATION_COLUMNS = ("current translation", "new translation")
_TAGGED = re.compile(r"^(.*?)\s*\(([A-Za-z_-]+)\)$")
DELIMITER = ";"
YES = frozenset({"yes", "y", "ja", "j", "x", "1", "✓", "✔"})
NO = frozenset({"", "no", "n", "nee", "0"})
REVIEWER_NOTE = "reviewer: "
_ID = re.compile(r"^([0-9a-f]{8})(?:\.(\d+))?$")
_SPACE = re.compile(r"\s+")

# (message id, count for a plural form or None) → the text with realistic values filled in.
Example = Callable[[str | tuple[str, str], int | None], str]


def entry_id(msgid: str | tuple[str, ...]) -> str:
    """A short id for a text that stays the same as long as the code's text does."""
    ids = [msgid] if isinstance(msgid, str) else list(msgid)
    return hashlib.sha256(json.dumps(ids, ensure_ascii=False).encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Form:
    """One plural form of a language: the counts it is used for, and one to show it with."""

    counts: str
    example: int


def plural_forms(catalog: Catalog) -> list[Form]:
    rule = gettext.c2py(catalog.plural_expr)
    forms = []
    for index in range(catalog.num_plurals):
        numbers = [n for n in range(1000) if rule(n) == index]
        shown = ", ".join(str(n) for n in numbers[:4]) + (", …" if len(numbers) > 4 else "")
        example = next((n for n in numbers if n >= 1), numbers[0] if numbers else 0)
        forms.append(Form(shown, example))
    return forms


def _strings(message: Message | None) -> tuple[str, ...]:
    if message is None:
        return ()
    if isinstance(message.string, (tuple, list)):
        return tuple(message.string)
    return (message.string or "",)


def _form_for(catalog: Catalog, count: int) -> int:
    return int(gettext.c2py(catalog.plural_expr)(count))


@dataclass(frozen=True)
class Row:
    """One line of the sheet: one text, or one plural form of it."""

    id: str
    where: str
    reader: str
    count: str
    dutch: str
    english: str
    current: str
    example: str
    reviewed: str
    new: str = ""
    comment: str = ""

    def cells(self) -> list[str]:
        return [
            self.id,
            self.where,
            self.reader,
            self.count,
            self.dutch,
            self.english,
            self.current,
            self.example,
            self.reviewed,
            self.new,
            self.comment,
        ]


@dataclass(frozen=True)
class _Text:
    """A catalogue entry as the sheet shows it, one form at a time."""

    msgid: str | tuple[str, str]
    form: int | None
    count: int | None
    counts: str

    def english(self) -> str:
        if isinstance(self.msgid, str):
            return self.msgid
        return self.msgid[0] if self.count == 1 else self.msgid[1]


def _texts(catalog: Catalog, template: Catalog) -> list[_Text]:
    forms = plural_forms(catalog)
    texts = []
    for source in template:
        if not source.id:
            continue
        if isinstance(source.id, str):
            texts.append(_Text(source.id, None, None, ""))
            continue
        msgid = (source.id[0], source.id[1])
        texts += [_Text(msgid, i, form.example, form.counts) for i, form in enumerate(forms)]
    return texts


def _dutch_for(dutch: Catalog, text: _Text) -> str:
    strings = _strings(dutch.get(text.msgid))
    if not strings:
        return ""
    if text.count is None:
        return strings[0]
    return strings[min(_form_for(dutch, text.count), len(strings) - 1)]


def _current(catalog: Catalog, text: _Text) -> str:
    strings = _strings(catalog.get(text.msgid))
    index = text.form or 0
    return strings[index] if index < len(strings) else ""


def sheet_rows(folder: Path, language: str, example: Example) -> list[Row]:
    """Every text of the catalogue as rows of the reviewer's sheet, in the order of the code."""
    template = read_catalog(folder / "messages.pot")
    catalog = read_catalog(catalog_path(folder, language), language)
    dutch = read_catalog(catalog_path(folder, BINDING_LANGUAGE), BINDING_LANGUAGE)
    states = review_states(folder, language)
    root = folder.parent
    rows = []
    seen: dict[str, object] = {}
    for text in _texts(catalog, template):
        key = entry_id(text.msgid)
        if seen.setdefault(key, text.msgid) != text.msgid:
            raise ValueError(f"two texts share the sheet id {key}: change one of them")
        source = template[text.msgid]
        message = catalog.get(text.msgid)
        rows.append(
            Row(
                id=key if text.form is None else f"{key}.{text.form}",
                where=where(root, source),
                reader="staff" if is_staff_only(source) else "parent or pupil",
                count=text.counts,
                dutch=_dutch_for(dutch, text),
                english=text.english(),
                current=_current(catalog, text),
                example=example(text.msgid, text.count),
                reviewed="no" if states.get(source.id) is Review.NOT_REVIEWED else "yes",
                comment=_reviewer_note(message) if message is not None else "",
            )
        )
    return rows


def header(language: str) -> list[str]:
    return [f"{c} ({language})" if c in TRANSLATION_COLUMNS else c for c in COLUMNS]


def write_sheet(rows: list[Row], target: Path, language: str) -> None:
    buffer = io.StringIO(newline="")
    # Line breaks inside a cell stay `\n` (quoted), as a spreadsheet writes them itself.
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(header(language))
    writer.writerows(row.cells() for row in rows)
    target.write_bytes(buffer.getvalue().encode("utf-8-sig"))


@dataclass
class Imported:
    """What reading a sheet back did, or why it changed nothing."""

    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    changed: int = 0
    marked: int = 0
    unmarked: int = 0
    waiting_for_dutch: int = 0

    @property
    def refused(self) -> bool:
        return bool(self.problems)


@dataclass
class _Verdict:
    """The reviewer's rows of one text."""

    msgid: str | tuple[str, str]
    rows: dict[int, tuple[int, bool, str]] = field(default_factory=dict)  # form → row, yes, new
    comments: list[str] = field(default_factory=list)


def import_sheet(folder: Path, language: str, sheet: Path) -> Imported:
    """Read a reviewed sheet into the language's catalogue: all of it, or nothing when an edit
    breaks the catalogue (the rows are named)."""
    outcome = Imported()
    table = _read_table(sheet.read_bytes(), language, outcome)
    if outcome.refused:
        return outcome
    template = read_catalog(folder / "messages.pot")
    path = catalog_path(folder, language)
    catalog = read_catalog(path, language)
    dutch = read_catalog(catalog_path(folder, BINDING_LANGUAGE), BINDING_LANGUAGE)
    texts = {entry_id(t.msgid): t for t in _texts(catalog, template) if t.form in (None, 0)}
    rows = _Rows(language, catalog, dutch, texts, outcome)
    for number, cells in table:
        rows.read(number, cells)
    if outcome.refused:
        return outcome
    verdicts = rows.verdicts

    changed = copy.deepcopy(catalog)
    rows_of: dict[object, list[int]] = {}
    for verdict in verdicts.values():
        message = changed.get(verdict.msgid)
        assert message is not None
        rows_of[_first(verdict.msgid)] = sorted(row for row, _, _ in verdict.rows.values())
        if _apply(message, verdict):
            outcome.changed += 1
    outcome.problems = _new_problems(folder, language, changed, rows_of)
    if outcome.refused:
        return outcome

    dirty = outcome.changed > 0
    for verdict in verdicts.values():
        message, before = changed.get(verdict.msgid), catalog.get(verdict.msgid)
        assert message is not None and before is not None
        against = dutch.get(verdict.msgid) if read_against_dutch(language) else None
        held = mark_holds(before, against)
        covered = len(verdict.rows) == len(_strings(message))
        if covered and all(yes or new for _, yes, new in verdict.rows.values()):
            set_review_mark(message, against, True)
            outcome.marked += not held or message.string != before.string
        elif covered:
            set_review_mark(message, against, False)
            outcome.unmarked += held
        _set_reviewer_note(message, verdict.comments)
        dirty = dirty or message.user_comments != before.user_comments
    if dirty:
        changed.revision_date = datetime.now(UTC)
        write_catalog(path, changed)
    # A new Dutch text takes the marks of the translations read against the old one; a text
    # changed in only some of its plural forms loses its mark.
    refresh_review_marks(folder)
    if read_against_dutch(language):
        states = review_states(folder, language)
        outcome.waiting_for_dutch = sum(
            1 for v in verdicts.values() if states.get(v.msgid) is Review.WAITS_FOR_DUTCH
        )
    return outcome


def _read_table(data: bytes, language: str, outcome: Imported) -> list[tuple[int, dict[str, str]]]:
    """The sheet's rows by column name, each with its row number in a spreadsheet."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        outcome.problems.append("the file is not UTF-8: save it as “CSV UTF-8”")
        return []
    header_line = text.split("\n", 1)[0]
    delimiter = max((DELIMITER, ",", "\t"), key=header_line.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records:
        outcome.problems.append("the file is empty")
        return []
    names = []
    for cell in records[0]:
        tagged = _TAGGED.match(cell.strip())
        name = (tagged.group(1) if tagged else cell).strip().lower()
        if tagged and name in TRANSLATION_COLUMNS and tagged.group(2) != language:
            outcome.problems.append(
                f"row 1: this is the sheet for {tagged.group(2)}, not {language}"
            )
            return []
        names.append(name)
    needed = ("id", "dutch", "current translation", "reviewed", "new translation")
    missing = [name for name in needed if name not in names]
    if missing:
        outcome.problems.append(f"row 1: columns missing: {', '.join(missing)}")
        return []
    table = []
    for number, cells in enumerate(records[1:], start=2):
        if any(cell.strip() for cell in cells):
            table.append((number, {n: c for n, c in zip(names, cells, strict=False) if n}))
    return table


@dataclass
class _Rows:
    """Reads the sheet's rows of one language into verdicts, noting problems and skips."""

    language: str
    catalog: Catalog
    dutch: Catalog
    texts: dict[str, _Text]  # by sheet id: the text, or its first plural form
    outcome: Imported
    verdicts: dict[str, _Verdict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.forms = plural_forms(self.catalog)

    def read(self, number: int, cells: dict[str, str]) -> None:
        problems, skipped = self.outcome.problems, self.outcome.skipped
        found = _ID.match(cells.get("id", "").strip())
        if found is None:
            problems.append(f"row {number}: {cells.get('id', '')!r} is not an id from this sheet")
            return
        key, form_text = found.group(1), found.group(2)
        label = f"row {number} ({found.group(0)})"
        first = self.texts.get(key)
        if first is None:
            skipped.append(f"{label}: this text is no longer in Samen")
            return
        forms = self.forms
        plural = not isinstance(first.msgid, str)
        if plural != (form_text is not None) or int(form_text or 0) >= len(forms):
            problems.append(f"{label}: no such plural form of this text in {self.language}")
            return
        form = int(form_text or 0)
        text = _Text(first.msgid, form, forms[form].example, "") if plural else first
        answer = _SPACE.sub(" ", cells.get("reviewed", "")).strip().lower()
        if answer not in YES | NO:
            problems.append(f"{label}: reviewed should be yes or no, not {answer!r}")
            return
        if not _same(cells.get("current translation", ""), _current(self.catalog, text)) or (
            read_against_dutch(self.language)
            and not _same(cells.get("dutch", ""), _dutch_for(self.dutch, text))
        ):
            skipped.append(
                f"{label}: the text in Samen is not the one in the sheet (changed since the"
                " sheet was written, or edited in the sheet: write changes under “new"
                " translation”)"
            )
            return
        verdict = self.verdicts.setdefault(key, _Verdict(first.msgid))
        if form in verdict.rows:
            problems.append(f"{label}: this text is in the sheet twice")
            return
        new = cells.get("new translation", "").replace("\r\n", "\n").strip()
        verdict.rows[form] = (number, answer in YES, new)
        note = _SPACE.sub(" ", cells.get("comment", "")).strip()
        if note and note not in verdict.comments:
            verdict.comments.append(note)
            self.outcome.comments.append(f"{label}: {note}")


def _same(cell: str, text: str) -> bool:
    return cell.replace("\r\n", "\n").strip() == text.strip()


def _first(msgid: str | tuple[str, str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _apply(message: Message, verdict: _Verdict) -> bool:
    """Put the reviewer's new texts in; the spaces around a text stay as the code has them."""
    strings = list(_strings(message))
    for form, (_, _, new) in verdict.rows.items():
        if not new:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        lead = source[: len(source) - len(source.lstrip())]
        trail = source[len(source.rstrip()) :]
        strings[form] = f"{lead}{new}{trail}"
    if strings == list(_strings(message)):
        return False
    message.string = strings[0] if isinstance(message.id, str) else tuple(strings)
    return True


def _new_problems(
    folder: Path, language: str, changed: Catalog, rows_of: dict[object, list[int]]
) -> list[str]:
    """What the check finds in the changed catalogue that it does not find now, by row."""

    def found(where: Path) -> set[str]:
        problems: list[Problem] = check_catalogs(where, (language,))
        problems += compile_problems(where, (language,))
        if language == BINDING_LANGUAGE:
            problems += plain_language_problems(where)
        return {f"\0{p.message}\0{p.problem}" for p in problems}

    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch)
        shutil.copy(folder / "messages.pot", trial / "messages.pot")
        for code in {language, BINDING_LANGUAGE}:
            catalog_path(trial, code).parent.mkdir(parents=True)
            shutil.copy(catalog_path(folder, code), catalog_path(trial, code))
        write_catalog(catalog_path(trial, language), changed)
        new = found(trial) - found(folder)
    out = []
    for entry in new:
        _, message, problem = entry.split("\0")
        rows = rows_of.get(message, [])
        where = f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}" if rows else ""
        out.append((rows or [0], f"{where or 'the catalogue'} ({message[:50]!r}): {problem}"))
    return [text for _, text in sorted(out)]


def _reviewer_note(message: Message) -> str:
    notes = [c[len(REVIEWER_NOTE) :] for c in message.user_comments if c.startswith(REVIEWER_NOTE)]
    return " / ".join(notes)


def _set_reviewer_note(message: Message, notes: list[str]) -> None:
    kept = [c for c in message.user_comments if not c.startswith(REVIEWER_NOTE)]
    message.user_comments = kept + ([REVIEWER_NOTE + " / ".join(notes)] if notes else [])


def where(root: Path, message: Message) -> str:
    """Where a text is shown: each place in the code, the function and what its module does,
    and the note for translators beside it."""
    places = []
    for path, line in message.locations:
        outline = _outline(root / path)
        function, doc = outline.at(int(line or 0))
        place = f"{path}:{line}" + (f" ({function})" if function else "")
        said = doc or outline.doc
        places.append(f"{place}: {said}" if said else place)
    notes = " ".join(c.strip() for c in message.auto_comments)
    if notes.startswith(STAFF_TAG):
        notes = notes[len(STAFF_TAG) :].strip()
    return "\n".join(places + ([f"Note: {notes}"] if notes else []))


@dataclass(frozen=True)
class _Outline:
    doc: str
    functions: tuple[tuple[int, int, str, str], ...]  # first line, last line, name, doc

    def at(self, line: int) -> tuple[str, str]:
        inside = [f for f in self.functions if f[0] <= line <= f[1]]
        if not inside:
            return "", ""
        _, _, name, doc = max(inside, key=lambda f: f[0])
        return name, doc


@cache
def _outline(path: Path) -> _Outline:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return _Outline("", ())
    functions = tuple(
        (node.lineno, node.end_lineno or node.lineno, node.name, _summary(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )
    return _Outline(_summary(tree), functions)


def _summary(node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A docstring's first sentence, on one line."""
    doc = _SPACE.sub(" ", ast.get_docstring(node) or "").strip()
    end = re.search(r"(?<=\.)\s", doc)
    return doc[: end.start()] if end else doc
