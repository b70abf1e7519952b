"""`samen try` as a newcomer runs it: one process on 127.0.0.1 that never reaches the network
(every socket it binds, connects or looks up is audited), and that refuses to start next to a
real bot token."""

from __future__ import annotations

import ast
import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.cli.trying import REAL_TOKEN_REFUSED, refusal
from bot.demo.fake_telegram import TOKEN
from bot.demo.telegram_html import safe_html

ROOT = Path(__file__).resolve().parent.parent
REAL_LOOKING = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw8"

# Runs `samen try` with an audit hook installed before anything else is imported: each
# socket event is written to the file named first, one Python literal a line.
AUDITED_TRY = """
import sys
record = open(sys.argv[1], "a", buffering=1)
SOCKETS = {"socket.bind", "socket.connect", "socket.sendto"}
NAMES = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}
def audit(event, args):
    if event in SOCKETS | NAMES:
        address = args[1] if event in SOCKETS else args[0]
        if not isinstance(address, (str, tuple)):
            address = str(address)
        record.write(repr((event, address)) + "\\n")
sys.addaudithook(audit)
from bot.cli import main
sys.exit(main(sys.argv[2:]))
"""


# ::1 only for urllib3's probe at import, whether this machine has IPv6 (a bind to port 0).
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return host in LOOPBACK


async def test_samen_try_makes_no_connection_beyond_this_machine(tmp_path: Path) -> None:
    record = tmp_path / "sockets.txt"
    env = {
        key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env["PYTHONPATH"] = str(ROOT)
    env["TELEGRAM_BOT_TOKEN"] = TOKEN  # a test token, not a real one: no refusal
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        AUDITED_TRY,
        str(record),
        "try",
        "--no-browser",
        "--start",
        "2026-11-30",
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    url = ""
    try:
        while not url:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, (await process.stderr.read()).decode()[-3000:]  # type: ignore[union-attr]
            if "open http://127.0.0.1:" in line:
                url = line.split("open ", 1)[1].strip()
        async with aiohttp.ClientSession(url) as web:
            async with web.get("/api/state") as response:
                state = await response.json()
            assert state["clock"]["text"].startswith("maandag 30 november")
            # A step in a phone, a tap, and a jump of the clock.
            async with web.post("/api/phones/S002/say", json={"text": "/help"}) as response:
                assert response.status == 200
            async with web.get("/api/phones/G020") as response:
                welcome = (await response.json())["messages"][-1]
            data = welcome["inline_keyboard"][0][0]["data"]
            tapped = {"message_id": welcome["id"], "data": data}
            async with web.post("/api/phones/G020/tap", json=tapped) as response:
                assert response.status == 200
            async with web.post("/api/clock", json={"jump": "next_school_day"}) as response:
                assert (await response.json())["clock"]["text"].startswith("dinsdag 1 december")
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 60)
    assert returncode == 0, (await process.stderr.read()).decode()[-3000:]  # type: ignore[union-attr]

    events = [ast.literal_eval(line) for line in record.read_text().splitlines()]
    binds = [address for event, address in events if event == "socket.bind"]
    connects = [address for event, address in events if event == "socket.connect"]
    # The fake Bot API and the page listen; the bot connects to the fake Bot API.
    assert len(binds) >= 2 and connects
    outside = [(event, address) for event, address in events if not loopback(address)]
    assert outside == []
    assert all(address[0] == "127.0.0.1" for address in connects)


def test_samen_try_refuses_a_real_looking_token(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", REAL_LOOKING)

    def never(*_: object) -> None:
        raise AssertionError("the demo started")

    monkeypatch.setattr("bot.cli.trying._serve", never)
    assert main(["try", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert REAL_TOKEN_REFUSED in err and err.count(".") == REAL_TOKEN_REFUSED.count(".")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("token", "refused"),
    [
        (REAL_LOOKING, True),
        (f" {REAL_LOOKING}\n", True),
        (TOKEN, False),
        ("", False),
        ("123456789:short", False),
    ],
)
def test_which_tokens_are_real_looking(token: str, refused: bool) -> None:
    assert (refusal({"TELEGRAM_BOT_TOKEN": token}) is not None) is refused


def test_samen_run_without_a_token_points_to_samen_try(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "samen try" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("<b>Vet</b> &amp; <i>schuin</i>\nregel", "<b>Vet</b> &amp; <i>schuin</i><br>regel"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<b onclick="steal()">x</b>', "<b>x</b>"),
        ('<a href="javascript:alert(1)">x</a>', "x"),
        ('<a href="https://t.me/x" style="color:red">x</a>', '<a href="https://t.me/x"'),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("<svg/onload=alert(1)>", "&lt;svg/onload=alert(1)&gt;"),
        ("<tg-spoiler>geheim</tg-spoiler>", '<span class="spoiler">geheim</span>'),
        ('<span class="tg-spoiler">geheim</span>', '<span class="spoiler">geheim</span>'),
        ("<b><i>open", "<b><i>open</i></b>"),
        ("a < b", "a &lt; b"),
        ("<!-- x --><style>p{}</style>", "&lt;!-- x --&gt;&lt;style&gt;p{}&lt;/style&gt;"),
    ],
)
def test_what_samen_sends_never_becomes_script_on_the_page(sent: str, shown: str) -> None:
    assert safe_html(sent).startswith(shown)


def test_only_allowlisted_tags_and_a_links_address_survive() -> None:
    shown = safe_html(
        '<a href="https://school.example/x" onmouseover="x()" target="_self">ok</a>'
        "<iframe src=//evil></iframe><form action=//evil><input></form>"
    )
    tags = {tag.split()[0] for tag in __import__("re").findall(r"<(/?[a-z-]+[^>]*)>", shown)}
    assert tags <= {"a", "/a"}
    assert "onmouseover" not in shown.split("&lt;")[0] and "_self" not in shown
