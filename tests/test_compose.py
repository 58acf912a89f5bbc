"""What the main chart shows for a selection, decided without an app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuromf_tui.monitor import Monitor
from neuromf_tui.plotting import compose
from neuromf_tui.plotting.spec import prepare

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"


@pytest.fixture(scope="module")
def snapshots() -> dict:
    monitor = Monitor(SAMPLES)
    return monitor.process(monitor.tailer.poll_once()).snapshots


def test_default_metric_is_the_raw_loss(snapshots: dict) -> None:
    assert compose.default_metric(snapshots["imf_baseline"]) == "raw_loss_mean"
    assert compose.default_metric(snapshots["imf_baseline"], "loss_mean") == "loss_mean"


def test_single_metric_has_reference_and_onset_marks(snapshots: dict) -> None:
    options = compose.ChartOptions()
    spec = compose.chart_spec(snapshots, "phase4c_adaptive_norm", "raw_loss_mean", [], [], options)
    assert [s.label for s in spec.series] == ["raw_loss_mean"]
    onsets = {
        f.first_epoch
        for f in snapshots["phase4c_adaptive_norm"].findings
        if "raw_loss_mean" in f.metrics
    }
    assert set(spec.marks) == onsets and onsets
    cosine = compose.chart_spec(snapshots, "imf_baseline", "cosine_sim_V_vc", [], [], options)
    assert cosine.reference == 1.0 and cosine.y_range == (0.0, 1.0)


def test_pins_share_one_normalised_chart_or_their_raw_scale(snapshots: dict) -> None:
    pins = ["grad_clip_fraction"]
    spec = compose.chart_spec(
        snapshots, "imf_baseline", "raw_loss_mean", pins, [], compose.ChartOptions()
    )
    assert [s.label for s in spec.series] == ["raw_loss_mean", "grad_clip_fraction"]
    assert spec.normalise and spec.reference is None
    raw = compose.chart_spec(
        snapshots,
        "imf_baseline",
        "raw_loss_mean",
        pins,
        [],
        compose.ChartOptions(normalise=False),
    )
    assert not raw.normalise


def test_compare_overlays_the_metric_across_marked_runs(snapshots: dict) -> None:
    spec = compose.chart_spec(
        snapshots,
        "imf_baseline",
        "raw_loss_mean",
        [],
        ["phase4c_adaptive_norm", "imf_baseline"],
        compose.ChartOptions(),
    )
    assert [s.label for s in spec.series] == ["imf_baseline", "phase4c_adaptive_norm"]
    assert [s.colour for s in spec.series] == [0, 1]
    assert "across 2 runs" in spec.title


def test_a_focused_finding_plots_its_metrics_with_its_onset(snapshots: dict) -> None:
    snap = snapshots["phase4c_adaptive_norm"]
    finding = next(f for f in snap.findings if f.id == "adaptive-weight-masking")
    specs = compose.finding_specs(snap, finding, compose.ChartOptions())
    assert specs and {spec.series[0].label for spec in specs} <= set(finding.metrics)
    assert all(spec.marks == (finding.first_epoch,) for spec in specs)


def test_zoom_window_follows_or_stays_put(snapshots: dict) -> None:
    following = compose.chart_spec(
        snapshots, "imf_baseline", "raw_loss_mean", [], [], compose.ChartOptions(zoom_last=50)
    )
    epochs = following.epochs()
    assert epochs.min() == 350 and epochs.max() == 399
    frozen = compose.chart_spec(
        snapshots,
        "imf_baseline",
        "raw_loss_mean",
        [],
        [],
        compose.ChartOptions(zoom_last=50, zoom_end=200),
    )
    assert frozen.epochs().max() == 200 and frozen.epochs().min() == 151
    plan = prepare(frozen, 100, 20)
    assert plan.xlim[1] <= 200 + 1e-9


def test_overview_and_grid_specs(snapshots: dict) -> None:
    snap = snapshots["imf_baseline"]
    overview = compose.overview_specs(snap, compose.ChartOptions())
    assert len(overview) >= 6
    grid = compose.grid_specs(
        snap, ["raw_loss_mean", "nope", "relative_error"], compose.ChartOptions()
    )
    assert [s.title for s in grid] == ["raw_loss_mean", "relative_error"]
    assert all(np.isfinite(s.series[0].y).any() for s in grid)
