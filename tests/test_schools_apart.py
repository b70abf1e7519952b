"""Two schools in one database server, the same ids in both (every school numbers its pupils
P001…): school A's coordinator, teachers and parents reach nothing of school B by any command,
any button (forged callback data included), any scheduled job or any `samen` command."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import ServerDatabase, open_database
from scheduler import due_work
from tests.harness import AMSTERDAM, Harness
from tests.postgresql import empty_database
from tests.test_authorization import COMMANDS, roles, setup_target_family, snapshot

pytestmark = pytest.mark.postgresql

START = datetime(2026, 11, 30, 9, 0, tzinfo=AMSTERDAM)
# In school B, Milan's family has names no one in school A has.
B_SECRETS = ("Zefanja", "Quirijn", "Xandra")


@pytest.fixture
async def schools(tmp_path: Path) -> AsyncIterator[tuple[Harness, Harness, str]]:
    async with empty_database() as url:
        opened: list[Harness] = []
        try:
            for school in ("a", "b"):
                folder = tmp_path / school
                folder.mkdir()
                harness = Harness(folder, START)
                await harness.open(database=await open_database(ServerDatabase(url, school)))
                harness._own_database = True  # closed with the harness
                opened.append(harness)
            yield opened[0], opened[1], url
        finally:
            for harness in opened:
                await harness.close()


async def everything(harness: Harness) -> dict[str, list[tuple]]:
    """Every row of every table of the school, for a before-and-after."""
    tables = await harness.rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " ORDER BY 1"
    )
    return {
        name: sorted(map(repr, await harness.rows(f"SELECT * FROM {name}"))) for (name,) in tables
    }  # type: ignore[misc]


async def test_school_a_reaches_nothing_of_school_b(
    schools: tuple[Harness, Harness, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    a, b, url = schools
    forged = await setup_target_family(b)  # B's own discussions, meetings, rounds, news
    assert b.db is not None
    async with b.db.transaction() as tx:
        await tx._run("UPDATE pupils SET first_name = 'Zefanja' WHERE pupil_id = 'P014'")
        await tx._run("UPDATE guardians SET first_name = 'Quirijn' WHERE guardian_id = 'G023'")
        await tx._run("UPDATE guardians SET first_name = 'Xandra' WHERE guardian_id = 'G024'")
    # B's own bot rests, so that whatever changes in B from here on came from A.
    await b.stop_bot()
    before = await everything(b)
    b_snapshot = await snapshot(b)
    users = await roles(a)  # A's guardian, pupil, teacher, coordinator, admin, a stranger

    seen: list[str] = []
    for command in COMMANDS:
        for role, user in users.items():
            if role is None:
                a.pause(60)
            seen += [m.text for m in await a.say(user, f"/{command}")]
            if role is not None and role not in ("guardian", "pupil"):
                await a.say(user, "/annuleren")
    for data in forged.values():  # B's buttons, tapped in A's chats
        for role, user in users.items():
            anchor = user.messages[-1] if user.messages else None
            if anchor is None:
                await a.say(user, "/help")
                anchor = user.messages[-1]
            count = len(user.messages)
            if role is None:
                a.pause(60)
            query = await a.tap_data(user, data, anchor)
            assert query in a.server.callback_answers  # answered, never left spinning
            seen += [m.text for m in user.messages[count - 1 :]]
            if role not in (None, "guardian", "pupil"):
                await a.say(user, "/annuleren")
    # A's scheduled work, a week of it.
    assert a.runtime is not None
    for day in range(7):
        a.clock.set(datetime(2026, 12, 1 + day, 9, 0, tzinfo=AMSTERDAM))
        await due_work(a.runtime.services)
    # A's `samen` commands: an export of A's P014 and A's audit trail.
    config = tmp_path / "schools"
    config.mkdir()
    for school in ("a", "b"):
        (config / f"{school}.toml").write_text(f'[school]\nname = "School {school}"\n')
    keys = tmp_path / "keys"
    keys.mkdir()
    monkeypatch.setenv("SAMEN_CONFIG", str(config))
    monkeypatch.setenv("SAMEN_DB", url)
    monkeypatch.setenv("SAMEN_KEY_FILE", str(keys))
    monkeypatch.chdir(tmp_path)
    exported = tmp_path / "p014.json"
    command = ["export", "pupil", "P014", "--json", str(exported), "--school", "a"]
    assert await asyncio.to_thread(main, command) == 0
    audit = tmp_path / "audit.csv"
    assert (
        await asyncio.to_thread(main, ["audit", "P014", "--csv", str(audit), "--school", "a"]) == 0
    )
    assert await asyncio.to_thread(main, ["purge", "--dry-run", "--school", "a"]) == 0
    # `samen check` checks every school, each under its own name.
    assert await asyncio.to_thread(main, ["check"]) == 1  # no bot tokens set here
    checked = capsys.readouterr().out
    assert "== school a" in checked and "== school b" in checked
    for school in ("a", "b"):
        assert re.search(
            rf"database: postgresql database \w+ on \S+, school {school}, schema", checked
        )
    assert checked.strip().endswith("== 2 schools: problems at a, b")
    # Without --school, a command refuses to guess.
    assert await asyncio.to_thread(main, ["export", "pupil", "P014", "--json", str(exported)]) == 2
    assert "say which with --school ID" in capsys.readouterr().err
    seen += [exported.read_text(), audit.read_text()]
    assert "Milan" in json.dumps(json.loads(exported.read_text()))  # A's own P014

    everything_a_showed = "\n".join(seen)
    leaked = [secret for secret in B_SECRETS if secret in everything_a_showed]
    assert leaked == []
    assert await snapshot(b) == b_snapshot
    assert await everything(b) == before  # not one row of B changed, the outbox included
