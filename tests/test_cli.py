"""The `samen` command as an operator meets it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.fake_telegram import FakeTelegram
from tests.places import Place


def test_help_lists_the_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "import", "invites"):
        assert command in out


def test_run_without_a_token_says_how_to_get_one(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err and "/newbot" in err
    assert not (tmp_path / "samen.db").exists()


def test_a_broken_samen_toml_is_named(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samen.toml").write_text("[school\nname = 1")
    assert main(["run"]) == 2
    assert "samen.toml" in capsys.readouterr().err


async def test_run_with_a_rejected_token_says_so_plainly(tmp_path: Path) -> None:
    server = FakeTelegram()
    await server.start()
    server.reject_token = True
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": "999:wrong",
                "TELEGRAM_API_URL": server.base_url,
                "SAMEN_DB": str(tmp_path / "samen.db"),
            },
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await server.stop()
    assert process.returncode == 2
    assert "Telegram rejected the token" in err.decode()
    assert "999:wrong" not in err.decode()  # the token is a secret: never in the output


def test_check_warns_when_the_school_has_no_name(
    place: Place, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    # No token is the one problem; the missing name is a warning and does not count.
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "school (not set)" in out
    assert (
        "school name: WARNING, not set; add name under [school] in samen.toml"
        " (until then families read “your child's school”)"
    ) in out
    assert out.strip().endswith("1 problem")

    (tmp_path / "samen.toml").write_text('[school]\nname = "SO/VSO De Brug"\n')
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "school 'SO/VSO De Brug'" in out and "WARNING" not in out


def test_check_warns_when_the_known_school_holidays_run_out(
    place: Place, tmp_path, monkeypatch, capsys
) -> None:
    import sys
    from datetime import UTC, datetime

    checking = sys.modules["bot.cli.check"]  # the module: bot.cli's `check` is its function

    class LateClock:
        def now(self) -> datetime:
            return datetime(2030, 7, 10, 12, tzinfo=UTC)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    (tmp_path / "samen.toml").write_text(
        '[school]\nname = "De Brug"\n[calendar]\nregion = "noord"\n'
    )
    assert main(["check"]) == 1  # the token is the one problem: the calendar warns
    assert "school holidays: region noord, known until 2030-09-01" in capsys.readouterr().out
    monkeypatch.setattr(checking, "SystemClock", LateClock)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert (
        "school holidays: WARNING, the holidays of region noord are known until 2030-09-01" in out
    )


# The free space beside the SQLite file: a database server's disk is its administrator's.
@pytest.mark.sqlite_only
def test_check_reports_a_full_disk(place: Place, tmp_path, monkeypatch, capsys) -> None:
    import sys

    checking = sys.modules["bot.cli.check"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setattr(checking, "disk_free", lambda path: 3_000_000)
    main(["check"])
    out = capsys.readouterr().out
    assert "disk: FAILED, 3.0 MB free where" in out and "pauses sending" in out


def test_check_reports_the_last_pause_in_sending(
    place: Place, tmp_path, monkeypatch, capsys
) -> None:
    import json

    from bot.platform.outbox import PAUSE_META

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")

    async def paused_once() -> None:
        db = await place.open()
        async with db.transaction() as tx:
            await tx.set_meta(
                PAUSE_META,
                json.dumps(
                    {
                        "from": "2026-12-01T09:00:00+00:00",
                        "until": "2026-12-01T09:01:00+00:00",
                        "error": "database or disk is full",
                    }
                ),
            )
        await db.close()

    asyncio.run(paused_once())
    main(["check"])
    out = capsys.readouterr().out
    assert "sending: WARNING, paused on 2026-12-01 10:00 for 60 s" in out
    assert "database or disk is full" in out
