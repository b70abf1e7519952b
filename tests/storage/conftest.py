from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database
from tests.storage.support import seed


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database file with the small school of support.py on its roster."""
    database = await Database.open(tmp_path / "samen.db")
    async with database.transaction() as tx:
        await seed(tx)
    try:
        yield database
    finally:
        await database.close()
