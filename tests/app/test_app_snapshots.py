"""What a user sees, screen by screen, at 80x24 and 160x48 (pytest-textual-snapshot).

Every scene starts the real app on the dated copy of ``sample_runs`` (ages read "2 d"), waits
until every run is analysed and the chart has drawn, selects runs by name and presses the keys
of the scene. No notification is on screen: startup raises none and no scene triggers one.
Update the SVGs with ``pytest tests/app/test_app_snapshots.py --snapshot-update`` and look at
them before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.widgets.findings_pane import FindingItem
from tests.app.conftest import BASELINE, PHASE4C, settle, wait_loaded, wait_until

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def _select(pilot: Pilot[None], run: str) -> NeuroMFApp:
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    app.select_run(run)
    await pilot.pause()
    await settle(pilot)
    return app


async def main_screen(pilot: Pilot[None]) -> None:
    """The critical run: run list, metric list, its default chart and its findings."""
    await _select(pilot, PHASE4C)


async def overview(pilot: Pilot[None]) -> None:
    """The spec's overview panels for the critical run, onsets marked."""
    await _select(pilot, PHASE4C)
    await pilot.press("o")


async def inspector(pilot: Pilot[None]) -> None:
    """Every value of the critical run's last epoch with its change."""
    await _select(pilot, PHASE4C)
    await pilot.press("i")


async def comparison(pilot: Pilot[None]) -> None:
    """The critical run and the healthy baseline marked and overlaid, with a legend."""
    await _select(pilot, PHASE4C)
    await pilot.press("space")
    await _select(pilot, BASELINE)
    await pilot.press("space", "c")


async def finding(pilot: Pilot[None]) -> None:
    """The critical run's worst finding opened: its metrics from its onset epoch."""
    app = await _select(pilot, PHASE4C)
    app.query(FindingItem).first().focus()
    await pilot.pause()
    await pilot.press("enter")


async def samples(pilot: Pilot[None]) -> None:
    """The healthy run's sample images in half-blocks, four sample epochs back from the last,
    with that epoch's sample statistics and the statistics across sample epochs."""
    from neuromf_tui.app.widgets.samples_view import SamplesView

    app = await _select(pilot, BASELINE)
    await pilot.press("m")
    view = app.query_one(SamplesView)
    await wait_until(pilot, lambda: view.selected is not None and view.settled)
    await pilot.press("left", "left", "left", "left")
    await wait_until(pilot, lambda: view.settled)


async def help_screen(pilot: Pilot[None]) -> None:
    """The help screen over the main screen."""
    await _select(pilot, PHASE4C)
    await pilot.press("question_mark")


SCENES: dict[str, Scene] = {
    "main": main_screen,
    "overview": overview,
    "inspector": inspector,
    "compare": comparison,
    "finding": finding,
    "samples": samples,
    "help": help_screen,
}
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", SCENES)
def test_screen(
    scene: str,
    size: str,
    snap_compare: Callable[..., bool],
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_loaded(pilot)
        await SCENES[scene](pilot)
        await settle(pilot)
        assert not list(app._notifications), "a toast would make the snapshot time-dependent"

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
