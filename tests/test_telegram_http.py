"""The HTTP layer under python-telegram-bot: failures become PTB's own errors, so the
outbox and the handlers treat them as they would with PTB's default client."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from bot.platform.telegram_http import AiohttpRequest


async def test_a_server_that_does_not_answer_in_time_is_a_timeout() -> None:
    never = asyncio.Event()

    async def hang(_: web.Request) -> web.Response:
        await never.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hang", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/hang", "POST")
    finally:
        never.set()
        await request.shutdown()
        await runner.cleanup()


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/x", "POST")
    finally:
        await request.shutdown()


async def test_it_refuses_to_work_before_it_is_initialised() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


class _Proxy:
    """A plain HTTP proxy that answers every request itself and keeps what it was asked."""

    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in head
                if line.lower().startswith("content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        self.requests.append([line for line in head if line])
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nproxied!")
        await writer.drain()
        writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def proxy(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[_Proxy]:
    """A proxy on loopback, and an environment that names no proxy yet (nor exceptions)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = _Proxy()
    await server.start()
    yield server
    await server.stop()


async def test_calls_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch, proxy: _Proxy
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://school%40board:s3cret@127.0.0.1:{proxy.port}")
    request = AiohttpRequest()
    await request.initialize()
    try:
        for method in ("getMe", "sendMessage"):
            status, body = await request.do_request(
                f"http://api.telegram.invalid/bot123:ABC/{method}", "POST"
            )
            assert (status, body) == (200, b"proxied!")
    finally:
        await request.shutdown()
    assert [head[0] for head in proxy.requests] == [
        "POST http://api.telegram.invalid/bot123:ABC/getMe HTTP/1.1",
        "POST http://api.telegram.invalid/bot123:ABC/sendMessage HTTP/1.1",
    ]
    credentials = base64.b64encode(b"school@board:s3cret").decode()
    for head in proxy.requests:
        assert f"Proxy-Authorization: Basic {credentials}" in head


async def test_a_host_in_no_proxy_is_reached_directly(
    monkeypatch: pytest.MonkeyPatch, proxy: _Proxy
) -> None:
    direct = _Proxy()  # stands in for the Bot API itself
    await direct.start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    request = AiohttpRequest()
    await request.initialize()
    try:
        status, _ = await request.do_request(f"http://127.0.0.1:{direct.port}/bot1:A/getMe", "POST")
    finally:
        await request.shutdown()
        await direct.stop()
    assert status == 200
    assert proxy.requests == []
    assert [head[0] for head in direct.requests] == ["POST /bot1:A/getMe HTTP/1.1"]


async def test_the_tunnel_to_an_https_api_is_opened_with_the_proxys_credentials(
    monkeypatch: pytest.MonkeyPatch, proxy: _Proxy
) -> None:
    # The proxy answers the CONNECT, then speaks no TLS: the call fails after it.
    monkeypatch.setenv("HTTPS_PROXY", f"http://board:pw@127.0.0.1:{proxy.port}")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request("https://api.telegram.invalid/bot123:ABC/getMe", "POST")
    finally:
        await request.shutdown()
    (connect,) = proxy.requests
    assert connect[0] == "CONNECT api.telegram.invalid:443 HTTP/1.1"
    assert f"Proxy-Authorization: Basic {base64.b64encode(b'board:pw').decode()}" in connect
