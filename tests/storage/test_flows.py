"""Chat flow state, one per Telegram user."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.rules.models import FlowState
from bot.storage import Database
from tests.storage.support import NOW

STATE = FlowState(
    user_id=7,
    name="meeting",
    step="time",
    data={"pupil": "P1", "é": [1]},
    nonce="n1",
    updated_at=NOW,
)


async def test_a_flow_is_saved_replaced_and_read_back(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.save_flow(STATE)
        await tx.save_flow(replace(STATE, step="place", nonce="n2"))
    async with db.reading() as tx:
        assert await tx.flow(7) == replace(STATE, step="place", nonce="n2")


async def test_clearing_a_flow_that_does_not_exist_returns_false(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.save_flow(STATE)
        assert await tx.clear_flow(7) is True
        assert await tx.clear_flow(7) is False
        assert await tx.flow(7) is None


async def test_old_flows_are_forgotten(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.save_flow(replace(STATE, user_id=1, updated_at=NOW - timedelta(days=2)))
        await tx.save_flow(replace(STATE, user_id=2))
        assert await tx.forget_flows_before(NOW - timedelta(days=1)) == 1
        assert await tx.forget_flows_before(NOW - timedelta(days=1)) == 0
        assert await tx.flow(1) is None
        assert await tx.flow(2) is not None
