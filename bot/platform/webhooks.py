"""Telegram's webhook for every school's bot, and a health check, on one port of a worker.

Behind the school board's reverse proxy (TLS there), Telegram posts each bot's updates to
`<SAMEN_WEBHOOK_URL>/<key>`: the key is the school's id (`samen` for the one school). Every
request must carry the bot's secret token in `X-Telegram-Bot-Api-Secret-Token`, else it is
refused (403) and changes nothing. The secret is derived from the bot's token, so every worker
knows it without storing another secret, and it reveals nothing of the token.

Only the worker that serves a school (it holds the school's lease) takes its updates; another
worker answers 503, and the proxy tries the next one (nginx: `proxy_next_upstream http_503
non_idempotent`), so each update is handled once, by the worker that also sends the school's
messages. `GET /health` answers 200 with the schools this worker serves, for the proxy's or the
load balancer's health check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The path of the one school's bot, when there are not several.
ONE_SCHOOL_KEY = "samen"


def webhook_key(school_id: str | None) -> str:
    return school_id or ONE_SCHOOL_KEY


def webhook_secret(token: str) -> str:
    """The secret Telegram sends with every update of this bot: 64 characters of [0-9a-f]
    (Telegram allows A-Z, a-z, 0-9, _ and -, up to 256), the same on every worker."""
    return hmac.new(token.encode(), b"samen webhook secret", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Listen:
    """Where a worker's web server listens (SAMEN_LISTEN, host:port)."""

    host: str = "127.0.0.1"
    port: int = 8080

    @classmethod
    def parse(cls, text: str) -> Listen:
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"SAMEN_LISTEN={text!r}: give host:port, e.g. 127.0.0.1:8080")
        return cls(host.strip("[]"), int(port))


class WebhookServer:
    """The web server of one worker: the webhooks of the schools it serves, and /health."""

    def __init__(self, secrets: dict[str, str], listen: Listen) -> None:
        """`secrets`: every school's key and its bot's secret, served here or not."""
        self._secrets = secrets
        self._listen = listen
        self._served: dict[str, Application] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    def serve(self, key: str, application: Application) -> None:
        """From now on, this worker takes the updates of the school `key`."""
        self._served[key] = application

    def stop_serving(self, key: str) -> None:
        self._served.pop(key, None)

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/{key}", self._update)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._listen.host, self._listen.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("web server listening on %s:%s", self._listen.host, self.port)

    async def stop(self) -> None:
        self._served.clear()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _update(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        secret = self._secrets.get(key)
        if secret is None:
            return web.Response(status=404, text="no such bot")
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            # Logged without what was sent: a probe, or a proxy that lost the header.
            log.warning("webhook request refused: wrong secret token for %s", key)
            return web.Response(status=403, text="wrong secret token")
        application = self._served.get(key)
        if application is None:
            return web.Response(status=503, text="this worker does not serve that school now")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await application.update_queue.put(update)
        return web.Response(status=200)

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "serving": sorted(self._served)})


@dataclass(frozen=True)
class Webhook:
    """How one school's bot takes its updates by webhook on this worker."""

    server: WebhookServer
    key: str
    url: str  # where Telegram posts them: the public address, through the proxy
    secret: str

    @classmethod
    def of(cls, server: WebhookServer, base_url: str, school_id: str | None, token: str) -> Webhook:
        key = webhook_key(school_id)
        return cls(server, key, f"{base_url.rstrip('/')}/{key}", webhook_secret(token))
