"""The glance: the first chart, read and laid out without numpy, must be the chart the full
load then draws, and must step aside whenever a quick read could differ from the loader."""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.glance import read_glance
from neuromf_tui.data.loader import load_run
from neuromf_tui.plotting import compose
from neuromf_tui.plotting import series as core
from neuromf_tui.plotting.glance import downsample_minmax, glance_plan
from neuromf_tui.plotting.spec import prepare
from neuromf_tui.snapshot import quick_snapshot
from tests.runfiles import history, record, run_folder, write_epoch_file, write_run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"
SIZES = ((150, 40), (110, 30), (60, 15), (24, 8))


def full_plan(root: Path, run: str, metric: str | None, width: int, height: int):
    """What the app draws after the full load, in its default view (follow on)."""
    ref = next(r for r in discover_runs(root) if r.name == run)
    source = load_run(ref)
    snapshot = quick_snapshot(source, source.status(None, time.time()))
    chosen = compose.default_metric(snapshot, metric)
    options = compose.ChartOptions(cursor_epoch=snapshot.last_epoch)
    spec = compose.chart_spec({run: snapshot}, run, chosen, [], (), options)
    return chosen, prepare(spec, width, height)


@pytest.mark.parametrize("run", sorted(r.name for r in discover_runs(SAMPLES)))
@pytest.mark.parametrize("metric", [None, "loss_mean", "cosine_sim_V_vc", "relative_error"])
def test_the_glance_draws_what_the_full_load_draws(run: str, metric: str | None) -> None:
    glance = read_glance(SAMPLES, run, metric)
    if glance is None:
        assert run == "ablations/mf_domination_resumed", "only the resumed run needs the loader"
        return
    for width, height in SIZES:
        chosen, expected = full_plan(SAMPLES, run, metric, width, height)
        assert glance.run == run and glance.metric == chosen
        assert glance_plan(glance, width, height) == expected, (width, height)


def test_with_no_run_remembered_the_glance_opens_the_latest_written_run(tmp_path: Path) -> None:
    for name, age in (("old", 3_600.0), ("new", 60.0), ("older", 7_200.0)):
        folder = write_run(tmp_path, name, history(20))
        stamp = time.time() - age
        for path in folder.rglob("*.json"):
            os.utime(path, (stamp, stamp))
    glance = read_glance(tmp_path)
    assert glance is not None and (glance.run, glance.metric) == ("new", "raw_loss_mean")


def test_a_summary_cut_mid_write_is_completed_from_per_epoch_files() -> None:
    glance = read_glance(SAMPLES, "overfit_small_data")
    assert glance is not None
    ref = next(r for r in discover_runs(SAMPLES) if r.name == glance.run)
    assert glance.epochs == load_run(ref).table.epochs.tolist()
    assert glance.epochs[-1] == 299, "the last epochs are only in per-epoch files"


def test_a_long_run_is_downsampled_exactly_as_the_full_load_does(tmp_path: Path) -> None:
    records = history(3_000)
    for rec in records[::97]:
        rec["raw_loss_mean"] *= 40.0  # spikes that min/max buckets must keep
    write_run(tmp_path, "long", records, per_epoch=False)
    glance = read_glance(tmp_path)
    assert glance is not None and len(glance.epochs) == 3_000
    for width, height in SIZES:
        plan = glance_plan(glance, width, height)
        assert plan == full_plan(tmp_path, "long", None, width, height)[1]
        assert len(plan.layers[0].x) <= 2 * (width - 10) + 2


def test_non_positive_values_on_a_log_metric_are_hidden_and_counted(tmp_path: Path) -> None:
    records = [record(e, raw_loss_mean=500.0 * 10 ** (-e / 20)) for e in range(60)]
    records[30]["raw_loss_mean"] = 0.0  # 3 decades of data: one zero is hidden, not linear
    write_run(tmp_path, "zero", records, per_epoch=False)
    glance = read_glance(tmp_path)
    assert glance is not None
    plan = glance_plan(glance, 100, 30)
    assert plan.log and plan.hidden == 1 and "1 non-positive value hidden" in plan.notes
    assert plan == full_plan(tmp_path, "zero", None, 100, 30)[1]


def _write(root: Path, records: list[dict], name: str = "run") -> Path:
    """A summary without per-epoch files; returns the (empty) per-epoch root."""
    _folder, summary, epoch_root = run_folder(root, name)
    summary.write_text(json.dumps(records))
    return epoch_root


def test_no_glance_when_the_quick_read_could_differ_from_the_loader(tmp_path: Path) -> None:
    cases: dict[str, list[dict]] = {
        "out of order": [record(0), record(2), record(1)],
        "repeated epoch (restart)": [record(0), record(1), record(1)],
        "epoch as text": [record(0), {**record(1), "epoch": "1"}],
        "missing value": [record(0), {k: v for k, v in record(1).items() if k != "raw_loss_mean"}],
        "logged NaN": [record(0), record(1, raw_loss_mean=math.nan)],
    }
    for index, (why, records) in enumerate(cases.items()):
        root = tmp_path / str(index)
        _write(root, records)
        assert read_glance(root) is None, why

    root = tmp_path / "gap"
    epoch_root = _write(root, [record(0), record(2)])
    write_epoch_file(epoch_root, record(1))
    assert read_glance(root) is None, "a gap the loader fills from a per-epoch file"

    root = tmp_path / "sparse"
    _write(root, history(30))
    assert read_glance(root, None, "val_raw_loss") is None, "sparse metrics are drawn as points"
    assert read_glance(root, None, "no_such_metric") is None
    assert read_glance(tmp_path / "nowhere") is None
    assert read_glance(tmp_path / "sparse", None, "loss_mean") is not None


def test_newer_per_epoch_files_of_a_live_run_extend_the_glance(tmp_path: Path) -> None:
    epoch_root = _write(tmp_path, history(10))
    for rec in history(12):
        write_epoch_file(epoch_root, rec)  # written after the summary: epochs 10 and 11 are new
    glance = read_glance(tmp_path)
    assert glance is not None and glance.epochs == list(range(12))
    assert glance_plan(glance, 90, 25) == full_plan(tmp_path, "run", None, 90, 25)[1]


def test_per_epoch_files_left_from_before_a_restart_turn_the_glance_off(tmp_path: Path) -> None:
    _folder, _summary, epoch_root = run_folder(tmp_path, "run")
    for rec in history(12):
        write_epoch_file(epoch_root, rec)
    time.sleep(0.02)
    _write(tmp_path, history(10))  # the restarted writer rewrote the summary later
    assert read_glance(tmp_path) is None


def test_the_remembered_run_and_metric_are_opened(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "imf_baseline", tmp_path / "imf_baseline")
    shutil.copytree(SAMPLES / "legacy_v1_warmup", tmp_path / "legacy_v1_warmup")
    glance = read_glance(tmp_path, "legacy_v1_warmup", "relative_error")
    assert glance is not None
    assert (glance.run, glance.metric) == ("legacy_v1_warmup", "relative_error")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=400),
    st.lists(st.integers(1, 5), min_size=400, max_size=400),
    st.integers(1, 60),
)
def test_pure_downsampling_matches_numpy(ys: list[float], steps: list[int], buckets: int) -> None:
    xs = [float(x) for x in np.cumsum(steps[: len(ys)])]
    got = downsample_minmax(xs, ys, buckets)
    want = core.downsample_minmax(xs, ys, buckets)
    assert got[0] == want[0].tolist() and got[1] == want[1].tolist()
