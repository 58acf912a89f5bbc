"""Live acceptance: the simulator writes a run epoch by epoch while the real app watches it.

The run is the Phase 4c failure ("adaptive-masking", 150 epochs): raw loss turns at epoch 42
and the engine raises ``raw-loss-divergence`` and ``adaptive-weight-masking`` at epoch 61, so
the onset passes while the test writes. Each test drives the whole path a user relies on:
file written as the real callback does it -> watcher (native inotify, or polling) -> tailer
and engine in a worker -> coalesced snapshot -> run state, chart, findings pane and toast.
Every wait is on a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.state import STATE_ENV
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.app.widgets.findings_pane import FindingsPane
from neuromf_tui.data.tail import FORCE_POLL_ENV
from neuromf_tui.sim import LiveWriter, SimConfig, simulate

pytestmark = pytest.mark.anyio

RUN = "live_run"
EPOCHS = 150
PREWRITTEN = 40
"""Epochs on disk before the app starts: the divergence has begun, no finding is raised yet."""
STEP_UNTIL = 64
"""Last epoch written one at a time (the findings are raised at epoch 61)."""
BURST = 20
ONSET = 46
"""First epoch of both findings, as the engine dates them for this seed."""
CRITICAL = "adaptive-weight-masking"
WARNING = "raw-loss-divergence"

CATCH_UP = 3.0
"""Seconds the app may take to show one written epoch (measured: ~0.2 s native and polled)."""
KEY_LATENCY = 1.0
"""Seconds a key press may take to act while a burst is taken in (measured: < 0.25 s)."""
KEY_PACE = 0.05
"""Seconds between two key presses during the burst: a fast typist, not a flood."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class LiveRun:
    root: Path
    writer: LiveWriter


@pytest.fixture
def live_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LiveRun:
    """A results root whose one run has its first ``PREWRITTEN`` epochs on disk."""
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state.json"))
    root = tmp_path / "results"
    root.mkdir()
    run = simulate(SimConfig(scenario="adaptive-masking", epochs=EPOCHS, seed=0))
    writer = LiveWriter(root / RUN, run)
    for _ in range(PREWRITTEN):
        writer.write_next()
    return LiveRun(root, writer)


class Recorder:
    """Keeps every notification the app posts (toasts expire; this list does not)."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.notifications.append(message.notification)


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = CATCH_UP) -> float:
    """Seconds until ``condition()`` holds; fails the test with ``what`` after ``timeout``."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.perf_counter() - start


def last_epoch(app: NeuroMFApp) -> int | None:
    snapshot = app.snapshots.get(RUN)
    return snapshot.last_epoch if snapshot is not None else None


def chart_shows(app: NeuroMFApp, epoch: int, *, cursor: bool = True) -> bool:
    """The chart's latest drawing reaches ``epoch`` (and, following, puts the cursor on it)."""
    plan = app.query_one(MetricChart).plan
    if plan is None or plan.empty or plan.xlim[1] < epoch:
        return False
    drawn = max(float(np.nanmax(layer.x)) for layer in plan.layers if len(layer.x))
    return drawn == epoch and (not cursor or plan.cursor == epoch)


def open_findings(app: NeuroMFApp) -> dict[str, frozenset[str]]:
    """Finding id -> CSS classes of the items in the findings pane."""
    return {item.finding.id: item.classes for item in app.query_one(FindingsPane).items}


def toast_texts(app: NeuroMFApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query("Toast")]


async def write(live: LiveRun, count: int = 1) -> int:
    """Write ``count`` epochs from a thread, as the training process would; the last one."""

    def burst() -> int:
        epoch = None
        for _ in range(count):
            epoch = live.writer.write_next()
        assert epoch is not None, "the simulated run ended early"
        return epoch

    return await asyncio.to_thread(burst)


async def follow_epochs(app: NeuroMFApp, live: LiveRun) -> None:
    """Epochs one at a time through the findings' onset: count, chart and findings keep up."""
    assert CRITICAL not in open_findings(app) and WARNING not in open_findings(app)
    for expected in range(PREWRITTEN, STEP_UNTIL + 1):
        epoch = await write(live)
        assert epoch == expected
        await wait_until(lambda e=epoch: last_epoch(app) == e, f"epoch {epoch} in the snapshot")
        await wait_until(lambda e=epoch: chart_shows(app, e), f"epoch {epoch} on the chart")


async def findings_announced(app: NeuroMFApp, recorder: Recorder) -> None:
    """The onset that passed during the test is in the pane, on the chart and in a toast."""
    await wait_until(lambda: CRITICAL in open_findings(app), f"{CRITICAL} in the findings pane")
    classes = open_findings(app)
    assert {"-critical", "-new"} <= classes[CRITICAL]
    assert {"-warning", "-new"} <= classes[WARNING]
    assert next(iter(classes)) == CRITICAL, "worst first"
    critical = [n for n in recorder.notifications if n.title == "new critical finding"]
    assert len(critical) == 1, [n.title for n in recorder.notifications]
    assert critical[0].severity == "error"
    assert critical[0].message == (
        f"{RUN}: Adaptive weighting hides a diverging raw loss (from epoch {ONSET})"
    )
    assert any(n.title == "new warning finding" for n in recorder.notifications)
    await wait_until(
        lambda: any("Adaptive weighting hides" in text for text in toast_texts(app)),
        "the critical finding's toast on screen",
    )
    # The chart shows raw_loss_mean, which both findings cite: the onset is marked on it.
    plan = app.query_one(MetricChart).plan
    assert app.metric == "raw_loss_mean" and plan is not None and ONSET in plan.marks


async def burst_stays_responsive(app: NeuroMFApp, pilot: Pilot[None], live: LiveRun) -> None:
    """Keys act at once all the while a burst of epochs is written and taken in.

    ``z`` (zoom to the last epochs and back) is pressed every ``KEY_PACE`` seconds from the
    first write until the app holds the whole burst; each press must act within
    ``KEY_LATENCY``.
    """
    zoom = app.zoom
    target = (last_epoch(app) or 0) + BURST
    writing = asyncio.create_task(write(live, BURST))
    latencies: list[float] = []
    presses: list[asyncio.Task[None]] = []
    try:
        while not latencies or last_epoch(app) != target:
            before = app.zoom
            # Pilot.press returns once every widget is idle; the key itself must act sooner.
            presses.append(asyncio.create_task(pilot.press("z")))
            latencies.append(
                await wait_until(lambda b=before: app.zoom != b, "the zoom key", KEY_LATENCY)
            )
            if len(latencies) > 200:
                raise AssertionError("the burst was never taken in")
            await asyncio.sleep(KEY_PACE)
        assert await writing == target
    finally:
        await asyncio.gather(*presses, return_exceptions=True)
    print(f"{len(latencies)} keys during the burst, slowest {max(latencies) * 1000:.0f} ms")
    if app.zoom != zoom:
        await pilot.press("z")
    await wait_until(lambda: chart_shows(app, target), f"epoch {target} on the chart")
    assert app.query_one(MetricChart).spec.zoom_last is None


async def follow_off_keeps_the_cursor(app: NeuroMFApp, pilot: Pilot[None], live: LiveRun) -> None:
    """With follow off the data still extends but the cursor stays where the user left it."""
    await pilot.press("F")
    assert not app.follow
    kept = last_epoch(app)
    target = await write(live, BURST)
    await wait_until(lambda: last_epoch(app) == target, f"the burst up to epoch {target}")
    await wait_until(lambda: chart_shows(app, target, cursor=False), f"epoch {target} drawn")
    assert app.query_one(MetricChart).plan.cursor == kept
    await pilot.press("F")
    await wait_until(lambda: chart_shows(app, target), "the cursor back on the newest epoch")


async def watch_live(app: NeuroMFApp, live: LiveRun, recorder: Recorder, mode: str) -> None:
    async with app.run_test(size=(160, 48), notifications=True, message_hook=recorder) as pilot:
        await wait_until(lambda: last_epoch(app) == PREWRITTEN - 1, "the first load")
        await wait_until(lambda: app.snapshots[RUN].analysed, "the first analysis")
        await wait_until(lambda: app.panes_ready, "the lists and findings pane")
        await wait_until(lambda: app.watch_description != "starting…", "the watcher")
        assert app.watch_description.startswith(mode), app.watch_description
        assert app.selected_run == RUN
        await follow_epochs(app, live)
        await findings_announced(app, recorder)
        await burst_stays_responsive(app, pilot, live)
        await follow_off_keeps_the_cursor(app, pilot, live)


async def test_native_watching_follows_the_run(
    live_run: LiveRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FORCE_POLL_ENV, "0")  # native, whatever filesystem holds tmp
    recorder = Recorder()
    await watch_live(create_app(live_run.root), live_run, recorder, "watching for changes")


async def test_polling_follows_the_run(live_run: LiveRun) -> None:
    recorder = Recorder()
    await watch_live(create_app(live_run.root, poll=0.2), live_run, recorder, "polling every 0.2 s")
