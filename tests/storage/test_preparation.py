"""Preparation cards of talks and the prompts around them."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.models import Agreement, Summary
from bot.storage import Database, Tx
from tests.storage.support import NOW


async def talk(tx: Tx, hours: int, round_id: int | None = None) -> int:
    return await tx.add_meeting(
        pupil_id="P1",
        kind="progress",
        starts_at=NOW + timedelta(hours=hours),
        minutes=30,
        place_kind="room",
        place="Room 4",
        goal="reading",
        alternatives=(),
        created_by="T1",
        now=NOW,
        round_id=round_id,
    )


async def test_a_card_is_saved_replaced_and_read_back(db: Database) -> None:
    async with db.transaction() as tx:
        meeting_id = await talk(tx, 48)
        assert await tx.preparation(meeting_id) is None
        await tx.save_preparation(meeting_id, {"goal": "lezen"}, "T1", NOW)
        await tx.save_preparation(meeting_id, {"goal": "rekenen", "tip": "ü"}, "T1", NOW)
        assert await tx.preparation(meeting_id) == {"goal": "rekenen", "tip": "ü"}
        assert await tx.prepared_meeting_ids() == {meeting_id}


async def test_prompts_come_once_and_only_within_their_window(db: Database) -> None:
    async with db.transaction() as tx:
        soon = await talk(tx, 24)
        far = await talk(tx, 24 * 10)  # beyond the horizon
        short_talk = await talk(tx, 24, round_id=7)  # a slot of a round: not prepared here
        every = [soon, far, short_talk]
        horizon = NOW + timedelta(days=3)
        assert await tx.meeting_ids_to_prepare(NOW, horizon) == [soon]
        assert [m.id for m in await tx.meetings_to_prepare(NOW, horizon, every)] == [soon]
        assert await tx.meetings_to_prepare(NOW, horizon, [soon + 1]) == []
        await tx.set_prepare_prompted([soon], NOW)
        assert await tx.meeting_ids_to_prepare(NOW, horizon) == []
        assert await tx.meetings_to_prepare(NOW, horizon, every) == []
        assert await tx.meetings_to_show_preparation(NOW, horizon) == []  # no card yet
        await tx.save_preparation(soon, {"goal": "lezen"}, "T1", NOW)
        assert [m.id for m in await tx.meetings_to_show_preparation(NOW, horizon)] == [soon]
        await tx.set_preparation_shown(soon, NOW)
        assert await tx.meetings_to_show_preparation(NOW, horizon) == []


async def test_agreements_of_earlier_talks_newest_first(db: Database) -> None:
    async with db.transaction() as tx:
        assert await tx.open_agreements("P1") == []
        for days, what in ((-30, "old"), (-2, "new")):
            meeting_id = await talk(tx, 24 * days)
            await tx.add_summary(
                Summary(
                    meeting_id=meeting_id,
                    attended=(),
                    going_well="",
                    agreements=(Agreement(what),),
                    advice_school="",
                    advice_home="",
                    next_step="",
                    written_by="T1",
                    sent_at=NOW + timedelta(days=days),
                )
            )
        assert await tx.open_agreements("P1") == [
            (NOW - timedelta(days=2), Agreement("new")),
            (NOW - timedelta(days=30), Agreement("old")),
        ]
        assert await tx.open_agreements("P2") == []


async def test_a_talk_prepared_before_the_prompt_is_not_prompted(db: Database) -> None:
    async with db.transaction() as tx:
        prepared = await talk(tx, 48)
        await tx.save_preparation(prepared, {"goal": "lezen"}, "T1", NOW)
        assert await tx.meeting_ids_to_prepare(NOW, NOW + timedelta(days=3)) == []
