"""Settings in the meta table and the integrity check."""

from __future__ import annotations

from bot.storage import Database


async def test_a_setting_is_stored_replaced_and_read_back(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.set_meta("school", "De Linde")
        await tx.set_meta("school", "De Eik")
    async with db.reading() as tx:
        assert await tx.get_meta("school") == "De Eik"


async def test_an_unknown_setting_is_none(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.get_meta("never set") is None


async def test_a_sound_database_passes_the_integrity_check(db: Database) -> None:
    async with db.reading() as tx:
        assert await tx.integrity() == "ok"
