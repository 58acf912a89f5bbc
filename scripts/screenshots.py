"""Render the README screenshots from the real app, headless, into screenshots/*.svg.

    .venv/bin/python scripts/screenshots.py            # from the repository root

This script is the only way the screenshots are made. It copies sample_runs/ to a temporary
folder and dates every run as scripts/make_sample_runs.py does (hours before now; the run
"being written" a couple of minutes before now), so the ages in the run list read the same on
every regeneration. Each picture is a fresh app (``create_app``, files read once, no
watcher, empty UI state) at 160x48, driven with the same keys a user would press:

- ``overview.svg``: the overview panels (``o``) of phase4c_adaptive_norm, the failing run;
- ``critical_run.svg``: phase4c_adaptive_norm with its critical findings and the raw loss
  chart, onset marked;
- ``comparison.svg``: imf_baseline and phase4c_adaptive_norm marked (``space``) and compared
  (``c``): raw loss of both runs overlaid, with a legend;
- ``samples.svg``: imf_baseline's sample images (``m``) in half-blocks, stepped back to epoch
  99 (``←``), with that epoch's sample statistics and the statistics across sample epochs;
- ``help.svg``: the help screen (``?``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

from make_sample_runs import HOUR, SAMPLES  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import OptionList  # noqa: E402

from neuromf_tui.app.app import NeuroMFApp  # noqa: E402
from neuromf_tui.app.factory import create_app  # noqa: E402
from neuromf_tui.app.state import STATE_ENV, UIState  # noqa: E402
from neuromf_tui.app.widgets.chart import MetricChart  # noqa: E402
from neuromf_tui.app.widgets.chart_grid import ChartGrid  # noqa: E402
from neuromf_tui.app.widgets.findings_pane import FindingItem  # noqa: E402
from neuromf_tui.app.widgets.run_browser import RunBrowser  # noqa: E402

SIZE = (160, 48)
BEING_WRITTEN_AGE = 150.0
"""Seconds: the live sample's age, in the middle of "2 min" so a slow run reads the same."""
FAILING = "phase4c_adaptive_norm"
HEALTHY = "imf_baseline"
METRIC = "raw_loss_mean"

Setup = Callable[[NeuroMFApp, Pilot[None]], Awaitable[None]]


def copy_samples(target: Path) -> Path:
    """sample_runs/ under ``target``, every file dated the way make_sample_runs dates it."""
    root = target / "sample_runs"
    shutil.copytree(REPO / "sample_runs", root)
    now = time.time()
    readme = root / "README.md"
    os.utime(readme, (now - HOUR, now - HOUR))
    for sample in SAMPLES:
        stamp = now - (sample.hours_ago * HOUR or BEING_WRITTEN_AGE)
        folder = root / sample.path
        for path in (folder, *folder.rglob("*")):
            os.utime(path, (stamp, stamp))
    return root


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"screenshot setup: no {what} after {timeout} s")
        await asyncio.sleep(0.02)


async def settle(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    """Let the apply tick, the chart's redraw throttle and any layout pass run out."""
    await pilot.pause(0.35)
    for chart in app.query(MetricChart):
        if chart.display and chart.content_size.width:
            chart.redraw()
    await pilot.pause()


async def overview(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    app.select_run(FAILING)
    await pilot.pause()
    await pilot.press("o")
    await wait_until(lambda: bool(app.query(ChartGrid)), "overview grid")


async def critical_run(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    app.select_run(FAILING)
    await pilot.pause()
    app.show_metric(METRIC)
    await wait_until(lambda: bool(app.query(FindingItem)), "findings")
    await pilot.pause()
    chart = app.query_one(MetricChart)
    await wait_until(lambda: chart.plan is not None and bool(chart.plan.marks), "onset marks")
    chart.focus()


async def comparison(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    app.query_one(RunBrowser).query_one(OptionList).focus()
    for name in (HEALTHY, FAILING):
        app.select_run(name)
        await pilot.pause()
        await pilot.press("space")
    await wait_until(lambda: app.marked == {HEALTHY, FAILING}, "two marked runs")
    app.show_metric(METRIC)
    await pilot.press("c")
    chart = app.query_one(MetricChart)
    await wait_until(
        lambda: chart.plan is not None and len(chart.plan.layers) >= 2, "two overlaid runs"
    )


async def samples(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    from neuromf_tui.app.widgets.samples_view import SamplesView

    app.select_run(HEALTHY)
    await pilot.pause()
    await pilot.press("m")
    view = app.query_one(SamplesView)
    await wait_until(lambda: view.selected is not None and view.settled, "sample image")
    await pilot.press(*["left"] * 12)
    await wait_until(lambda: view.settled, "epoch 99's sample image")


async def help_screen(app: NeuroMFApp, pilot: Pilot[None]) -> None:
    app.select_run(FAILING)
    await pilot.pause()
    await pilot.press("question_mark")
    await wait_until(lambda: type(app.screen).__name__ == "HelpScreen", "help screen")


SHOTS: dict[str, tuple[str, Setup]] = {
    "overview.svg": ("overview panels of the failing run", overview),
    "critical_run.svg": ("a run with critical findings", critical_run),
    "comparison.svg": ("two runs compared", comparison),
    "samples.svg": ("sample images with their statistics", samples),
    "help.svg": ("help", help_screen),
}


async def shoot(root: Path, name: str, title: str, setup: Setup, out: Path) -> Path:
    app = create_app(root, watch_files=False, state=UIState())
    async with app.run_test(size=SIZE) as pilot:
        # Files are read once by the worker; its end means every run has its findings.
        await wait_until(lambda: app.monitor is not None, "monitor")
        await app.workers.wait_for_complete()
        await wait_until(lambda: len(app.snapshots) == len(SAMPLES), "every sample run")
        await wait_until(lambda: app.panes_ready, "the lists and findings pane")
        await pilot.pause(0.2)
        await setup(app, pilot)
        await settle(app, pilot)
        target = out / name
        target.write_text(app.export_screenshot(title=f"neuromf-tui: {title}"), encoding="utf-8")
    return target


async def main_async(out: Path, only: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="neuromf_shots_") as tmp:
        os.environ[STATE_ENV] = str(Path(tmp) / "state.json")
        root = copy_samples(Path(tmp))
        cwd = Path.cwd()
        os.chdir(tmp)  # the header shows the path given: "sample_runs", not a temp path
        try:
            for name, (title, setup) in SHOTS.items():
                if only and name not in only:
                    continue
                path = await shoot(Path(root.name), name, title, setup, out)
                print(f"wrote {path}")
        finally:
            os.chdir(cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("names", nargs="*", help=f"only these: {', '.join(SHOTS)}")
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(main_async(args.out, args.names))


if __name__ == "__main__":
    main()
