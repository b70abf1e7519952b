"""Chat flow state: where a person is in a multi-step conversation."""

from __future__ import annotations

import json
from datetime import datetime

from bot.rules.models import FlowState
from bot.storage.executor import Executor
from bot.storage.records import from_iso, iso


class FlowQueries(Executor):
    """One flow state per Telegram user."""

    async def flow(self, user_id: int) -> FlowState | None:
        """The user's chat flow state, or None."""
        row = await self._one("SELECT * FROM flows WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return FlowState(
            user_id=row["user_id"],
            name=row["name"],
            step=row["step"],
            data=json.loads(row["data"]),
            nonce=row["nonce"],
            updated_at=from_iso(row["updated_at"]),
        )

    async def save_flow(self, state: FlowState) -> None:
        """Store the user's chat flow state, replacing any earlier one."""
        await self._run(
            "INSERT INTO flows (user_id, name, step, data, nonce, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " name = excluded.name, step = excluded.step, data = excluded.data,"
            " nonce = excluded.nonce, updated_at = excluded.updated_at",
            (
                state.user_id,
                state.name,
                state.step,
                json.dumps(state.data, ensure_ascii=False),
                state.nonce,
                iso(state.updated_at),
            ),
        )

    async def clear_flow(self, user_id: int) -> bool:
        """End the user's chat flow; False when there was none."""
        return await self._run("DELETE FROM flows WHERE user_id = ?", (user_id,)) > 0

    async def forget_flows_before(self, moment: datetime) -> int:
        """Delete flow states last changed before `moment`; returns how many."""
        return await self._run("DELETE FROM flows WHERE updated_at < ?", (iso(moment),))
