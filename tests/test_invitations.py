"""Invitation codes: strength, single use, replacement, pupils from 12, and throttling."""

from __future__ import annotations

import csv
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.rules.models import age_on
from bot.services.invitations import as_typed, blocked_until, hash_code, new_code
from tests.places import Place

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(*minutes: int) -> list[datetime]:
    return [T0 + m * MIN for m in minutes]


@pytest.mark.parametrize(
    ("failures", "now", "expected"),
    [
        (at(), T0, None),
        (at(0, 1, 2, 3), T0 + 4 * MIN, None),  # four failures: not yet
        (at(0, 1, 2, 3, 4), T0 + 5 * MIN, T0 + 64 * MIN),  # fifth: an hour from then
        (at(0, 1, 2, 3, 4), T0 + 64 * MIN, None),  # the hour is over
        (at(0, 20, 40, 59, 60), T0 + 61 * MIN, T0 + 120 * MIN),  # all five within an hour
        (at(0, 20, 40, 59, 61), T0 + 62 * MIN, None),  # spread over more than an hour
        (at(0, 1, 2, 3, 4, 30, 31, 32, 33, 34), T0 + 70 * MIN, T0 + 94 * MIN),  # later block wins
    ],
)
def test_blocked_until(failures, now, expected) -> None:
    assert blocked_until(failures, now) == expected


def test_codes_have_at_least_96_random_bits_and_fit_a_start_parameter() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        # 20 characters of 32 = 100 bits; no I, L, O or U to misread on paper.
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{20}", code)
    assert {c for code in codes for c in code} == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert hash_code("abc") != hash_code("abd") and len(hash_code("abc")) == 64


@pytest.mark.parametrize(
    ("typed", "made"),
    [("7kqo1lxz", "7KQ011XZ"), ("7KQ0IIXZ", "7KQ011XZ"), ("ABCD", "ABCD")],
)
def test_a_code_copied_by_hand_is_read_as_it_was_made(typed: str, made: str) -> None:
    assert as_typed(typed) == made


@pytest.fixture
def school(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example school in `place` (on each backend); `samen` runs in the folder returned."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    (tmp_path / "samen.toml").write_text(
        '[school]\nname = "De Brug"\nbot_username = "debrug_bot"\n'
    )
    examples = Path(__file__).resolve().parent.parent / "examples"
    for what in ("staff", "pupils", "guardians"):
        assert main(["import", what, str(examples / f"{what}.csv")]) == 0
    return tmp_path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_invites_csv_lists_everyone_not_linked_with_a_deep_link(
    school: Path, place: Place, capsys
) -> None:
    assert main(["invites", "--csv", "invites.csv"]) == 0
    # The CLI runs on the real clock, so which pupils are 12 or over is worked out the same way.
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    pupils = read_rows(Path(__file__).resolve().parent.parent / "examples" / "pupils.csv")
    twelve_plus = {
        p["pupil_id"] for p in pupils if age_on(date.fromisoformat(p["birth_date"]), today) >= 12
    }
    assert f"Wrote {46 + len(twelve_plus)} invitations" in capsys.readouterr().out
    rows = read_rows(school / "invites.csv")
    assert list(rows[0]) == ["kind", "person_id", "name", "pupil_id", "language", "code", "link"]
    kinds = [r["kind"] for r in rows]
    assert (kinds.count("staff"), kinds.count("guardian")) == (5, 41)
    assert {r["person_id"] for r in rows if r["kind"] == "pupil"} == twelve_plus
    assert "P001" not in twelve_plus and "P025" in twelve_plus
    mohamed = next(r for r in rows if r["person_id"] == "G005")
    assert mohamed["pupil_id"] == "P003|P010" and mohamed["language"] == "ar"
    assert mohamed["link"] == f"https://t.me/debrug_bot?start={mohamed['code']}"
    assert oct(os.stat(school / "invites.csv").st_mode & 0o777) == "0o600"
    stored = {h for (h,) in place.rows("SELECT code_hash FROM invitations")}
    assert hash_code(mohamed["code"]) in stored
    # Only the hash is kept: the code itself is nowhere in the SQLite file's bytes, or on a
    # server (whose files a test cannot read) in no row of any table.
    if isinstance(place.location, Path):
        assert mohamed["code"] not in place.location.read_bytes().decode("latin-1")
    else:
        assert mohamed["code"] not in repr(place.dump())


def test_issuing_again_replaces_older_unused_codes(school: Path, place: Place) -> None:
    assert main(["invites", "--csv", "first.csv"]) == 0
    assert main(["invites", "--csv", "second.csv"]) == 0
    first = {r["person_id"]: r["code"] for r in read_rows(school / "first.csv")}
    second = {r["person_id"]: r["code"] for r in read_rows(school / "second.csv")}
    assert first.keys() == second.keys() and all(first[k] != second[k] for k in first)
    revoked = place.value("SELECT count(*) FROM invitations WHERE revoked_at IS NOT NULL")
    assert revoked == len(first)


def test_invites_without_a_known_bot_name_say_what_to_do(school: Path, capsys) -> None:
    (school / "samen.toml").write_text('[school]\nname = "De Brug"\n')
    assert main(["invites", "--csv", "x.csv"]) == 2
    assert "bot_username" in capsys.readouterr().err
    assert not (school / "x.csv").exists()


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2014, 12, 1), date(2026, 11, 30), 11),  # the day before the 12th birthday
        (date(2014, 12, 1), date(2026, 12, 1), 12),  # on the birthday
        (date(2012, 2, 29), date(2024, 2, 28), 11),
        (date(2012, 2, 29), date(2024, 2, 29), 12),
        (date(2012, 2, 29), date(2025, 2, 28), 12),
        (date(2012, 2, 29), date(2025, 3, 1), 13),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age
