"""Encrypted backups, in the age format (age-encryption.org/v1, through pyrage).

The server holds only the school's public key (a recipient, `age1…`): it can encrypt a backup
but never read one back. The matching identity (`AGE-SECRET-KEY-1…`) stays off the machine and
is given to `samen restore --identity FILE` when a backup is put back. Files stream through in
small pieces, so a large database needs no memory of its size. The standard `age` and `rage`
tools read the same files: `age -d -i backup-key.txt samen-….db.age > samen.db`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyrage
from pyrage import x25519

# The first line of every age file.
AGE_HEADER = b"age-encryption.org/v1\n"
RECIPIENT_PREFIX = "age1"
IDENTITY_PREFIX = "AGE-SECRET-KEY-1"
# The public key in the README's example samen.toml. Nobody has its private key, so nothing is
# ever encrypted to it: a school that copied the example gets told to make its own key pair.
EXAMPLE_RECIPIENT = "age1ajj5y7n80sgnjqwqm4yaxjg52h2n9vfq4u9z0d3sys488clnt52qnqlg5s"


EXAMPLE_KEY_USED = (
    "[backup] recipients holds the README's example key, which nobody can decrypt: make the"
    " school's own key pair with samen backup-key FILE and put its public key there."
)


class BackupKeyError(Exception):
    """A recipient or identity that cannot be used, or a backup the key does not open; the
    message is one sentence that says what to do."""


def recipient_problem(text: str) -> str | None:
    """What is wrong with `text` as the public key backups are encrypted to, or None."""
    if text.strip().upper().startswith(IDENTITY_PREFIX):
        return (
            "is a private key (AGE-SECRET-KEY-1…); put its public key (age1…) here and keep"
            " the private key off this machine"
        )
    try:
        x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        return "must be an age public key like age1qyqszqgpqyqszqgp… (samen backup-key makes one)"
    return None


@dataclass(frozen=True)
class NewBackupKey:
    identity_file: str  # what goes into the file the school keeps; as age-keygen writes it
    recipient: str  # the public key, for samen.toml


def new_backup_key(now: datetime) -> NewBackupKey:
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    text = (
        f"# created: {now.astimezone(UTC).isoformat(timespec='seconds')}\n"
        f"# public key: {recipient}\n"
        "# Samen's backup key: it opens every backup made for the public key above. Keep it off\n"
        "# the server, with a copy in a second safe place; without it no backup can be restored.\n"
        f"{identity}\n"
    )
    return NewBackupKey(text, recipient)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(AGE_HEADER)) == AGE_HEADER


def encrypt_file(source: Path, target: Path, recipients: tuple[str, ...]) -> None:
    """`source` encrypted to every recipient into `target`, which must exist (made owner-only
    by the caller) and is overwritten; flushed to the disk."""
    if not recipients:
        raise BackupKeyError("there is no public key to encrypt the backup to.")
    if EXAMPLE_RECIPIENT in (r.strip() for r in recipients):
        raise BackupKeyError(EXAMPLE_KEY_USED)
    keys = [x25519.Recipient.from_str(r.strip()) for r in recipients]
    with source.open("rb") as reader, target.open("r+b") as writer:
        writer.truncate()
        pyrage.encrypt_io(reader, writer, keys)
        writer.flush()
        os.fsync(writer.fileno())


def read_identities(identity_file: Path) -> list[x25519.Identity]:
    """The identities in an age identity file (as age-keygen and `samen backup-key` write
    it); the file may be /dev/stdin."""
    try:
        text = identity_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise BackupKeyError(f"cannot read the backup key {identity_file} ({reason}).") from None
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.upper().startswith(IDENTITY_PREFIX):
            try:
                found.append(x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise BackupKeyError(
                    f"{identity_file} holds a damaged backup key (its AGE-SECRET-KEY-1… line)."
                ) from None
    if not found:
        raise BackupKeyError(
            f"{identity_file} holds no backup key: that is the file with a line"
            " AGE-SECRET-KEY-1… that samen backup-key wrote, not the public key age1…."
        )
    return found


def decrypt_file(source: Path, target: Path, identity_file: Path) -> None:
    """Decrypt the age file `source` into `target` (which must exist, owner-only) with the
    identities in `identity_file`. BackupKeyError when they do not open it."""
    identities = read_identities(identity_file)
    with source.open("rb") as reader, target.open("r+b") as writer:
        writer.truncate()
        try:
            pyrage.decrypt_io(reader, writer, identities)
        except pyrage.DecryptError as exc:
            if "no matching keys" in str(exc).lower():
                raise BackupKeyError(
                    f"{source} was not encrypted to the backup key in {identity_file}; use the"
                    " key whose public key was under [backup] recipients when it was made."
                ) from None
            raise BackupKeyError(f"{source} is damaged or cut short ({exc}).") from None
        except OSError as exc:
            if exc.errno is not None:  # the disk, not the backup
                raise
            # A piece that fails its authentication: changed or cut off after it was made.
            raise BackupKeyError(f"{source} is damaged or cut short ({exc}).") from None
        writer.flush()
        os.fsync(writer.fileno())
