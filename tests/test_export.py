"""``neuromf-tui export``: tables that read back as the loader's values, PNG figures whose
panels follow the data, and no write ever landing inside a run folder."""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuromf_tui.analysis.engine import analyse
from neuromf_tui.analysis.inputs import build_view
from neuromf_tui.cli import main
from neuromf_tui.data.catalogue import derive
from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import RunSource, load_run
from neuromf_tui.output.figure import build_figure
from neuromf_tui.output.figure_plan import FigureRun, overview_plan
from neuromf_tui.plotting.overview import OVERVIEW
from neuromf_tui.snapshot import columns_of
from tests.runfiles import history, write_run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def copy_sample(target: Path, *names: str) -> Path:
    """A results root under ``target`` holding copies of the named sample runs."""
    for name in names:
        shutil.copytree(SAMPLES / name, target / Path(name).name)
    return target


def expected_columns(source: RunSource) -> dict[str, np.ndarray]:
    """What the table must hold: every loaded column plus every derived metric."""
    table = source.table
    columns = {name: np.asarray(col) for name, col in table.items()}
    for name, col in derive(table.columns()).items():
        columns.setdefault(name, col)
    return columns


def assert_same_as_loader(frame: pd.DataFrame, source: RunSource) -> None:
    expected = expected_columns(source)
    assert list(frame["epoch"]) == [int(e) for e in source.table.epochs]
    assert set(frame.columns) - {"run", "epoch"} == set(expected) - {"epoch"}
    assert any(name.startswith("ratio.") for name in frame.columns)
    for name, values in expected.items():
        np.testing.assert_array_equal(frame[name].to_numpy(dtype=np.float64), values, err_msg=name)


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and mtime (to prove nothing changed)."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            st = path.stat()
            state[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return state


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# --- tables ------------------------------------------------------------------------------
def test_csv_holds_the_loaders_values_with_derived_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_sample(tmp_path / "runs", "legacy_v1_warmup") / "legacy_v1_warmup"
    out = tmp_path / "out" / "legacy.csv"
    assert main(["export", str(run), "--csv", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    frame = pd.read_csv(out)
    assert "run" not in frame.columns, "a single run needs no run column"
    assert_same_as_loader(frame, load_run(discover_runs(run)[0]))


def test_several_runs_are_stacked_with_a_run_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_sample(tmp_path / "runs", "legacy_v1_warmup", "ablations/sampling_drift")
    out = tmp_path / "all.csv"
    assert main(["export", str(root), "--csv", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns[:2]) == ["run", "epoch"]
    refs = discover_runs(root)
    assert sorted(frame["run"].unique()) == sorted(ref.name for ref in refs)
    for ref in refs:
        part = frame[frame["run"] == ref.name].reset_index(drop=True)
        source = load_run(ref)
        # A metric only the other run logs is all NaN here; the rest is this run's own data.
        part = part.dropna(axis=1, how="all")
        columns = expected_columns(source)
        expected = {k for k, v in columns.items() if np.isfinite(v).any()}
        assert set(part.columns) - {"run", "epoch"} == expected - {"epoch"}
        assert list(part["epoch"]) == [int(e) for e in source.table.epochs]
        for name in expected:
            values = part[name].to_numpy(dtype=np.float64)
            np.testing.assert_array_equal(values, columns[name], err_msg=name)
    assert "2 runs" in capsys.readouterr().out


def test_parquet_round_trips(tmp_path: Path) -> None:
    run = copy_sample(tmp_path / "runs", "ablations/sampling_drift") / "sampling_drift"
    out = tmp_path / "drift.parquet"
    assert main(["export", str(run), "--parquet", str(out)]) == 0
    assert_same_as_loader(pd.read_parquet(out), load_run(discover_runs(run)[0]))


def test_an_explicit_target_is_replaced_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_sample(tmp_path / "runs", "ablations/sampling_drift") / "sampling_drift"
    out = tmp_path / "table.csv"
    out.write_text("old content\n")
    assert main(["export", str(run), "--csv", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert pd.read_csv(out)["epoch"].iloc[0] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- figures -----------------------------------------------------------------------------
def test_png_has_one_panel_per_overview_panel_with_varying_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Hand-written records: no EMA/update norms at all, block gradient norms constant.
    run = write_run(tmp_path / "runs", "handmade", history(60))
    out = tmp_path / "fig.png"
    assert main(["export", str(run), "--png", str(out), "--dpi", "150"]) == 0
    captured = capsys.readouterr()
    assert "ema_divergence, relative_update_norm: not logged" in captured.err
    assert "block_grad_norms.out: constant at" in captured.err
    width, height = png_size(out)

    source = load_run(discover_runs(run)[0])
    epochs, columns = columns_of(source)
    plan = overview_plan([FigureRun("handmade", epochs, columns, analyse(build_view(source)))])
    varying = {
        name
        for name, values in columns.items()
        if np.isfinite(values).any() and np.nanmax(values) > np.nanmin(values)
    }
    expected = [p.title for p in OVERVIEW if varying & set(p.metrics)]
    assert [p.title for p in plan.panels] == expected
    assert len(expected) < len(OVERVIEW)
    figure = build_figure(plan, dpi=150)
    assert len(figure.axes) == len(plan.panels)
    assert f"{len(plan.panels)} panels" in captured.out
    fig_width, fig_height = figure.get_size_inches()
    assert (width, height) == (round(fig_width * 150), round(fig_height * 150))


def test_png_marks_open_findings_and_overlays_runs(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "runs", "ablations/dead_deep_blocks", "ablations/sampling_drift")
    runs = []
    for ref in discover_runs(root):
        source = load_run(ref)
        runs.append(FigureRun(ref.name, *columns_of(source), analyse(build_view(source))))
    plan = overview_plan(runs)
    figure = build_figure(plan)
    onsets = {f.first_epoch for run in runs for f in run.findings}
    assert onsets, "the sample runs have open findings"
    for ax in figure.axes:
        vertical = {
            line.get_xdata()[0]
            for line in ax.get_lines()
            if len(set(line.get_xdata())) == 1 and line.get_linestyle() == "--"
        }
        assert vertical == onsets
    run_legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert run_legend == [r.name for r in runs]

    out = tmp_path / "both.png"
    assert main(["export", str(root), "--png", str(out)]) == 0
    png_size(out)


# --- where files may go ------------------------------------------------------------------
def test_export_refuses_to_write_in_a_run_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_sample(tmp_path / "runs", "ablations/sampling_drift", "legacy_v1_warmup")
    other = write_run(tmp_path / "elsewhere", "other_run", history(5))
    before = tree_state(tmp_path)
    drift = root / "sampling_drift"
    attempts = [
        (drift, drift / "table.csv"),
        (root, drift / "logs" / "table.csv"),
        (root, root / "legacy_v1_warmup" / "new_folder" / "fig.png"),
        (drift, drift / "diagnostics" / "aggregate_results" / "training_summary.json"),
        (drift, other / "table.csv"),  # a run folder the command was not asked about
    ]
    for path, target in attempts:
        option = "--png" if target.suffix == ".png" else "--csv"
        assert main(["export", str(path), option, str(target)]) == 2
        err = capsys.readouterr().err
        assert "run folder" in err and "never writes" in err
        assert "Traceback" not in err
    assert tree_state(tmp_path) == before


def test_bad_requests_fail_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_sample(tmp_path / "runs", "ablations/sampling_drift") / "sampling_drift"
    same = tmp_path / "x.csv"
    cases = [
        ([str(run)], "nothing to export"),
        ([str(run), "--csv", str(same), "--parquet", str(same)], "same file"),
        ([str(run), "--csv", str(tmp_path)], "is a folder"),
        ([str(tmp_path / "missing"), "--csv", str(same)], "no such file"),
    ]
    for args, message in cases:
        assert main(["export", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert not same.exists()


@pytest.mark.parametrize(
    ("module", "option", "extra"),
    [("matplotlib", "--png", "png"), ("pyarrow", "--parquet", "parquet")],
)
def test_a_missing_optional_package_names_its_extra(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    option: str,
    extra: str,
) -> None:
    run = copy_sample(tmp_path / "runs", "ablations/sampling_drift") / "sampling_drift"
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    out = tmp_path / f"out.{extra}"
    assert main(["export", str(run), option, str(out)]) == 2
    err = capsys.readouterr().err
    assert f"pip install 'neuromf-tui[{extra}]'" in err
    assert "Traceback" not in err
    assert not out.exists()
