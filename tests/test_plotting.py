"""The chart maths (neuromf_tui.plotting): transforms, drawing plans and the overview preset."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuromf_tui.plotting import series as core
from neuromf_tui.plotting import ticks
from neuromf_tui.plotting.overview import OVERVIEW, PanelSpec, overview_charts, panels_for
from neuromf_tui.plotting.plan import full_title
from neuromf_tui.plotting.spec import ChartSpec, Series, prepare, series_from_columns

NAN = math.nan
INF = math.inf


def reference_ema(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing loop, transcribed literally."""
    out, last, count = [], 0.0, 0
    for v in values:
        if not math.isfinite(v):
            out.append(NAN)
            continue
        last = last * weight + (1 - weight) * v
        count += 1
        out.append(last / (1 - weight**count))
    return out


# --- debiased_ema ---------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [1e-9, 0.3, 0.6, 0.9, 0.99, 0.999])
def test_ema_matches_tensorboard_loop(weight: float) -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=3000) * 10 - 2
    values[[5, 700, 701, 2999]] = [NAN, INF, NAN, -INF]
    got = core.debiased_ema(values, weight)
    want = np.array(reference_ema(values.tolist(), weight))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-9, atol=1e-12)


def test_ema_skips_nan_without_propagating() -> None:
    got = core.debiased_ema([1.0, NAN, 3.0, INF, 5.0], 0.5)
    assert np.isnan(got[1]) and np.isnan(got[3])
    assert got[0] == 1.0  # debiasing: the first point is the value itself
    assert np.isfinite(got[[0, 2, 4]]).all()
    np.testing.assert_allclose(got[2], reference_ema([1.0, 3.0], 0.5)[1])


def test_ema_edge_cases() -> None:
    assert core.debiased_ema([], 0.6).size == 0
    assert core.debiased_ema([7.0], 0.9).tolist() == [7.0]
    assert np.isnan(core.debiased_ema([NAN, NAN], 0.9)).all()
    np.testing.assert_allclose(core.debiased_ema(np.full(100, 2.5), 0.95), 2.5)
    raw = [1.0, NAN, 3.0]
    assert np.array_equal(core.debiased_ema(raw, 0.0), np.array(raw), equal_nan=True)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError):
            core.debiased_ema([1.0], bad)


def test_ema_is_fast_on_long_runs() -> None:
    values = np.random.default_rng(1).random(50_000)
    started = time.perf_counter()
    for weight in (0.6, 0.99, 0.999):
        core.debiased_ema(values, weight)
    assert time.perf_counter() - started < 1.0


# --- downsample_minmax ----------------------------------------------------------------------


def test_downsample_keeps_a_one_epoch_spike_in_50000_points() -> None:
    x = np.arange(50_000, dtype=float)
    y = np.sin(x / 500.0) + np.random.default_rng(2).normal(scale=0.01, size=x.size)
    y[31_337] = 40.0
    y[12_345] = -40.0
    started = time.perf_counter()
    dx, dy = core.downsample_minmax(x, y, 160)
    elapsed = time.perf_counter() - started
    print(f"downsample 50,000 -> {dx.size} points in {elapsed * 1000:.1f} ms")
    assert dx.size <= 2 * 160 + 2
    assert dx[0] == 0 and dx[-1] == 49_999, "the curve spans the whole run"
    assert dy.max() == 40.0 and dx[dy.argmax()] == 31_337
    assert dy.min() == -40.0 and dx[dy.argmin()] == 12_345
    assert np.all(np.diff(dx) > 0)
    assert dx[0] == 0 or dx[0] < 50_000 / 160  # the first bucket is represented


def test_downsample_leaves_small_input_untouched() -> None:
    x, y = [0, 1, 2], [1.0, NAN, 3.0]
    dx, dy = core.downsample_minmax(x, y, 160)
    assert dx.tolist() == [0, 1, 2]
    assert np.array_equal(dy, np.array(y), equal_nan=True)
    ex, ey = core.downsample_minmax([], [], 10)
    assert ex.size == ey.size == 0
    one = core.downsample_minmax([5], [2.0], 1)
    assert one[0].tolist() == [5] and one[1].tolist() == [2.0]


def test_downsample_drops_non_finite_and_sorts() -> None:
    x = np.arange(1000, dtype=float)[::-1].copy()
    y = np.arange(1000, dtype=float)[::-1].copy()
    y[::7] = NAN
    dx, dy = core.downsample_minmax(x, y, 10)
    assert np.isfinite(dy).all()
    assert np.all(np.diff(dx) > 0)
    assert dx.size <= 20
    np.testing.assert_array_equal(dx, dy)  # each kept y still belongs to its own x


def test_downsample_constant_x_and_bad_input() -> None:
    _, dy = core.downsample_minmax(np.zeros(100), np.arange(100.0), 5)
    assert sorted(dy.tolist()) == [0.0, 99.0]
    with pytest.raises(ValueError):
        core.downsample_minmax([1, 2], [1.0], 5)
    with pytest.raises(ValueError):
        core.downsample_minmax([1, 2], [1.0, 2.0], 0)


# --- log_safe, normalise, zoom --------------------------------------------------------------


def test_log_safe_hides_and_counts() -> None:
    values, hidden = core.log_safe([1.0, 0.0, -2.0, NAN, INF, 3.0])
    assert hidden == 2  # 0 and -2: NaN was absent, inf is dropped from every chart
    assert values[0] == 1.0 and values[5] == 3.0
    assert np.isnan(values[1:5]).all()
    assert core.log_safe([])[1] == 0
    assert core.log_safe([2.0])[0].tolist() == [2.0]


def test_normalise() -> None:
    np.testing.assert_allclose(core.normalise([2.0, 4.0, NAN, 6.0])[[0, 1, 3]], [0, 0.5, 1])
    assert np.isnan(core.normalise([2.0, NAN])[1])
    assert core.normalise([3.0, 3.0, NAN])[:2].tolist() == [0.5, 0.5]
    assert core.normalise([5.0]).tolist() == [0.5]
    assert np.isnan(core.normalise([NAN, INF])).all()
    assert core.normalise([]).size == 0
    # A smoothed curve scaled by its raw curve's range stays on the same scale.
    np.testing.assert_allclose(core.normalise([3.0], over=[2.0, 4.0]), [0.5])


def test_zoom_last() -> None:
    x = np.arange(10.0)
    assert core.zoom_last(x, 3).nonzero()[0].tolist() == [7, 8, 9]
    assert core.zoom_last(x, None).all()
    assert core.zoom_last(x, 100).all()
    assert core.zoom_last(x, 2, last=5).nonzero()[0].tolist() == [4, 5]
    assert not core.zoom_last([NAN], 3).any()
    assert core.zoom_last([], 3).size == 0
    with pytest.raises(ValueError):
        core.zoom_last(x, 0)


# --- auto_log, sparse, constant -------------------------------------------------------------


def test_auto_log() -> None:
    assert core.auto_log("raw_loss_mean", [3000.0, 200.0, 150.0])  # log metric, all positive
    assert not core.auto_log("cosine_sim_V_vc", [0.001, 0.5, 0.99])  # linear in the catalogue
    # A few zeros do not stop a log axis when the positive values span decades...
    assert core.auto_log("grad_norm_mean", [0.0, 1e-4, 1e-2, 1.0, 10.0])
    # ...but they do when the span is small, and non-positive majorities stay linear.
    assert not core.auto_log("grad_norm_mean", [0.0, 1.0, 2.0, 3.0])
    assert not core.auto_log("raw_loss_mean", [-1.0, 0.0, -3.0, 10.0])
    assert not core.auto_log("raw_loss_mean", [0.0, 0.0])
    assert core.auto_log("raw_loss_mean", [NAN])  # nothing yet: the catalogue decides
    assert not core.auto_log("unknown_thing", [1.0, 1e6])


def test_draw_as_points() -> None:
    assert core.draw_as_points("val_raw_loss")
    assert core.draw_as_points("per_channel_loss.2")
    assert not core.draw_as_points("raw_loss_mean")
    periodic = np.full(100, NAN)
    periodic[::10] = 1.0
    assert core.draw_as_points("mystery_metric", periodic)
    late = np.full(100, NAN)
    late[50:] = 1.0  # logged only by newer code: contiguous, so a line
    assert not core.draw_as_points("mystery_metric", late)
    assert not core.draw_as_points("mystery_metric", [NAN, 1.0, NAN])


def test_is_constant() -> None:
    assert core.is_constant([0.75] * 5)
    assert core.is_constant([0.75, NAN, 0.75, 0.75])
    assert not core.is_constant([0.75, 0.75])  # too young to call
    assert not core.is_constant([0.75, 0.75, 0.76])
    assert not core.is_constant([])


# --- ticks ----------------------------------------------------------------------------------


def test_ticks() -> None:
    assert ticks.nice_ticks(0, 1, 5) == (
        [0.0, 0.2, 0.4, pytest.approx(0.6), 0.8, 1.0],
        ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"],
    )
    assert ticks.nice_ticks(0, 49_999, 5, integer=True)[1] == [
        "0",
        "10000",
        "20000",
        "30000",
        "40000",
    ]
    assert ticks.nice_ticks(0, 3, 10, integer=True)[1] == ["0", "1", "2", "3"]
    assert ticks.nice_ticks(2, 2) == ([2], ["2"])
    assert ticks.nice_ticks(NAN, 1) == ([], [])
    labels = ticks.nice_ticks(1000, 1000.9)[1]
    assert len(set(labels)) == len(labels)  # neighbours stay distinguishable
    assert ticks.log_ticks(1e-4, 1)[1] == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert ticks.log_ticks(1e-8, 1e5)[1] == ["1e-8", "1e-5", "0.01", "10", "1e4"]
    assert ticks.log_ticks(0.2, 0.9)[1] == ["0.2", "0.5"]
    assert len(ticks.log_ticks(3, 4)[0]) >= 2
    assert ticks.log_ticks(-1, 4) == ([], [])
    assert ticks.format_tick(2.5e-7) == "2.5e-7" and ticks.format_tick(0) == "0"


# --- ChartSpec and prepare ------------------------------------------------------------------


def _series(label: str, y: np.ndarray, **kw: object) -> Series:
    return Series(label, np.arange(len(y), dtype=float), y, **kw)


def test_series_and_spec_validation() -> None:
    with pytest.raises(ValueError):
        Series("a", [1, 2], [1.0])
    with pytest.raises(ValueError):
        ChartSpec(smoothing=1.0)
    spec = ChartSpec([_series("a", np.array([1.0, NAN, 3.0]))], zoom_last=2)
    assert isinstance(spec.series, tuple)
    assert spec.epochs().tolist() == [2.0]  # epoch 1 has no value, epoch 0 is outside the zoom
    assert ChartSpec().epochs().size == 0


def test_prepare_empty() -> None:
    plan = prepare(ChartSpec(title="raw loss"), 80, 20)
    assert plan.empty and not plan.layers
    all_nan = ChartSpec([_series("a", np.full(10, NAN))])
    assert prepare(all_nan).empty
    negative = ChartSpec([_series("a", -np.ones(5))], log=True)
    plan = prepare(negative)
    assert plan.empty and plan.hidden == 5
    assert "5 non-positive values hidden" in full_title(plan)


def test_prepare_two_series_with_legend_and_log() -> None:
    y = np.geomspace(1000, 1, 200)
    mf = y * 3
    y[10] = 0.0
    spec = ChartSpec(
        [_series("raw_loss_fm_mean", y), _series("raw_loss_mf_mean", mf)], title="FM vs MF"
    )
    plan = prepare(spec, 100, 20)
    assert plan.log  # both catalogue "log", positive values span 3 decades
    assert plan.hidden == 1
    assert [layer.label for layer in plan.layers] == ["raw_loss_fm_mean", "raw_loss_mf_mean"]
    assert plan.ylim == pytest.approx((0.0, math.log10(3000)))  # drawn in log10 space
    assert "1e3" in plan.yticks[1]
    assert full_title(plan) == "FM vs MF · 1 non-positive value hidden"
    linear = prepare(ChartSpec(spec.series, log=False), 100, 20)
    assert not linear.log and linear.ylim == (0.0, 3000.0) and linear.hidden == 0


def test_prepare_single_series_has_no_legend() -> None:
    plan = prepare(ChartSpec([_series("raw_loss_mean", np.arange(1.0, 50.0))]))
    assert [layer.label for layer in plan.layers] == [None]


def test_prepare_smoothing_draws_raw_faint_first() -> None:
    y = np.random.default_rng(3).random(300)
    plan = prepare(ChartSpec([_series("cosine_sim_V_vc", y)], smoothing=0.9), 80, 20)
    assert [layer.faint for layer in plan.layers] == [True, False]
    assert plan.layers[0].label is None
    assert np.ptp(plan.layers[1].y) < np.ptp(plan.layers[0].y)
    assert "smoothed 0.9" in plan.notes


def test_prepare_zoom_marks_cursor_reference() -> None:
    y = np.linspace(0.0, 0.9, 500)
    spec = ChartSpec(
        [_series("cosine_sim_V_vc", y)],
        zoom_last=100,
        marks=(10, 450),
        cursor_epoch=420,
        reference=1.0,
        y_range=(0.0, 1.0),
    )
    plan = prepare(spec, 80, 20)
    assert plan.xlim == (400.0, 499.0)
    assert plan.marks == (450.0,)
    assert plan.cursor == 420.0
    assert plan.reference == 1.0
    assert plan.ylim == (0.0, 1.0)
    assert "last 100 epochs" in plan.notes
    outside = prepare(ChartSpec(spec.series, zoom_last=100, cursor_epoch=5), 80, 20)
    assert outside.cursor is None


def test_prepare_reference_far_from_data_is_dropped() -> None:
    spec = ChartSpec(
        [_series("relative_error", np.linspace(100, 101, 50))], reference=1.0, log=False
    )
    assert prepare(spec).reference is None
    near = ChartSpec([_series("ratio.u_norm/target_v_norm", np.linspace(2, 9, 50))], reference=1.0)
    plan = prepare(near)
    assert plan.log and plan.reference == 0.0  # log10(1)
    assert plan.ylim[0] == 0.0


def test_prepare_normalise_and_sparse() -> None:
    a = _series("ema_divergence", np.linspace(1e-3, 2e-3, 100))
    sparse_y = np.full(100, NAN)
    sparse_y[::10] = np.linspace(5, 50, 10)
    b = _series("val_raw_loss", sparse_y, sparse=True)
    plan = prepare(ChartSpec([a, b], normalise=True, reference=1.0))
    assert not plan.log and plan.reference is None
    assert plan.ylim == (0.0, 1.0)
    assert [layer.points for layer in plan.layers] == [False, True]
    assert len(plan.layers[1].x) == 10


def test_prepare_50000_points_is_fast_and_bounded() -> None:
    x = np.arange(50_000, dtype=float)
    y = np.exp(-x / 10_000) + 0.01
    y[40_000] = 5.0
    spec = ChartSpec(
        [Series("raw_loss_mean", x, y), Series("raw_loss_std", x, y / 2)],
        smoothing=0.9,
        cursor_epoch=123,
    )
    prepare(spec, 160, 40)
    started = time.perf_counter()
    plan = prepare(spec, 160, 40)
    elapsed = time.perf_counter() - started
    print(f"prepare, 2 x 50,000 points with smoothing: {elapsed * 1000:.1f} ms")
    assert all(len(layer.x) <= 2 * 150 for layer in plan.layers)
    raw = next(layer for layer in plan.layers if layer.faint)
    assert max(raw.y) == pytest.approx(math.log10(5.0))  # the spike survives
    assert elapsed < 0.5


def test_series_from_columns() -> None:
    columns = {"raw_loss_mean": np.ones(3), "val_raw_loss": np.array([NAN, 1.0, NAN])}
    out = series_from_columns([0, 1, 2], columns, ["raw_loss_mean", "missing", "val_raw_loss"])
    assert [(s.label, s.sparse, s.colour) for s in out] == [
        ("raw_loss_mean", False, 0),
        ("val_raw_loss", True, 2),
    ]


def test_labels_are_printable() -> None:
    spec = ChartSpec(
        [_series("a\x1b[31mred", np.ones(3)), _series("b", np.ones(3))], title="t\x07itle"
    )
    plan = prepare(spec)
    assert "\x1b" not in (plan.layers[0].label or "")
    assert plan.title == "title"


# --- overview preset ------------------------------------------------------------------------


def _columns(n: int = 50) -> dict[str, np.ndarray]:
    ramp = np.linspace(1.0, 2.0, n)
    names = {name for panel in OVERVIEW for name in panel.metrics}
    return {name: ramp.copy() for name in names}


def test_overview_has_the_spec_panels() -> None:
    titles = [panel.title for panel in OVERVIEW]
    assert titles[0] == "raw loss" and "relative error" in titles
    cos = next(p for p in OVERVIEW if p.metrics == ("cosine_sim_V_vc",))
    assert cos.y_range == (0.0, 1.0) and cos.reference == 1.0
    blocks = next(p for p in OVERVIEW if p.title == "block gradient norms")
    assert blocks.log is True and len(blocks.metrics) == 4


def test_panels_for_skips_constant_and_missing() -> None:
    columns = _columns()
    columns["grad_clip_fraction"] = np.zeros(50)  # constant: no panel
    columns["relative_update_norm"] = np.full(50, 0.5)  # constant inside a two-metric panel
    del columns["block_grad_norms.r_embed"]
    columns["relative_error"] = np.full(50, NAN)  # never logged
    plan = panels_for(columns)
    titles = [p.title for p in plan.panels]
    assert "grad clip fraction" not in titles and "relative error" not in titles
    assert set(plan.constant) == {"grad_clip_fraction", "relative_update_norm"}
    assert set(plan.missing) == {"block_grad_norms.r_embed", "relative_error"}
    ema = next(p for p in plan.panels if p.title.startswith("EMA"))
    assert ema.metrics == ("ema_divergence",) and not ema.normalise
    blocks = next(p for p in plan.panels if p.title == "block gradient norms")
    assert len(blocks.metrics) == 3
    panels, constant, missing = panels_for({})
    assert panels == [] and constant == [] and len(missing) > 10


def test_panel_chart_and_overview_charts() -> None:
    columns = _columns(20)
    panel = PanelSpec("FM vs MF", ("raw_loss_fm_mean", "nope", "raw_loss_mf_mean"), log=True)
    chart = panel.chart(np.arange(20), columns, smoothing=0.6, cursor_epoch=3, marks=[4])
    assert [s.label for s in chart.series] == ["raw_loss_fm_mean", "raw_loss_mf_mean"]
    assert [s.colour for s in chart.series] == [0, 2]
    assert chart.log is True and chart.smoothing == 0.6 and chart.marks == (4,)
    charts, plan = overview_charts(np.arange(20), columns, zoom_last=10)
    assert len(charts) == len(plan.panels) == len(OVERVIEW)
    assert all(c.zoom_last == 10 for c in charts)


def test_overview_on_a_sample_run() -> None:
    from neuromf_tui.monitor import Monitor

    monitor = Monitor(Path("sample_runs"))
    snapshot = monitor.process(monitor.tailer.poll_once()).snapshots["phase4c_adaptive_norm"]
    charts, plan = overview_charts(snapshot.epochs, snapshot.columns)
    assert len(charts) == len(OVERVIEW) and not plan.missing
    for chart in charts:
        assert not prepare(chart, 80, 12).empty


def test_plotting_core_is_headless() -> None:
    code = (
        "import sys; import neuromf_tui.plotting.series, neuromf_tui.plotting.spec, "
        "neuromf_tui.plotting.overview; "
        "print([m for m in ('textual', 'rich', 'plotext', 'textual_plotext') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_a_long_run_is_drawn_up_to_its_newest_epoch_with_the_cursor_on_it() -> None:
    from neuromf_tui.plotting.spec import ChartSpec, Series, prepare

    x = np.arange(5_000, dtype=float)
    y = 100 * np.exp(-x / 1000) + np.random.default_rng(0).normal(scale=0.5, size=x.size)
    plan = prepare(ChartSpec([Series("m", x, y)], cursor_epoch=4_999), 150, 40)
    assert plan.xlim[1] >= 4_999
    assert plan.cursor == 4_999
