"""The pseudonymisation key: the secret behind the `anon:` ids of the audit trail, kept apart
from the data.

It lives in a file that only its owner may read (`Settings.pseudonym_key_file`: SAMEN_KEY_FILE,
the credential systemd hands the service, or samen.key beside the database), never in the
database, so a copy of the database or of a backup cannot turn pseudonyms back into pupils. The
database records only which key its pseudonyms were made with (a fingerprint that reveals
nothing of the key): a key that is missing or another one is refused, never silently replaced,
because a new key would give pupils pseudonyms that do not match their earlier ones.

Databases from before kept the key in the meta table (`retention_secret`). `move_key_out`
writes it to the file first, flushed to the disk, and only then deletes it from the database and
scrubs the file; a crash in between leaves the key in both places, and the next start finishes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.platform.secret_files import readable_by_others, write_new_secret_file
from bot.storage import Database, Tx

log = logging.getLogger(__name__)

# Meta keys: where databases from before kept the key itself, and the fingerprint of the key
# the database's pseudonyms were made with (set once the first pseudonym is made).
LEGACY_KEY = "retention_secret"
KEY_ID = "pseudonym_key_id"
KEY_BYTES = 32
_KEY_LINE = re.compile(r"[0-9a-fA-F]{64}")


class PseudonymKeyProblem(Exception):
    """The key is missing, another one, or unreadable; the message is one sentence that says
    what to do."""


def key_id(key: bytes) -> str:
    """A fingerprint to tell keys apart, in the database and in messages; not the key."""
    return hmac.new(key, b"samen pseudonymisation key", hashlib.sha256).hexdigest()[:16]


def key_file_text(key: bytes) -> str:
    return (
        "# Samen's pseudonymisation key: the anon: ids in the audit trail are made with it.\n"
        "# Keep a copy where the school keeps its keys, apart from the database and its backups.\n"
        "# Without it, pupils purged later get pseudonyms that do not match the earlier ones.\n"
        f"{key.hex()}\n"
    )


def read_key_file(path: Path) -> bytes | None:
    """The key in `path`, or None when there is no such file."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a key file"
        raise PseudonymKeyProblem(
            f"cannot read the pseudonymisation key {path} ({reason})."
        ) from None
    lines = [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
    if len(lines) != 1 or not _KEY_LINE.fullmatch(lines[0]):
        raise PseudonymKeyProblem(
            f"{path} is not a Samen pseudonymisation key (one line of 64 hexadecimal digits)."
        )
    return bytes.fromhex(lines[0])


def _write_key_file(path: Path, key: bytes) -> bytes:
    """Create the key file; the key it holds (another process's, should one have been first)."""
    try:
        write_new_secret_file(path, key_file_text(key))
    except FileExistsError:
        found = read_key_file(path)
        if found is None:
            raise PseudonymKeyProblem(f"cannot create the pseudonymisation key {path}.") from None
        return found
    except OSError as exc:
        raise PseudonymKeyProblem(
            f"cannot write the pseudonymisation key {path} ({exc.strerror}); let Samen's user"
            " create it there, or point SAMEN_KEY_FILE to a file it may create."
        ) from None
    return key


def _missing(path: Path, db: str, in_use: str) -> PseudonymKeyProblem:
    return PseudonymKeyProblem(
        f"the pseudonymisation key {path} is missing, and {db} holds pseudonyms made with it"
        f" (key {in_use}): put the school's copy of that key back there, or point SAMEN_KEY_FILE"
        " to it; a new key would give pupils pseudonyms that do not match their earlier ones."
    )


def _another(path: Path, db: str, in_use: str, found: bytes) -> PseudonymKeyProblem:
    return PseudonymKeyProblem(
        f"{path} holds pseudonymisation key {key_id(found)}, but the pseudonyms in {db} were"
        f" made with key {in_use}: put the school's copy of key {in_use} there, or point"
        " SAMEN_KEY_FILE to it."
    )


def _both(path: Path, db: str, found: bytes) -> PseudonymKeyProblem:
    return PseudonymKeyProblem(
        f"{db} still holds its own pseudonymisation key and {path} holds another one"
        f" (key {key_id(found)}): if no other database uses {path}, move it aside and start"
        " again, and Samen moves the database's key there."
    )


async def move_key_out(db: Database, path: Path) -> bool:
    """Move the key of a database from before out of it, into `path`; whether there was one."""
    async with db.reading() as tx:
        stored = await tx.get_meta(LEGACY_KEY)
    if stored is None:
        return False
    key = bytes.fromhex(stored)
    found = read_key_file(path)
    if found is None:
        # On the disk, under its name, before the database lets go of it.
        found = _write_key_file(path, key)
    if found != key:
        raise _both(path, db.name, found)
    async with db.transaction() as tx:
        await tx.set_meta(KEY_ID, key_id(key))
        await tx.delete_meta(LEGACY_KEY)
    await db.scrub()
    log.info("moved the pseudonymisation key out of the database: key=%s", key_id(key))
    return True


async def prepare_key(db: Database, path: Path) -> None:
    """At the start of `samen run`: the key moved out of a database from before, checked
    against the pseudonyms made with it, and made when there is none yet (so the school can
    keep a copy from the first day). PseudonymKeyProblem when it is missing or another one."""
    await move_key_out(db, path)
    async with db.reading() as tx:
        in_use = await tx.get_meta(KEY_ID)
    found = read_key_file(path)
    if found is None:
        if in_use is not None:
            raise _missing(path, db.name, in_use)
        found = _write_key_file(path, secrets.token_bytes(KEY_BYTES))
        log.info("made a new pseudonymisation key: key=%s", key_id(found))
    elif in_use is not None and key_id(found) != in_use:
        raise _another(path, db.name, in_use, found)


async def key_for_pseudonyms(tx: Tx, path: Path, db_name: str) -> bytes:
    """The key to make pseudonyms with, inside the purge's transaction; the first use records
    which key it is. PseudonymKeyProblem when it is missing or another one."""
    in_use = await tx.get_meta(KEY_ID)
    found = read_key_file(path)
    if found is None:
        if in_use is not None:
            raise _missing(path, db_name, in_use)
        found = _write_key_file(path, secrets.token_bytes(KEY_BYTES))
    elif in_use is not None and key_id(found) != in_use:
        raise _another(path, db_name, in_use, found)
    if in_use is None:
        await tx.set_meta(KEY_ID, key_id(found))
    return found


@dataclass(frozen=True)
class KeyReport:
    """What `samen check` says about the key."""

    path: Path
    in_use: str | None  # the fingerprint of the key the database's pseudonyms were made with
    found: str | None  # the fingerprint of the key in the file, None when there is no file
    in_database: bool  # a database from before: samen run moves the key out
    readable_by_others: int | None  # the file's mode, when others may read it
    problem: str | None  # why samen run and samen purge would refuse


async def key_report(db: Database, path: Path) -> KeyReport:
    """The key's state, changing nothing."""
    async with db.reading() as tx:
        in_use = await tx.get_meta(KEY_ID)
        stored = await tx.get_meta(LEGACY_KEY)
    problem = None
    found = None
    try:
        key = read_key_file(path)
        found = key_id(key) if key is not None else None
        if stored is not None:
            if key is not None and key != bytes.fromhex(stored):
                problem = str(_both(path, db.name, key))
        elif in_use is not None and key is None:
            problem = str(_missing(path, db.name, in_use))
        elif in_use is not None and key is not None and found != in_use:
            problem = str(_another(path, db.name, in_use, key))
    except PseudonymKeyProblem as exc:
        problem = str(exc)
    return KeyReport(path, in_use, found, stored is not None, readable_by_others(path), problem)


async def replace_lost_key(db: Database, path: Path, now: datetime) -> str:
    """The key the database's pseudonyms were made with is lost for good: a new one, written
    to `path` and recorded in the audit trail; its fingerprint. Pupils purged from now on get
    pseudonyms that do not match those made with the lost key."""
    async with db.reading() as tx:
        in_use = await tx.get_meta(KEY_ID)
        stored = await tx.get_meta(LEGACY_KEY)
    if stored is not None or in_use is None:
        raise PseudonymKeyProblem(
            f"no key is lost: {db.name} has no pseudonyms made with a key it lacks, and samen run"
            f" puts its key in {path} itself."
        )
    if path.exists():
        raise PseudonymKeyProblem(
            f"{path} exists; if it is not the lost key (key {in_use}), move it aside first:"
            " a key file is never overwritten."
        )
    key = _write_key_file(path, secrets.token_bytes(KEY_BYTES))
    async with db.transaction() as tx:
        await tx.set_meta(KEY_ID, key_id(key))
        await tx.audit(
            now=now,
            actor=("admin", None),
            action="pseudonym_key_replaced",
            details={"lost": in_use, "new": key_id(key)},
        )
    log.warning("pseudonymisation key replaced: lost=%s new=%s", in_use, key_id(key))
    return key_id(key)
