"""The samples view driven by keys: images epoch by epoch with that epoch's statistics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.widgets import samples_view
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.app.widgets.halfblock import HalfBlockImage
from neuromf_tui.app.widgets.image_protocol import IMAGES_ENV
from neuromf_tui.app.widgets.samples_view import SampleCharts, SamplesView
from neuromf_tui.data.samples import ImageCache
from neuromf_tui.plotting.samples import COSINE_1VS10, MEAN
from tests.app.conftest import BASELINE, copy_runs, settle, wait_loaded, wait_until

pytestmark = pytest.mark.anyio

SIZE = (160, 48)
NO_IMAGES = "ablations/dead_deep_blocks"


def text_of(app: NeuroMFApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def open_samples(pilot: Pilot[None], run: str) -> SamplesView:
    """Select ``run``, press m and wait until its folder is listed and its image decoded."""
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    app.select_run(run)
    await pilot.pause()
    await pilot.press("m")
    view = app.query_one(SamplesView)
    await wait_until(pilot, lambda: view.found is not None and view.found.folder.parent.name in run)
    await wait_shown(pilot, view)
    assert view.found is not None and view.found.folder == app.snapshots[run].folder / "samples"
    return view


async def wait_shown(pilot: Pilot[None], view: SamplesView) -> None:
    """Until the selected image is on screen (or there is nothing to show)."""
    await wait_until(pilot, lambda: view.settled)
    await settle(pilot)


async def test_keys_step_through_the_epochs_and_the_readout_follows(
    make_app: Callable[..., NeuroMFApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ImageCache()  # the module's cache is shared with the other tests
    monkeypatch.setattr(samples_view, "CACHE", cache)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        view = await open_samples(pilot, BASELINE)
        assert app.view_mode == "samples" and view.display and app.focused is view
        assert not app.query_one("#chart", MetricChart).display
        assert view.protocol == "halfblock"  # headless: no terminal to send graphics to
        snapshot = app.snapshots[BASELINE]
        assert view.found is not None
        sample_epochs = view.found.epoch_numbers()
        assert sample_epochs == list(range(24, 400, 25))
        assert app.query_one("#samples-list", OptionList).option_count == len(view.images) == 18
        # The newest sample epoch first: what training made last.
        assert view.selected is not None and view.selected.epoch == 399
        image = app.query_one(HalfBlockImage)
        assert image.display and image.image is not None
        columns, rows = image.drawn_size
        assert columns > 20 and rows > 5

        reads = cache.reads
        for key, epoch in (("left", 374), ("left_square_bracket", 349), ("j", 374), ("k", 349)):
            await pilot.press(key)
            await wait_shown(pilot, view)
            assert view.selected is not None and view.selected.epoch == epoch
            assert view.shown_path is not None and f"epoch_{epoch:04d}" in str(view.shown_path)
            row = snapshot.row(epoch)
            readout = text_of(app, "#samples-stats")
            assert f"epoch {epoch}" in readout
            assert f"{row[f'{MEAN}.0']:+.3f}" in readout
            assert f"{row[COSINE_1VS10]:.3g}" in readout
            assert f"epoch {epoch} (" in text_of(app, "#samples-title")
            charts = app.query_one(SampleCharts).charts
            assert len(charts) == 4 and all(c.spec.cursor_epoch == epoch for c in charts)
        assert cache.reads - reads == 2  # 374 and 349 decoded once each, then cached

        await pilot.press("home")
        await wait_shown(pilot, view)
        assert view.selected is not None and view.selected.epoch == 24
        await pilot.press("end")  # past the epochs: the post-training decodes
        await wait_shown(pilot, view)
        assert view.selected is not None and view.selected.name == "decoded/epoch_0399/nfe_10.png"
        assert "epoch 399" in text_of(app, "#samples-stats")

        await pilot.press("m")
        await settle(pilot)
        assert app.view_mode == "chart" and app.query_one("#chart", MetricChart).display
        assert app.focused is app.query_one("#chart", MetricChart)


async def test_a_run_without_images_says_so_and_keeps_its_statistics(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        view = await open_samples(pilot, NO_IMAGES)
        assert view.found is not None and view.found.empty and view.selected is None
        message = text_of(app, "#samples-message")
        assert message == f"no sample images in {NO_IMAGES}/samples"
        assert not app.query_one(HalfBlockImage).display
        assert not app.query_one("#samples-list", OptionList).display
        await pilot.press("left", "right", "home", "end")  # nothing to step through, no error
        assert view.selected is None
        charts = app.query_one(SampleCharts).charts
        assert len(charts) == 4 and all(c.plan is not None and not c.plan.empty for c in charts)

        # Another run while the view is open: its images replace the message.
        app.select_run(BASELINE)
        await wait_until(pilot, lambda: view.selected is not None)
        await wait_shown(pilot, view)
        assert view.shown_path is not None and BASELINE in str(view.shown_path)
        assert not app.query_one("#samples-message", Static).display


@pytest.fixture
def baseline_only(tmp_path: Path, state_file: Path) -> Callable[[], NeuroMFApp]:
    """An app on a root holding only the baseline run (quicker to load than all eight)."""
    root = copy_runs(tmp_path / "runs", {"baseline": BASELINE})
    return lambda: create_app(root, watch_files=False)


async def test_a_graphics_protocol_asked_for_draws_through_textual_image(
    baseline_only: Callable[[], NeuroMFApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IMAGES_ENV, "sixel")
    app = baseline_only()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, count=1)
        view = await open_samples(pilot, "baseline")
        assert view.protocol == "sixel" and "Sixel" in text_of(app, "#samples-title")
        graphics = app.query_one("#samples-graphics")
        assert graphics.display and not app.query_one(HalfBlockImage).display
        first = graphics.image  # type: ignore[attr-defined]
        assert min(first.size) >= 256  # enlarged so the terminal does not blur latent pixels
        await pilot.press("left")
        await wait_shown(pilot, view)
        assert view.selected is not None and view.selected.epoch == 374
        assert graphics.image is not first  # type: ignore[attr-defined]


async def test_a_graphics_protocol_that_cannot_load_falls_back_to_half_blocks(
    baseline_only: Callable[[], NeuroMFApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(protocol: str) -> None:
        raise ImportError("no module named textual_image")

    monkeypatch.setenv(IMAGES_ENV, "kitty")
    monkeypatch.setattr(samples_view, "load_graphics_widget", broken)
    app = baseline_only()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, count=1)
        view = await open_samples(pilot, "baseline")
        assert view.protocol == "halfblock"
        title = text_of(app, "#samples-title")
        assert "half-blocks (Kitty graphics unavailable: no module named textual_image)" in title
        image = app.query_one(HalfBlockImage)
        assert image.display and image.drawn and image.drawn_size[0] > 0
        assert not app.query("#samples-graphics")

        # A click in the epoch list shows that epoch.
        listing = app.query_one("#samples-list", OptionList)
        await pilot.click(listing, offset=(2, 0))
        await wait_shown(pilot, view)
        clicked = int(listing.scroll_offset.y)
        assert view.index == clicked and listing.highlighted == clicked
        assert view.selected is not None and view.selected.epoch == 24 + 25 * clicked
