"""MetricChart and ChartGrid in a minimal app: drawing, log scale, cursor keys, speed, snapshots."""

from __future__ import annotations

import time

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from neuromf_tui.app.widgets.chart import REDRAW_INTERVAL, MetricChart
from neuromf_tui.app.widgets.chart_grid import ChartGrid
from neuromf_tui.plotting.spec import EMPTY_TEXT, ChartSpec, Series

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class ChartApp(App[None]):
    """Hosts one widget and records the cursor messages that reach the app."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.moves: list[int] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_metric_chart_cursor_moved(self, event: MetricChart.CursorMoved) -> None:
        self.moves.append(event.epoch)


def loss_spec(n: int = 200, title: str = "FM vs MF raw loss", **kw: object) -> ChartSpec:
    """Two deterministic loss curves spanning three decades."""
    x = np.arange(n, dtype=float)
    fm = 1000.0 * np.exp(-x / (n / 7)) + 1.0 + 0.3 * np.sin(x / 3.0)
    mf = fm * 3.0
    return ChartSpec(
        [Series("raw_loss_fm_mean", x, fm), Series("raw_loss_mf_mean", x, mf)],
        title=title,
        **kw,
    )


def plain(chart: MetricChart) -> str:
    return chart.render().plain


async def test_two_series_draw_with_legend() -> None:
    chart = MetricChart(loss_spec())
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        plan = chart.plan
        assert plan is not None and not plan.empty
        assert [layer.label for layer in plan.layers] == ["raw_loss_fm_mean", "raw_loss_mf_mean"]
        text = plain(chart)
        assert "raw_loss_fm_mean" in text and "raw_loss_mf_mean" in text
        assert "FM vs MF raw loss" in text


async def test_log_toggle_changes_the_y_scale() -> None:
    chart = MetricChart(loss_spec(log=True))
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert chart.plan is not None and chart.plan.log
        assert "1e3" in chart.plan.yticks[1]
        assert "1e3" in plain(chart)
        chart.spec = loss_spec(log=False)
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        assert not chart.plan.log
        assert chart.plan.ylim[1] > 2000  # real values, not log10
        assert "1e3" not in chart.plan.yticks[1]


async def test_cursor_keys_post_cursor_moved() -> None:
    x = np.array([0.0, 5.0, 10.0, 15.0])
    spec = ChartSpec([Series("raw_loss_mean", x, np.array([4.0, 3.0, 2.0, 1.0]))])
    chart = MetricChart(spec)
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        chart.focus()
        await pilot.pause()
        await pilot.press("right")  # no cursor yet: it appears on the newest epoch
        await pilot.press("left", "left")
        await pilot.press("home", "left")  # already first: nothing to post
        await pilot.press("end", "right")
        await pilot.pause()
        assert app.moves == [15, 10, 5, 0, 15]
        assert chart.cursor_epoch == 15
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        assert chart.plan is not None and chart.plan.cursor == 15.0
        descriptions = {b.key: b.description for b in MetricChart.BINDINGS}
        assert all(descriptions.values())


async def test_empty_spec_shows_the_empty_word() -> None:
    chart = MetricChart(ChartSpec(title="val_raw_loss"))
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = plain(chart)
        assert EMPTY_TEXT in text and "val_raw_loss" in text
        await pilot.press("left")  # no epochs: the cursor keys do nothing
        assert app.moves == []


async def test_burst_of_updates_is_coalesced() -> None:
    chart = MetricChart(loss_spec())
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        before = chart._version
        for i in range(30):
            chart.spec = ChartSpec(loss_spec().series, title=f"update {i}")
        assert chart._version - before <= 1
        await pilot.pause(REDRAW_INTERVAL + 0.1)
        assert chart._version - before <= 2
        assert chart.plan is not None and chart.plan.title == "update 29"


@pytest.mark.parametrize("points", [800, 50_000])
async def test_redraw_time(points: int) -> None:
    chart = MetricChart()
    app = ChartApp(chart)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        spec = loss_spec(points, smoothing=0.6, cursor_epoch=points // 2, marks=(points // 3,))
        chart.spec = spec
        chart.redraw()
        chart.render()
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            chart.redraw()
            chart.render()
            timings.append(time.perf_counter() - started)
        best = min(timings)
        print(
            f"\nMetricChart redraw, 2 series x {points} points + smoothing, 160x40: "
            f"{best * 1000:.1f} ms (prepare + plot {chart.last_draw_seconds * 1000:.1f} ms)"
        )
        assert best < 1.0  # generous: a 2-core CI box, not a benchmark


async def test_grid_columns_follow_width_and_cursor_is_shared() -> None:
    specs = [loss_spec(50, title=f"panel {i}") for i in range(3)]
    grid = ChartGrid(specs)
    app = ChartApp(grid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(grid.charts) == 3 and grid.columns == 2
        first, second = grid.charts[0], grid.charts[1]
        assert first.region.y == second.region.y and first.region.x < second.region.x
        first.focus()
        await pilot.press("left")
        await pilot.pause()
        assert app.moves == [49]  # the message still reaches the app
        assert all(chart.cursor_epoch == 49 for chart in grid.charts)
        grid.show(specs[:1])
        await pilot.pause()
        assert len(grid.charts) == 1
        grid.show([])
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        assert len(grid.charts) == 1 and "no metrics to chart yet" in plain(grid.charts[0])
        await pilot.resize_terminal(80, 40)
        grid.show(specs)
        await pilot.pause()
        assert grid.columns == 1
        a, b = grid.charts[0], grid.charts[1]
        assert a.region.x == b.region.x and a.region.y < b.region.y


def test_snapshot_metric_chart(snap_compare) -> None:
    spec = loss_spec(300, smoothing=0.6, reference=10.0, marks=(120,), cursor_epoch=200, log=True)
    assert snap_compare(ChartApp(MetricChart(spec)), terminal_size=(80, 24))


def test_snapshot_chart_grid(snap_compare) -> None:
    x = np.arange(100, dtype=float)
    cos = ChartSpec(
        [Series("cosine_sim_V_vc", x, 1 - np.exp(-x / 20))],
        title="cos(V, v_c)",
        y_range=(0.0, 1.0),
        reference=1.0,
    )
    specs = [loss_spec(100, title="raw loss"), cos, ChartSpec(title="relative error")]
    assert snap_compare(ChartApp(ChartGrid(specs)), terminal_size=(80, 24))


async def test_a_glance_is_drawn_until_the_first_spec_replaces_it() -> None:
    from neuromf_tui.data.glance import Glance
    from neuromf_tui.plotting.glance import glance_plan

    epochs = list(range(120))
    glance = Glance("run", "raw_loss_mean", epochs, [500.0 / (1 + e) for e in epochs])
    chart = MetricChart()
    app = ChartApp(chart)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert EMPTY_TEXT in plain(chart)
        chart.show_glance(glance)
        await pilot.pause()
        width, height = chart.content_size
        assert chart.plan == glance_plan(glance, width, height)
        assert "raw_loss_mean" in plain(chart) and chart.cursor_epoch == 119
        await pilot.press("left", "left")
        assert chart.cursor_epoch == 117, "the cursor keys work on the glance too"
        chart.spec = loss_spec()
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        assert [layer.label for layer in chart.plan.layers] == [
            "raw_loss_fm_mean",
            "raw_loss_mf_mean",
        ]
        chart.show_glance(glance)
        await pilot.pause(REDRAW_INTERVAL + 0.05)
        assert len(chart.plan.layers) == 2, "a glance never replaces real data"
