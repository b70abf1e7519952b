"""Roster import: the example school imports cleanly; broken files change nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.rules.roster_sheet import parse_date, parse_guardians, parse_pupils, parse_staff
from tests.places import Place

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def school_db(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    """The school's database, empty, on each backend; `samen` is run in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    return place


def import_examples() -> None:
    for what in ("staff", "pupils", "guardians"):
        assert main(["import", what, str(EXAMPLES / f"{what}.csv")]) == 0


def dump(db: Place) -> dict[str, list[str]]:
    return db.dump(leave_out=("audit_log",))


def test_the_example_school_imports_and_reimports_unchanged(school_db, capsys) -> None:
    import_examples()
    out = capsys.readouterr().out
    assert "staff: 5 created, 0 updated, 0 unchanged" in out
    assert "pupils: 25 created, 0 updated, 0 unchanged" in out
    assert "guardians: 43 created, 0 updated, 0 unchanged" in out
    import_examples()
    out = capsys.readouterr().out
    assert "staff: 0 created, 0 updated, 5 unchanged" in out
    assert "guardians: 0 created, 0 updated, 43 unchanged" in out
    assert school_db.value("SELECT count(DISTINCT guardian_id) FROM guardians") == 41
    assert school_db.value("SELECT count(*) FROM guardian_links WHERE guardian_id = 'G005'") == 2


def test_a_changed_row_is_an_update(school_db, tmp_path, capsys) -> None:
    import_examples()
    capsys.readouterr()
    text = (EXAMPLES / "staff.csv").read_text().replace("Marieke", "Mariëtte")
    changed = tmp_path / "staff.csv"
    changed.write_text(text)
    assert main(["import", "staff", str(changed)]) == 0
    assert "staff: 0 created, 1 updated, 4 unchanged" in capsys.readouterr().out


def _broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


STAFF = (EXAMPLES / "staff.csv").read_text()
PUPILS = (EXAMPLES / "pupils.csv").read_text()
GUARDIANS = (EXAMPLES / "guardians.csv").read_text()

BROKEN = [
    # (file kind, broken text, expected location, expected problem)
    ("staff", _broken(STAFF, "role", "duty"), "staff.csv:1:6", "missing column"),
    ("staff", _broken(STAFF, ",teacher,", ",teach,"), "staff.csv:2:4", "unknown role 'teach'"),
    ("staff", _broken(STAFF, "S002", "S001"), "staff.csv:3:1", "duplicate id 'S001'"),
    ("staff", _broken(STAFF, "S002,Hakan,", "S002,,"), "staff.csv:3:2", "must not be empty"),
    ("pupils", _broken(PUPILS, "2021-03-14", "14-13-2021"), "pupils.csv:2:4", "bad date"),
    ("pupils", _broken(PUPILS, "2021-03-14", "2031-03-14"), "pupils.csv:2:4", "not in the past"),
    ("pupils", _broken(PUPILS, "SO-Zon,pl", "SO-Zon,xx"), "pupils.csv:5:6", "unsupported language"),
    (
        "pupils",
        _broken(PUPILS, "P001,Daan,de Vries", "P001,Daan"),
        "pupils.csv:2:",
        "expected 6 fields",
    ),
    (
        "guardians",
        _broken(
            GUARDIANS,
            "G001,P001,Jeroen,de Vries,father,yes",
            "G001,P001,Jeroen,de Vries,father,ja?",
        ),
        "guardians.csv:2:6",
        "authority must be yes or no",
    ),
    (
        "guardians",
        _broken(GUARDIANS, "father,yes,tr", "uncle,yes,tr"),
        "guardians.csv:",
        "unknown relation 'uncle'",
    ),
    (
        "guardians",
        _broken(GUARDIANS, "G001,P001", "G001,P999"),
        "guardians.csv:2:2",
        "unknown pupil 'P999'",
    ),
    (
        "guardians",
        _broken(GUARDIANS, "G002,P001,Linda", "G001,P001,Linda"),
        "guardians.csv:3:1",
        "duplicate link",
    ),
    (
        "guardians",
        _broken(GUARDIANS, ",nl\n", ",klingon\n"),
        "guardians.csv:",
        "unsupported language",
    ),
]


@pytest.mark.parametrize(("kind", "text", "where", "problem"), BROKEN)
def test_a_broken_file_names_line_and_column_and_changes_nothing(
    school_db, tmp_path, capsys, kind, text, where, problem
) -> None:
    import_examples()
    before = dump(school_db)
    capsys.readouterr()
    broken = tmp_path / f"{kind}.csv"
    broken.write_text(text, encoding="utf-8")
    assert main(["import", kind, str(broken)]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if where in line]
    assert lines and problem in lines[0], err
    assert "nothing was imported" in err
    assert dump(school_db) == before


def test_a_file_that_is_neither_utf8_nor_windows_1252_is_refused(
    school_db, tmp_path, capsys
) -> None:
    broken = tmp_path / "staff.csv"
    # 0x81 is no character in Windows-1252, and with é (0xe9) before it no UTF-8 either.
    broken.write_bytes(STAFF.encode() + b"S006,Ren\xe9\x81,Jansen,teacher,VSO-1\n")
    assert main(["import", "staff", str(broken)]) == 1
    assert "staff.csv:7:1: not UTF-8 or Windows-1252 text" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(school_db, capsys) -> None:
    assert main(["import", "staff", "nowhere.csv"]) == 2
    assert "cannot read nowhere.csv" in capsys.readouterr().err


def test_semicolons_a_bom_and_dutch_dates_are_accepted() -> None:
    data = "\ufeffpupil_id;first_name;last_name;birth_date;group\nP1;Ada;Jansen;03-12-2014;A\n"
    parsed = parse_pupils(data.encode(), "p.csv", date(2026, 11, 30))
    assert not parsed.errors
    assert parsed.records[0].birth_date == date(2014, 12, 3)
    assert parsed.records[0].language == "nl"


def test_extra_columns_are_ignored_and_reported() -> None:
    data = "staff_id,first_name,last_name,role,groups,email\nS1,Ada,Jansen,admin,,a@x.nl\n"
    parsed = parse_staff(data.encode(), "s.csv")
    assert not parsed.errors and parsed.ignored_columns == ("email",)


def test_a_guardian_must_have_one_name_and_language() -> None:
    data = (
        "guardian_id,pupil_id,first_name,last_name,relation,authority,language\n"
        "G1,P1,Ada,Jansen,mother,yes,nl\n"
        "G1,P2,Ada,Jansen,mother,yes,tr\n"
    )
    parsed = parse_guardians(data.encode(), "g.csv", {"P1", "P2"})
    assert [str(e) for e in parsed.errors] == [
        "g.csv:3:1: column 'guardian_id': guardian 'G1' has another name or language on line 2"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-12-03", date(2014, 12, 3)),
        ("03-12-2014", date(2014, 12, 3)),
        ("2014-02-29", None),
        ("29-02-2016", date(2016, 2, 29)),
        ("3/12/2014", None),
        ("", None),
        ("2014-13-01", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_optional_rights_columns_are_imported_and_audited(school_db, tmp_path, capsys) -> None:
    import_examples()
    extended = GUARDIANS.replace(
        "guardian_id,pupil_id,first_name,last_name,relation,authority,language",
        "guardian_id,pupil_id,first_name,last_name,relation,authority,language,"
        "recognised,information_request,restriction,restriction_reason",
    )
    lines = extended.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        if line.startswith("G010,"):
            out.append(line + ",yes,yes,,")
        elif line.startswith("G036,"):
            out.append(line + ",,,refused_by_pupil,Oliver wil dit niet")
        else:
            out.append(line + ",,,,")
    path = tmp_path / "guardians.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    assert main(["import", "guardians", str(path)]) == 0
    assert main(["import", "guardians", str(path)]) == 0  # a second time changes nothing
    requested = school_db.value(
        "SELECT information_requested_at IS NOT NULL FROM guardian_links WHERE guardian_id = 'G010'"
    )
    restriction = school_db.rows(
        "SELECT kind, reason FROM restrictions WHERE guardian_id = 'G036' AND lifted_at IS NULL"
    )
    audited = school_db.value("SELECT count(*) FROM audit_log WHERE action = 'link_facts_imported'")
    assert requested
    assert restriction == [("refused_by_pupil", "Oliver wil dit niet")]
    assert audited == 2
    # The old format still imports and leaves the facts alone.
    assert main(["import", "guardians", str(EXAMPLES / "guardians.csv")]) == 0
    assert school_db.value("SELECT count(*) FROM restrictions WHERE lifted_at IS NULL") == 1


def test_a_restriction_without_a_reason_is_refused(school_db, tmp_path, capsys) -> None:
    import_examples()
    capsys.readouterr()
    text = GUARDIANS.replace("language\n", "language,restriction\n", 1)
    lines = text.splitlines()
    body = [lines[0]] + [
        line + (",withheld" if i == 0 else ",") for i, line in enumerate(lines[1:])
    ]
    path = tmp_path / "guardians.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    assert main(["import", "guardians", str(path)]) == 1
    assert "guardians.csv:2:8: column 'restriction': a restriction needs a restriction_reason" in (
        capsys.readouterr().err
    )


def test_capability_can_come_with_the_pupils_file(school_db, tmp_path) -> None:
    import_examples()
    text = PUPILS.replace("group,language\n", "group,language,capable,capability_reason\n", 1)
    lines = text.splitlines()
    body = [lines[0]] + [
        line + (",no,ernstige verstandelijke beperking" if line.startswith("P012,") else ",,")
        for line in lines[1:]
    ]
    path = tmp_path / "pupils.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    assert main(["import", "pupils", str(path)]) == 0
    assert school_db.rows(
        "SELECT capable, capability_reason FROM pupils WHERE pupil_id = 'P012'"
    ) == [(0, "ernstige verstandelijke beperking")]
