"""Updates by webhook: Telegram posts them to the worker's web server, one path per bot, each
request with the bot's secret token; without the right one it is refused and changes
nothing. Two schools' bots on one port: each update lands in its own school."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.platform.webhooks import SECRET_HEADER, Listen, Webhook, WebhookServer, webhook_secret
from bot.rules.models import PersonKind
from bot.storage import ServerDatabase, open_database
from tests.harness import AMSTERDAM, Harness
from tests.places import Place
from tests.postgresql import BACKENDS, empty_database
from tests.test_operations import samen, start_samen_run

START = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
TOKENS = {"debrug": "111:brug-token", "horizon": "222:horizon-token"}


@pytest.fixture(params=BACKENDS)
async def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    """Each school's database: a file of its own in its folder on SQLite, or on a database
    server each school's own schema in one database, as a board runs several schools."""
    async with AsyncExitStack() as stack:
        on_server = request.param == "postgresql"
        url = await stack.enter_async_context(empty_database()) if on_server else None
        opened: dict[str, Any] = {}
        for school in TOKENS:
            (tmp_path / school).mkdir()
            location = (
                tmp_path / school / "samen.db" if url is None else ServerDatabase(url, school)
            )
            opened[school] = await open_database(location)
            stack.push_async_callback(opened[school].close)
        yield opened


@pytest.fixture
async def server() -> AsyncIterator[WebhookServer]:
    web = WebhookServer(
        {school: webhook_secret(token) for school, token in TOKENS.items()},
        Listen("127.0.0.1", 0),
    )
    await web.start()
    yield web
    await web.stop()


def message(user_id: int, text: str) -> dict[str, Any]:
    """An update as Telegram would post it: a private message."""
    return {
        "update_id": 900_000 + user_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "X"},
            "from": {"id": user_id, "is_bot": False, "first_name": "X", "language_code": "nl"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as answer,
    ):
        return answer.status


async def test_two_schools_take_their_updates_by_webhook_and_refuse_a_wrong_secret(
    tmp_path: Path, databases: dict[str, Any], server: WebhookServer
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    schools: dict[str, Harness] = {}
    try:
        for school, token in TOKENS.items():
            harness = Harness(tmp_path / school, START, token)
            await harness.open({"school_name": f"School {school}"}, database=databases[school])
            await harness.stop_bot()  # the harness polls; from here on, the webhook
            await harness.start_bot(Webhook.of(server, base, school, token))
            schools[school] = harness
        brug, horizon = schools["debrug"], schools["horizon"]
        assert brug.server.webhook == (f"{base}/debrug", webhook_secret(TOKENS["debrug"]))
        assert brug.server.webhook != horizon.server.webhook

        # Each school's users reach their own school, through their own bot's path.
        mother = brug.server.user(301, "Linda")
        welcome = await brug.link(mother, PersonKind.GUARDIAN, "G002")
        assert "School debrug" in welcome.text
        father = horizon.server.user(302, "Ahmet")
        welcome = await horizon.link(father, PersonKind.GUARDIAN, "G003")
        assert "School horizon" in welcome.text
        assert set(brug.server.webhook_answers) == {200}

        # A forged update: the right path, no or a wrong secret (another bot's, too).
        code = horizon.code(PersonKind.GUARDIAN, "G005")
        forged = message(303, f"/start {code}")
        before = await horizon.rows("SELECT * FROM accounts ORDER BY 1")
        for secret in (None, "", "guess", webhook_secret(TOKENS["debrug"])):
            assert await post(f"{base}/horizon", forged, secret) == 403
        assert await post(f"{base}/nobody", forged, webhook_secret(TOKENS["horizon"])) == 404
        assert await horizon.rows("SELECT * FROM accounts ORDER BY 1") == before
        assert horizon.server.messages(303) == []  # not answered: never handled
        # The same code, sent by the family itself, still works: nothing was used up.
        stepfather = horizon.server.user(303, "Kees")
        await horizon.link(stepfather, PersonKind.GUARDIAN, "G005")

        # A school this worker does not serve now: 503, for the proxy to try the next worker.
        await horizon.stop_bot()
        secret = webhook_secret(TOKENS["horizon"])
        assert await post(f"{base}/horizon", message(304, "/help"), secret) == 503
        async with aiohttp.ClientSession() as session, session.get(f"{base}/health") as answer:
            assert answer.status == 200
            assert (await answer.json()) == {"status": "ok", "serving": ["debrug"]}

        # Back to long polling: the webhook is deleted, updates come by getUpdates again.
        await brug.stop_bot()
        await brug.start_bot()
        assert brug.server.webhook is None
        assert "Samen stuurt u" in (await brug.say(mother, "/help"))[0].text
    finally:
        for harness in schools.values():
            await harness.close()


async def test_samen_run_takes_updates_by_webhook_behind_a_proxy(
    tmp_path: Path, place: Place
) -> None:
    """A real `samen run --webhook`: its web server takes Telegram's posts and answers the
    health check; without SAMEN_WEBHOOK_URL it says what to set."""
    db = await place.open()
    try:
        harness = Harness(tmp_path, START)
        await harness.open(database=db)
        await harness.issue_invites()
        code = harness.code(PersonKind.GUARDIAN, "G002")
        await harness.close()
    finally:
        await db.close()  # the database stays: `samen run` serves it now
    fake = FakeTelegram()
    await fake.start()
    with socket.socket() as probe:  # a free port for the worker
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        **place.env,
        "SAMEN_LISTEN": f"127.0.0.1:{port}",
    }
    code_without, _, err = await samen("run", "--webhook", env=env, cwd=tmp_path)
    assert code_without == 2 and "SAMEN_WEBHOOK_URL" in err
    env["SAMEN_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/"
    worker = await start_samen_run(env, tmp_path, tmp_path / "worker.log", "--webhook")
    try:
        await fake.wait_for(lambda: fake.webhook is not None, timeout=30)
        assert fake.webhook == (f"http://127.0.0.1:{port}/samen", webhook_secret(TOKEN))
        mother = fake.user(301, "Linda")
        mother.send(f"/start {code}")
        await fake.wait_for(lambda: bool(fake.messages(mother.chat_id)), timeout=30)
        assert "Welkom, Linda" in fake.messages(mother.chat_id)[0].text
        assert fake.webhook_answers == [200]
        assert not fake.calls_of("getUpdates")
        url = f"http://127.0.0.1:{port}/health"
        async with aiohttp.ClientSession() as session, session.get(url) as answer:
            assert (await answer.json()) == {"status": "ok", "serving": ["samen"]}
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 0
    finally:
        if worker.returncode is None:
            worker.kill()
        await fake.stop()
