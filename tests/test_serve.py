"""``neuromf-tui serve``: answers HTTP on loopback, stops cleanly, warns before exposing runs."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from neuromf_tui.cli import build_parser, main
from neuromf_tui.commands.serve import app_command, is_loopback

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, deadline: float) -> tuple[int, str, str]:
    """GET ``url``, retrying until the server listens or ``deadline`` passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8", "replace")
                return response.status, response.headers.get("Content-Type", ""), body
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start_server(port: int, state: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "neuromf_tui", "serve", str(SAMPLES), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "NEUROMF_TUI_STATE": str(state)},
    )


def stop_server(process: subprocess.Popen[str], stop: signal.Signals) -> str:
    """Send ``stop`` and return everything the server printed; it must exit 0."""
    process.send_signal(stop)
    try:
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    return out + err


async def terminal_text(url: str, wanted: str, timeout: float = 20.0) -> str:
    """What a browser session's app draws, as plain text, once ``wanted`` appears."""
    import aiohttp

    received = b""
    plain = ""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        while wanted not in plain and time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(ws.receive(), timeout=5)
            except TimeoutError:
                break
            if message.type is aiohttp.WSMsgType.BINARY:
                received += message.data
                plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", received.decode("utf-8", "replace"))
            elif message.type is not aiohttp.WSMsgType.TEXT:
                break
    return plain


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_serve_answers_on_loopback_and_stops_cleanly(stop: signal.Signals, tmp_path: Path) -> None:
    port = free_port()
    process = start_server(port, tmp_path / "state.json")
    try:
        status, content_type, body = get(
            f"http://127.0.0.1:{port}/", time.monotonic() + START_TIMEOUT
        )
    finally:
        printed = stop_server(process, stop)
    assert status == 200
    assert content_type.startswith("text/html")
    assert "<html" in body.lower()
    assert f"ws://127.0.0.1:{port}/ws" in body, "the page talks back to the same server"
    assert "Traceback" not in printed


def test_a_browser_session_runs_the_app_on_the_runs(tmp_path: Path) -> None:
    port = free_port()
    process = start_server(port, tmp_path / "state.json")
    try:
        get(f"http://127.0.0.1:{port}/", time.monotonic() + START_TIMEOUT)
        url = f"http://127.0.0.1:{port}/ws?width=120&height=32"
        text = asyncio.run(terminal_text(url, "raw_loss_mean"))
    finally:
        printed = stop_server(process, signal.SIGINT)
    assert "raw_loss_mean" in text, "the app's metric list reached the browser"
    assert "Traceback" not in printed + text


def test_serve_runs_the_app_command_on_the_resolved_path() -> None:
    command = app_command(Path("."), poll=5.0)
    assert command[:4] == [sys.executable, "-m", "neuromf_tui", "open"]
    assert command[4] == str(Path.cwd().resolve())
    assert command[5:] == ["--poll", "5.0"]


def test_only_loopback_addresses_count_as_private() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.20")
    assert not is_loopback("cluster-node-7")


def test_help_says_what_another_host_exposes() -> None:
    parser = build_parser()
    serve = parser._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    text = " ".join(serve.format_help().split())
    assert "127.0.0.1" in text
    assert "ssh -L 8000:127.0.0.1:8000" in text
    assert "exposes the app" in text


def test_serve_without_textual_serve_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    assert main(["serve", str(SAMPLES), "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "pip install 'neuromf-tui[serve]'" in err
    assert "Traceback" not in err


def test_serve_rejects_a_bad_path_before_listening(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "/nonexistent/runs", "--port", str(free_port())]) == 2
    assert "no such file" in capsys.readouterr().err
