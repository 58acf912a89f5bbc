"""Scale: a results root of 1,000 runs opened in the real app, headless.

995 finished runs of every scenario (50 to 200 epochs each, simulated once into a cache
folder under /tmp and reused) plus 5 live runs that a thread keeps writing an epoch to every
half second while the app loads. The app (``create_app``, ``App.run_test``, 160x48) is timed
from its construction to:

- first chart: the main chart has a plan (the first run's chart is drawn);
- first rows: the run browser lists at least one run;
- all rows: the run browser lists every run (the load is progressive: batches of runs are
  read, analysed and listed as they come, newest first);
- all analysed: every run has its findings.

It also prints the run count seen in the browser at each step of the load (it must grow in
steps, not jump from 1 to 1,000), and the process's resident memory (now and at its peak):
the target is under 500 MB with every run loaded.

Usage: ``python bench/scale.py [--runs 1000] [--live 5] [--cache /tmp/neuromf-tui-scale]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

TARGET_MB = 500.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(cache: Path, runs: int, live: int) -> tuple[Path, list[object]]:
    """The cached finished runs plus ``live`` runs made afresh, part written."""
    from neuromf_tui.sim import LiveWriter, SimConfig, simulate
    from neuromf_tui.sim.fleet import cached_fleet

    root = cache / f"runs-{runs - live}"
    started = time.perf_counter()
    cached_fleet(root, runs - live)
    print(f"{runs - live} finished runs ready in {root} ({time.perf_counter() - started:.1f} s)")
    writers = []
    for index in range(live):
        config = SimConfig(scenario="healthy", epochs=400, seed=1000 + index)
        writer = LiveWriter(root / f"live_{index}", simulate(config), force=True)
        for _ in range(60 + 10 * index):
            writer.write_next()
        writers.append(writer)
    return root, writers


def keep_writing(writers: list[object], stop: threading.Event) -> None:
    """The live runs' training: one epoch each, every half second."""
    while not stop.wait(0.5):
        for writer in writers:
            writer.write_next()  # type: ignore[attr-defined]


async def wait_for(condition: Callable[[], bool], timeout: float = 300.0) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"not reached within {timeout} s")
        await asyncio.sleep(0.005)
    return time.perf_counter()


async def measure(root: Path, runs: int) -> None:
    from neuromf_tui.app.factory import create_app
    from neuromf_tui.app.widgets.chart import MetricChart
    from neuromf_tui.app.widgets.run_browser import RunBrowser

    os.environ["NEUROMF_TUI_STATE"] = str(Path(tempfile.mkdtemp()) / "state.json")
    before = rss_mb()
    start = time.perf_counter()
    app = create_app(root)
    steps: list[tuple[float, int]] = []

    def listed() -> int:
        if not app.panes_ready:
            return 0
        count = len(app.query_one(RunBrowser).visible_runs)
        if not steps or steps[-1][1] != count:
            steps.append((time.perf_counter() - start, count))
        return count

    async with app.run_test(size=(160, 48)):
        chart = await wait_for(
            lambda: app.is_mounted and not getattr(app.query_one(MetricChart).plan, "empty", True)
        )
        first = await wait_for(lambda: listed() > 0)
        full = await wait_for(lambda: listed() >= runs)
        analysed = await wait_for(
            lambda: len(app.snapshots) >= runs and all(s.analysed for s in app.snapshots.values())
        )
        gc.collect()
        loaded = rss_mb()
    print(f"\n{runs} runs, app built -> first chart        {chart - start:7.2f} s")
    print(f"{runs} runs, app built -> first rows listed  {first - start:7.2f} s")
    print(f"{runs} runs, app built -> all rows listed    {full - start:7.2f} s")
    print(f"{runs} runs, app built -> all runs analysed  {analysed - start:7.2f} s")
    print(f"first rows / all rows: {(first - start) / (full - start):.3f}")
    shown = ", ".join(f"{count} at {at:.1f} s" for at, count in steps[:12])
    more = " ..." if len(steps) > 12 else ""
    print(f"rows listed as the load went ({len(steps)} steps): {shown}{more}")
    print(f"watching: {app.watch_description}")
    print(
        f"resident memory: {before:.0f} MB before the app, {loaded:.0f} MB loaded, "
        f"peak {peak_mb():.0f} MB (target < {TARGET_MB:.0f} MB: "
        f"{'ok' if max(loaded, peak_mb()) < TARGET_MB else 'OVER'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--live", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/neuromf-tui-scale"))
    args = parser.parse_args()
    root, writers = prepare(args.cache, args.runs, args.live)
    stop = threading.Event()
    feeder = threading.Thread(target=keep_writing, args=(writers, stop), daemon=True)
    feeder.start()
    try:
        asyncio.run(measure(root, args.runs))
    finally:
        stop.set()
        feeder.join()


if __name__ == "__main__":
    main()
