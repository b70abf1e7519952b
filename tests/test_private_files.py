"""Every file Samen writes with families' data is its owner's alone (0600), whatever the umask;
`samen check` warns about a database that others may read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.platform.backup_crypto import new_backup_key
from bot.storage import Database
from tests.places import Place

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most systems: new files readable by everyone unless made otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.fixture
def school(
    place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, usual_umask: None
) -> Path:
    """The example school (on each backend); `samen` runs in the returned folder."""
    config = tmp_path / "samen.toml"
    recipient = new_backup_key(datetime.now(UTC)).recipient
    config.write_text(
        '[school]\nname = "De Brug"\nbot_username = "debrug_samen_bot"\n'
        f'[backup]\nrecipients = ["{recipient}"]\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMEN_CONFIG", str(config))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for what in ("staff", "pupils", "guardians"):
        assert main(["import", what, str(EXAMPLES / f"{what}.csv")]) == 0
    return tmp_path


@pytest.mark.sqlite_only  # SQLite's files
async def test_the_database_and_its_wal_and_shm_are_the_owners_only(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "samen.db"
    db = await Database.open(path)
    try:
        async with db.transaction() as tx:
            await tx.set_meta("bot_username", "debrug_samen_bot")
        files = [path, tmp_path / "samen.db-wal", tmp_path / "samen.db-shm"]
        assert [mode(f) for f in files] == ["0o600"] * 3
    finally:
        await db.close()


def test_backups_and_exports_are_the_owners_only(school: Path, place: Place) -> None:
    if not place.on_server:
        assert mode(school / "school.db") == "0o600"
    # A backup over an older copy that others could read: the new one is private.
    (school / "backup.db").write_bytes(b"")
    os.chmod(school / "backup.db", 0o644)
    commands = [
        ["backup", "backup.db"],
        ["backup", "--unencrypted", "second-backup.db"],
        ["backup-key", "backup-key.txt"],
        ["invites", "--csv", "invites.csv", "--letters", "letters.pdf"],
        ["export", "pupil", "P003", "--pdf", "pupil.pdf", "--json", "pupil.json"],
        ["export", "copy", "G001", "--pdf", "copy.pdf"],
        ["audit", "P003", "--csv", "audit.csv"],
    ]
    for command in commands:
        assert main(command) == 0, command
    written = [
        "backup.db",
        "second-backup.db",
        "backup-key.txt",
        "invites.csv",
        "letters.pdf",
        "pupil.pdf",
        "pupil.json",
        "copy.pdf",
        "audit.csv",
    ]
    assert {name: mode(school / name) for name in written} == dict.fromkeys(written, "0o600")
    # Nothing else was left behind: no half-written copy, no temporary file.
    left = {p.name for p in school.iterdir()} - set(written)
    assert left <= {"school.db", "school.db-wal", "school.db-shm", "samen.toml"}


@pytest.mark.sqlite_only  # the mode of SQLite's file
def test_check_warns_about_a_database_others_can_read(
    school: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = school / "school.db"
    os.chmod(database, 0o644)
    capsys.readouterr()
    # No token is the one problem: the warning is a warning, Samen works.
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert (
        f"database file: WARNING, other users of this machine can read {database} (mode 644);"
        f" make it private: chmod 600 {database}\n"
    ) in out
    assert out.strip().endswith("1 problem")

    os.chmod(database, 0o600)
    assert main(["check"]) == 1
    assert "WARNING" not in capsys.readouterr().out
