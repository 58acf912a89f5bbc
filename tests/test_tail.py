"""Tailer and watcher against real files written the way the training callback writes them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

import neuromf_tui.data.summary_file as summary_file_module
import neuromf_tui.data.tail as tail_module
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.summary_file import FileState
from neuromf_tui.data.tail import (
    FORCE_POLL_ENV,
    EventKind,
    RunEvent,
    RunWatcher,
    SummaryFilter,
    Tailer,
    WatchMode,
    filesystem_type,
)

AGGREGATE = Path("diagnostics/aggregate_results/training_summary.json")


# --- writing runs like the real callback -------------------------------------------------
def record(epoch: int, **overrides: Any) -> dict[str, Any]:
    return {"epoch": epoch, "raw_loss_mean": 1.0 / (epoch + 1), "epoch_time_sec": 60.0, **overrides}


def epoch_path(run: Path, epoch: int) -> Path:
    return run / f"diagnostics/per_epoch_metrics/epoch_{epoch:03d}/summary.json"


def write_history(run: Path, history: list[dict[str, Any]], *, per_epoch: bool = True) -> None:
    """Per-epoch files of the new records, then the whole history rewritten in place."""
    aggregate = run / AGGREGATE
    aggregate.parent.mkdir(parents=True, exist_ok=True)
    if per_epoch:
        for rec in history:
            path = epoch_path(run, rec["epoch"])
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "w") as handle:
                    json.dump(rec, handle, indent=2)
    with open(aggregate, "w") as handle:
        json.dump(history, handle, indent=2)


def write_epochs(run: Path, n: int) -> None:
    write_history(run, [record(e) for e in range(n)])


def by_kind(events: Iterable[RunEvent]) -> dict[EventKind, list[RunEvent]]:
    out: dict[EventKind, list[RunEvent]] = {}
    for event in events:
        out.setdefault(event.kind, []).append(event)
    return out


def count_calls(monkeypatch: pytest.MonkeyPatch, source: RunSource) -> list[int]:
    calls = [0]
    original = source.refresh

    def refresh() -> Any:
        calls[0] += 1
        return original()

    monkeypatch.setattr(source, "refresh", refresh)
    return calls


# --- Tailer ------------------------------------------------------------------------------
def test_first_poll_reports_every_run_as_appeared_and_loaded(tmp_path: Path) -> None:
    write_epochs(tmp_path / "run_a", 3)
    write_epochs(tmp_path / "ablation" / "run_b", 5)
    tailer = Tailer(tmp_path)

    events = tailer.poll_once()

    assert [(e.kind, e.name) for e in events] == [
        (EventKind.APPEARED, "ablation/run_b"),
        (EventKind.APPEARED, "run_a"),
    ]
    counts = {e.name: len(e.source.table) for e in events if e.source is not None}
    assert counts == {"ablation/run_b": 5, "run_a": 3}
    assert tailer.poll_once() == []


def test_appending_epochs_gives_one_appended_event(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_epochs(run, 3)
    tailer = Tailer(tmp_path)
    tailer.poll_once()

    write_epochs(run, 4)
    assert [(e.kind, e.epochs) for e in tailer.poll_once()] == [(EventKind.APPENDED, [3])]

    write_epochs(run, 5)
    write_epochs(run, 6)
    write_epochs(run, 7)
    write_epochs(run, 8)
    write_epochs(run, 9)
    events = tailer.poll_once()
    assert [(e.kind, e.epochs) for e in events] == [(EventKind.APPENDED, [4, 5, 6, 7, 8])]
    assert events[0].source is tailer.sources["run"]
    assert list(tailer.sources["run"].table.epochs) == list(range(9))
    assert tailer.poll_once() == []


def test_rewrite_in_progress_loses_no_epochs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_epochs(run, 200)  # about 16 KiB, so an 8 KiB cut is a real mid-write prefix
    tailer = Tailer(tmp_path)
    tailer.poll_once()
    aggregate = run / AGGREGATE
    seen: list[int] = []

    def poll() -> list[RunEvent]:
        events = tailer.poll_once()
        assert not any(e.reset or e.kind is EventKind.VANISHED for e in events)
        seen.extend(epoch for e in events for epoch in e.epochs)
        return events

    text = json.dumps([record(e) for e in range(260)], indent=2).encode()
    assert len(text) > 3 * 8192
    for cut in (0, 8192, 3 * 8192):  # shorter than the old file, then past its end
        aggregate.write_bytes(text[:cut])
        poll()
        assert tailer.sources["run"].table.last_epoch >= 199
    assert tailer.sources["run"].state is FileState.WRITING

    write_epochs(run, 260)
    poll()
    assert seen == list(range(200, 260))
    assert list(tailer.sources["run"].table.epochs) == list(range(260))
    assert tailer.sources["run"].state is FileState.OK


def test_restart_rewriting_a_shorter_history_is_a_reset(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_epochs(run, 10)
    past = time.time() - 100
    for epoch in range(10):
        os.utime(epoch_path(run, epoch), (past, past))
    tailer = Tailer(tmp_path)
    tailer.poll_once()

    # Resumed from the epoch-4 checkpoint: a fresh history holding epochs 5..7 only.
    write_history(run, [record(e, raw_loss_mean=99.0) for e in range(5, 8)], per_epoch=False)
    events = tailer.poll_once()

    assert [(e.kind, e.reset) for e in events] == [(EventKind.CHANGED, True)]
    table = tailer.sources["run"].table
    assert table.last_epoch == 7
    assert table["raw_loss_mean"][table.index_of(6)] == 99.0
    assert table["raw_loss_mean"][table.index_of(2)] == pytest.approx(1.0 / 3)


def test_new_and_deleted_run_folders_appear_and_vanish(tmp_path: Path) -> None:
    write_epochs(tmp_path / "run_a", 2)
    tailer = Tailer(tmp_path, rescan_every=3600.0)
    tailer.poll_once()

    write_epochs(tmp_path / "run_b", 4)
    assert tailer.poll_once() == []  # rediscovery not due yet
    events = tailer.poll_once(rescan=True)
    assert [(e.kind, e.name) for e in events] == [(EventKind.APPEARED, "run_b")]
    assert len(events[0].source.table) == 4

    shutil.rmtree(tmp_path / "run_a")
    events = tailer.poll_once()
    assert [(e.kind, e.name, e.source) for e in events] == [(EventKind.VANISHED, "run_a", None)]
    assert set(tailer.sources) == {"run_b"}
    assert tailer.poll_once(rescan=True) == []


def test_rediscovery_runs_by_itself_every_rescan_every(tmp_path: Path) -> None:
    write_epochs(tmp_path / "run_a", 2)
    clock = [0.0]
    tailer = Tailer(tmp_path, rescan_every=5.0, clock=lambda: clock[0])
    tailer.poll_once()
    write_epochs(tmp_path / "run_b", 1)
    clock[0] = 4.0
    assert tailer.poll_once() == []
    clock[0] = 5.5
    assert [e.name for e in tailer.poll_once()] == ["run_b"]


def test_missing_summary_is_not_a_vanished_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_epochs(run, 3)
    tailer = Tailer(tmp_path)
    tailer.poll_once()

    (run / AGGREGATE).unlink()
    events = tailer.poll_once(rescan=True)
    assert all(e.kind is not EventKind.VANISHED for e in events)
    assert "run" in tailer.sources
    assert len(tailer.sources["run"].table) == 3

    # A file that comes back is a new file to the reader: it is read whole (a reset).
    write_epochs(run, 4)
    assert [(e.kind, e.reset) for e in tailer.poll_once()] == [(EventKind.CHANGED, True)]
    assert len(tailer.sources["run"].table) == 4


def test_refresh_paths_only_touches_the_owning_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("run_a", "run_b", "run_c"):
        write_epochs(tmp_path / name, 2)
    tailer = Tailer(tmp_path)
    tailer.poll_once()
    calls = {name: count_calls(monkeypatch, source) for name, source in tailer.sources.items()}

    write_epochs(tmp_path / "run_b", 5)
    run_b = tmp_path / "run_b"
    changed = [run_b / AGGREGATE, *(epoch_path(run_b, e) for e in range(2, 5))]
    events = tailer.refresh_paths([*changed, str(run_b / AGGREGATE)])

    assert [(e.kind, e.name, e.epochs) for e in events] == [
        (EventKind.APPENDED, "run_b", [2, 3, 4])
    ]
    assert {name: c[0] for name, c in calls.items()} == {"run_a": 0, "run_b": 1, "run_c": 0}
    assert tailer.run_for_path(tmp_path / "run_c" / "diagnostics") == "run_c"
    assert tailer.run_for_path(tmp_path / "elsewhere.txt") is None


def test_refresh_paths_discovers_a_new_run_but_not_for_a_busy_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_epochs(tmp_path / "run_a", 2)
    clock = [0.0]
    tailer = Tailer(tmp_path, min_rescan_gap=1.0, clock=lambda: clock[0])
    tailer.poll_once()
    scans = [0]
    discover = tail_module.discover_runs

    def counting_discover(*args: Any, **kwargs: Any) -> Any:
        scans[0] += 1
        return discover(*args, **kwargs)

    monkeypatch.setattr(tail_module, "discover_runs", counting_discover)
    log = tmp_path / "slurm-1234.out"
    log.write_text("epoch 3\n")
    clock[0] = 10.0
    assert tailer.refresh_paths([log]) == []
    assert scans[0] == 0

    write_epochs(tmp_path / "run_new", 3)
    events = tailer.refresh_paths([tmp_path / "run_new" / AGGREGATE])
    assert [(e.kind, e.name) for e in events] == [(EventKind.APPEARED, "run_new")]
    assert scans[0] == 1

    # Right after a rediscovery, another one is deferred rather than repeated at once.
    write_epochs(tmp_path / "run_newer", 1)
    assert tailer.refresh_paths([tmp_path / "run_newer"]) == []
    assert tailer.rescan_pending_in() == pytest.approx(1.0)
    clock[0] = 11.5
    assert tailer.rescan_pending_in() == 0.0
    assert [e.name for e in tailer.rescan()] == ["run_newer"]
    assert tailer.rescan_pending_in() is None


def test_unchanged_runs_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(150):
        write_history(tmp_path / f"run_{index:03d}", [record(0), record(1)], per_epoch=False)
    tailer = Tailer(tmp_path, rescan_every=3600.0)
    assert len(tailer.poll_once()) == 150
    opened: list[str] = []

    def spy_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(summary_file_module, "open", spy_open, raising=False)
    assert tailer.poll_once() == []
    assert opened == []

    write_history(tmp_path / "run_042", [record(0), record(1), record(2)], per_epoch=False)
    assert [(e.name, e.epochs) for e in tailer.poll_once()] == [("run_042", [2])]
    assert opened == [str(tmp_path / "run_042" / AGGREGATE)]


def test_per_epoch_folder_appearing_later_rebuilds_the_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_history(run, [record(0)], per_epoch=False)
    tailer = Tailer(tmp_path)
    tailer.poll_once()
    assert tailer.sources["run"].ref.epoch_root is None

    write_history(run, [record(0), record(1)])
    events = tailer.poll_once(rescan=True)
    assert [(e.kind, e.reset) for e in events] == [(EventKind.CHANGED, True)]
    assert events[0].source is tailer.sources["run"]
    assert tailer.sources["run"].ref.epoch_root is not None
    assert len(tailer.sources["run"].table) == 2


def test_one_failing_run_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_epochs(tmp_path / "good", 1)
    write_epochs(tmp_path / "bad", 1)
    tailer = Tailer(tmp_path)
    tailer.poll_once()

    def boom() -> Any:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(tailer.sources["bad"], "refresh", boom)
    write_epochs(tmp_path / "good", 2)
    events = tailer.poll_once()
    assert {(e.kind, e.name) for e in events} == {
        (EventKind.CHANGED, "bad"),
        (EventKind.APPENDED, "good"),
    }
    assert tailer.failures == {"bad": "RuntimeError: parser bug"}
    assert tailer.poll_once() == []  # the same failure is reported once


def test_missing_root_reports_an_error_instead_of_raising(tmp_path: Path) -> None:
    write_epochs(tmp_path / "root" / "run", 1)
    tailer = Tailer(tmp_path / "root")
    assert len(tailer.poll_once()) == 1
    shutil.rmtree(tmp_path / "root")
    assert [e.kind for e in tailer.poll_once(rescan=True)] == [EventKind.VANISHED]
    assert tailer.error is not None


def test_summary_filter_drops_bulky_and_hidden_folders(tmp_path: Path) -> None:
    keep = SummaryFilter(tmp_path)
    change = tail_module.Change.modified
    assert keep(change, str(tmp_path / "run" / AGGREGATE))
    assert keep(change, str(epoch_path(tmp_path / "run", 3)))
    assert keep(change, str(tmp_path / "new_run"))
    for noisy in (
        "run/checkpoints/last.ckpt",
        "run/samples/epoch_0003/latent_channels.png",
        "run/logs/tb/events.out",
        "run/figures/dashboard.png",
        "run/diagnostics/.nfs0000000012",
        ".git/index",
    ):
        assert not keep(change, str(tmp_path / noisy)), noisy


def test_filesystem_type_uses_the_longest_mount_point() -> None:
    mounts = (
        "/dev/vda / ext4 rw 0 0\n"
        "server:/export /home nfs4 rw 0 0\n"
        "lfs@o2ib:/scratch /home/me/scratch\\040space lustre rw 0 0\n"
    )
    assert filesystem_type(Path("/tmp/x"), mounts) == "ext4"
    assert filesystem_type(Path("/home/me/runs"), mounts) == "nfs4"
    assert filesystem_type(Path("/home/me/scratch space/runs"), mounts) == "lustre"
    assert filesystem_type(Path("/homework"), mounts) == "ext4"


def test_data_layer_imports_no_ui_library() -> None:
    code = (
        "import sys, neuromf_tui.data.tail, neuromf_tui.data.status\n"
        "print(sorted(m for m in ('textual', 'rich', 'textual_plotext') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- RunWatcher --------------------------------------------------------------------------
async def next_with(
    events: AsyncIterator[list[RunEvent]], wanted: Callable[[RunEvent], bool], timeout: float
) -> tuple[RunEvent, float]:
    """The first event matching ``wanted`` within ``timeout`` seconds, and when it came."""
    started = time.monotonic()

    async def scan() -> RunEvent:
        async for batch in events:
            for event in batch:
                if wanted(event):
                    return event
        raise AssertionError("watcher ended")

    event = await asyncio.wait_for(scan(), timeout)
    return event, time.monotonic() - started


async def appended_after_write(watcher: RunWatcher, run: Path, timeout: float) -> float:
    """Load, write two more epochs, and return how long the appended event took."""
    events = watcher.events()
    first, _ = await next_with(events, lambda e: True, 5.0)
    assert first.kind is EventKind.APPEARED and len(first.source.table) == 3
    write_epochs(run, 5)
    event, elapsed = await next_with(events, lambda e: e.kind is EventKind.APPENDED, timeout)
    assert event.epochs == [3, 4]
    watcher.stop()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), 2.0)
    return elapsed


def test_native_watcher_delivers_an_append_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)
    run = tmp_path / "run"
    write_epochs(run, 3)
    stop = asyncio.Event()
    watcher = RunWatcher(Tailer(tmp_path), safety_poll=60.0, stop_event=stop)
    assert watcher.mode is WatchMode.NATIVE, watcher.reason

    elapsed = asyncio.run(appended_after_write(watcher, run, timeout=1.5))
    assert elapsed < 1.0
    assert watcher.mode is WatchMode.NATIVE
    assert stop.is_set()


def test_forced_polling_delivers_the_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FORCE_POLL_ENV, "1")
    run = tmp_path / "run"
    write_epochs(run, 3)
    watcher = RunWatcher(Tailer(tmp_path), fallback_poll=0.2)
    assert watcher.mode is WatchMode.POLLING
    assert watcher.describe() == (
        f"polling every 0.2 s (native watching disabled by {FORCE_POLL_ENV})"
    )

    assert asyncio.run(appended_after_write(watcher, run, timeout=1.5)) < 1.0


def test_explicit_poll_interval_delivers_the_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)
    run = tmp_path / "run"
    write_epochs(run, 3)
    watcher = RunWatcher(Tailer(tmp_path), poll=0.2)
    assert (watcher.mode, watcher.reason, watcher.describe()) == (
        WatchMode.POLLING,
        None,
        "polling every 0.2 s",
    )
    assert asyncio.run(appended_after_write(watcher, run, timeout=1.5)) < 1.0


def test_falls_back_to_polling_when_native_watching_fails_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)

    def broken_watch(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(tail_module, "awatch", broken_watch)
    run = tmp_path / "run"
    write_epochs(run, 3)
    changes: list[WatchMode] = []
    watcher = RunWatcher(
        Tailer(tmp_path), fallback_poll=0.2, on_mode_change=lambda w: changes.append(w.mode)
    )
    assert watcher.mode is WatchMode.NATIVE

    assert asyncio.run(appended_after_write(watcher, run, timeout=1.5)) < 1.0
    assert changes == [WatchMode.POLLING]
    assert watcher.describe() == (
        "polling every 0.2 s (native watching unavailable: "
        "OSError: [Errno 28] inotify watch limit reached)"
    )


def test_network_filesystem_selects_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)
    monkeypatch.setattr(tail_module, "filesystem_type", lambda path: "nfs4")
    watcher = RunWatcher(Tailer(tmp_path))
    assert watcher.mode is WatchMode.POLLING and watcher.interval == 2.0
    assert watcher.reason is not None and "nfs4" in watcher.reason

    monkeypatch.setenv(FORCE_POLL_ENV, "0")
    assert RunWatcher(Tailer(tmp_path)).mode is WatchMode.NATIVE


def test_falls_back_to_polling_when_native_watching_dies_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)

    async def dying_awatch(*args: Any, **kwargs: Any) -> AsyncIterator[set[Any]]:
        await asyncio.sleep(0.05)
        raise OSError("watched folder unmounted")
        yield set()  # an async generator, like awatch

    monkeypatch.setattr(tail_module, "awatch", dying_awatch)
    run = tmp_path / "run"
    write_epochs(run, 3)
    watcher = RunWatcher(Tailer(tmp_path), fallback_poll=0.2, safety_poll=60.0)

    assert asyncio.run(appended_after_write(watcher, run, timeout=1.5)) < 1.0
    assert watcher.mode is WatchMode.POLLING
    assert watcher.reason == "native watching unavailable: OSError: watched folder unmounted"


def test_leaving_early_stops_watching_without_setting_the_callers_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FORCE_POLL_ENV, raising=False)
    write_epochs(tmp_path / "run", 1)
    shared = asyncio.Event()

    async def scenario() -> None:
        events = RunWatcher(Tailer(tmp_path), stop_event=shared).events()
        assert [e.kind for e in await asyncio.wait_for(anext(events), 5.0)] == [EventKind.APPEARED]
        await asyncio.wait_for(events.aclose(), 2.0)  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert not shared.is_set()
