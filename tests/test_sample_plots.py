"""Sample-statistics charts and the per-epoch readout, decided without an app."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import load_run
from neuromf_tui.plotting.samples import (
    COSINE_1VS10,
    MSE_1VS10,
    channel_metrics,
    epoch_sample_stats,
    sample_epochs,
    sample_specs,
)
from neuromf_tui.plotting.spec import prepare
from neuromf_tui.snapshot import columns_of

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"
MEAN0 = "generated_samples.stats.nfe_1.mean.0"
STD = "generated_samples.stats.nfe_1.std"


@pytest.fixture(scope="module")
def collapse() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    (ref,) = discover_runs(SAMPLES / "ablations" / "mode_collapse")
    return columns_of(load_run(ref))


def test_four_panels_with_the_expected_values_as_references(collapse: tuple) -> None:
    epochs, columns = collapse
    specs = sample_specs(epochs, columns, cursor_epoch=149, marks=(100,))
    assert [s.title for s in specs] == [
        "1-NFE mean → 0",
        "1-NFE std → 1",
        "mse 1 vs 10 NFE ↓",
        "cos 1 vs 10 NFE → 1",
    ]
    assert [s.reference for s in specs] == [0.0, 1.0, None, 1.0]
    assert [len(s.series) for s in specs] == [4, 4, 1, 1]
    assert [s.label for s in specs[0].series] == ["ch0", "ch1", "ch2", "ch3"]
    assert all(s.cursor_epoch == 149 and s.marks == (100,) for s in specs)
    expected = sample_epochs(epochs, columns)
    assert list(expected) == list(range(24, 200, 25))
    for spec in specs:
        for series in spec.series:  # drawn through the sample epochs only: a connected line
            assert list(series.x) == list(expected) and np.isfinite(series.y).all()
            assert not series.sparse
    std = {s.label: s.y for s in specs[1].series}
    assert std["ch0"][-1] < 0.1 < std["ch0"][3]  # the collapse is on the chart
    plan = prepare(specs[2], 40, 12)
    assert plan.log  # mse spans a decade or more: the catalogue's log scale applies
    assert [s.metric for s in specs[2].series] == [MSE_1VS10]


def test_a_run_without_sample_statistics_has_no_panels() -> None:
    epochs = np.arange(5.0)
    assert sample_specs(epochs, {"raw_loss_mean": np.ones(5)}) == []
    only_cosine = {COSINE_1VS10: np.array([np.nan, 0.5, np.nan, 0.9, np.nan])}
    (spec,) = sample_specs(epochs, only_cosine)
    assert list(spec.series[0].x) == [1.0, 3.0]
    nothing = {COSINE_1VS10: np.full(5, np.nan)}
    assert sample_specs(epochs, nothing) == []


def test_channels_are_ordered_by_number_not_by_text() -> None:
    names = [f"{STD}.{i}" for i in (10, 2, 0, 1)] + [f"{STD}.x", f"{STD}.1.5", "other"]
    assert channel_metrics(names, STD) == [f"{STD}.0", f"{STD}.1", f"{STD}.2", f"{STD}.10"]


def test_readout_of_one_epoch_from_the_snapshot_row(collapse: tuple) -> None:
    epochs, columns = collapse
    index = int(np.searchsorted(epochs, 149))
    row = {n: float(c[index]) for n, c in columns.items() if math.isfinite(c[index])}
    stats = epoch_sample_stats(row, 149)
    assert stats.epoch == 149 and not stats.empty
    assert stats.means[0] == pytest.approx(row[MEAN0])
    assert len(stats.means) == len(stats.stds) == 4
    assert [label for label, _, _ in stats.consistency] == ["1 vs 2", "1 vs 5", "1 vs 10"]
    assert stats.consistency[-1][1] == pytest.approx(row[MSE_1VS10])
    assert stats.consistency[-1][2] == pytest.approx(row[COSINE_1VS10])
    assert epoch_sample_stats({"raw_loss_mean": 1.0}, 150).empty
