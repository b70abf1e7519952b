"""Fake translation services that speak the real HTTP APIs, on loopback: LibreTranslate
(`GET /languages`, `POST /translate`) and DeepL v2 (`GET /v2/languages`, `POST /v2/translate`
with the `DeepL-Auth-Key` header). A "translation" is the words marked with the language
pair, so a test sees what was translated from and to; `down` makes the service fail."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

DEEPL_KEY = "test-key:fx"


def translated(text: str, source: str, target: str) -> str:
    return f"[{source.lower()}→{target.lower()}] {text}"


class _FakeService:
    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.down = False
        self.requests: list[dict[str, Any]] = []  # every translation asked, as sent
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError


class FakeLibreTranslate(_FakeService):
    def routes(self, app: web.Application) -> None:
        app.router.add_get("/languages", self._languages)
        app.router.add_post("/translate", self._translate)

    async def _languages(self, _: web.Request) -> web.Response:
        listed = [{"code": c, "name": c, "targets": list(self.languages)} for c in self.languages]
        return web.json_response(listed)

    async def _translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.down:
            return web.json_response({"error": "Slowdown"}, status=503)
        source, target = body["source"], body["target"]
        if source not in self.languages or target not in self.languages:
            return web.json_response({"error": f"{source} is not supported"}, status=400)
        answer: dict[str, Any] = {"translatedText": translated(body["q"], source, target)}
        if source == "auto":
            answer["detectedLanguage"] = {"confidence": 90.0, "language": "nl"}
        return web.json_response(answer)


class FakeDeepL(_FakeService):
    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/v2/languages", self._languages)
        app.router.add_post("/v2/translate", self._translate)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"DeepL-Auth-Key {DEEPL_KEY}"

    async def _languages(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"message": "Forbidden"}, status=403)
        form = await request.post()
        target = request.query.get("type") == "target" or form.get("type") == "target"
        codes = [("EN-GB" if c == "en" and target else c.upper()) for c in self.languages]
        return web.json_response([{"language": c, "name": c} for c in codes])

    async def _translate(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"message": "Forbidden"}, status=403)
        body = json.loads(await request.text())
        self.requests.append(body)
        if self.down:
            return web.json_response({"message": "Too many requests"}, status=429)
        source = body.get("source_lang") or "NL"
        texts = body["text"] if isinstance(body["text"], list) else [body["text"]]
        return web.json_response(
            {
                "translations": [
                    {
                        "detected_source_language": source,
                        "text": translated(t, source, body["target_lang"].split("-")[0]),
                        "billed_characters": len(t),
                    }
                    for t in texts
                ]
            }
        )
