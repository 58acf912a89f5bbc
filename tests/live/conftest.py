"""Fixtures of the live-fault, soak and scale tests: a private state file, native or polling
watching, and a short rewrite grace so that "emptied" and "cut short" settle within a test."""

from __future__ import annotations

from pathlib import Path

import pytest

import neuromf_tui.data.summary_file as summary_file_module
from neuromf_tui.app.state import STATE_ENV
from neuromf_tui.data.tail import FORCE_POLL_ENV

GRACE = 0.5
"""Rewrite grace in these tests (5 s in use): a file empty this long was emptied."""
POLL = 0.2
"""Poll interval of the polling variants (seconds)."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's real UI state file is never read or written."""
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state" / "state.json"))


@pytest.fixture
def short_grace(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(summary_file_module, "REWRITE_GRACE", GRACE)
    return GRACE


@pytest.fixture(params=["native", "polling"])
def watch_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each live test runs twice: inotify events, then polling only (as on NFS)."""
    monkeypatch.setenv(FORCE_POLL_ENV, "0" if request.param == "native" else "1")
    return str(request.param)
