"""The storage tests run on SQLite, and on PostgreSQL too when SAMEN_TEST_POSTGRESQL names a
server where they may create databases (a libpq connection string, as `.ci/run` sets it):
each test on a fresh database copied from a migrated template."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.postgresql import BACKENDS, database_for
from tests.storage.support import seed


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A fresh database with the small school of support.py on its roster."""
    async with database_for(request, tmp_path) as database:
        async with database.transaction() as tx:
            await seed(tx)
        yield database
