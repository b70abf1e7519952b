"""The demo's web server: the page (bot/demo/static), a JSON API over the demo school, and
server-sent events that tell the page of every change. 127.0.0.1 only.

The API is the contract between this server and the page; README's "Trying Samen" and
ARCHITECTURE.md name it. What Samen sent is passed through `safe_html` before the page sees
it: nothing in a message can become script on the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from babel.dates import format_datetime

from bot.demo.fake_telegram import ChatMessage, serve_on_loopback
from bot.demo.school import DEMO_SCHOOL_NAME, DemoError, DemoSchool, Person
from bot.demo.stories import STORIES, play, story
from bot.demo.telegram_html import safe_html
from bot.rules.language import telegram_language_code

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
_STATIC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# The page's own files only: no inline script or style, no other site, no frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'"
)
KEEP_ALIVE = 15.0  # seconds between comments on a quiet event stream
_CLOSED = ("", None)  # put on every stream's queue when the server stops


class Events:
    """The server-sent events: every open page gets each one."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[tuple[str, Any]]] = set()

    def publish(self, event: str, data: Any) -> None:
        for queue in list(self.queues):
            queue.put_nowait((event, data))

    def close(self) -> None:
        for queue in list(self.queues):
            queue.put_nowait(_CLOSED)


SCHOOL = web.AppKey("school", DemoSchool)
EVENTS = web.AppKey("events", Events)


# --- what the page reads ---------------------------------------------------------------


def clock_json(school: DemoSchool) -> dict[str, Any]:
    local = school.local_now()
    return {
        "iso": local.isoformat(timespec="seconds"),
        "text": format_datetime(local, "EEEE d MMMM HH:mm", locale="nl"),
        "weekday": local.weekday(),
    }


async def person_json(school: DemoSchool, person: Person) -> dict[str, Any]:
    language = await school.language_of(person)
    return {
        "id": person.person_id,
        "kind": person.kind.value,
        "name": person.name,
        "role": person.role,
        "language": language,
        "language_name": school.language_name(language),
        "rtl": school.right_to_left(language),
        "user_id": person.user_id,
    }


def message_json(school: DemoSchool, message: ChatMessage) -> dict[str, Any]:
    document = None
    if message.document is not None:
        document = {
            "name": str(message.document.get("filename") or "file"),
            "url": f"/api/files/{message.message_id}",
            "mime": message.document_mime,
        }
    return {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "html": safe_html(message.html),
        "text": message.text,
        "inline_keyboard": [
            [{"text": b.text, "data": b.data, "url": b.url} for b in row] for row in message.buttons
        ],
        "reply_keyboard": message.reply_keyboard,
        "edits": message.edits,
        "deleted": message.deleted,
        "protected": message.protect_content,
        "document": document,
        "reactions": list(message.reactions),
        "reply_to": message.reply_to,
        "date": message.sent_at.astimezone(school.timezone).isoformat(timespec="seconds"),
    }


def commands_of(school: DemoSchool, person: Person, language: str) -> list[dict[str, str]]:
    """The command menu Telegram shows in this person's chat: the chat's own, else the
    default one for their language, else the default one."""
    commands = school.server.commands
    chat_scope = json.dumps({"chat_id": person.user_id, "type": "chat"}, sort_keys=True)
    default_scope = json.dumps({"type": "default"}, sort_keys=True)
    code = telegram_language_code(language) or ""
    for key in ((chat_scope, code), (chat_scope, ""), (default_scope, code), (default_scope, "")):
        if key in commands:
            return [
                {"command": str(c["command"]), "description": str(c["description"])}
                for c in commands[key]
            ]
    return []


# --- the handlers ----------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DemoError("the body must be JSON", 400) from exc
    if not isinstance(body, dict):
        raise DemoError("the body must be a JSON object", 400)
    return body


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DemoError(f"{name!r} must be a {kind.__name__}", 400)
    return value


async def page(request: web.Request) -> web.StreamResponse:
    index = STATIC / "index.html"
    if not index.exists():
        return web.Response(
            text="The demo page is not part of this copy of Samen; the API is at /api/state.",
            content_type="text/plain",
        )
    return web.FileResponse(index, headers={"Content-Type": "text/html; charset=utf-8"})


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = STATIC / name
    if not _STATIC_NAME.fullmatch(name) or not path.is_file():
        raise web.HTTPNotFound()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith(("javascript", "json", "svg+xml")):
        content_type += "; charset=utf-8"
    return web.FileResponse(path, headers={"Content-Type": content_type})


async def state(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    return web.json_response(
        {
            "school": {"name": DEMO_SCHOOL_NAME},
            "clock": clock_json(school),
            "people": [await person_json(school, p) for p in school.people.values()],
            "phones": school.phones,
            "stories": [{"id": s.id, "title": s.title, "hint": s.hint} for s in STORIES],
        }
    )


async def phone(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    person = school.person(request.match_info["person_id"])
    language = await school.language_of(person)
    return web.json_response(
        {
            "person": await person_json(school, person),
            "commands": commands_of(school, person, language),
            "messages": [message_json(school, m) for m in school.server.history(person.user_id)],
        }
    )


async def say(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    body = await _body(request)
    text = _field(body, "text", str).strip()
    if not text or len(text) > 4096:
        raise DemoError("'text' must hold 1 to 4096 characters", 400)
    reply_to = body.get("reply_to")
    if reply_to is not None:
        reply_to = _field(body, "reply_to", int)
    person = school.person(request.match_info["person_id"])
    await school.say_as(person.person_id, text, reply_to)
    return web.json_response({"ok": True})


async def tap(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    body = await _body(request)
    message_id = _field(body, "message_id", int)
    data = _field(body, "data", str)
    person = school.person(request.match_info["person_id"])
    answer = await school.tap_as(person.person_id, message_id, data)
    return web.json_response({"ok": True, "answer": answer})


async def react(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    body = await _body(request)
    message_id = _field(body, "message_id", int)
    emoji = _field(body, "emoji", str).strip()
    if not emoji or len(emoji) > 16:
        raise DemoError("'emoji' must be one emoji", 400)
    person = school.person(request.match_info["person_id"])
    await school.react_as(person.person_id, message_id, emoji)
    return web.json_response({"ok": True})


async def add_phone(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    body = await _body(request)
    phones = school.add_phone(_field(body, "person_id", str))
    request.app[EVENTS].publish("phones", phones)
    return web.json_response({"ok": True, "phones": phones})


async def remove_phone(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    phones = school.remove_phone(request.match_info["person_id"])
    request.app[EVENTS].publish("phones", phones)
    return web.json_response({"ok": True, "phones": phones})


async def move_clock(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    body = await _body(request)
    if "jump" in body:
        moment = await school.moment_of(_field(body, "jump", str))
    elif "to" in body:
        try:
            moment = datetime.fromisoformat(_field(body, "to", str))
        except ValueError as exc:
            raise DemoError("'to' must be a date and time like 2026-12-10T08:00", 400) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=school.timezone)
    else:
        raise DemoError("say 'jump' or 'to'", 400)
    ran = await school.jump_to(moment)
    clock = clock_json(school)
    request.app[EVENTS].publish("clock", clock)
    return web.json_response({"clock": clock, "ran": ran})


async def start_story(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    chosen = story(request.match_info["story_id"])
    events = request.app[EVENTS]
    await play(school, chosen)
    events.publish("phones", school.phones)
    clock = clock_json(school)
    events.publish("clock", clock)
    return web.json_response(
        {"ok": True, "clock": clock, "phones": school.phones, "hint": chosen.hint}
    )


async def file(request: web.Request) -> web.Response:
    school = request.app[SCHOOL]
    try:
        message_id = int(request.match_info["file_id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc
    message = school.server.document_message(message_id)
    if message is None or message.document is None:
        raise web.HTTPNotFound()
    name = str(message.document.get("filename") or "file")
    content = message.document.get("content") or b""
    return web.Response(
        body=bytes(content),
        content_type=message.document_mime,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"},
    )


async def events(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    hub = request.app[EVENTS]
    hub.queues.add(queue)
    try:
        await response.write(b": Samen demo events\n\n")
        while True:
            try:
                event, data = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if (event, data) == _CLOSED:
                break
            payload = json.dumps(data, ensure_ascii=False)
            await response.write(f"event: {event}\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        hub.queues.discard(queue)
    return response


# --- the application -------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only this machine's own page: a Host other than the loopback's (a site elsewhere whose
    name was made to point at 127.0.0.1) or another site's Origin is refused, and so is a
    body that is not JSON (a form another site could post). Refusals of the demo itself
    answer with {"error": …}."""
    if request.host.rsplit(":", 1)[0] not in ("127.0.0.1", "localhost"):
        return web.json_response({"error": "the demo answers on 127.0.0.1 only"}, status=403)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"http://{request.host}":
        return web.json_response({"error": "only the demo's own page may ask"}, status=403)
    if request.can_read_body and request.content_type != "application/json":
        return web.json_response({"error": "send JSON"}, status=415)
    try:
        response = await handler(request)
    except DemoError as exc:
        return web.json_response({"error": str(exc)}, status=exc.status)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def demo_app(school: DemoSchool) -> web.Application:
    app = web.Application(middlewares=[guarded])
    hub = Events()
    app[SCHOOL] = school
    app[EVENTS] = hub

    def changed(message: ChatMessage) -> None:
        person_id = school.by_chat.get(message.chat_id)
        if person_id is not None:
            hub.publish(
                "message", {"person_id": person_id, "message": message_json(school, message)}
            )

    school.server.listeners.append(changed)

    async def closing(_: web.Application) -> None:
        hub.close()
        with contextlib.suppress(ValueError):
            school.server.listeners.remove(changed)

    app.on_shutdown.append(closing)
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/phones/{person_id}", phone)
    app.router.add_post("/api/phones/{person_id}/say", say)
    app.router.add_post("/api/phones/{person_id}/tap", tap)
    app.router.add_post("/api/phones/{person_id}/react", react)
    app.router.add_post("/api/phones", add_phone)
    app.router.add_delete("/api/phones/{person_id}", remove_phone)
    app.router.add_post("/api/clock", move_clock)
    app.router.add_post("/api/stories/{story_id}", start_story)
    app.router.add_get("/api/files/{file_id}", file)
    app.router.add_get("/api/events", events)
    return app


class DemoServer:
    """The demo school and its web server, started and stopped together (`samen try`)."""

    def __init__(self, school: DemoSchool) -> None:
        self.school = school
        self.app = demo_app(school)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self, port: int = 0) -> str:
        await self.school.open()
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        self.port = await serve_on_loopback(self._runner, port)
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.school.close()
