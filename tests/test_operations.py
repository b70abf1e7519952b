"""Operations: a consistent backup while the bot runs, and a health check."""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.platform.backup_crypto import decrypt_file, new_backup_key
from bot.rules.models import PersonKind
from bot.storage import Database, ServerDatabase, open_database
from tests.harness import Harness
from tests.places import Place
from tests.postgresql import empty_database


async def start_samen_run(
    env: dict[str, str], cwd: Path, log: Path, *args: str
) -> asyncio.subprocess.Process:
    """A real `samen run` (with `args`) in the background, what it logs appended to `log`."""
    with log.open("a") as output:  # the child keeps its own copy of the file
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *args,
            env={**os.environ, **env},
            cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=output,
        )


async def samen(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_backup_while_the_bot_runs_restores_completely(harness: Harness, tmp_path) -> None:
    mother = harness.server.user(301, "Linda")
    await harness.link(mother, PersonKind.GUARDIAN, "G002")
    assert harness.settings is not None
    key = new_backup_key(datetime.now(UTC))
    config = tmp_path / "samen.toml"
    config.write_text(f'[backup]\nrecipients = ["{key.recipient}"]\n')
    target = tmp_path / "backup.db.age"
    code, out, err = await samen(
        "backup",
        str(target),
        env={**harness.samen_environment(), "SAMEN_CONFIG": str(config)},
        cwd=tmp_path,
    )
    assert code == 0, err
    assert "Backed up" in out and "encrypted to 1 key" in out
    identity = tmp_path / "backup-key.txt"
    identity.write_text(key.identity_file)
    opened = tmp_path / "opened.db"
    opened.write_bytes(b"")
    decrypt_file(target, opened, identity)
    async with AsyncExitStack() as stack:
        if harness.settings.db_url is None:  # an SQLite file
            restored = await Database.open(opened)
        else:  # pg_dump's file, put into an empty database as `samen restore` does
            from bot.storage.postgres import restore_dump

            url = await stack.enter_async_context(empty_database())
            await asyncio.to_thread(restore_dump, ServerDatabase(url), opened)
            restored = await open_database(url)
        stack.push_async_callback(restored.close)
        async with restored.transaction() as tx:
            assert await tx.integrity() == "ok"
            assert await tx.account_of_user(301) == (PersonKind.GUARDIAN, "G002")
            counts = await tx.roster_counts()
    assert counts == {"staff": 5, "pupils": 25, "guardians": 41, "accounts": 1}
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"


# Only an SQLite database is a file the backup could be written over.
@pytest.mark.sqlite_only
async def test_backup_refuses_to_overwrite_the_database(place: Place, tmp_path) -> None:
    await (await place.open()).close()
    code, _, err = await samen("backup", str(place.location), env=place.env, cwd=tmp_path)
    assert code == 2 and "another file" in err


async def test_check_reports_configuration_database_and_telegram(place: Place, tmp_path) -> None:
    server = FakeTelegram()
    await server.start()
    env = {
        **place.env,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.base_url,
    }
    try:
        code, out, _ = await samen("check", env=env, cwd=tmp_path)
        assert code == 0, out
        assert "telegram: reachable as @samen_test_bot" in out
        assert "integrity ok" in out and out.strip().endswith("all good")
        assert "fonts for letters and PDF files: /" in out
        assert "requests to see data: 0 open" in out
        # A request to see data past its one-month deadline is a problem to report.
        database = await place.open()
        async with database.transaction() as tx:
            asked = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
            await tx.add_access_request(PersonKind.GUARDIAN, "G001", asked, date(2026, 2, 5))
        await database.close()
        code, out, _ = await samen("check", env=env, cwd=tmp_path)
        assert code == 1 and "requests to see data: 1 open, first due 2026-02-05, 1 OVERDUE" in out
        server.reject_token = True
        code, out, _ = await samen("check", env=env, cwd=tmp_path)
        assert code == 1 and "the token was rejected" in out
    finally:
        await server.stop()
    code, out, _ = await samen(
        "check",
        env={**place.env, "TELEGRAM_BOT_TOKEN": ""},
        cwd=tmp_path,
    )
    assert code == 1 and "no TELEGRAM_BOT_TOKEN" in out
