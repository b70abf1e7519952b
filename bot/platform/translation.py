"""Machine translation of the words people write to each other, through the services a school
chooses in `[translation]`: LibreTranslate (open source; the school can run it on its own
server, so no text leaves its control) or DeepL (the official `deepl` package).

Only free text is ever sent: never a catalogued text, a legal text or a name. Each service's
languages are read from its own list; the services are tried in the school's order, and a
language none of them has is simply not translated. A service that is down or slow makes
`translate` return None: callers deliver the words untranslated and try once more later.
Nothing here logs what people wrote."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import aiohttp

from bot.platform.config import TranslationService

log = logging.getLogger(__name__)
T = TypeVar("T")

# One call may take this long before the words go out untranslated (and are tried again).
TIMEOUT = 8.0
# Before a message is sent, a service gets this long: a quick answer is sent at once, in one
# message; a slower one follows as an edit, so the writer never waits long.
BEFORE_SENDING = 2.0


class Unavailable(Exception):
    """The service did not answer as it should (down, slow, refused the key)."""


@dataclass(frozen=True)
class Translated:
    text: str
    service: str  # which one translated it, for the record


@dataclass(frozen=True)
class Languages:
    sources: frozenset[str]
    targets: frozenset[str]

    def support(self, source: str, target: str) -> bool:
        return source in self.sources and target in self.targets


class Service(Protocol):
    name: str

    async def languages(self) -> Languages: ...

    async def translate(self, text: str, source: str, target: str) -> str: ...


class LibreTranslate:
    """LibreTranslate's HTTP API: `GET /languages`, `POST /translate`."""

    name = "libretranslate"

    def __init__(self, url: str, api_key: str | None = None) -> None:
        self._url = url.rstrip("/")
        self._api_key = api_key

    async def languages(self) -> Languages:
        listed = await self._call("GET", "/languages", None)
        if not isinstance(listed, list):
            raise Unavailable("unexpected /languages answer")
        sources = frozenset(str(entry["code"]) for entry in listed)
        targets = frozenset(
            str(t) for entry in listed for t in entry.get("targets", [entry["code"]])
        )
        return Languages(sources, targets)

    async def translate(self, text: str, source: str, target: str) -> str:
        body: dict[str, str] = {"q": text, "source": source, "target": target, "format": "text"}
        if self._api_key:
            body["api_key"] = self._api_key
        answer = await self._call("POST", "/translate", body)
        if not isinstance(answer, dict) or not isinstance(answer.get("translatedText"), str):
            raise Unavailable("unexpected /translate answer")
        return str(answer["translatedText"])

    async def _call(self, method: str, path: str, body: dict[str, str] | None) -> object:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(method, self._url + path, json=body) as response,
            ):
                if response.status != 200:
                    raise Unavailable(f"HTTP {response.status}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Unavailable(type(exc).__name__) from exc


class DeepL:
    """DeepL's API v2 through the official package (which blocks: it runs in a thread)."""

    name = "deepl"

    def __init__(self, api_key: str, server_url: str | None = None) -> None:
        # Imported only by a school that chose DeepL: with `requests` it would weigh on every
        # other school's memory (about 10 MB).
        import deepl

        self._deepl = deepl
        # One try, and not longer than TIMEOUT: a slow service must not hold a message up.
        deepl.http_client.max_network_retries = 0
        deepl.http_client.min_connection_timeout = TIMEOUT
        self._client = deepl.Translator(api_key, server_url=server_url, send_platform_info=False)

    async def languages(self) -> Languages:
        sources = await self._run(self._client.get_source_languages)
        targets = await self._run(self._client.get_target_languages)
        return Languages(
            frozenset(lang.code.lower() for lang in sources),
            frozenset(lang.code.split("-")[0].lower() for lang in targets),
        )

    async def translate(self, text: str, source: str, target: str) -> str:
        # DeepL wants a variant of English as a target.
        code = "EN-GB" if target == "en" else target.upper()
        result = await self._run(
            lambda: self._client.translate_text(text, source_lang=source.upper(), target_lang=code)
        )
        return str(result[0].text if isinstance(result, list) else result.text)

    async def _run(self, call: Callable[[], T]) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(call), TIMEOUT)
        except (self._deepl.DeepLException, TimeoutError) as exc:
            raise Unavailable(type(exc).__name__) from exc


class MachineTranslation:
    """The school's services in its order; each one's languages read once from the service."""

    def __init__(self, services: Sequence[Service]) -> None:
        self._services = list(services)
        self._languages: dict[int, Languages] = {}

    @property
    def configured(self) -> bool:
        return bool(self._services)

    async def translate_quickly(
        self, text: str, source: str, targets: set[str]
    ) -> dict[str, Translated | None]:
        """Per language asked, the translation a service gave within BEFORE_SENDING, or None
        when it was asked and gave none in time (it is then tried once more, later)."""
        wanted = sorted(t for t in targets if t != source)
        if not self._services or not text or not wanted:
            return {}
        calls = [self.translate(text, source, target) for target in wanted]
        try:
            answers = await asyncio.wait_for(asyncio.gather(*calls), BEFORE_SENDING)
        except TimeoutError:
            return dict.fromkeys(wanted)
        return dict(zip(wanted, answers, strict=True))

    async def translate(self, text: str, source: str, target: str) -> Translated | None:
        """`text` in `target`; None when no service has both languages or none answered."""
        if source == target:
            return None
        for index, service in enumerate(self._services):
            try:
                languages = await self._languages_of(index, service)
                if not languages.support(source, target):
                    continue
                return Translated(await service.translate(text, source, target), service.name)
            except Unavailable as exc:
                # The reason only: never the words.
                log.warning("translation by %s failed: %s", service.name, exc)
        return None

    async def _languages_of(self, index: int, service: Service) -> Languages:
        if index not in self._languages:
            self._languages[index] = await service.languages()
        return self._languages[index]


def machine_translation(configured: Sequence[TranslationService]) -> MachineTranslation:
    """The services `samen.toml` names, in its order."""
    services: list[Service] = []
    for entry in configured:
        if entry.provider == "libretranslate":
            services.append(LibreTranslate(entry.url or "", entry.api_key))
        else:
            services.append(DeepL(entry.api_key or "", entry.url))
    return MachineTranslation(services)
