"""Live latency: a new epoch written to disk -> that epoch on screen, in the real app.

A healthy run of 5,000 epochs is put in a temporary results root minus its last few epochs;
the app (``create_app``, headless through ``App.run_test``, 160x48) selects it and charts
``raw_loss_mean``. A thread then writes one epoch at a time the way the simulator's
``LiveWriter`` does (the epoch's own summary, then the whole aggregate rewritten through a
truncating open in 8 KiB blocks). Latency runs from the moment that rewrite is closed to the
first paint (``MetricChart.render``) after a chart redraw whose data holds the new epoch.
Hooks on the app and the chart also time the stages in between: the monitor's snapshot
ready (``parsed``: watcher, tailer and engine), in ``app.snapshots`` (``applied``: the
coalescing tick), chart ``drawn`` and ``painted``.

Native watching (inotify, 50 ms debounce) and polling (``--poll``, default 1 s) are measured
in turn, ``--samples`` epochs each. Epochs are written after a random pause of 0.3 s to 0.3 s
plus one poll interval, so the polling numbers cover every phase of the poll clock.

Targets: native, max under 250 ms; polling, max under the interval + 100 ms.

Usage: ``python bench/live_latency.py [--epochs 5000] [--samples 10] [--poll 1]
[--modes native,poll]``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RUN = "live_5k"
NATIVE_TARGET = 0.250
POLL_SLACK = 0.100
SHOW_TIMEOUT = 15.0


class EpochWriter:
    """Writes epoch ``n`` as ``LiveWriter.write_next`` would after ``n - 1`` epochs.

    ``LiveWriter`` itself would have to rewrite the growing aggregate 5,000 times to get
    there; ``write_run`` lays down the same bytes for the first epochs at once, and this picks
    up where it stopped. The JSON is encoded before the write starts: the training process
    encodes on its own CPU, and encoding here would hold the bench's GIL against the app.
    """

    def __init__(self, root: Path, history: list[dict[str, Any]], start: int) -> None:
        from neuromf_tui.sim.writer import RunPaths

        self.paths = RunPaths(root, "current")
        self.history = history
        self.next = start

    def encode_next(self) -> tuple[int, bytes, bytes]:
        """The next epoch's number, its summary file and the whole aggregate, as bytes."""
        record = self.history[self.next]
        summary = json.dumps(record, indent=2, default=str).encode()
        aggregate = json.dumps(self.history[: self.next + 1], indent=2, default=str).encode()
        return int(record["epoch"]), summary, aggregate

    def write(self, encoded: tuple[int, bytes, bytes]) -> float:
        """Write what ``encode_next`` made, in 8 KiB blocks; how long the writes took."""
        from neuromf_tui.sim.writer import BLOCK_SIZE

        started = time.perf_counter()
        epoch, summary, aggregate = encoded
        path = self.paths.epoch_file(epoch)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(summary)
        with open(self.paths.aggregate, "wb") as f:
            for start in range(0, len(aggregate), BLOCK_SIZE):
                f.write(aggregate[start : start + BLOCK_SIZE])
                f.flush()
        self.next += 1
        return time.perf_counter() - started


STAGES = ("parsed", "applied", "drawn", "painted")
"""Monitor snapshot ready (watcher + tailer + engine), in app.snapshots (apply tick), chart
redrawn, chart painted: each timed from the end of the write."""


@dataclasses.dataclass
class Sample:
    epoch: int
    write_seconds: float
    written_at: float
    at: dict[str, float] = dataclasses.field(default_factory=dict)
    x_range_reaches: bool = False

    @property
    def latency(self) -> float:
        return self.at["painted"] - self.written_at

    def stage(self, name: str) -> float | None:
        """None when the app took the epoch in before the write was timed (a race: rare)."""
        return self.at[name] - self.written_at if name in self.at else None


def prepare(root: Path, epochs: int, keep_back: int) -> tuple[list[dict[str, Any]], int]:
    """The run on disk up to ``epochs - keep_back``; the full history and that first epoch."""
    from neuromf_tui.sim import SimConfig, simulate, write_run

    run = simulate(SimConfig(scenario="healthy", epochs=epochs, seed=0))
    start = epochs - keep_back
    write_run(root / RUN, dataclasses.replace(run, history=run.history[:start]))
    return run.history, start


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no {what} within {timeout} s")
        await asyncio.sleep(0.01)


async def measure(mode: str, args: argparse.Namespace) -> list[Sample]:
    root = Path(tempfile.mkdtemp(prefix="neuromf_live_"))
    try:
        return await measure_in(root, mode, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def measure_in(root: Path, mode: str, args: argparse.Namespace) -> list[Sample]:
    from neuromf_tui.app.factory import create_app
    from neuromf_tui.app.widgets.chart import MetricChart
    from neuromf_tui.app.widgets.run_browser import RunBrowser
    from neuromf_tui.data.tail import FORCE_POLL_ENV
    from neuromf_tui.monitor import Monitor
    from neuromf_tui.snapshot import MonitorUpdate, RunSnapshot

    history, start = prepare(root, args.epochs, args.samples + 1)
    poll = args.poll if mode == "poll" else None
    os.environ[FORCE_POLL_ENV] = "0"  # native means native, whatever filesystem holds /tmp
    app = create_app(root, poll=poll)
    writer = EpochWriter(root / RUN, history, start)
    samples: list[Sample] = []
    pending: list[Sample] = []
    shown = threading.Event()

    def reached(stage: str, epoch: int | None) -> None:
        """Time ``stage`` for the waiting sample if ``epoch`` is at least its epoch."""
        if pending and epoch is not None and epoch >= pending[0].epoch:
            pending[0].at.setdefault(stage, time.perf_counter())

    original_process = Monitor.process

    def process(monitor: Monitor, *args: Any, **kwargs: Any) -> MonitorUpdate:
        update = original_process(monitor, *args, **kwargs)
        snapshot = update.snapshots.get(RUN)
        reached("parsed", snapshot.last_epoch if snapshot is not None else None)
        return update

    Monitor.process = process  # type: ignore[method-assign]

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(lambda: app.panes_ready, "the lists and findings pane")
        chart = app.query_one(MetricChart)
        browser = app.query_one(RunBrowser)
        original_update_runs = browser.update_runs

        def update_runs(snapshots: Mapping[str, RunSnapshot]) -> None:
            # The app hands every batch it applies to the run list first.
            original_update_runs(snapshots)
            snapshot = snapshots.get(RUN)
            reached("applied", snapshot.last_epoch if snapshot is not None else None)

        browser.update_runs = update_runs  # type: ignore[method-assign]
        drawn = {"newest": -1}
        original_redraw, original_render = chart.redraw, chart.render

        def redraw() -> None:
            original_redraw()
            epochs = chart.spec.epochs()
            drawn["newest"] = int(epochs[-1]) if epochs.size else -1
            reached("drawn", drawn["newest"])
            plan = chart.plan
            if pending and plan is not None and "drawn" in pending[0].at:
                pending[0].x_range_reaches = plan.xlim[1] >= pending[0].epoch

        def render() -> Any:
            result = original_render()
            if pending and "drawn" in pending[0].at:
                sample = pending.pop(0)
                sample.at["painted"] = time.perf_counter()
                shown.set()
            return result

        chart.redraw = redraw  # type: ignore[method-assign]
        chart.render = render  # type: ignore[method-assign]
        await wait_for(lambda: app.selected_run == RUN and app.metric is not None, "run selected")
        chart.redraw()
        await wait_for(lambda: drawn["newest"] == start - 1, "first chart of the run")
        await wait_for(lambda: app.snapshots[RUN].analysed, "first analysis")
        await wait_for(lambda: app.watch_description != "starting…", "watcher")
        print(f"{mode}: {app.watch_description}; {start} epochs loaded, chart of {app.metric}")
        await pilot.pause()
        pause_span = (0.3, 0.3 + (args.poll if poll else 0.2))
        rng = random.Random(0)

        def write_epochs() -> None:
            for _ in range(args.samples):
                encoded = writer.encode_next()
                time.sleep(rng.uniform(*pause_span))
                shown.clear()
                epoch = encoded[0]
                seconds = writer.write(encoded)
                sample = Sample(epoch, seconds, time.perf_counter())
                samples.append(sample)
                pending.append(sample)
                if not shown.wait(SHOW_TIMEOUT):
                    raise TimeoutError(f"epoch {epoch} not on screen after {SHOW_TIMEOUT} s")

        try:
            await asyncio.to_thread(write_epochs)
        finally:
            Monitor.process = original_process  # type: ignore[method-assign]
    return samples


def stage_summary(samples: list[Sample], name: str) -> str:
    values = [v for s in samples if (v := s.stage(name)) is not None]
    return f"{name} {statistics.median(values) * 1000:.0f}/{max(values) * 1000:.0f}"


def report(mode: str, samples: list[Sample], args: argparse.Namespace) -> bool:
    latencies = [s.latency for s in samples]
    median, worst = statistics.median(latencies), max(latencies)
    target = NATIVE_TARGET if mode == "native" else args.poll + POLL_SLACK
    ok = worst < target
    label = "native watching" if mode == "native" else f"polling every {args.poll:g} s"
    print(
        f"{label}: epoch written -> on screen, {len(samples)} epochs of a {args.epochs}-epoch "
        f"run: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"(target: max < {target * 1000:.0f} ms) {'OK' if ok else 'MISSED'}"
    )
    print("  each (ms):", ", ".join(f"{value * 1000:.0f}" for value in latencies))
    stages = ", ".join(stage_summary(samples, name) for name in STAGES)
    print(f"  ms after the write, by stage (median/max): {stages}")
    writes = statistics.median(s.write_seconds for s in samples)
    reaches = sum(s.x_range_reaches for s in samples)
    print(
        f"  the writer's rewrite took a median {writes * 1000:.0f} ms; the chart's x range "
        f"reached the new epoch in {reaches} of {len(samples)} redraws"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval for poll mode")
    parser.add_argument("--modes", default="native,poll", help="comma list: native, poll")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="neuromf_state_") as state:
        os.environ.setdefault("NEUROMF_TUI_STATE", str(Path(state) / "state.json"))
        for mode in args.modes.split(","):
            samples = asyncio.run(measure(mode.strip(), args))
            results.append(report(mode.strip(), samples, args))
    print(
        f"targets: native max < {NATIVE_TARGET * 1000:.0f} ms; "
        f"polling max < interval + {POLL_SLACK * 1000:.0f} ms"
    )
    print("all targets met" if all(results) else "some targets missed")


if __name__ == "__main__":
    main()
