"""The secret apart from the data: the pseudonymisation key lives in a file of its own, owner-only,
never in the database or a backup (their bytes are searched for it); a database from before
gives its key up with its pseudonyms unchanged; a missing or another key is refused, never
replaced. Backups are encrypted to the school's public key: not readable as SQLite, restored
with the private key, refused with another key in one sentence."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.platform.backup_crypto import (
    AGE_HEADER,
    EXAMPLE_RECIPIENT,
    decrypt_file,
    new_backup_key,
)
from bot.platform.config import ConfigError, load_settings
from bot.services.backups import back_up_into
from bot.services.pseudonym_key import (
    KEY_ID,
    LEGACY_KEY,
    PseudonymKeyProblem,
    key_id,
    prepare_key,
    read_key_file,
)
from bot.services.retention import apply_purge, pseudonym
from bot.storage import Database, NotADatabase, ServerDatabase, inspect_database_file
from bot.storage.meta import MetaQueries
from bot.storage.postgres import DUMP_MAGIC, dump_database
from scheduler import daily_work
from tests.harness import AMSTERDAM, Harness
from tests.places import Place, backend_of, place_on, run_now
from tests.postgresql import BACKENDS
from tests.test_retention import A, B, build

NOW = datetime.now(UTC)
TODAY = NOW.astimezone(AMSTERDAM).date()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most systems: new files readable by everyone unless made otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@dataclass(frozen=True)
class School:
    folder: Path  # where `samen` runs, with samen.toml and the backups
    place: Place  # the database: an SQLite file in `folder`, or a database on the server
    key: Path  # where the pseudonymisation key goes: beside an SQLite file, or SAMEN_KEY_FILE
    identity: Path  # the school's private backup key, kept apart (here: another folder)

    @property
    def name(self) -> str:
        """How Samen's messages name the database."""
        return self.place.settings.database_name

    def readable(self, copy: Path) -> bytes:
        """What a copy of the database holds, decrypted (with the school's private key) and,
        for pg_dump's compressed format, as the SQL it restores."""
        data = copy.read_bytes()
        if data.startswith(AGE_HEADER):
            plain = copy.with_name(copy.name + ".opened")
            plain.write_bytes(b"")
            decrypt_file(copy, plain, self.identity)
            try:
                data = plain.read_bytes()
            finally:
                plain.unlink()
        return as_sql(data) if data.startswith(DUMP_MAGIC) else data


@pytest.fixture(params=BACKENDS)
def school(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    usual_umask: None,
) -> Iterator[School]:
    """A database in which A left three years ago (due for everything), B a year ago; the
    public backup key in samen.toml, the private one elsewhere."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("SAMEN_CONFIG", "SAMEN_KEY_FILE", "CREDENTIALS_DIRECTORY", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with place_on(backend_of(request), folder, monkeypatch) as place:
        run_now(build(place.location, TODAY, NOW))
        backup_key = new_backup_key(NOW)
        kept = tmp_path / "kept-by-the-school"
        kept.mkdir()
        identity = kept / "backup-key.txt"
        identity.write_text(backup_key.identity_file)
        (folder / "samen.toml").write_text(f'[backup]\nrecipients = ["{backup_key.recipient}"]\n')
        monkeypatch.chdir(folder)
        yield School(folder, place, place.settings.pseudonym_key_file, identity)


def stored(place: Place, tmp_path: Path) -> bytes:
    """The database as it is stored: the file with its -wal and -shm as they lie on the disk,
    or on a server everything a dump of it holds."""
    location = place.location
    if isinstance(location, ServerDatabase):
        dump = tmp_path / "stored.dump"
        dump_database(location, dump)
        try:
            return as_sql(dump.read_bytes())
        finally:
            dump.unlink()
    files = (location, Path(f"{location}-wal"), Path(f"{location}-shm"))
    return b"".join(path.read_bytes() for path in files if path.exists())


def holds(data: bytes, key: bytes) -> bool:
    """Whether the key is in `data`, as the hex text the meta table kept or as raw bytes."""
    return key in data or key.hex().encode() in data.lower()


def meta(place: Place, key: str) -> str | None:
    rows = place.rows("SELECT value FROM meta WHERE key = ?", (key,))
    return None if not rows else str(rows[0][0])


def file_meta(db: Path, key: str) -> str | None:
    """A meta value of an SQLite file that is no school's database (a copy, or one replaced)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def everything_but_meta(place: Place) -> dict[str, list[str]]:
    """Every row but the meta table's: pseudonyms, audit trail, answers."""
    return place.dump(leave_out=("meta",))


def pseudonyms(place: Place) -> set[str]:
    rows = place.rows(
        "SELECT pupil_id FROM audit_log WHERE substr(pupil_id, 1, 5) = 'anon:'"
        " UNION SELECT person_id FROM answers WHERE substr(person_id, 1, 5) = 'anon:'"
    )
    return {str(r[0]) for r in rows}


# --- the key is apart from the data ----------------------------------------------------------


def test_after_a_purge_neither_the_database_nor_any_backup_holds_the_key(school: School) -> None:
    assert main(["purge", "--apply"]) == 0
    key = read_key_file(school.key)
    assert key is not None and mode(school.key) == 0o600
    # The key in the file is the one the pseudonyms were made with.
    assert pseudonym(key, "pupil", A) in pseudonyms(school.place)
    assert meta(school.place, KEY_ID) == key_id(key) and meta(school.place, LEGACY_KEY) is None
    assert not holds(stored(school.place, school.folder), key)

    assert main(["backup", "one.db.age"]) == 0
    assert main(["backup", "--keep", "3", "nightly"]) == 0
    assert main(["backup", "--unencrypted", "plain.db"]) == 0
    encrypted = [school.folder / "one.db.age", *(school.folder / "nightly").iterdir()]
    for backup in encrypted:
        assert not holds(backup.read_bytes(), key)
        assert not holds(school.readable(backup), key)  # not even inside
    plain = school.folder / "plain.db"
    assert not holds(plain.read_bytes(), key) and not holds(school.readable(plain), key)


def to_a_database_from_before(school: School) -> bytes:
    """The database as an earlier Samen left it after a purge: the key in the meta table, no
    key file. Made by purging with this Samen and putting the key where that one kept it."""
    assert main(["purge", "--apply"]) == 0
    key = read_key_file(school.key)
    assert key is not None

    school.place.change("DELETE FROM meta WHERE key = ?", (KEY_ID,))
    school.place.change("INSERT INTO meta (key, value) VALUES (?, ?)", (LEGACY_KEY, key.hex()))
    school.key.unlink()
    assert holds(stored(school.place, school.folder), key)  # so the checks after it can fail
    return key


def test_a_database_from_before_gives_up_its_key_and_keeps_its_pseudonyms(
    school: School,
) -> None:
    key = to_a_database_from_before(school)
    before = everything_but_meta(school.place)
    made_before = pseudonyms(school.place)
    assert pseudonym(key, "pupil", A) in made_before

    # The first command of this Samen that copies the database moves the key out first.
    assert main(["backup", "first.db.age"]) == 0
    assert read_key_file(school.key) == key and mode(school.key) == 0o600
    assert meta(school.place, LEGACY_KEY) is None
    assert meta(school.place, KEY_ID) == key_id(key)
    assert not holds(stored(school.place, school.folder), key)
    assert not holds(school.readable(school.folder / "first.db.age"), key)
    # Nothing else changed: the same pseudonyms, the same trail.
    assert everything_but_meta(school.place) == before

    # Two years on B's turn comes: B gets a pseudonym from the same key, A keeps theirs.
    async def later() -> None:
        db = await school.place.open()
        try:
            await apply_purge(db, school.place.settings, TODAY + timedelta(days=731), NOW)
        finally:
            await db.close()

    asyncio.run(later())
    after = pseudonyms(school.place)
    assert made_before < after and pseudonym(key, "pupil", B) in after


async def test_a_crash_while_the_key_moves_out_loses_nothing(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await asyncio.to_thread(to_a_database_from_before, school)

    async def crash(self: MetaQueries, name: str) -> None:
        raise RuntimeError("the power went out")

    # The file is written and on the disk before the database lets go of the key.
    monkeypatch.setattr(MetaQueries, "delete_meta", crash)
    db = await school.place.open()
    try:
        with pytest.raises(RuntimeError):
            await prepare_key(db, school.key)
    finally:
        await db.close()
    assert read_key_file(school.key) == key
    assert await asyncio.to_thread(meta, school.place, LEGACY_KEY) == key.hex()
    monkeypatch.undo()

    # The next start finishes the move.
    db = await school.place.open()
    try:
        await prepare_key(db, school.key)
    finally:
        await db.close()
    assert read_key_file(school.key) == key
    assert await asyncio.to_thread(meta, school.place, LEGACY_KEY) is None
    assert not holds(await asyncio.to_thread(stored, school.place, school.folder), key)


async def test_a_database_with_its_own_key_beside_another_key_file_is_refused(
    school: School,
) -> None:
    key = await asyncio.to_thread(to_a_database_from_before, school)
    other = os.urandom(32)
    school.key.write_text(other.hex() + "\n")
    db = await school.place.open()
    try:
        with pytest.raises(PseudonymKeyProblem, match="still holds its own pseudonymisation key"):
            await prepare_key(db, school.key)
    finally:
        await db.close()
    # Neither key is lost.
    assert await asyncio.to_thread(meta, school.place, LEGACY_KEY) == key.hex()
    assert read_key_file(school.key) == other


def test_a_missing_key_is_refused_and_never_replaced(
    school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["purge", "--apply"]) == 0
    key = read_key_file(school.key)
    assert key is not None
    school.key.unlink()
    capsys.readouterr()

    assert main(["purge", "--apply"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == (
        f"samen: nothing was purged: the pseudonymisation key {school.key} is missing, and"
        f" {school.name} holds pseudonyms made with it (key {key_id(key)}): put the school's copy"
        " of that key back there, or point SAMEN_KEY_FILE to it; a new key would give pupils"
        " pseudonyms that do not match their earlier ones."
    )
    assert not school.key.exists()

    # samen run does not start (before it contacts Telegram), and makes no key either.
    os.environ["TELEGRAM_BOT_TOKEN"] = "123:never-used"
    try:
        assert main(["run"]) == 1
    finally:
        del os.environ["TELEGRAM_BOT_TOKEN"]
    err = capsys.readouterr().err
    assert f"the pseudonymisation key {school.key} is missing" in err
    assert "samen pseudonym-key --replace-lost" in err
    assert not school.key.exists()

    assert main(["check"]) == 1
    assert f"pseudonymisation key: FAILED, the pseudonymisation key {school.key} is missing" in (
        capsys.readouterr().out
    )

    # The school's copy back in its place: everything works again, with the same key.
    school.key.write_text(f"# the school's copy\n{key.hex()}\n")
    assert main(["pseudonym-key"]) == 0
    assert f"pseudonymisation key: {school.key}; key {key_id(key)}" in capsys.readouterr().out


def test_another_key_is_refused_and_a_lost_one_replaced_only_when_asked(
    school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["purge", "--apply"]) == 0
    key = read_key_file(school.key)
    assert key is not None
    other = os.urandom(32)
    school.key.unlink()
    school.key.write_text(other.hex() + "\n")
    capsys.readouterr()

    assert main(["purge", "--apply"]) == 1
    assert (
        f"{school.key} holds pseudonymisation key {key_id(other)}, but the pseudonyms in"
        f" {school.name} were made with key {key_id(key)}"
    ) in capsys.readouterr().err
    assert read_key_file(school.key) == other  # never overwritten

    assert main(["pseudonym-key", "--replace-lost"]) == 1
    assert "move it aside first" in capsys.readouterr().err
    school.key.unlink()
    assert main(["pseudonym-key", "--replace-lost"]) == 0
    new = read_key_file(school.key)
    assert new is not None and new not in (key, other) and mode(school.key) == 0o600
    replaced = school.place.rows(
        "SELECT details FROM audit_log WHERE action = 'pseudonym_key_replaced'"
    )
    assert len(replaced) == 1 and key_id(key) in replaced[0][0]
    assert main(["purge", "--apply"]) == 0


async def test_samen_run_makes_the_key_on_the_first_day_and_the_school_can_keep_it(
    place: Place, tmp_path: Path, usual_umask: None
) -> None:
    db = await place.open()
    key_file = tmp_path / "keys" / "samen.key"
    key_file.parent.mkdir()
    try:
        await prepare_key(db, key_file)
        key = read_key_file(key_file)
        assert key is not None and len(key) == 32 and mode(key_file) == 0o600
        assert "Keep a copy where the school keeps its keys" in key_file.read_text()
        await prepare_key(db, key_file)  # the next start keeps it
        assert read_key_file(key_file) == key
        async with db.reading() as tx:
            assert await tx.get_meta(KEY_ID) is None  # no pseudonym made with it yet
        # Lost before any pseudonym was made: nothing depends on it, a new one is fine.
        key_file.unlink()
        await prepare_key(db, key_file)
        assert read_key_file(key_file) not in (None, key)
    finally:
        await db.close()
    assert not holds(await asyncio.to_thread(stored, place, tmp_path), key)


def test_where_the_key_is_kept(tmp_path: Path) -> None:
    assert load_settings({"SAMEN_DB": "/srv/samen/samen.db"}).pseudonym_key_file == Path(
        "/srv/samen/samen.key"
    )
    assert load_settings({"SAMEN_KEY_FILE": "/etc/samen/key"}).pseudonym_key_file == Path(
        "/etc/samen/key"
    )
    # systemd's LoadCredential=samen.key:/etc/samen/samen.key
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    assert load_settings({"CREDENTIALS_DIRECTORY": str(credentials)}).key_file is None
    (credentials / "samen.key").write_text(os.urandom(32).hex())
    settings = load_settings({"CREDENTIALS_DIRECTORY": str(credentials)})
    assert settings.pseudonym_key_file == credentials / "samen.key"
    both = {"CREDENTIALS_DIRECTORY": str(credentials), "SAMEN_KEY_FILE": "/etc/samen/key"}
    assert load_settings(both).pseudonym_key_file == Path("/etc/samen/key")


# --- backups are encrypted -------------------------------------------------------------------


def test_a_backup_is_no_database_without_the_key_and_restores_with_it(
    school: School, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "backup.db.age"]) == 0
    backup = school.folder / "backup.db.age"
    assert mode(backup) == 0o600
    assert backup.read_bytes().startswith(AGE_HEADER)
    with pytest.raises(NotADatabase):
        inspect_database_file(backup)
    with sqlite3.connect(backup) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM meta").fetchall()
    assert b"Annabel" not in backup.read_bytes()

    school.place.change("INSERT INTO meta (key, value) VALUES ('after_the_backup', 'yes')")
    capsys.readouterr()

    # Without the key, or with another: refused in one sentence, the database as it was.
    assert main(["restore", str(backup)]) == 1
    assert capsys.readouterr().err == (
        f"samen: not restored: {backup} is encrypted: give the school's backup key with"
        " --identity FILE.\n"
    )
    other = tmp_path / "another-key.txt"
    other.write_text(new_backup_key(NOW).identity_file)
    assert main(["restore", str(backup), "--identity", str(other)]) == 1
    assert capsys.readouterr().err == (
        f"samen: not restored: {backup} was not encrypted to the backup key in {other}; use the"
        " key whose public key was under [backup] recipients when it was made.\n"
    )
    public = tmp_path / "public.txt"
    public.write_text("age1skwkuv35rjushqkpf98almu3hyrs6nx5q6vcv9yu05me64u7nvvsu69gw9\n")
    assert main(["restore", str(backup), "--identity", str(public)]) == 1
    assert "holds no backup key" in capsys.readouterr().err
    cut = school.folder / "cut.db.age"
    cut.write_bytes(backup.read_bytes()[: len(backup.read_bytes()) // 2])
    assert main(["restore", str(cut), "--identity", str(school.identity)]) == 1
    assert "is damaged or cut short" in capsys.readouterr().err
    assert meta(school.place, "after_the_backup") == "yes"

    # With the school's key: restored, and what it replaced kept (on SQLite the file, its
    # integrity checked; on a server the school's schema, under another name).
    assert main(["restore", str(backup), "--identity", str(school.identity)]) == 0
    out = capsys.readouterr().out
    assert meta(school.place, "after_the_backup") is None
    if isinstance(school.place.location, Path):
        db = school.place.location
        assert "The database it replaced is kept as" in out
        assert mode(db) == 0o600
        assert inspect_database_file(db).integrity == "ok"
        kept = next(school.folder.glob(f"{db.name}.before-restore-*"))
        assert file_meta(kept, "after_the_backup") == "yes"
    else:
        found = re.search(r"kept in the database as schema (public_before_restore_\w+);", out)
        assert found, out
        replaced = f"SELECT value FROM {found.group(1)}.meta WHERE key = 'after_the_backup'"
        assert school.place.rows(replaced) == [("yes",)]
        assert school.place.value("SELECT count(*) FROM pupils") == 3  # the backup's
    # Nothing decrypted was left lying around.
    assert not list(school.folder.glob("*.restoring*")) and not list(
        school.folder.glob(".school.db.*")
    )
    assert sorted(p.name for p in school.folder.iterdir() if p.suffix in {".dump", ".opened"}) == []


def test_a_plain_backup_only_when_asked_for(
    school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    (school.folder / "samen.toml").write_text("")
    assert main(["backup", "backup.db.age"]) == 2
    assert "backups are encrypted to the school's public key" in capsys.readouterr().err
    assert not (school.folder / "backup.db.age").exists()
    assert main(["backup", "--unencrypted", "plain.db"]) == 0
    assert "NOT encrypted" in capsys.readouterr().out
    plain = school.folder / "plain.db"
    if school.place.on_server:
        assert plain.read_bytes().startswith(DUMP_MAGIC) and b"Annabel" in school.readable(plain)
    else:
        assert inspect_database_file(plain).integrity == "ok"
    assert mode(plain) == 0o600


def test_the_readme_example_key_encrypts_nothing(
    school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    (school.folder / "samen.toml").write_text(f'[backup]\nrecipients = ["{EXAMPLE_RECIPIENT}"]\n')
    assert main(["backup", "backup.db.age"]) == 1
    assert "the README's example key" in capsys.readouterr().err
    assert not (school.folder / "backup.db.age").exists()
    assert main(["check"]) == 1
    assert "backups: FAILED, [backup] recipients holds the README's example key" in (
        capsys.readouterr().out
    )


def test_backup_key_writes_the_private_key_for_the_owner_only(
    tmp_path: Path, usual_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backup-key.txt"
    assert main(["backup-key", str(target)]) == 0
    out = capsys.readouterr().out
    assert mode(target) == 0o600
    lines = target.read_text().splitlines()
    secret = next(line for line in lines if line.startswith("AGE-SECRET-KEY-1"))
    public = next(line for line in lines if line.startswith("# public key: "))[14:]
    assert f'recipients = ["{public}"]' in out and secret not in out
    before = target.read_text()
    assert main(["backup-key", str(target)]) == 1  # never overwritten
    assert target.read_text() == before


async def test_rotation_removes_the_plain_backups_of_before_as_encrypted_ones_come(
    place: Place, tmp_path: Path
) -> None:
    await (await place.open()).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (1, 2):  # as an earlier Samen named them: unencrypted
        (folder / f"samen-2026110{day}T010000Z.db").write_bytes(b"old")
    recipients = (new_backup_key(NOW).recipient,)
    made = await back_up_into(
        place.location, folder, 2, datetime(2026, 12, 1, 1, tzinfo=UTC), recipients
    )
    assert made.path.name == "samen-20261201T010000Z.db.age"
    assert [p.name for p in made.removed] == ["samen-20261101T010000Z.db"]
    await back_up_into(place.location, folder, 2, datetime(2026, 12, 2, 1, tzinfo=UTC), recipients)
    assert sorted(p.name for p in folder.iterdir()) == [
        "samen-20261201T010000Z.db.age",
        "samen-20261202T010000Z.db.age",
    ]


def test_a_private_key_in_samen_toml_is_refused_and_never_shown(tmp_path: Path) -> None:
    secret = new_backup_key(NOW).identity_file.splitlines()[-1]
    config = tmp_path / "samen.toml"
    for text in (f'[backup]\nrecipients = ["{secret}"]\n', f'[backup]\nrecipients = "{secret}"\n'):
        config.write_text(text)
        with pytest.raises(ConfigError) as error:
            load_settings({"SAMEN_CONFIG": str(config)})
        assert secret not in str(error.value) and secret[:20] not in str(error.value)


def test_the_left_on_dates_of_the_school(school: School) -> None:
    """The fixture's leavers, as the tests above take them."""
    left = dict(school.place.rows("SELECT pupil_id, left_on FROM pupils WHERE left_on IS NOT NULL"))
    assert date.fromisoformat(left[A]) < TODAY.replace(year=TODAY.year - 2)
    assert TODAY.replace(year=TODAY.year - 2) < date.fromisoformat(left[B])


async def test_the_scheduled_purge_waits_for_a_missing_key(
    tmp_path: Path, any_db: Database, caplog
) -> None:
    h = Harness(tmp_path, datetime(2026, 12, 1, 1, 0, tzinfo=AMSTERDAM))
    await h.open(
        settings={
            "backup_folder": tmp_path / "backups",
            "backup_recipients": (new_backup_key(NOW).recipient,),
            "purge_schedule": "weekly",
        },
        database=any_db,
    )
    assert h.db is not None and h.runtime is not None and h.settings is not None
    key_file = h.settings.pseudonym_key_file
    try:
        async with h.db.transaction() as tx:
            await tx.set_left_on("P001", date(2023, 7, 1))
        h.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=AMSTERDAM))
        assert (await daily_work(h.runtime.services))["purged_rows"] > 0
        assert read_key_file(key_file) is not None
        key_file.unlink()
        async with h.db.transaction() as tx:
            await tx.set_left_on("P002", date(2023, 7, 1))
        h.clock.set(datetime(2026, 12, 8, 2, 0, tzinfo=AMSTERDAM))  # next week's night
        with caplog.at_level(logging.ERROR):
            done = await daily_work(h.runtime.services)
        assert done == {"backups": 1, "backups_removed": 0}  # backed up, not purged
        assert "scheduled purge refused: the pseudonymisation key" in caplog.text
        assert not key_file.exists()
        async with h.db.reading() as tx:
            assert await tx.pupil("P002") is not None
    finally:
        await h.close()


def as_sql(dump: bytes) -> bytes:
    """A file in pg_dump's own (compressed) format as the SQL it restores."""
    return subprocess.run(
        ["pg_restore", "--file=-"], input=dump, capture_output=True, check=True
    ).stdout
