"""How Samen talks HTTP to the Bot API: python-telegram-bot's request interface on aiohttp.

Measured with `python -m tests.bench.run`: a Bot API call through PTB's default httpx stack
costs about 0.9 ms of CPU on this project's machine, through aiohttp about a third of that.
Every message, edit and button answer pays it, so for a broadcast or a busy parents' evening
this is most of Samen's own cost. PTB documents `BaseRequest` as the place to plug in another
HTTP library; everything above it (parameters, JSON, Telegram's errors) stays PTB's own.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

# PTB marks "not given" with instances of this class; it is not exported by name.
DefaultValue = type(BaseRequest.DEFAULT_NONE)


class AiohttpRequest(BaseRequest):
    """One pooled aiohttp session; timeouts as PTB's defaults (5 s; 20 s to upload a file)."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 1.0,
        media_timeout: float = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None
        # The proxy for each scheme and host, read from the environment once (`_route_for`).
        self._routes: dict[str, _Route] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Not aiohttp's trust_env: it reads ~/.netrc and the proxy settings again on a
                # worker thread for every request (two thread hand-offs per Bot API call).
                # The proxy is read once per host instead, in `_route_for`.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else {}
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        if isinstance(write_timeout, DefaultValue):
            # aiohttp has no separate write timeout: an upload gets its time as a whole.
            write = self._media_timeout if files else None
        else:
            write = write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=write,
            # aiohttp's `connect` includes waiting for a free connection in the pool.
            connect=None if connect is None else connect + (pool or 0.0),
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | dict[str, str] = fields
        if files:
            form = aiohttp.FormData()
            for name, value in fields.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        route = await self._route_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=route.proxy,
                headers=route.request_headers,
                proxy_headers=route.tunnel_headers,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    async def _route_for(self, url: str) -> _Route:
        """The proxy that HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or the system's settings) give
        for `url`'s scheme and host, as PTB's httpx default honours them; read once per host."""
        scheme, _, rest = url.partition("://")
        key = f"{scheme}://{rest.split('/', 1)[0]}"
        if key not in self._routes:
            self._routes[key] = await asyncio.to_thread(_environment_route, key)
        return self._routes[key]


@dataclass(frozen=True)
class _Route:
    """How requests to one scheme and host go: directly, or through a proxy. A proxy's
    credentials go in Proxy-Authorization: on each request to a plain-HTTP address (sent to
    the proxy as it is), on the CONNECT that opens the tunnel to an HTTPS one."""

    proxy: str | None = None
    request_headers: dict[str, str] | None = None
    tunnel_headers: dict[str, str] | None = None


def _environment_route(origin: str) -> _Route:
    target = urlsplit(origin)
    if target.hostname is not None and proxy_bypass(target.hostname):
        return _Route()
    found = getproxies().get(target.scheme)
    if not found:
        return _Route()
    proxy = urlsplit(found)
    if proxy.username is None:
        return _Route(found)
    credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
    login = {"Proxy-Authorization": f"Basic {base64.b64encode(credentials).decode()}"}
    bare = proxy._replace(netloc=proxy.netloc.rpartition("@")[2]).geturl()
    if target.scheme == "https":
        return _Route(bare, tunnel_headers=login)
    return _Route(bare, request_headers=login)
