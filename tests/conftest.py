from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.harness import AMSTERDAM, Harness
from tests.places import Place, backend_of, place_on
from tests.postgresql import BACKENDS, database_for

# A Monday morning in term time.
START = datetime(2026, 11, 30, 9, 0, tzinfo=AMSTERDAM)


@pytest.fixture(params=BACKENDS)
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot on the fake Bot API with the example school, on SQLite (and in the
    `-m postgresql` pass on a fresh PostgreSQL database)."""
    async with database_for(request, tmp_path) as database:
        h = Harness(tmp_path, START)
        await h.open(database=database)
        try:
            yield h
        finally:
            await h.close()


@pytest.fixture(params=BACKENDS)
async def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A new, empty database: an SQLite file (and in the `-m postgresql` pass a fresh
    PostgreSQL database)."""
    async with database_for(request, tmp_path) as database:
        yield database


# Where the browser tests put their screenshots (each story's end): CI keeps the folder.
SCREENSHOTS = pytest.StashKey[tuple[Path, float]]()


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> Path:
    default = Path(__file__).resolve().parent.parent / "build" / "screenshots"
    folder = Path(os.environ.get("SAMEN_SCREENSHOTS") or default).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[SCREENSHOTS] = (folder, time.time())
    return folder


# The tests of the `-m postgresql` pass's subset that stay on SQLite (marked sqlite_only).
SQLITE_ONLY = pytest.StashKey[set[str]]()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects them
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[SQLITE_ONLY] = {
        item.nodeid.split("[")[0] for item in items if item.get_closest_marker("sqlite_only")
    }


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    if config.option.markexpr.strip() == "postgresql":
        named = config.stash.get(SQLITE_ONLY, set())
        terminalreporter.write_line(
            f"sqlite_only: {len(named)} tests run on SQLite only (about SQLite itself, or with"
            " their PostgreSQL counterpart named beside them): pytest -m sqlite_only"
        )
    kept = terminalreporter.config.stash.get(SCREENSHOTS, None)
    if kept is not None:
        folder, since = kept
        shots = [p for p in folder.glob("*.png") if p.stat().st_mtime >= since]
        terminalreporter.write_line(f"screenshots: {len(shots)} written to {folder}")


@pytest.fixture(params=BACKENDS)
def place(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Place]:
    """An empty place for a school's database: an SQLite file (and in the `-m postgresql`
    pass a fresh PostgreSQL database), with SAMEN_DB and SAMEN_KEY_FILE set for `samen`."""
    with place_on(backend_of(request), tmp_path, monkeypatch) as where:
        yield where
