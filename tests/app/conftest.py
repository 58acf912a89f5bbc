"""Deterministic whole-app fixtures: a copy of ``sample_runs`` with fixed ages, a private state
file, and a helper that waits for the app to finish loading instead of sleeping.

The copy's files are all dated two days ago, so every run reads "2 d" and "finished" whatever
the checkout's mtimes are; the app is started from the copy's parent with the relative path
``sample_runs``, so the header shows the same subtitle on every machine.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.state import STATE_ENV
from neuromf_tui.app.widgets.chart import MetricChart

SAMPLE_RUNS = Path(__file__).resolve().parents[2] / "sample_runs"
ROOT_NAME = "sample_runs"
RUN_COUNT = 8
AGE_SECONDS = 2 * 86400 + 600
"""Every copied file is this old: ages read "2 d" for the whole test session."""
LOAD_TIMEOUT = 20.0

PHASE4C = "phase4c_adaptive_norm"
BASELINE = "imf_baseline"


def set_mtimes(root: Path, when: float) -> None:
    """Date every file and folder under ``root`` (and ``root``) at ``when``."""
    for folder, dirs, files in os.walk(root):
        for name in files + dirs:
            os.utime(Path(folder) / name, (when, when), follow_symlinks=False)
    os.utime(root, (when, when))


def copy_runs(target: Path, runs: dict[str, str] | None = None) -> Path:
    """Copy sample runs to ``target`` (all of them, or ``{new name: sample run}``), dated."""
    if runs is None:
        shutil.copytree(SAMPLE_RUNS, target)
    else:
        target.mkdir(parents=True)
        for name, source in runs.items():
            shutil.copytree(SAMPLE_RUNS / source, target / name)
    set_mtimes(target, time.time() - AGE_SECONDS)
    return target


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dated copy of every sample run, shared by the tests (the app never writes there)."""
    return copy_runs(tmp_path_factory.mktemp("runs") / ROOT_NAME)


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private UI state file (the user's real one is never read or written)."""
    path = tmp_path / "state" / "state.json"
    monkeypatch.setenv(STATE_ENV, str(path))
    return path


@pytest.fixture
def make_app(
    sample_copy: Path, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., NeuroMFApp]]:
    """Builds apps on the shared copy through the one app factory: one poll, no watcher."""
    monkeypatch.chdir(sample_copy.parent)

    def make(root: Path = Path(ROOT_NAME)) -> NeuroMFApp:
        return create_app(root, watch_files=False)

    yield make


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def loaded(app: NeuroMFApp, count: int) -> bool:
    """Every run analysed, the selection applied and the main chart drawn for it."""
    if len(app.snapshots) < count or not all(s.analysed for s in app.snapshots.values()):
        return False
    if app.selected_run is None or not app.panes_ready:
        return False
    chart = app.query_one(MetricChart)
    return chart.plan is not None and chart._timer is None


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = LOAD_TIMEOUT
) -> None:
    """Pause until ``condition()`` holds; fails the test after ``timeout`` seconds."""
    if condition():
        return
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        await pilot.pause(0.02)
    await pilot.pause()  # let what the condition waited for finish its own messages


async def wait_loaded(pilot: Pilot[None], count: int = RUN_COUNT) -> NeuroMFApp:
    """Wait until the app has loaded and analysed ``count`` runs and painted its chart."""
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    await wait_until(pilot, lambda: loaded(app, count))
    return app


async def settle(pilot: Pilot[None]) -> None:
    """Let throttled chart redraws land (``pilot.press`` already waits for the messages).

    A chart redraws at most every ``REDRAW_INTERVAL``; a later request waits on a timer.
    """
    app = pilot.app

    def drawn() -> bool:
        return all(chart._timer is None for chart in app.screen.query(MetricChart))

    await wait_until(pilot, drawn, timeout=5.0)


def screen_text(app: NeuroMFApp) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def run_palette(
    pilot: Pilot[None],
    query: str,
    expected: str,
    before_enter: Callable[[NeuroMFApp], None] | None = None,
) -> None:
    """ctrl+p, type ``query``, wait until ``expected`` is the highlighted hit, enter.

    ``before_enter`` checks the app with the palette open (e.g. that no markup leaked).
    """
    from textual.command import CommandList, CommandPalette

    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=5.0)
    await pilot.press(*query)

    def offered() -> bool:
        hits = app.screen.query_one(CommandList)
        if hits.highlighted is None or not hits.option_count:
            return False
        prompt = str(hits.get_option_at_index(hits.highlighted).prompt)
        return prompt.splitlines()[0] == expected  # the hit's help line follows

    await wait_until(pilot, offered, timeout=5.0)
    if before_enter is not None:
        before_enter(app)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette), timeout=5.0)
    await settle(pilot)
