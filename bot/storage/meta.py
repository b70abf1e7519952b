"""Settings kept in the database (the meta table) and its health check."""

from __future__ import annotations

from bot.storage.executor import Executor


class MetaQueries(Executor):
    """Key-value settings and the database's own state."""

    async def get_meta(self, key: str) -> str | None:
        """The setting stored under `key`, or None."""
        row = await self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        """Store a setting under `key`."""
        await self._run(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def delete_meta(self, key: str) -> None:
        """Forget the setting stored under `key` (its bytes go at the next `scrub`)."""
        await self._run("DELETE FROM meta WHERE key = ?", (key,))

    async def integrity(self) -> str:
        """The backend's check of the database ('ok' when sound)."""
        return await self._integrity_check()
