"""Files that hold keys: made readable by their owner only from the first byte, whatever the
umask, written whole or not at all, and on the disk before the caller goes on."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_new_secret_file(path: Path, content: str) -> None:
    """Create `path` (mode 600) holding `content`, flushed to the disk with its folder entry.
    FileExistsError when something is there already: a key is never overwritten."""
    folder = path.parent if str(path.parent) else Path(".")
    # mkstemp makes the file 0600 whatever the umask; it is complete before it gets its name.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails when `path` exists, unlike a rename
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: the name, refusing to replace
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        Path(tmp).unlink(missing_ok=True)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Put the folder's new entry on the disk too: a crash right after must not lose the name."""
    with contextlib.suppress(OSError):  # not every system opens folders (nor needs it)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def readable_by_others(path: Path) -> int | None:
    """The mode of `path` when users other than its owner may read it, else None."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None
