"""Loading whole runs: layouts, merges with per-epoch files, restarts, stubs, bad runs."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import RunSource, load_run
from neuromf_tui.data.summary_file import FileState
from tests.runfiles import dump, history, record, run_folder, write_epoch_file, write_run


def only_run(path: Path) -> RunSource:
    (ref,) = discover_runs(path)
    return load_run(ref)


def set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def test_current_layout_loads_flattened_columns(tmp_path: Path) -> None:
    write_run(tmp_path, "run", history(30))
    source = only_run(tmp_path / "run")
    assert source.state is FileState.OK
    assert source.table.epochs.tolist() == list(range(30))
    assert source.table["velocity_norms.u_norm"][5] == 605.0
    val = source.table["val_raw_loss"]
    assert np.isfinite(val[9]) and math.isnan(val[8])
    assert "per_channel_loss.3" in source.table


def test_flat_layout_loads(tmp_path: Path) -> None:
    write_run(tmp_path, "old", history(12), layout="flat")
    source = only_run(tmp_path / "old")
    assert source.ref.layout == "flat" and len(source.table) == 12


def test_per_epoch_files_only(tmp_path: Path) -> None:
    _, _, epoch_root = run_folder(tmp_path, "perepoch")
    for rec in history(7):
        write_epoch_file(epoch_root, rec)
    source = only_run(tmp_path / "perepoch")
    assert source.table.epochs.tolist() == list(range(7))
    write_epoch_file(epoch_root, record(7))
    update = source.refresh()
    assert update.appended == [7]


def test_restart_per_epoch_files_fill_the_epochs_before_the_resume(tmp_path: Path) -> None:
    folder, summary, epoch_root = run_folder(tmp_path, "resumed")
    old = history(50)
    for rec in old:
        write_epoch_file(epoch_root, rec)
    now = time.time()
    for path in epoch_root.glob("epoch_*/summary.json"):
        set_mtime(path, now - 1000)
    new = [record(e, raw_loss_mean=1.0) for e in range(40, 45)]
    for rec in new:
        set_mtime(write_epoch_file(epoch_root, rec), now - 10)
    summary.write_text(dump(new))
    set_mtime(summary, now)
    source = only_run(folder)
    table = source.table
    assert table.epochs.tolist() == list(range(45))
    assert table["raw_loss_mean"][42] == 1.0, "the resumed write of epoch 42 wins"
    assert table["raw_loss_mean"][10] == old[10]["raw_loss_mean"]
    assert source.restarts == [40]
    assert source.superseded == list(range(45, 50)), "abandoned timeline left out"
    assert any("before a restart" in p for p in source.problems)


def test_newest_per_epoch_file_written_after_the_aggregate_is_included(tmp_path: Path) -> None:
    folder, summary, epoch_root = run_folder(tmp_path, "r")
    summary.write_text(dump(history(10)))
    set_mtime(summary, time.time() - 5)
    write_epoch_file(epoch_root, record(10))
    source = only_run(folder)
    assert source.table.last_epoch == 10


def test_duplicate_epochs_keep_the_later_write_and_stubs_merge(tmp_path: Path) -> None:
    records = history(5)
    records.append(record(3, raw_loss_mean=-1.0))
    records.append({"epoch": 4, "global_step": 99, "learning_rate": 5e-5, "ema_divergence": 0.2})
    write_run(tmp_path, "dup", records, per_epoch=False)
    source = only_run(tmp_path / "dup")
    table = source.table
    assert table.epochs.tolist() == [0, 1, 2, 3, 4]
    assert table["raw_loss_mean"][3] == -1.0
    assert table["learning_rate"][4] == 5e-5
    assert table["raw_loss_mean"][4] == records[4]["raw_loss_mean"], "stub keeps other fields"
    assert source.restarts == [3]


def test_per_epoch_files_past_a_cut_short_aggregate_are_kept(tmp_path: Path) -> None:
    folder, summary, epoch_root = run_folder(tmp_path, "cut")
    for rec in history(40):
        set_mtime(write_epoch_file(epoch_root, rec), time.time() - 100)
    summary.write_text(dump(history(40))[: 8192 * 3])
    source = only_run(folder)
    assert source.state is FileState.WRITING
    assert source.table.epochs.tolist() == list(range(40))
    assert source.superseded == []


def test_truncated_aggregate_is_being_written_with_complete_epochs(tmp_path: Path) -> None:
    folder, summary, _ = run_folder(tmp_path, "cut")
    text = dump(history(40))
    summary.write_text(text[: 8192 * 3])
    source = only_run(folder)
    assert source.state is FileState.WRITING
    assert 0 < len(source.table) < 40
    assert source.table.epochs.tolist() == list(range(len(source.table)))


def test_empty_aggregate_is_no_epochs_yet(tmp_path: Path) -> None:
    folder, summary, _ = run_folder(tmp_path, "empty")
    summary.write_text("")
    source = only_run(folder)
    assert source.state is FileState.EMPTY and len(source.table) == 0


def test_a_bad_run_does_not_stop_the_others(tmp_path: Path) -> None:
    write_run(tmp_path, "good", history(5))
    _, summary, _ = run_folder(tmp_path, "bad")
    summary.write_text('{"not": "an array"}')
    sources = {ref.name: load_run(ref) for ref in discover_runs(tmp_path)}
    assert len(sources["good"].table) == 5
    bad = sources["bad"]
    assert bad.state is FileState.ERROR
    assert bad.error is not None and "training_summary.json" in bad.error
    assert "array" in bad.error


def test_records_without_usable_epoch_are_skipped_with_a_problem(tmp_path: Path) -> None:
    records = [*history(2), {"raw_loss_mean": 1.0}, {"epoch": "three"}, record(3)]
    write_run(tmp_path, "noepoch", records, per_epoch=False)
    source = only_run(tmp_path / "noepoch")
    assert source.table.epochs.tolist() == [0, 1, 3]
    assert sum("no usable 'epoch'" in p for p in source.problems) == 2


def test_epoch_as_string_or_float_is_accepted(tmp_path: Path) -> None:
    records = [record(0), record(1)]
    records[0]["epoch"] = "0"
    records[1]["epoch"] = 1.0
    write_run(tmp_path, "r", records, per_epoch=False)
    assert only_run(tmp_path / "r").table.epochs.tolist() == [0, 1]


def test_live_appends_through_refresh(tmp_path: Path) -> None:
    folder, summary, _epoch_root = run_folder(tmp_path, "live")
    summary.write_text(dump(history(20)))
    source = only_run(folder)
    for n in (21, 22, 25):
        summary.write_text(dump(history(n)))
        update = source.refresh()
        assert not update.reset
        assert update.appended and update.appended[-1] == n - 1
    assert source.table.epochs.tolist() == list(range(25))
    summary.write_text(dump(history(3, start=10)))
    update = source.refresh()
    assert update.reset and 10 in source.restarts


def test_simulator_runs_with_every_writer_quirk_load_right(tmp_path: Path) -> None:
    """Restart with a stub record, tensor strings and NaN, and a cut mid-write, together."""
    from neuromf_tui.sim.model import SimConfig, simulate
    from neuromf_tui.sim.writer import WriteOptions
    from neuromf_tui.sim.writer import write_run as sim_write

    run = simulate(SimConfig(scenario="healthy", epochs=80, seed=4))
    options = WriteOptions(layout="flat", quirks=True, restart=(50, 40))
    sim_write(tmp_path / "quirky", run, options)
    source = only_run(tmp_path / "quirky")
    assert source.table.epochs.tolist() == list(range(80))
    assert 40 in source.restarts
    assert source.table.nonfinite, "the quirks write NaN values, recorded as logged NaN"
    raw = source.table["raw_loss_mean"]
    assert np.isfinite(raw[np.isfinite(raw)]).all() and np.isfinite(raw).sum() >= 78

    cut = simulate(SimConfig(scenario="healthy", epochs=60, seed=5))
    sim_write(tmp_path / "cut", cut, WriteOptions(), truncate=True)
    cut_source = only_run(tmp_path / "cut")
    assert cut_source.state is FileState.WRITING
    assert cut_source.table.epochs.tolist() == list(range(60)), "per-epoch files fill the cut"
