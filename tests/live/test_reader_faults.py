"""The data layer under faults, without a UI: what the reader keeps, drops and says.

Each test writes files the way the simulator's writer (the training callback) does, inflicts
one fault, and checks the reader's table, restarts and ``condition`` against the disk.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import neuromf_tui.data.summary_file as summary_file_module
import neuromf_tui.data.tail as tail_module
from neuromf_tui.data.condition import CUT, EMPTIED, MISSING, OK, UNREADABLE, FileCondition
from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import RunSource, load_run
from neuromf_tui.data.summary_file import FileState, SummaryFile
from neuromf_tui.data.table import RunTable
from neuromf_tui.data.tail import EventKind, RunWatcher, Tailer, WatchMode
from neuromf_tui.monitor import Monitor
from neuromf_tui.sim import LiveWriter, SimConfig, simulate, write_run
from tests.live.support import FaultyRun

GRACE = 0.3


@pytest.fixture
def grace(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(summary_file_module, "REWRITE_GRACE", GRACE)
    return GRACE


def source_of(folder: Path) -> RunSource:
    (ref,) = discover_runs(folder)
    source = RunSource(ref)
    source.refresh()
    return source


def epochs(source: RunSource) -> list[int]:
    return [int(e) for e in source.table.epochs]


def test_in_place_rewrite_with_another_head_is_read_whole(tmp_path: Path) -> None:
    """A file rewritten in place (same inode) with a different first block and more bytes is
    parsed from its start, not from where the head comparison stopped reading."""
    history = simulate(SimConfig(epochs=30)).history
    path = tmp_path / "training_summary.json"
    path.write_text(json.dumps(history[:10]))  # compact: another head than indent=2
    reader = SummaryFile(path)
    assert len(reader.read().records) == 10
    inode = path.stat().st_ino
    with open(path, "w") as handle:
        json.dump(history, handle, indent=2)
    assert path.stat().st_ino == inode
    result = reader.read()
    assert result.reset and len(result.records) == 30
    assert reader.state is FileState.OK and reader.error is None


def test_a_summary_left_empty_is_taken_as_emptied_after_the_grace(
    tmp_path: Path, grace: float
) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=40))
    live.write(12)
    shutil.rmtree(live.folder / "diagnostics" / "per_epoch_metrics")  # the summary alone
    source = source_of(live.folder)
    live.truncate()
    source.refresh()
    assert epochs(source) == list(range(12)), "an empty file is first a rewrite in progress"
    assert source.state is FileState.WRITING and source.condition.ok
    assert source.settle_at is not None
    time.sleep(grace + 0.05)
    update = source.refresh()
    assert update.reset and epochs(source) == [] == epochs(load_run(source.ref))
    condition = source.condition
    assert condition.kind == EMPTIED and condition.since == pytest.approx(
        live.summary.stat().st_mtime
    )
    assert source.settle_at is None
    live.write()
    source.refresh()
    assert epochs(source) == list(range(13)) and source.condition.ok


def test_a_summary_left_cut_short_keeps_its_complete_epochs(tmp_path: Path, grace: float) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=80))
    live.write(60)
    shutil.rmtree(live.folder / "diagnostics" / "per_epoch_metrics")
    source = source_of(live.folder)
    data = live.summary.read_bytes()
    live.summary.write_bytes(data[: len(data) // 2])  # the writer died mid-rewrite
    source.refresh()
    assert len(source.table) == 60 and source.state is FileState.WRITING
    time.sleep(grace + 0.05)
    source.refresh()
    fresh = load_run(source.ref)
    assert 0 < len(source.table) < 60 and epochs(source) == epochs(fresh)
    assert source.state is FileState.CUT is fresh.state
    assert source.condition.kind == CUT and source.restarts == [], "a cut is no restart"
    sentence = source.condition.sentence(len(source.table))
    assert sentence is not None and sentence.startswith("summary cut short since")


def test_a_file_found_cut_and_old_is_cut_short_at_once(tmp_path: Path) -> None:
    run = simulate(SimConfig(epochs=120))
    paths = write_run(tmp_path / "run", run, truncate=True, end_time=time.time() - 3600)
    source = source_of(paths.root)
    assert source.state is FileState.CUT
    assert source.condition == FileCondition(CUT, paths.aggregate.stat().st_mtime)


def test_an_unreadable_summary_keeps_the_epochs_read_and_says_why(tmp_path: Path) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=40))
    live.write(10)
    source = source_of(live.folder)
    with live.unreadable():
        update = source.refresh()  # the chmod alone (a new ctime) makes it look again
        assert update.changed and epochs(source) == list(range(10))
        condition = source.condition
        assert condition.kind == UNREADABLE and condition.reason == "permission denied"
        assert condition.tag() == "unreadable" and source.problems == []
        assert not source.refresh().changed, "still unreadable: nothing new to tell"
    live.write()
    source.refresh()
    assert epochs(source) == list(range(11)) and source.condition.ok
    assert source.restarts == [], "the same history read again is no restart"


def test_a_missing_summary_is_flagged_and_coming_back_is_no_restart(tmp_path: Path) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=40))
    live.write(10)
    source = source_of(live.folder)
    before = time.time()
    live.delete()
    source.refresh()
    condition = source.condition
    assert condition.kind == MISSING and condition.since is not None
    assert condition.since >= before and condition.tag().startswith("missing ")
    assert epochs(source) == list(range(10)), "the per-epoch files still hold them"
    live.write()
    source.refresh()
    assert source.condition.kind == OK and source.restarts == []
    assert epochs(source) == list(range(11))


def test_a_shorter_rewrite_is_a_restart(tmp_path: Path) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=60), restart=(30, 22))
    live.write(31)
    source = source_of(live.folder)
    assert live.write() == 22
    source.refresh()
    assert source.table.last_epoch == 22 and source.restarts == [22]
    assert source.condition.sentence(len(source.table), source.restarts) == (
        "restarted at epoch 22"
    )
    assert epochs(source) == epochs(load_run(source.ref))


def test_an_epoch_missed_by_the_folder_listing_is_no_restart(tmp_path: Path) -> None:
    """A per-epoch folder the listing missed (created while it ran) leaves a gap; the
    aggregate fills it later, which is not an epoch written twice."""
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=40))
    live.write(10)
    data = live.summary.read_bytes()
    cut = data.index(b'\n    "epoch": 5,') - 5  # records 0..4 complete, 5 cut
    live.summary.write_bytes(data[:cut])
    hidden = live.writer.paths.epoch_file(7).parent
    hidden.rename(hidden.with_name(".epoch_007"))
    source = source_of(live.folder)
    assert epochs(source) == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    live.writer.rewrite_aggregate()
    source.refresh()
    assert epochs(source) == list(range(10)) and source.restarts == []


def test_a_large_root_is_read_in_batches_newest_first(tmp_path: Path) -> None:
    for index in range(5):
        write_run(tmp_path / f"run_{index}", simulate(SimConfig(epochs=20, seed=index)))
        os.utime(tmp_path / f"run_{index}" / "diagnostics", None)
    now = time.time()
    for index in range(5):
        summary = tmp_path / f"run_{index}/diagnostics/aggregate_results/training_summary.json"
        os.utime(summary, (now - 100 * index, now - 100 * index))
    tailer = Tailer(tmp_path, batch_seconds=0.0)  # one run per call
    first = tailer.poll_once()
    assert [(e.kind, e.name) for e in first] == [(EventKind.APPEARED, "run_0")]
    assert tailer.unread == 4
    assert tailer.run_for_path(tmp_path / "run_3" / "diagnostics") == "run_3"
    names = [e.name for _ in range(4) for e in tailer.load_more()]
    assert names == ["run_1", "run_2", "run_3", "run_4"] and tailer.unread == 0
    assert tailer.load_more() == []
    assert sorted(tailer.sources) == [f"run_{i}" for i in range(5)]


def test_the_watcher_delivers_a_batched_load_without_waiting_for_a_poll(tmp_path: Path) -> None:
    for index in range(6):
        write_run(tmp_path / f"run_{index}", simulate(SimConfig(epochs=20, seed=index)))

    async def collect() -> tuple[list[int], float]:
        watcher = RunWatcher(Tailer(tmp_path, batch_seconds=0.0), poll=60.0)
        sizes: list[int] = []
        start = time.perf_counter()
        async for batch in watcher:
            sizes.append(len(batch))
            if sum(sizes) == 6:
                watcher.stop()
        return sizes, time.perf_counter() - start

    sizes, took = asyncio.run(collect())
    assert sizes == [1] * 6 and took < 30.0


def test_a_held_back_summary_is_looked_at_again_when_its_grace_ends(
    tmp_path: Path, grace: float
) -> None:
    live = FaultyRun(tmp_path, "run", SimConfig(epochs=40))
    live.write(10)
    tailer = Tailer(tmp_path)
    tailer.poll_once()
    assert tailer.recheck_in() is None
    live.truncate()
    tailer.refresh_paths([live.summary])
    wait = tailer.recheck_in()
    assert wait is not None and 0 < wait <= grace
    assert tailer.recheck() == []  # not due yet
    time.sleep(wait + 0.05)
    (event,) = tailer.recheck()
    assert event.kind is EventKind.CHANGED and event.reset
    assert tailer.sources["run"].condition.kind == EMPTIED and tailer.recheck_in() is None


def test_the_monitor_names_the_runs_it_analyses_for_the_first_time(tmp_path: Path) -> None:
    """Findings a run already holds when first read are no news (a root of 1,000 runs loads
    in batches: one toast per finding would bury the screen); the app tells them apart by
    ``first_seen``."""
    config = SimConfig(scenario="adaptive-masking", epochs=150, seed=0)
    write_run(tmp_path / "old", simulate(config))
    writer = LiveWriter(tmp_path / "live", simulate(config))
    for _ in range(40):  # before the findings' onset (raised at epoch 61)
        writer.write_next()
    monitor = Monitor(tmp_path)
    update = monitor.process(monitor.tailer.poll_once())
    assert update.snapshots["old"].findings and update.first_seen == {"old", "live"}
    for _ in range(30):
        writer.write_next()
    later = monitor.process(monitor.tailer.poll_once())
    assert {run for run, _ in later.new_findings} == {"live"} and not later.first_seen


def test_condition_words() -> None:
    since = time.mktime((2024, 3, 3, 14, 2, 5, 0, 0, -1))
    missing = FileCondition(MISSING, since)
    assert missing.tag() == "missing 14:02" or missing.tag().endswith(" 14:02")
    assert missing.sentence(120, [30]) == (
        f"summary missing since {time.strftime('%b %d 14:02:05', time.localtime(since))}; "
        "showing the 120 epochs read before; restarted at epoch 30"
    )
    assert FileCondition(UNREADABLE, None, "permission denied").sentence(1) == (
        "summary unreadable: permission denied; showing the 1 epoch read before"
    )
    assert FileCondition().tag() is None and FileCondition().sentence(10) is None


def test_frozen_columns_never_move_whatever_the_table_does_next() -> None:
    """Snapshots share the table's arrays (no copy per update); every later write that would
    show through them copies first, so a snapshot stays what it was."""
    table = RunTable()
    table.load([(e, {"loss": float(e)}) for e in range(5)])
    epochs, columns = table.frozen()
    kept = (epochs.copy(), columns["loss"].copy())
    assert not columns["loss"].flags.writeable

    table.append(5, {"loss": 5.0, "new": 1.0})  # past the views' end: no copy needed
    assert np.shares_memory(table["loss"], columns["loss"])
    table.upsert(2, {"loss": -2.0})  # rewrites a row the views show
    table.upsert(7, {"loss": 7.0})  # after the end, then
    table.upsert(6, {"loss": 6.0})  # inserted between rows
    table.truncate_after(3)
    table.append(4, {"loss": 44.0})
    for _ in range(200):  # growth reallocates
        table.append(int(table.last_epoch) + 1, {"loss": 0.0})
    assert np.array_equal(epochs, kept[0]) and np.array_equal(columns["loss"], kept[1])
    assert table["loss"][2] == -2.0 and table["loss"][4] == 44.0

    _, later = table.frozen()
    table.upsert(0, {"loss": 100.0}, merge=True)
    assert later["loss"][0] == 0.0 and table["loss"][0] == 100.0


def test_a_root_with_too_many_folders_is_polled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_run(tmp_path / "run", simulate(SimConfig(epochs=30)))  # 30 epoch folders and more
    monkeypatch.delenv(tail_module.FORCE_POLL_ENV, raising=False)
    monkeypatch.setattr(tail_module, "filesystem_type", lambda path: "ext4")
    monkeypatch.setattr(tail_module, "MAX_NATIVE_FOLDERS", 20)

    async def first_batch(watcher: RunWatcher) -> int:
        async for batch in watcher:
            watcher.stop()
            return len(batch)
        return 0

    watcher = RunWatcher(Tailer(tmp_path))
    assert watcher.mode is WatchMode.NATIVE
    assert asyncio.run(first_batch(watcher)) == 1
    assert watcher.mode is WatchMode.POLLING
    assert watcher.describe() == (
        "polling every 2 s (over 20 folders to watch, too many for native watching)"
    )
    monkeypatch.setenv(tail_module.FORCE_POLL_ENV, "0")  # asked for native: native it is
    watcher = RunWatcher(Tailer(tmp_path))
    asyncio.run(first_batch(watcher))
    assert watcher.mode is WatchMode.NATIVE
