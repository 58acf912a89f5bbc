"""Scale: a root of many runs opens progressively, and within a memory bound (issue #6).

The default variant opens 150 runs (finished, plus two live ones being written) and watches
the run browser fill: it must list some runs, then more, before it lists them all, rather
than stay empty until one blocking scan ends; and the initial load must raise no toast (the
findings a run holds when first read are not news). The ``soak`` variant opens 1,000 runs
(the cached root of ``bench/scale.py``) and holds the process under 500 MB.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

import neuromf_tui.app.app as app_module
from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.state import load_state
from neuromf_tui.app.widgets.run_browser import RunBrowser
from neuromf_tui.sim import LiveWriter, SimConfig, simulate
from neuromf_tui.sim.fleet import cached_fleet, write_fleet
from tests.live.support import rss_mb, wait_until

pytestmark = pytest.mark.anyio

MEMORY_BOUND_MB = 500.0


def add_live_runs(root: Path, count: int) -> list[LiveWriter]:
    writers = []
    for index in range(count):
        config = SimConfig(epochs=300, seed=500 + index)
        writer = LiveWriter(root / f"live_{index}", simulate(config), force=True)
        for _ in range(30):
            writer.write_next()
        writers.append(writer)
    return writers


async def open_and_watch_the_list(app: NeuroMFApp, total: int) -> list[int]:
    """The browser's run counts, as they change, until it lists ``total`` runs."""
    counts: list[int] = []

    def listed() -> bool:
        if app.panes_ready:
            count = len(app.query_one(RunBrowser).visible_runs)
            if not counts or counts[-1] != count:
                counts.append(count)
        return bool(counts) and counts[-1] == total

    await wait_until(listed, f"{total} runs listed", timeout=120.0)
    return counts


async def test_a_large_root_fills_the_run_list_progressively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "results"
    write_fleet(root, 148, distinct=8, epoch_files=False)
    writers = add_live_runs(root, 2)
    total = 150
    # Small batches whatever the machine's speed: the test is about order, not timing.
    monkeypatch.setattr(app_module, "LOAD_BATCH_SECONDS", 0.02)
    toasts: list[str] = []

    def record(message: Message) -> None:
        if isinstance(message, Notify):
            toasts.append(message.notification.title)

    # Marks saved last session, on runs that come in late batches, must survive the load.
    state = load_state()
    marked = ["run_0000", "run_0147"]
    state.for_root(root).marked = list(marked)
    app = create_app(root, state=state)
    async with app.run_test(size=(160, 48), message_hook=record):
        counts = await open_and_watch_the_list(app, total)
        await wait_until(
            lambda: all(s.analysed for s in app.snapshots.values()), "every run analysed"
        )
        await wait_until(lambda: app.query_one(RunBrowser).marks == set(marked), "the marks")
        assert app.marked == set(marked)
        writers[0].write_next()  # the live runs are still followed
        await wait_until(lambda: app.snapshots["live_0"].last_epoch == 30, "a live epoch")
    print(f"\nrun counts listed as the load went: {counts}")
    assert any(1 < count < total for count in counts), f"no partial list seen: {counts}"
    assert counts == sorted(counts), "runs are only added while loading"
    assert not [title for title in toasts if "finding" in title], toasts


@pytest.mark.soak
async def test_a_thousand_runs_stay_under_the_memory_bound() -> None:
    root = cached_fleet(Path("/tmp/neuromf-tui-scale/runs-995"), 995)
    add_live_runs(root, 5)
    started = time.perf_counter()
    app = create_app(root)
    async with app.run_test(size=(160, 48)):
        counts = await open_and_watch_the_list(app, 1000)
        await wait_until(
            lambda: all(s.analysed for s in app.snapshots.values()), "every run analysed"
        )
        gc.collect()
        resident = rss_mb()
    print(f"\n1,000 runs listed in {time.perf_counter() - started:.1f} s; {resident:.0f} MB")
    assert len(counts) > 3, f"the list filled in {len(counts)} steps: {counts}"
    assert resident < MEMORY_BOUND_MB
