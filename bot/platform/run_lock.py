"""One `samen run` per database, known for certain, and its sign of life.

`samen run` holds an exclusive lock (flock) on `<database>.lock` for as long as it lives. The
kernel drops the lock when the process ends, however it ends (SIGKILL and power loss
included), so a file left behind never blocks anything and no process id is guessed.
`samen restore` takes the same lock, so it never replaces the database under a running bot
and no bot starts during a restore. The running bot touches the file now and then (its
modification time); `samen health` reads that as its sign of life.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


class DatabaseInUse(Exception):
    """Another process (a running bot, or a restore) holds the database's lock."""


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database: `samen.db` → `samen.db.lock`."""
    return db_path.with_name(db_path.name + ".lock")


class RunLock:
    """The database's exclusive lock, held from `acquire` until `release`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: Path) -> RunLock:
        """Take the lock without waiting; DatabaseInUse when someone else holds it."""
        path = lock_path(db_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(f"{path} is held by another Samen process") from None
        except BaseException:
            os.close(fd)
            raise
        # For a person looking at the file; nothing reads it back.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def beat(self) -> None:
        """A sign of life: the lock file's modification time becomes now."""
        if self._fd is not None:
            os.utime(self._fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


@dataclass(frozen=True)
class Liveness:
    """What a health check can see from outside the bot's process."""

    running: bool  # some process holds the lock
    quiet_for: float | None  # seconds since its last sign of life (None: no lock file)


def liveness(db_path: Path) -> Liveness:
    """Whether a bot holds the database now, and how long ago it last showed life. Never
    waits: the lock is tried, not awaited."""
    path = lock_path(db_path)
    try:
        quiet_for = max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return Liveness(running=False, quiet_for=None)
    try:
        RunLock.acquire(db_path).release()
    except DatabaseInUse:
        return Liveness(running=True, quiet_for=quiet_for)
    return Liveness(running=False, quiet_for=quiet_for)
