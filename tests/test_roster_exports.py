"""The school's own exports import as they are: ParnasSys-style CSV with Dutch headers, title
rows, Windows-1252 and `;`, and an EDEXML 2.1 file; broken ones are refused whole, every
problem at its real line in the file, and nothing is written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.edexml import parse_edexml
from bot.rules.roster_sheet import detect_roster, parse_date, parse_guardians, parse_pupils
from tests.places import Place

DATA = Path(__file__).resolve().parent / "data"
EDEX = (DATA / "edex.xml").read_text(encoding="utf-8")
TODAY = date(2026, 11, 30)

# As Excel saves a ParnasSys export on a Dutch Windows: title rows, `;`, CRLF, D-M-YYYY.
PUPILS = (
    "Leerlingen SO/VSO De Linde;;;;;;;\r\n"
    "Export ParnasSys 27-11-2026 16:05;;;;;;;\r\n"
    ";;;;;;;\r\n"
    "Leerlingnummer;Roepnaam;Tussenvoegsel;Achternaam;Geboortedatum;Groep;Geslacht;BSN\r\n"
    "1001;Zoë;van den;Berg;9-4-2018;SO-Maan;V;\r\n"
    "1002;Açelya;;Kaya;23-11-2017;SO-Maan;V;\r\n"
    "1003;Kwame;;Osei;14-02-2012;VSO-2;M;\r\n"
    "1004;Bram;de;Wit;2011-06-30;VSO-Arbeid;M;\r\n"
)
STAFF = (
    "Medewerkers De Linde;;;;;\r\n"
    "Medewerkernummer;Roepnaam;Tussenvoegsel;Achternaam;Functie;Groepen\r\n"
    "M01;Annelies;van;Dijk;Leerkracht;SO-Maan\r\n"
    'M02;Youssef;;Bouzid;Groepsleerkracht;"VSO-2, VSO-Arbeid"\r\n'
    "M03;Petra;;Mulder;Intern begeleider;\r\n"
    "M04;Renée;;Bakker;Beheerder;\r\n"
)
# Excel's "CSV UTF-8" (with a BOM: Ayşe has no place in Windows-1252), tab-separated.
GUARDIANS = (
    "\ufeffOuders en verzorgers\n"
    "Verzorgernummer\tLeerlingnummer\tRoepnaam\tVoorvoegsel\tAchternaam\tRelatie\tGezag\tTaal\n"
    "V01\t1001\tJeroen\tvan den\tBerg\tVader\tJa\tNederlands\n"
    "V02\t1001\tLinda\tvan den\tBerg\tMoeder\tja\tnl\n"
    "V03\t1002\tAyşe\t\tKaya\tMoeder\tJa\tTurks\n"
    "V04\t1003\tAma\t\tOsei\tPleegmoeder\tNee\tEngels\n"
)


@pytest.fixture
def school_db(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    """The school's database, empty, on each backend; `samen` is run in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    return place


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def rows(db: Place, sql: str) -> list[tuple[object, ...]]:
    return db.rows(sql)


def dump(db: Place) -> dict[str, list[str]]:
    return db.dump(leave_out=("audit_log",))


def import_dutch_school(tmp_path: Path) -> None:
    assert main(["import", "staff", write(tmp_path, "staff.csv", STAFF.encode("cp1252"))]) == 0
    assert main(["import", "pupils", write(tmp_path, "ll.csv", PUPILS.encode("cp1252"))]) == 0
    assert main(["import", "guardians", write(tmp_path, "v.csv", GUARDIANS.encode())]) == 0


def test_a_parnassys_export_imports_as_excel_saved_it(school_db, tmp_path, capsys) -> None:
    import_dutch_school(tmp_path)
    out = capsys.readouterr().out
    assert "staff: 4 created, 0 updated, 0 unchanged" in out
    assert "pupils: 4 created, 0 updated, 0 unchanged, 0 marked as left" in out
    assert "(ignored columns: Geslacht, BSN)" in out
    assert "guardians: 4 created, 0 updated, 0 unchanged" in out
    assert rows(school_db, "SELECT * FROM pupils ORDER BY pupil_id")[0][:6] == (
        "1001",
        "Zoë",
        "van den Berg",
        "2018-04-09",
        "SO-Maan",
        "nl",
    )
    assert rows(school_db, "SELECT first_name, last_name FROM pupils WHERE pupil_id = '1002'") == [
        ("Açelya", "Kaya")
    ]
    assert rows(school_db, "SELECT staff_id, role FROM staff ORDER BY staff_id") == [
        ("M01", "teacher"),
        ("M02", "teacher"),
        ("M03", "coordinator"),
        ("M04", "admin"),
    ]
    assert rows(
        school_db, "SELECT group_name FROM staff_groups WHERE staff_id = 'M02' ORDER BY group_name"
    ) == [
        ("VSO-2",),
        ("VSO-Arbeid",),
    ]
    assert rows(
        school_db,
        "SELECT g.guardian_id, g.last_name, g.language, l.relation, l.authority"
        " FROM guardians g JOIN guardian_links l USING (guardian_id) ORDER BY g.guardian_id",
    ) == [
        ("V01", "van den Berg", "nl", "father", 1),
        ("V02", "van den Berg", "nl", "mother", 1),
        ("V03", "Kaya", "tr", "mother", 1),
        ("V04", "Osei", "en", "foster_parent", 0),
    ]
    # The same files again change nothing.
    import_dutch_school(tmp_path)
    out = capsys.readouterr().out
    assert "staff: 0 created, 0 updated, 4 unchanged" in out
    assert "pupils: 0 created, 0 updated, 4 unchanged" in out


def test_an_export_without_a_language_keeps_the_recorded_one(school_db, tmp_path) -> None:
    import_dutch_school(tmp_path)
    school_db.change("UPDATE pupils SET language = 'tr' WHERE pupil_id = '1002'")
    assert main(["import", "pupils", write(tmp_path, "ll.csv", PUPILS.encode("cp1252"))]) == 0
    assert rows(school_db, "SELECT language FROM pupils WHERE pupil_id = '1002'") == [("tr",)]


def _changed(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BROKEN_CSV = [
    # (kind, text, the place and problem expected first)
    (
        "pupils",
        _changed(PUPILS, "Geboortedatum;", "Geb. plaats;"),
        "pupils.csv:4:9: missing column birth_date (Geboortedatum)",
    ),
    (
        "pupils",
        _changed(PUPILS, "23-11-2017", "31-02-2017"),
        "pupils.csv:6:5: column 'Geboortedatum': bad date '31-02-2017'",
    ),
    (
        "pupils",
        _changed(PUPILS, "1003;Kwame", "1001;Kwame"),
        "pupils.csv:7:1: column 'Leerlingnummer': duplicate id '1001'; it is also on line 5",
    ),
    (
        "staff",
        _changed(STAFF, "Beheerder", "Conciërge"),
        "staff.csv:6:5: column 'Functie': unknown role 'Conciërge'",
    ),
    (
        "staff",
        _changed(STAFF, "M02;", "M01;"),
        "staff.csv:4:1: column 'Medewerkernummer': duplicate id 'M01'",
    ),
    (
        "guardians",
        _changed(GUARDIANS, "Vader\tJa", "Oom\tJa"),
        "guardians.csv:3:6: column 'Relatie': unknown relation 'Oom'",
    ),
    (
        "guardians",
        _changed(GUARDIANS, "Pleegmoeder\tNee", "Pleegmoeder\tSoms"),
        "guardians.csv:6:7: column 'Gezag': authority must be yes or no, not 'Soms'",
    ),
    (
        "guardians",
        _changed(GUARDIANS, "\tGezag", "\tOuderlijke macht"),
        "guardians.csv:2:9: missing column authority (Gezag)",
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected"), BROKEN_CSV)
def test_a_broken_export_is_refused_whole_at_its_real_line(
    school_db, tmp_path, capsys, kind, text, expected
) -> None:
    import_dutch_school(tmp_path)
    before = dump(school_db)
    capsys.readouterr()
    encoding = "utf-8" if kind == "guardians" else "cp1252"
    assert main(["import", kind, write(tmp_path, f"{kind}.csv", text.encode(encoding))]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.endswith(expected) or expected in first, err
    assert "nothing was imported" in err
    assert dump(school_db) == before


def test_comma_separated_with_dutch_headers_in_another_spelling() -> None:
    data = (
        "LEERLING-NUMMER,roep_naam,Voor voegsel,ACHTERNAAM,geboorte datum,stam groep,taal\n"
        "7,Zoë,de,Jong,01-02-2015,SO-Maan,Pools\n"
    ).encode()
    parsed = parse_pupils(data, "p.csv", TODAY)
    assert not parsed.errors
    pupil = parsed.records[0]
    assert (pupil.last_name, pupil.group, pupil.language) == ("de Jong", "SO-Maan", "pl")


def test_an_empty_column_on_the_right_and_excel_padding_are_no_problem() -> None:
    data = "Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep;;\n7;Ada;Jong;2015-02-01;A;;\n"
    parsed = parse_guardians(b"", "g.csv", set())
    assert parsed.errors  # an empty file
    pupils = parse_pupils(data.encode(), "p.csv", TODAY)
    assert not pupils.errors and pupils.records[0].pupil_id == "7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9-4-2018", date(2018, 4, 9)),
        ("09-04-2018", date(2018, 4, 9)),
        ("2018-4-9", date(2018, 4, 9)),
    ],
)
def test_dutch_dates_as_excel_writes_them(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_which_roster_a_file_is() -> None:
    assert detect_roster(PUPILS.encode("cp1252")) == "pupils"
    assert detect_roster(STAFF.encode("cp1252")) == "staff"
    assert detect_roster(GUARDIANS.encode()) == "guardians"
    assert detect_roster(EDEX.encode()) == "edexml"
    assert detect_roster(b"Naam;Adres\nJansen;Dorpsstraat 1\n") is None
    assert detect_roster(b"") is None


# --- EDEXML ----------------------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def test_an_edex_file_imports_groups_pupils_and_teachers(school_db, tmp_path, capsys) -> None:
    path = write(tmp_path, "edex.xml", EDEX.encode())
    assert main(["import", "edexml", path]) == 0
    out = capsys.readouterr().out
    assert "groups: 3 (SO-Maan, VSO-2, VSO-Arbeid)" in out
    assert "staff: 3 created, 0 updated, 0 unchanged, 2 skipped (new, without a group)" in out
    assert (
        "pupils: 4 created, 0 updated, 0 unchanged, 0 marked as left,"
        " 2 skipped (left before they were in Samen)"
    ) in out
    assert rows(
        school_db,
        "SELECT pupil_id, first_name, last_name, group_name FROM pupils ORDER BY pupil_id",
    ) == [
        ("40211", "Zoë", "van den Berg", "SO-Maan"),
        ("40212", "Açelya", "Kaya", "SO-Maan"),
        ("40213", "Kwame", "Osei", "VSO-2"),
        ("40214", "Bram", "de Wit", "VSO-Arbeid"),  # leaves in 2031: at school until then
    ]
    assert rows(school_db, "SELECT count(*) FROM pupils WHERE left_on IS NOT NULL") == [(0,)]
    # Each teacher with their groups, joined in Python: the order inside group_concat (and
    # PostgreSQL's string_agg) is not defined.
    teachers: dict[tuple[object, ...], list[str]] = {}
    for *person, group in rows(
        school_db,
        "SELECT s.staff_id, s.first_name, s.last_name, s.role, g.group_name"
        " FROM staff s JOIN staff_groups g USING (staff_id) ORDER BY s.staff_id, g.group_name",
    ):
        teachers.setdefault(tuple(person), []).append(str(group))
    assert [(*person, "|".join(groups)) for person, groups in teachers.items()] == [
        ("LK07", "Annelies", "van Dijk", "teacher", "SO-Maan"),
        ("LK08", "Youssef", "Bouzid", "teacher", "VSO-2|VSO-Arbeid"),
        # An intern (STA) in SO-Maan: only the group he teaches.
        ("LK09", "J.W.", "Smit", "teacher", "VSO-Arbeid"),
    ]
    assert main(["import", "edexml", path]) == 0
    out = capsys.readouterr().out
    assert "staff: 0 created, 0 updated, 3 unchanged" in out
    assert "pupils: 0 created, 0 updated, 4 unchanged, 0 marked as left" in out
    audit = rows(
        school_db,
        "SELECT actor_kind, details FROM audit_log WHERE action = 'import_edexml' ORDER BY id",
    )
    details = json.loads(str(audit[0][1]))
    assert details["groups"] == 3 and details["pupils_created"] == 4
    assert "Zoë" not in str(audit) and "Berg" not in str(audit)


def test_a_pupil_who_leaves_gets_the_leaving_date_of_the_file(school_db, tmp_path, capsys) -> None:
    before_summer = EDEX.replace("\t\t\t<uitstroomdatum>2026-07-17</uitstroomdatum>\n", "")
    assert main(["import", "edexml", write(tmp_path, "a.xml", before_summer.encode())]) == 0
    assert "pupils: 5 created" in capsys.readouterr().out
    assert main(["import", "edexml", write(tmp_path, "b.xml", EDEX.encode())]) == 0
    assert "0 created, 0 updated, 5 unchanged, 1 marked as left" in capsys.readouterr().out
    assert rows(school_db, "SELECT pupil_id, left_on FROM pupils WHERE left_on IS NOT NULL") == [
        ("40215", "2026-07-17")
    ]


def test_a_coordinator_in_the_edex_file_stays_coordinator(school_db, tmp_path) -> None:
    staff = "staff_id,first_name,last_name,role,groups\nLK10,Petra,Mulder,coordinator,\n"
    assert main(["import", "staff", write(tmp_path, "s.csv", staff.encode())]) == 0
    assert main(["import", "edexml", write(tmp_path, "e.xml", EDEX.encode())]) == 0
    assert rows(school_db, "SELECT role FROM staff WHERE staff_id = 'LK10'") == [("coordinator",)]


def _without(text: str, old: str) -> str:
    assert old in text, old
    return text.replace(old, "", 1)


BROKEN_EDEX = [
    (
        _without(EDEX, "\t\t\t<geboortedatum>2017-11-23</geboortedatum>\n"),
        '<leerling key="40212">',
        "a <leerling> needs a <geboortedatum>",
    ),
    (
        EDEX.replace("2012-02-14", "2012-02-30"),
        "<geboortedatum>2012-02-30",
        "bad date '2012-02-30' in <geboortedatum>",
    ),
    (
        EDEX.replace('<groep key="1502"/>', '<groep key="1599"/>'),
        '<groep key="1599"/>',
        "unknown group key '1599'",
    ),
    (
        EDEX.replace('<leerling key="40213">', '<leerling key="40211">'),
        '<leerling key="40211">\n\t\t\t<achternaam>Osei',
        "duplicate key '40211' of a <leerling>",
    ),
    (
        _without(EDEX, "\t\t\t<achternaam>Bouzid</achternaam>\n"),
        '<leerkracht key="LK08">',
        "a <leerkracht> needs a <achternaam>",
    ),
    (
        EDEX.replace("</leerlingen>", "</leerling>", 1),
        "</leerling>\n\t<leerkrachten>",
        "not readable XML",
    ),
]


@pytest.mark.parametrize(("text", "at", "problem"), BROKEN_EDEX)
def test_a_broken_edex_file_is_refused_whole_at_its_line(
    school_db, tmp_path, capsys, text, at, problem
) -> None:
    import_dutch_school(tmp_path)
    before = dump(school_db)
    capsys.readouterr()
    assert main(["import", "edexml", write(tmp_path, "edex.xml", text.encode())]) == 1
    err = capsys.readouterr().err
    expected = f"edex.xml:{line_of(text, at)}:"
    assert any(expected in line and problem in line for line in err.splitlines()), err
    assert "nothing was imported" in err
    assert dump(school_db) == before


def test_entities_are_never_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE EDEX [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<EDEX><school/>&b;</EDEX>\n'
    )
    roster = parse_edexml(bomb.encode(), "bomb.xml", TODAY)
    assert [e.problem for e in roster.errors] == [
        "the file declares a DTD or entities; Samen does not read those"
    ]


def test_an_edex_file_in_windows_1252_is_read() -> None:
    text = EDEX.replace('encoding="UTF-8"', 'encoding="windows-1252"')
    roster = parse_edexml(text.encode("cp1252"), "edex.xml", TODAY)
    assert not roster.errors
    assert [p.first_name for p in roster.pupils][:2] == ["Zoë", "Açelya"]


def test_a_file_that_is_not_edex_says_so() -> None:
    roster = parse_edexml(b"<?xml version='1.0'?>\n<html><body/></html>", "x.xml", TODAY)
    assert [str(e) for e in roster.errors] == ["x.xml:2:1: the file starts with <html>, not <EDEX>"]
