from __future__ import annotations

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
