"""A local fake of the Telegram Bot API, owned by the project: the end-to-end tests and
`samen try` run the real bot against it, on 127.0.0.1 only.

The real python-telegram-bot stack talks to it over HTTP (`TELEGRAM_API_URL`).
It keeps each chat as a user would see it (messages, edits, buttons, reply keyboards,
reactions, protected content, documents with their bytes; a deleted message stays as a
tombstone, hidden from `messages`), tells listeners of every change (the demo page's live
view), lets a test act as a user ("send text", "tap button"), and can inject Telegram's faults:
RetryAfter (429, for any call or one chat's), Forbidden (403, a user who blocked the bot),
server errors, a rejected token, answers that come after the client stopped waiting (the
message delivered all the same), and Telegram's overall limit itself: with `enforce_rate`, a
message beyond 30 in any second is refused with RetryAfter. Every attempt to put a message in
a chat is kept in `attempts`, refused ones included, for counting rate windows as Telegram can.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import mimetypes
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-token"
# How soon the fake posts an update again that a webhook did not take.
WEBHOOK_RETRY = 0.2
BOT_ID = 123456
BOT_USERNAME = "samen_test_bot"


@dataclass
class Button:
    text: str
    data: str | None
    url: str | None = None


@dataclass
class ChatMessage:
    """A message in a chat, as the user sees it now (edits applied)."""

    message_id: int
    chat_id: int
    from_bot: bool
    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    protect_content: bool = False
    edits: int = 0
    # {"filename", "content" (bytes)} of a document the bot sent.
    document: dict[str, Any] | None = None
    copy_of: tuple[int, int] | None = None  # (chat, message) a copied message came from
    # The keyboard that replaces the phone's keyboard (rows of labels); [] removes it.
    reply_keyboard: list[list[str]] | None = None
    # Deleted by the bot: kept as a tombstone (the demo shows it), hidden from `messages`.
    deleted: bool = False
    reactions: list[str] = field(default_factory=list)
    reply_to: int | None = None  # the message a user's message answers (a Telegram reply)
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def document_mime(self) -> str:
        if self.document is None:
            return ""
        guessed, _ = mimetypes.guess_type(str(self.document.get("filename") or ""))
        return guessed or "application/octet-stream"

    @property
    def text(self) -> str:
        """Plain text without HTML markup, as shown on screen."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))

    @property
    def labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    def button(self, label: str) -> Button:
        for row in self.buttons:
            for candidate in row:
                if label in candidate.text:
                    return candidate
        raise LookupError(f"no button {label!r} in message: {self.labels}")


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None


# The calls that put a message in a chat: what Telegram's limits count.
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "copyMessage"})


@dataclass(frozen=True)
class Attempt:
    """A call that tried to put a message in a chat, as Telegram received it."""

    at: float
    chat_id: int
    accepted: bool


# Told of every message that appears or changes (sent, edited, deleted, reacted to).
MessageListener = Callable[[ChatMessage], None]


class FakeTelegram:
    def __init__(
        self,
        token: str = TOKEN,
        *,
        clock: Callable[[], datetime] | None = None,
        username: str = BOT_USERNAME,
    ) -> None:
        """`clock`: the moment a message is dated with (the demo's clock; else the system's)."""
        self.token = token
        self.username = username
        self._clock = clock or (lambda: datetime.now(UTC))
        self.listeners: list[MessageListener] = []
        self.reject_token = False
        self.chats: dict[int, list[ChatMessage]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        # The bot's description and short description, by language code ("": the default).
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.sends: list[tuple[float, int]] = []
        self.attempts: list[Attempt] = []
        self._late: dict[str, list[float]] = {}
        self._chat_faults: dict[int, list[Fault]] = {}
        self._rate_limit: int | None = None
        self._window: list[float] = []  # moments of the attempts in the last second
        self.blocked: set[int] = set()
        self._faults: dict[str, list[Fault]] = {}
        self._fault_rates: dict[str, list[tuple[float, Fault]]] = {}
        self._random = random.Random(7)
        self.latency = 0.0  # seconds added to every answer
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        # Files users sent: file_id → (file_path, content); `downloads` lists each fetch.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: list[str] = []
        self._changed: asyncio.Condition | None = None
        # setWebhook's address and secret (None: getUpdates), and the status of every post.
        self.webhook: tuple[str, str] | None = None
        self.webhook_answers: list[int] = []
        self._posting: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # --- lifecycle --------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        self.port = await serve_on_loopback(self._runner, port)
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        self._closing = True  # long polls still open return at once
        await self._notify()
        if self._posting is not None:
            self._posting.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- acting as users --------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", language_code: str = "nl") -> FakeUser:
        return FakeUser(self, user_id, first_name, language_code)

    def push_update(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    # --- faults -----------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        self._faults.setdefault(method, []).extend(
            Fault(status, description, retry_after) for _ in range(times)
        )

    def fail_randomly(
        self,
        method: str,
        rate: float,
        status: int,
        description: str,
        retry_after: int | None = None,
    ) -> None:
        """Answer a share of calls with a fault (a fixed seed keeps runs repeatable)."""
        self._fault_rates.setdefault(method, []).append(
            (rate, Fault(status, description, retry_after))
        )

    def answer_late(self, method: str, seconds: float, times: int = 1) -> None:
        """Do what the next calls ask, but answer only after `seconds`: past the client's
        timeout, the message is delivered all the same (as Telegram does)."""
        self._late.setdefault(method, []).extend([seconds] * times)

    def fail_chat(self, chat_id: int, retry_after: int, times: int = 1) -> None:
        """Refuse the next messages to one chat with RetryAfter (Telegram's per-chat limit)."""
        self._chat_faults.setdefault(chat_id, []).extend(
            Fault(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            for _ in range(times)
        )

    def enforce_rate(self, per_second: int = 30) -> None:
        """Refuse with RetryAfter every message beyond `per_second` in any one second,
        counting every attempt (refused ones too)."""
        self._rate_limit = per_second

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    # --- observing --------------------------------------------------------

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """What the bot shows in the chat now: its messages, deleted ones left out."""
        return [m for m in self.chats.get(chat_id, []) if m.from_bot and not m.deleted]

    def history(self, chat_id: int) -> list[ChatMessage]:
        """The whole chat as the demo page shows it: both sides, deleted ones as tombstones."""
        return list(self.chats.get(chat_id, []))

    def message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        for candidate in self.chats.get(chat_id, []):
            if candidate.message_id == message_id:
                return candidate
        return None

    def document_message(self, message_id: int) -> ChatMessage | None:
        """The message (of any chat) that carries the document with this message id."""
        for chat in self.chats.values():
            for candidate in chat:
                if candidate.message_id == message_id and candidate.document is not None:
                    return candidate
        return None

    def _appeared(self, message: ChatMessage) -> None:
        self.chats.setdefault(message.chat_id, []).append(message)
        self.changed(message)

    def changed(self, message: ChatMessage) -> None:
        for listener in list(self.listeners):
            listener(message)

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate` holds; it is re-checked after every request the bot makes."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        if self._changed is None:
            return
        async with self._changed:
            self._changed.notify_all()

    # --- the Bot API ------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self.reject_token or request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        self.calls.append((method, params))
        await self._notify()  # waiters see the call itself, before a long poll returns
        if self.latency:
            await asyncio.sleep(self.latency)
        refusal = self._refusal(method, params)
        if refusal is not None:
            await self._notify()
            return _error(refusal.status, refusal.description, refusal.retry_after)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, f"Not Found: method {method} is not faked")
        try:
            result = await handler(params)
        except ApiError as exc:
            await self._notify()
            return _error(exc.status, exc.description)
        await self._notify()
        late = self._late.get(method)
        if late:
            await asyncio.sleep(late.pop(0))
        return web.json_response({"ok": True, "result": result})

    def _refusal(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault this call meets, if any; every message attempt is counted."""
        fault: Fault | None = None
        faults = self._faults.get(method)
        if faults:
            fault = faults.pop(0)
        else:
            for rate, candidate in self._fault_rates.get(method, []):
                if self._random.random() < rate:
                    fault = candidate
                    break
        if method not in MESSAGE_METHODS:
            return fault
        chat_id = int(params.get("chat_id") or 0)
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        self._window.append(now)
        chat_faults = self._chat_faults.get(chat_id)
        if fault is None and chat_faults:
            fault = chat_faults.pop(0)
        if fault is None and self._rate_limit and len(self._window) > self._rate_limit:
            fault = Fault(429, "Too Many Requests: retry after 1", 1)
        self.attempts.append(Attempt(now, chat_id, fault is None))
        return fault

    async def _download(self, request: web.Request) -> web.Response:
        """A file's bytes, as Telegram serves them at /file/bot<token>/<file_path>."""
        if self.reject_token or request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                self.downloads.append(path)
                await self._notify()
                return web.Response(body=content, content_type="application/octet-stream")
        return _error(404, "Not Found")

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        file_path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": file_path,
        }

    async def _api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Samen",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        """From now on the updates are posted to the bot's address, as Telegram does: one at a
        time, in order, each with the secret token; again a moment later until it is taken
        (answered 2xx)."""
        self.webhook = (str(params["url"]), str(params.get("secret_token") or ""))
        if self._posting is None or self._posting.done():
            self._posting = asyncio.get_running_loop().create_task(self._post_updates())
        return True

    async def _api_deleteWebhook(self, _: dict[str, Any]) -> bool:
        self.webhook = None
        if self._posting is not None:
            self._posting.cancel()
            self._posting = None
        return True

    async def _api_getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook[0] if self.webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _post_updates(self) -> None:
        assert self._changed is not None
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None and not self._closing:
                if not self._updates:
                    async with self._changed:
                        await self._changed.wait()
                    continue
                url, secret = self.webhook
                update = self._updates[0]
                try:
                    async with session.post(
                        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                    ) as answer:
                        self.webhook_answers.append(answer.status)
                        taken = 200 <= answer.status < 300
                except aiohttp.ClientError:
                    self.webhook_answers.append(0)
                    taken = False
                if taken:
                    self._updates.remove(update)
                    await self._notify()
                else:
                    await asyncio.sleep(WEBHOOK_RETRY)  # Telegram, too, tries again later

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            assert self._changed is not None
            deadline = time.monotonic() + timeout
            async with self._changed:
                while not self._updates and not self._closing and time.monotonic() < deadline:
                    remaining = deadline - time.monotonic()
                    try:
                        await asyncio.wait_for(self._changed.wait(), remaining)
                    except TimeoutError:
                        break
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id < 0 or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        text = str(params["text"])
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        _check_html(text, params.get("parse_mode"))
        self.sends.append((time.monotonic(), chat_id))
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            from_bot=True,
            html=text if params.get("parse_mode") == "HTML" else html.escape(text),
            buttons=_buttons(params.get("reply_markup")),
            protect_content=_bool(params.get("protect_content")),
            reply_keyboard=_reply_keyboard(params.get("reply_markup")),
            sent_at=self._clock(),
        )
        self._appeared(message)
        return self._message_json(message, params.get("reply_markup"))

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        self.sends.append((time.monotonic(), chat_id))
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            from_bot=True,
            html=html.escape(str(params.get("caption") or "")),
            buttons=_buttons(params.get("reply_markup")),
            protect_content=_bool(params.get("protect_content")),
            document=params.get("document") if isinstance(params.get("document"), dict) else None,
            reply_keyboard=_reply_keyboard(params.get("reply_markup")),
            sent_at=self._clock(),
        )
        self._appeared(message)
        result = self._message_json(message, params.get("reply_markup"))
        result["document"] = {"file_id": f"doc{message.message_id}", "file_unique_id": "u"}
        return result

    async def _api_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """A copy of a message a user sent (a voice note, a photo), with a new caption."""
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        caption = str(params.get("caption") or "")
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        _check_html(caption, params.get("parse_mode"))
        self.sends.append((time.monotonic(), chat_id))
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            from_bot=True,
            html=caption if params.get("parse_mode") == "HTML" else html.escape(caption),
            buttons=_buttons(params.get("reply_markup")),
            protect_content=_bool(params.get("protect_content")),
            copy_of=(int(params["from_chat_id"]), int(params["message_id"])),
            sent_at=self._clock(),
        )
        self._appeared(message)
        return {"message_id": message.message_id}

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        text = str(params["text"])
        _check_html(text, params.get("parse_mode"))
        new_html = text if params.get("parse_mode") == "HTML" else html.escape(text)
        new_buttons = _buttons(params.get("reply_markup"))
        if new_html == message.html and new_buttons == message.buttons:
            raise ApiError(400, "Bad Request: message is not modified")
        message.html, message.buttons = new_html, new_buttons
        message.edits += 1
        self.changed(message)
        return self._message_json(message, params.get("reply_markup"))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        new_buttons = _buttons(params.get("reply_markup"))
        if new_buttons == message.buttons:
            raise ApiError(400, "Bad Request: message is not modified")
        message.buttons = new_buttons
        message.edits += 1
        self.changed(message)
        return self._message_json(message, params.get("reply_markup"))

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        message = self._find(params)
        message.deleted = True
        self.changed(message)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.callback_answers[str(params["callback_query_id"])] = params
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), _language_code(params))
        self.commands[key] = list(params["commands"])
        return True

    async def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        if len(str(params["description"])) > 512:
            raise ApiError(400, "Bad Request: bot description is too long")
        self.descriptions[_language_code(params)] = str(params["description"])
        return True

    async def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        text = str(params["short_description"])
        if len(text) > 120:
            raise ApiError(400, "Bad Request: bot short description is too long")
        self.short_descriptions[_language_code(params)] = text
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), _language_code(params))
        self.commands.pop(key, None)
        return True

    def rate_violations(
        self, per_chat: float = 1.0, overall: int = 30, every_attempt: bool = False
    ) -> tuple[int, int]:
        """(per-chat, overall) windows that break Telegram's limits: two messages to one chat
        less than `per_chat` seconds apart, or more than `overall` in any one second. Counts
        the messages delivered, or with `every_attempt` every attempt, refused ones too."""
        chat_violations = 0
        by_chat: dict[int, list[float]] = {}
        counted = [(a.at, a.chat_id) for a in self.attempts] if every_attempt else list(self.sends)
        for moment, chat in counted:
            by_chat.setdefault(chat, []).append(moment)
        for moments in by_chat.values():
            moments.sort()
            chat_violations += sum(1 for a, b in itertools.pairwise(moments) if b - a < per_chat)
        times = sorted(moment for moment, _ in counted)
        overall_violations = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            if end - start + 1 > overall:
                overall_violations += 1
        return chat_violations, overall_violations

    def chat_commands(self, chat_id: int) -> list[str]:
        scope = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)
        return [c["command"] for c in self.commands.get((scope, ""), [])]

    def chat_command_descriptions(self, chat_id: int) -> list[str]:
        scope = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)
        return [c["description"] for c in self.commands.get((scope, ""), [])]

    def _find(self, params: dict[str, Any]) -> ChatMessage:
        chat_id = int(params.get("chat_id") or 0)
        message_id = int(params.get("message_id") or 0)
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _message_json(self, message: ChatMessage, markup: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": "private", "first_name": "User"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Samen",
                "username": self.username,
            },
            "text": message.text,
        }
        if markup:
            data["reply_markup"] = markup if isinstance(markup, dict) else json.loads(markup)
        return data


def _language_code(params: dict[str, Any]) -> str:
    """Telegram takes a two-letter ISO 639-1 code for a bot's menus and descriptions, or none."""
    code = str(params.get("language_code") or "")
    if code and not re.fullmatch("[a-z]{2}", code):
        raise ApiError(400, "Bad Request: language code is invalid")
    return code


class FakeUser:
    """A Telegram user in a private chat with the bot."""

    def __init__(
        self, server: FakeTelegram, user_id: int, first_name: str, language_code: str
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        server.chats.setdefault(user_id, [])

    @property
    def chat_id(self) -> int:
        return self.id

    def _from(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def send(self, text: str, reply_to: ChatMessage | None = None) -> int:
        """Type `text`; with `reply_to`, as a Telegram reply to that message."""
        message: dict[str, Any] = {
            "message_id": next(self.server._message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._from(),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to.message_id,
                "date": int(time.time()),
                "chat": self._chat(),
                "text": reply_to.text,
            }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self.server._appeared(
            ChatMessage(
                message["message_id"],
                self.id,
                False,
                html.escape(text),
                reply_to=reply_to.message_id if reply_to is not None else None,
                sent_at=self.server._clock(),
            )
        )
        return self.server.push_update({"message": message})

    def send_sticker(self) -> int:
        return self._send_media(
            {
                "sticker": {
                    "file_id": "st1",
                    "file_unique_id": "st1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        )

    def send_photo(self) -> int:
        return self._send_media(
            {"photo": [{"file_id": "ph1", "file_unique_id": "ph1", "width": 90, "height": 90}]}
        )

    def send_document(
        self, content: bytes, file_name: str, mime_type: str = "text/csv", caption: str = ""
    ) -> int:
        """Send a file (a CSV export, an XML file); the bot can fetch it with getFile."""
        number = len(self.server.files) + 1
        file_id = f"doc-{self.id}-{number}"
        self.server.files[file_id] = (f"documents/file_{number}{_suffix(file_name)}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._send_media({"document": document, **({"caption": caption} if caption else {})})

    def react(self, message: ChatMessage, emoji: str) -> int:
        """The user puts one of Telegram's reactions on a message of the bot."""
        change = {
            "chat": self._chat(),
            "message_id": message.message_id,
            "user": self._from(),
            "date": int(time.time()),
            "old_reaction": [{"type": "emoji", "emoji": e} for e in message.reactions],
            "new_reaction": [{"type": "emoji", "emoji": emoji}],
        }
        # One reaction a person, as Telegram allows without Premium: a new one replaces it.
        message.reactions = [emoji]
        self.server.changed(message)
        return self.server.push_update({"message_reaction": change})

    def send_voice(self, caption: str = "") -> int:
        voice = {"file_id": "vo1", "file_unique_id": "vo1", "duration": 4}
        return self._send_media({"voice": voice, **({"caption": caption} if caption else {})})

    def _send_media(self, content: dict[str, Any]) -> int:
        message = {
            "message_id": next(self.server._message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._from(),
            **content,
        }
        return self.server.push_update({"message": message})

    def block_bot(self) -> int:
        """The user blocks the bot: sends fail from now on and Telegram reports the change."""
        self.server.block(self.id)
        return self._membership("member", "kicked")

    def unblock_bot(self) -> int:
        self.server.blocked.discard(self.id)
        return self._membership("kicked", "member")

    def _membership(self, old: str, new: str) -> int:
        bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Samen"}

        def member(status: str) -> dict[str, Any]:
            return {
                "user": bot_user,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return self.server.push_update(
            {
                "my_chat_member": {
                    "chat": self._chat(),
                    "from": self._from(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    @property
    def messages(self) -> list[ChatMessage]:
        """What the bot has shown in this chat, oldest first."""
        return self.server.messages(self.id)

    @property
    def last(self) -> ChatMessage:
        shown = self.messages
        assert shown, "the bot has sent nothing to this user"
        return shown[-1]

    def tap(self, label: str, message: ChatMessage | None = None) -> tuple[int, str]:
        """Tap the button whose label contains `label` on the newest message that has one."""
        if message is None:
            for candidate in reversed(self.messages):
                try:
                    candidate.button(label)
                except LookupError:
                    continue
                message = candidate
                break
            else:
                raise LookupError(f"no message with a button {label!r}")
        pressed = message.button(label)
        assert pressed.data is not None
        return self.tap_data(pressed.data, message)

    def tap_data(self, data: str, message: ChatMessage) -> tuple[int, str]:
        """Tap with any callback data, as a forged or replayed button would."""
        query_id = str(next(self.server._query_ids))
        bot_message = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Samen"},
            "text": message.text,
        }
        update_id = self.server.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._from(),
                    "message": bot_message,
                    "chat_instance": str(self.id),
                    "data": data,
                }
            }
        )
        return update_id, query_id


class FakeBotApi:
    """Several bots at one address, as Telegram serves every bot at api.telegram.org: each
    FakeTelegram answers the requests with its own token (and keeps its own chats, calls and
    rate windows, so Telegram's limits are measured per bot)."""

    def __init__(self, *bots: FakeTelegram) -> None:
        self.bots = {bot.token: bot for bot in bots}
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._route("_handle"))
        app.router.add_get("/file/bot{token}/{path:.+}", self._route("_download"))
        self._runner = web.AppRunner(app, access_log=None)
        self.port = await serve_on_loopback(self._runner, port)
        for bot in self.bots.values():
            bot._changed = asyncio.Condition()
            bot.port = self.port
        return self.base_url

    def _route(self, handler: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def route(request: web.Request) -> web.Response:
            bot = self.bots.get(request.match_info["token"])
            if bot is None:
                return _error(401, "Unauthorized")
            answer: web.Response = await getattr(bot, handler)(request)
            return answer

        return route

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, *, recheck: float = 1.0
    ) -> None:
        """Wait until `predicate` holds: re-checked after every request any of the bots gets,
        and every `recheck` seconds for what no request tells (another process's log)."""

        async def any_request() -> None:
            conditions = [bot._changed for bot in self.bots.values() if bot._changed]

            async def on(condition: asyncio.Condition) -> None:
                async with condition:
                    await condition.wait()

            tasks = [asyncio.ensure_future(on(c)) for c in conditions]
            try:
                await asyncio.wait(tasks, timeout=recheck, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()

        async def holds() -> None:
            while not predicate():
                await any_request()

        await asyncio.wait_for(holds(), timeout)

    async def stop(self) -> None:
        for bot in self.bots.values():
            bot._closing = True  # long polls still open return at once
            await bot._notify()
        if self._runner is not None:
            await self._runner.cleanup()


async def serve_on_loopback(runner: web.AppRunner, port: int = 0) -> int:
    """Serve `runner` on 127.0.0.1 only (0: a free port); the port it listens on."""
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return int(runner.addresses[0][1])


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields (JSON strings for complex values) or a JSON body, decoded."""
    if request.content_type == "application/json":
        return dict(await request.json())
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query)
    else:
        form = await request.post()
        raw = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                raw[key] = {"filename": value.filename, "content": content}
            else:
                raw[key] = value
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                out[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        out[key] = value
    return out


def _suffix(file_name: str) -> str:
    """The extension Telegram keeps in a file_path (documents/file_3.csv)."""
    _, dot, extension = file_name.rpartition(".")
    return f".{extension.lower()}" if dot and extension.isalnum() else ""


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _reply_keyboard(markup: Any) -> list[list[str]] | None:
    """The labels of a reply keyboard ([] when the markup removes it; None: no such markup)."""
    if not markup:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    if markup.get("remove_keyboard"):
        return []
    rows = markup.get("keyboard")
    if rows is None:
        return None
    return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]


def _buttons(markup: Any) -> list[list[Button]]:
    if not markup:
        return []
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard", [])
    return [[Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows]


_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


def _check_html(text: str, parse_mode: Any) -> None:
    """Reject malformed HTML the way Telegram does, so escaping bugs surface in tests."""
    if parse_mode != "HTML":
        return
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([a-zA-Z-]+)[^>]*>|<|>", text):
        if match.group(0) in "<>":
            raise ApiError(400, "Bad Request: can't parse entities: unescaped < or >")
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in _ALLOWED_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported tag {tag}")
        if closing:
            if not stack or stack.pop() != tag:
                raise ApiError(400, "Bad Request: can't parse entities: unmatched end tag")
        else:
            stack.append(tag)
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed tag")
