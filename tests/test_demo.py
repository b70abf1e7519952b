"""`samen try`, without a browser: the demo's JSON API and its events drive the real bot on a
demo clock, every sample person is linked, the stories start where they say, and nothing
Samen sends can become script on the page."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.demo.school import DEFAULT_PHONES, DemoSchool, examples_dir
from bot.demo.stories import STORIES
from bot.demo.web import demo_app
from tests.harness import AMSTERDAM

# `samen try` keeps its made-up school in an SQLite file of its own (samen-demo.db), whatever
# SAMEN_DB says: it needs no database server.
pytestmark = pytest.mark.sqlite_only

# A Monday morning in term time.
START = datetime(2026, 11, 30, 8, 0, tzinfo=AMSTERDAM)


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[DemoSchool, TestClient]]:
    school = DemoSchool(tmp_path, start=START)
    await school.open()
    client = TestClient(TestServer(demo_app(school)))
    await client.start_server()
    try:
        yield school, client
    finally:
        await client.close()
        await school.close()


async def call(client: TestClient, method: str, path: str, body: Any = None) -> Any:
    response = await client.request(method, path, json=body)
    assert response.status == 200, await response.text()
    return await response.json()


async def phone(client: TestClient, person_id: str) -> dict[str, Any]:
    return await call(client, "GET", f"/api/phones/{person_id}")


def with_button(messages: list[dict[str, Any]], pattern: str) -> tuple[dict[str, Any], str]:
    """The newest message with a button whose data matches, and that data."""
    for message in reversed(messages):
        for row in message["inline_keyboard"]:
            for button in row:
                if button["data"] and re.fullmatch(pattern, button["data"]):
                    return message, button["data"]
    raise LookupError(pattern)


async def tap(client: TestClient, person_id: str, pattern: str) -> dict[str, Any]:
    message, data = with_button((await phone(client, person_id))["messages"], pattern)
    return await call(
        client, "POST", f"/api/phones/{person_id}/tap", {"message_id": message["id"], "data": data}
    )


async def say(client: TestClient, person_id: str, text: str) -> None:
    assert await call(client, "POST", f"/api/phones/{person_id}/say", {"text": text}) == {
        "ok": True
    }


class EventLog:
    """The server-sent events a page would get, read as they come."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.task: asyncio.Task[None] | None = None

    async def follow(self, client: TestClient) -> None:
        response = await client.get("/api/events")
        assert response.headers["Content-Type"].startswith("text/event-stream")

        async def read() -> None:
            event = ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: "):
                    self.events.append((event, json.loads(line[len("data: ") :])))

        self.task = asyncio.create_task(read())

    async def until(self, found: Any, timeout: float = 10.0) -> None:
        async def wait() -> None:
            while not any(found(event, data) for event, data in self.events):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(wait(), timeout)


async def test_a_talk_planned_answered_in_turkish_reminded_and_summarised(demo) -> None:
    school, client = demo
    state = await call(client, "GET", "/api/state")
    assert state["phones"] == list(DEFAULT_PHONES)
    assert state["clock"]["text"] == "maandag 30 november 08:00"
    people = {p["id"]: p for p in state["people"]}
    assert people["G020"]["language"] == "tr" and people["G020"]["language_name"] == "Türkçe"
    father = people["G041"]
    assert father["rtl"] and "without parental authority" in father["role"]
    assert people["P013"]["role"].startswith("pupil, 14")
    # Everyone who may have an account has one, linked with their own invitation code.
    assert len(people) == 5 + 41 + 16
    assert all(p["user_id"] for p in people.values())
    teacher_phone = await phone(client, "S002")
    assert [m["from_bot"] for m in teacher_phone["messages"]] == [False, True]  # /start, welcome
    assert {"gesprek", "help"} <= {c["command"] for c in teacher_phone["commands"]}

    log = EventLog()
    await log.follow(client)
    story = await call(client, "POST", "/api/stories/talk")
    assert story["phones"][:2] == ["S002", "G020"] and story["hint"]
    # The teacher plans a talk, typing the pupil and the time and tapping the rest.
    await say(client, "S002", "Emre")
    await tap(client, "S002", r"f:[^:]+:kind:progress")
    await say(client, "S002", "do 3 dec 15:30")
    await tap(client, "S002", r"f:[^:]+:send")

    # The Turkish mother's phone has the invitation, in Turkish, with its calendar file.
    mother = await phone(client, "G020")
    invitation, come = with_button(mother["messages"], r"m:\d+:1:come")
    turkish = school.runtime.texts("tr")  # type: ignore[union-attr]
    labels = [b["text"] for row in invitation["inline_keyboard"] for b in row]
    assert turkish.label("✅ Yes, I'll come") in labels
    assert turkish.label("✅ Yes, I'll come") != "✅ Yes, I'll come"
    assert "Emre" in invitation["text"] and "Hakan" in invitation["text"]
    calendar = next(m for m in mother["messages"] if m["document"])
    assert calendar["document"]["mime"] == "text/calendar"
    download = await client.get(calendar["document"]["url"])
    assert download.status == 200 and b"BEGIN:VCALENDAR" in await download.read()
    await log.until(lambda e, d: e == "message" and d["message"]["id"] == invitation["id"])

    # She taps "I'll come": the teacher's card changes in place, and the page is told.
    meeting_id = come.split(":")[1]
    card, _ = with_button((await phone(client, "S002"))["messages"], rf"mt:{meeting_id}:move")
    answered = await call(
        client, "POST", "/api/phones/G020/tap", {"message_id": invitation["id"], "data": come}
    )
    assert answered["ok"]
    changed = next(m for m in (await phone(client, "S002"))["messages"] if m["id"] == card["id"])
    assert changed["edits"] > card["edits"] and changed["text"] != card["text"]
    assert "✅" in changed["text"]
    await log.until(
        lambda e, d: (
            e == "message" and d["person_id"] == "S002" and d["message"]["id"] == card["id"]
        )
    )

    # The day before the talk the reminder comes.
    jumped = await call(client, "POST", "/api/clock", {"jump": "day_before_talk"})
    assert jumped["clock"]["text"] == "woensdag 2 december 15:30"
    assert jumped["ran"]["meeting_reminders"] >= 1
    last = (await phone(client, "G020"))["messages"][-1]
    assert last["text"].startswith("⏰") and "Emre" in last["text"]
    await log.until(lambda e, d: e == "clock" and d["text"] == "woensdag 2 december 15:30")

    # Past the talk the teacher is asked for the summary.
    after = await call(client, "POST", "/api/clock", {"to": "2026-12-03T16:00"})
    assert after["ran"]["summary_prompts"] == 1
    with_button((await phone(client, "S002"))["messages"], rf"sum:{meeting_id}")

    # The clock never runs backwards, and a talk-less jump says so.
    back = await client.post("/api/clock", json={"to": "2026-12-01T08:00"})
    assert back.status == 409 and "forward" in (await back.json())["error"]
    none_left = await client.post("/api/clock", json={"jump": "day_before_talk"})
    assert none_left.status == 409
    assert log.task is not None
    log.task.cancel()


async def test_every_story_starts_where_it_says(demo) -> None:
    _, client = demo
    state = await call(client, "GET", "/api/state")
    assert [s["id"] for s in state["stories"]] == [s.id for s in STORIES]
    assert all(s["title"] and s["hint"] for s in state["stories"])

    started = await call(client, "POST", "/api/stories/talk")
    assert started["phones"] == ["S002", "G020", "G019", "G021"]
    assert (await phone(client, "S002"))["messages"][-1]["from_bot"]

    started = await call(client, "POST", "/api/stories/consent")
    assert started["phones"] == ["S004", "G019", "G020", "P012"]
    with_button((await phone(client, "S004"))["messages"], r"f:[^:]+:kind:zat")

    started = await call(client, "POST", "/api/stories/good_news")
    friday = datetime.fromisoformat(started["clock"]["iso"])
    assert (friday.weekday(), friday.hour) == (4, 13)
    news = [m for m in (await phone(client, "S002"))["messages"] if m["text"].startswith("🌟")]
    assert "Julia" in news[-1]["text"] and news[-1]["inline_keyboard"]

    started = await call(client, "POST", "/api/stories/round")
    assert "S001" in started["phones"]
    with_button((await phone(client, "G006"))["messages"], r"rb:\d+:P003")
    assert (await phone(client, "S002"))["messages"][-1]["inline_keyboard"]  # the group step

    started = await call(client, "POST", "/api/stories/access")
    assert started["phones"] == ["G030", "S004"]
    layla = (await phone(client, "G030"))["messages"]
    assert layla[-1]["inline_keyboard"] and layla[-1]["text"] != layla[-2]["text"]

    missing = await client.post("/api/stories/nothing")
    assert missing.status == 404


async def test_the_page_and_its_files(demo, monkeypatch, tmp_path: Path) -> None:
    _, client = demo
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Samen</title>")
    (static / "demo.js").write_text("'use strict';")
    monkeypatch.setattr("bot.demo.web.STATIC", static)
    page = await client.get("/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = await client.get("/static/demo.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert await script.text() == "'use strict';"
    assert (await client.get("/static/missing.js")).status == 404
    assert (await client.get("/static/..%2Fschool.py")).status == 404


async def test_phones_languages_reactions_and_refusals(demo) -> None:
    _, client = demo
    added = await call(client, "POST", "/api/phones", {"person_id": "G005"})
    assert added["phones"][-1] == "G005"
    removed = await call(client, "DELETE", "/api/phones/P013")
    assert "P013" not in removed["phones"]
    assert (await client.post("/api/phones", json={"person_id": "X999"})).status == 404

    # /taal switches a phone's language; the page's person follows it.
    await say(client, "G020", "/taal")
    await tap(client, "G020", r"lang:(set:)?pl")
    assert (await phone(client, "G020"))["person"]["language"] == "pl"

    # A reaction shows under the message it was put on.
    welcome = (await phone(client, "G020"))["messages"][1]
    await call(
        client, "POST", "/api/phones/G020/react", {"message_id": welcome["id"], "emoji": "👍"}
    )
    again = next(m for m in (await phone(client, "G020"))["messages"] if m["id"] == welcome["id"])
    assert again["reactions"] == ["👍"]

    # Buttons that are not on the message, forms from elsewhere and other hosts are refused.
    forged = await client.post(
        "/api/phones/G020/tap", json={"message_id": welcome["id"], "data": "menu:nothing"}
    )
    assert forged.status == 409
    form = await client.post("/api/phones/G020/say", data={"text": "hallo"})
    assert form.status == 415
    elsewhere = await client.get("/api/state", headers={"Host": "evil.example:80"})
    assert elsewhere.status == 403
    other_site = await client.post("/api/stories/talk", headers={"Origin": "https://evil.example"})
    assert other_site.status == 403


def test_the_sample_school_comes_from_the_package_or_the_source_tree() -> None:
    assert (examples_dir() / "guardians.csv").exists()


async def test_the_fake_bot_api_keeps_what_the_page_shows() -> None:
    """Deleted messages stay as tombstones (hidden from `messages`), reply keyboards and
    protection are kept, and every change is told to the listeners."""
    server = FakeTelegram()
    base = await server.start()
    changes: list[tuple[int, bool, int]] = []
    server.listeners.append(lambda m: changes.append((m.message_id, m.deleted, m.edits)))
    user = server.user(4242, "Ada")
    try:
        async with aiohttp.ClientSession() as web:

            async def api(method: str, **params: Any) -> Any:
                async with web.post(f"{base}{TOKEN}/{method}", json=params) as response:
                    return (await response.json())["result"]

            keyboard = {"keyboard": [["Ja", "Nee"]], "resize_keyboard": True}
            protected = {"reply_markup": keyboard, "protect_content": True}
            first = await api("sendMessage", chat_id=4242, text="Kies", **protected)
            second = await api("sendMessage", chat_id=4242, text="<b>Weg</b>", parse_mode="HTML")
            await api("deleteMessage", chat_id=4242, message_id=second["message_id"])
            async with web.post(
                f"{base}{TOKEN}/editMessageText",
                json={"chat_id": 4242, "message_id": second["message_id"], "text": "x"},
            ) as response:
                assert response.status == 400  # a deleted message cannot be edited
    finally:
        await server.stop()
    assert [m.text for m in user.messages] == ["Kies"]
    shown = server.history(4242)
    assert [(m.text, m.deleted) for m in shown] == [("Kies", False), ("Weg", True)]
    assert shown[0].reply_keyboard == [["Ja", "Nee"]] and shown[0].protect_content
    first_id, second_id = first["message_id"], second["message_id"]
    assert changes == [(first_id, False, 0), (second_id, False, 0), (second_id, True, 0)]
