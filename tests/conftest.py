from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.harness import AMSTERDAM, Harness

# A Monday morning in term time.
START = datetime(2026, 11, 30, 9, 0, tzinfo=AMSTERDAM)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path, START)
    await h.open()
    try:
        yield h
    finally:
        await h.close()


# Where the browser tests put their screenshots (each story's end): CI keeps the folder.
SCREENSHOTS = pytest.StashKey[tuple[Path, float]]()


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> Path:
    default = Path(__file__).resolve().parent.parent / "build" / "screenshots"
    folder = Path(os.environ.get("SAMEN_SCREENSHOTS") or default).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[SCREENSHOTS] = (folder, time.time())
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    kept = terminalreporter.config.stash.get(SCREENSHOTS, None)
    if kept is not None:
        folder, since = kept
        shots = [p for p in folder.glob("*.png") if p.stat().st_mtime >= since]
        terminalreporter.write_line(f"screenshots: {len(shots)} written to {folder}")
