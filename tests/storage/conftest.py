"""The storage tests run on SQLite, and on PostgreSQL too when SAMEN_TEST_POSTGRESQL names a
server where they may create databases (a libpq connection string, as `.ci/run` sets it):
each test on a fresh database copied from a migrated template."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Database
from tests.postgresql import BACKENDS, SERVER, fresh_database
from tests.storage.support import seed


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A fresh database with the small school of support.py on its roster."""
    if request.param != "sqlite" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite itself")
    if request.param == "sqlite":
        database: Any = await Database.open(tmp_path / "samen.db")
        drop = None
    else:
        if not SERVER:
            pytest.skip("no PostgreSQL server: set SAMEN_TEST_POSTGRESQL")
        database, drop = await fresh_database(SERVER, f"samen_{uuid.uuid4().hex[:12]}")
    async with database.transaction() as tx:
        await seed(tx)
    try:
        yield database
    finally:
        await database.close()
        if drop is not None:
            await drop()
