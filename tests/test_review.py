"""Native review: a mark per catalogue entry that survives `update` and goes when the text
changes, the report of reviewed shares (Dutch first), and the reviewer's sheet round trip."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from bot.catalogues import examples, main
from bot.i18n.catalogues import (
    Review,
    catalog_path,
    check_catalogs,
    is_staff_only,
    read_catalog,
    report,
    review_mark,
    review_states,
    update,
    write_catalog,
)
from bot.i18n.review_sheet import COLUMNS, entry_id, header, import_sheet, sheet_rows, write_sheet
from bot.i18n.translator import SUPPORTED_LANGUAGES, locales_dir

WELCOME = "Hello {name}! What would you like to do?"
EXPIRED = "This invitation has expired. Please ask the school for a new one."
LANGUAGE = "🌐 Language"
MORE_LINES = ("… and {n} more line", "… and {n} more lines")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(locales_dir(), target)
    return target


def _sheet(folder: Path, language: str, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / f"{language}.csv"
    write_sheet(sheet_rows(folder, language, examples(folder, language)), path, language)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it as UTF-8
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert records[0] == header(language)
    return [dict(zip(COLUMNS, cells, strict=True)) for cells in records[1:]]


def _save(
    rows: list[dict[str, str]],
    path: Path,
    language: str,
    delimiter: str = ";",
    bom: bool = True,
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header(language))
    writer.writerows([row[column] for column in COLUMNS] for row in rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    return path


def _row(rows: list[dict[str, str]], msgid: str | tuple[str, str], form: int | None = None):
    key = entry_id(msgid) + ("" if form is None else f".{form}")
    [row] = [r for r in rows if r["id"] == key]
    return row


def _strings(folder: Path, language: str) -> dict[object, object]:
    catalog = read_catalog(catalog_path(folder, language), language)
    return {m.id: m.string for m in catalog if m.id}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.po")}


def test_the_shipped_catalogues_are_reviewed_only_where_the_project_wrote_them() -> None:
    # English is the code's own text; every other catalogue is machine-made until a review.
    assert set(review_states(locales_dir(), "en").values()) == {Review.REVIEWED}
    for language in SUPPORTED_LANGUAGES:
        if language != "en":
            assert set(review_states(locales_dir(), language).values()) == {Review.NOT_REVIEWED}


def test_the_sheet_shows_each_text_with_its_place_reader_and_example(
    folder: Path, tmp_path: Path
) -> None:
    rows = _sheet(folder, "pl", tmp_path)
    welcome = _row(rows, WELCOME)
    assert welcome["Dutch"] == "Hallo {name}! Wat wilt u doen?"
    assert welcome["English"] == WELCOME
    assert welcome["reader"] == "parent or pupil" and welcome["reviewed"] == "no"
    assert welcome["where"].startswith("conversations/onboarding.py:")
    assert "Anne-Marie van den Berg" in welcome["example"]  # a realistic name filled in
    assert welcome["current translation"] in _strings(folder, "pl")[WELCOME]
    assert _row(rows, "Stopped. Nothing was sent or saved.")["reader"] == "staff"
    # Polish has three plural forms: one row each, with the counts it is for.
    forms = [_row(rows, MORE_LINES, form) for form in range(3)]
    assert [f["count"] for f in forms] == ["1", "2, 3, 4, 22, …", "0, 5, 6, 7, …"]
    assert [f["English"] for f in forms] == ["… and {n} more line", *["… and {n} more lines"] * 2]
    assert [f["example"] for f in forms] == [
        f["current translation"].replace("{n}", n) for f, n in zip(forms, "125", strict=True)
    ]


def test_a_reviewed_sheet_round_trips(folder: Path, tmp_path: Path) -> None:
    before = _files(folder)
    old = _strings(folder, "nl")
    rows = _sheet(folder, "nl", tmp_path)
    _row(rows, WELCOME)["reviewed"] = "ja"
    _row(rows, EXPIRED)["new translation"] = "Deze uitnodiging werkt niet meer. Vraag de school."
    _row(rows, LANGUAGE)["comment"] = "Kort en goed."
    plural = [_row(rows, MORE_LINES, form) for form in range(2)]
    plural[0]["reviewed"] = plural[1]["reviewed"] = "yes"
    outcome = import_sheet(folder, "nl", _save(rows, tmp_path / "back.csv", "nl"))

    assert not outcome.refused and not outcome.skipped
    assert (outcome.changed, outcome.marked) == (1, 3)
    number = rows.index(_row(rows, LANGUAGE)) + 2  # the header is row 1
    assert outcome.comments == [f"row {number} ({entry_id(LANGUAGE)}): Kort en goed."]
    new = _strings(folder, "nl")
    assert new[EXPIRED] == "Deze uitnodiging werkt niet meer. Vraag de school."
    assert {k: v for k, v in new.items() if k != EXPIRED} == {
        k: v for k, v in old.items() if k != EXPIRED
    }
    states = review_states(folder, "nl")
    reviewed = {k for k, state in states.items() if state is Review.REVIEWED}
    assert reviewed == {WELCOME, EXPIRED, MORE_LINES}
    catalog = read_catalog(catalog_path(folder, "nl"), "nl")
    assert "reviewer: Kort en goed." in catalog[LANGUAGE].user_comments
    assert check_catalogs(folder) == []
    # Only the Dutch catalogue changed.
    after = _files(folder)
    assert [name for name in after if after[name] != before[name]] == ["nl/LC_MESSAGES/messages.po"]
    # The next sheet says what is reviewed now, and reading it back unchanged changes nothing.
    again = _sheet(folder, "nl", tmp_path)
    assert _row(again, WELCOME)["reviewed"] == "yes"
    assert _row(again, LANGUAGE)["comment"] == "Kort en goed."
    written = _files(folder)
    outcome = import_sheet(folder, "nl", _save(again, tmp_path / "same.csv", "nl"))
    assert (outcome.changed, outcome.marked, outcome.unmarked) == (0, 0, 0)
    assert _files(folder) == written
    # Saying no takes a mark back.
    _row(again, WELCOME)["reviewed"] = "nee"
    outcome = import_sheet(folder, "nl", _save(again, tmp_path / "no.csv", "nl"))
    assert (outcome.changed, outcome.marked, outcome.unmarked) == (0, 0, 1)
    assert review_states(folder, "nl")[WELCOME] is Review.NOT_REVIEWED


def test_a_sheet_saved_by_another_program_is_read_too(folder: Path, tmp_path: Path) -> None:
    rows = _sheet(folder, "tr", tmp_path)
    _row(rows, LANGUAGE)["reviewed"] = "Yes"
    saved = _save(rows, tmp_path / "comma.csv", "tr", delimiter=",", bom=False)
    assert not import_sheet(folder, "tr", saved).refused
    assert review_mark(read_catalog(catalog_path(folder, "tr"), "tr")[LANGUAGE]) is not None
    (tmp_path / "ansi.csv").write_bytes("id;Dutch\n\xe9".encode("cp1252"))
    outcome = import_sheet(folder, "tr", tmp_path / "ansi.csv")
    assert outcome.problems == ["the file is not UTF-8: save it as “CSV UTF-8”"]


def test_a_broken_edit_refuses_the_whole_sheet(folder: Path, tmp_path: Path) -> None:
    before = _files(folder)
    rows = _sheet(folder, "pl", tmp_path)
    _row(rows, LANGUAGE)["new translation"] = "🌐 Język polski"  # fine on its own
    _row(rows, WELCOME)["new translation"] = "Cześć {imie}! Co chcesz zrobić?"
    _row(rows, "<b>Group {group}</b>")["new translation"] = "<b>Grupa {group}"
    _row(rows, MORE_LINES, 2)["new translation"] = "… i jeszcze kilka wierszy"
    _row(rows, EXPIRED)["reviewed"] = "maybe"
    outcome = import_sheet(folder, "pl", _save(rows, tmp_path / "broken.csv", "pl"))
    number = {r["id"]: i for i, r in enumerate(rows, start=2)}

    assert outcome.refused
    assert outcome.problems == [
        f"row {number[entry_id(EXPIRED)]} ({entry_id(EXPIRED)}):"
        " reviewed should be yes or no, not 'maybe'"
    ]
    _row(rows, EXPIRED)["reviewed"] = "no"
    outcome = import_sheet(folder, "pl", _save(rows, tmp_path / "broken.csv", "pl"))
    problems = "\n".join(outcome.problems)
    assert len(outcome.problems) == 3, problems
    assert f"row {number[entry_id(WELCOME)]} " in problems and "['imie']" in problems
    assert "HTML tags differ" in problems
    plural_rows = ", ".join(str(number[f"{entry_id(MORE_LINES)}.{form}"]) for form in range(3))
    assert f"rows {plural_rows} " in problems and "placeholders [] should be ['n']" in problems
    assert _files(folder) == before  # nothing changed, not even the fine row


def test_a_row_whose_text_changed_since_the_export_is_left_alone(
    folder: Path, tmp_path: Path
) -> None:
    rows = _sheet(folder, "tr", tmp_path)
    row = _row(rows, LANGUAGE)
    row["current translation"] = "🌐 Dil seçimi"  # edited in the wrong column
    row["reviewed"] = "yes"
    outcome = import_sheet(folder, "tr", _save(rows, tmp_path / "stale.csv", "tr"))
    assert not outcome.refused and outcome.marked == 0
    assert len(outcome.skipped) == 1 and "not the one in the sheet" in outcome.skipped[0]
    assert review_states(folder, "tr")[LANGUAGE] is Review.NOT_REVIEWED


def test_dutch_first_a_translation_counts_once_its_dutch_is_reviewed(
    folder: Path, tmp_path: Path
) -> None:
    rows = _sheet(folder, "tr", tmp_path)
    _row(rows, WELCOME)["reviewed"] = "yes"
    _row(rows, LANGUAGE)["reviewed"] = "yes"
    outcome = import_sheet(folder, "tr", _save(rows, tmp_path / "tr.csv", "tr"))
    assert (outcome.marked, outcome.waiting_for_dutch) == (2, 2)
    assert review_states(folder, "tr")[WELCOME] is Review.WAITS_FOR_DUTCH
    assert report(folder)[3].endswith("; 2 more reviewed, waiting for their Dutch")

    # The Dutch reviewer approves one text as it is and rewrites the other.
    dutch = _sheet(folder, "nl", tmp_path)
    _row(dutch, WELCOME)["reviewed"] = "yes"
    _row(dutch, LANGUAGE)["new translation"] = "🌐 Kies je taal"
    assert not import_sheet(folder, "nl", _save(dutch, tmp_path / "nl.csv", "nl")).refused
    turkish = review_states(folder, "tr")
    assert turkish[WELCOME] is Review.REVIEWED
    # Read against Dutch that is no longer there: the mark is gone.
    assert turkish[LANGUAGE] is Review.NOT_REVIEWED
    assert review_mark(read_catalog(catalog_path(folder, "tr"), "tr")[LANGUAGE]) is None


def test_the_report_shows_reviewed_shares_dutch_first(folder: Path, tmp_path: Path) -> None:
    template = [m for m in read_catalog(folder / "messages.pot") if m.id]
    complete = {m.id for m in template if isinstance(m.id, str)}
    complete = set(sorted(complete)[:40])
    rows = _sheet(folder, "nl", tmp_path)
    for msgid in complete:
        _row(rows, msgid)["reviewed"] = "yes"
    import_sheet(folder, "nl", _save(rows, tmp_path / "nl.csv", "nl"))
    parents = {m.id for m in template if not is_staff_only(m)}
    total = len(template)
    lines = report(folder)
    assert [line.split(":")[0] for line in lines[1:]] == [
        "nl",
        *(code for code in SUPPORTED_LANGUAGES if code != "nl"),
    ]
    share = 100 * len(complete) // total
    assert lines[1] == (
        f"nl: {total}/{total} translated; reviewed {len(complete)}/{total} ({share}%),"
        f" parent texts {len(complete & parents)}/{len(parents)}"
        f" ({100 * len(complete & parents) // len(parents)}%)"
    )
    assert lines[2].startswith(f"en: {total}/{total} translated; reviewed {total}/{total} (100%)")


def test_review_marks_survive_update_and_go_when_the_text_changes(
    folder: Path, tmp_path: Path
) -> None:
    rows = _sheet(folder, "tr", tmp_path)
    for msgid in (WELCOME, EXPIRED, LANGUAGE):
        _row(rows, msgid)["reviewed"] = "yes"
    import_sheet(folder, "tr", _save(rows, tmp_path / "tr.csv", "tr"))
    marked = review_states(folder, "tr")
    update(folder)  # pybabel update, as after every change to the code's texts
    assert review_states(folder, "tr") == marked
    assert review_states(folder, "en") == {k: Review.REVIEWED for k in marked}
    assert check_catalogs(folder) == []

    # A translation changed without a review loses its mark.
    po = catalog_path(folder, "tr")
    catalog = read_catalog(po, "tr")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace(catalog[EXPIRED].string, "Bu davetin süresi doldu.", 1), "utf-8")
    assert review_states(folder, "tr")[EXPIRED] is Review.NOT_REVIEWED
    # The code's text changed: a new entry, without the mark, in every language.
    pot = folder / "messages.pot"
    pot.write_text(pot.read_text("utf-8").replace(f'"{LANGUAGE}"', '"🌐 Languages"'), "utf-8")
    update(folder)
    catalog = read_catalog(po, "tr")
    assert review_mark(catalog[EXPIRED]) is None  # update took the stale mark out
    assert review_mark(catalog[WELCOME]) is not None
    assert review_mark(catalog["🌐 Languages"]) is None
    english = read_catalog(catalog_path(folder, "en"), "en")
    english["🌐 Languages"].string = "🌐 Languages"  # the project writes its English …
    write_catalog(catalog_path(folder, "en"), english)
    update(folder)  # … and update marks it as the code's own
    assert review_states(folder, "en")["🌐 Languages"] is Review.REVIEWED


def test_the_command_exports_and_imports(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr("bot.catalogues.locales_dir", lambda: folder)
    sheet = tmp_path / "uk.csv"
    assert main(["export", "uk", str(sheet)]) == 0
    records = list(csv.reader(io.StringIO(sheet.read_text("utf-8-sig")), delimiter=";"))
    rows = [dict(zip(COLUMNS, cells, strict=True)) for cells in records[1:]]
    _row(rows, LANGUAGE)["reviewed"] = "так"
    assert main(["import", "uk", str(_save(rows, sheet, "uk"))]) == 1
    assert "reviewed should be yes or no, not 'так'" in capsys.readouterr().out
    _row(rows, LANGUAGE)["reviewed"] = "x"
    assert main(["import", "uk", str(_save(rows, sheet, "uk"))]) == 0
    out = capsys.readouterr().out
    assert "uk: 0 texts changed, 1 marked reviewed" in out and "Dutch first" in out
    assert main(["export", "xx", str(sheet)]) == 2
    # The Ukrainian sheet read as Polish: nothing fits, nothing changes.
    assert main(["import", "pl", str(sheet)]) == 1
    assert "row 1: this is the sheet for uk, not pl" in capsys.readouterr().out
