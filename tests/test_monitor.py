"""The live model: tailer events become immutable snapshots with findings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuromf_tui.data.status import RunStatus
from neuromf_tui.monitor import Monitor
from neuromf_tui.sim.model import SimConfig, simulate
from neuromf_tui.sim.writer import LiveWriter

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"


def test_sample_runs_become_snapshots_with_health() -> None:
    monitor = Monitor(SAMPLES)
    update = monitor.process(monitor.tailer.poll_once())
    snaps = update.snapshots
    assert len(snaps) == 8
    assert snaps["imf_baseline"].health == "ok"
    assert snaps["phase4c_adaptive_norm"].health == "critical"
    assert snaps["phase4c_adaptive_norm"].status is RunStatus.FINISHED
    assert "raw_loss_mean" in snaps["phase4c_adaptive_norm"].metrics_with_findings()
    assert "ratio.u_norm/target_v_norm" in snaps["imf_baseline"].columns


def test_snapshots_are_copies_that_do_not_move_under_the_reader(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="adaptive-masking", epochs=150, seed=1))
    writer = LiveWriter(tmp_path / "live", run)
    for _ in range(40):
        writer.write_next()
    monitor = Monitor(tmp_path)
    first = monitor.process(monitor.tailer.poll_once()).snapshots["live"]
    raw_before = first.columns["raw_loss_mean"].copy()
    new_seen = []
    while not writer.done:
        writer.write_next()
        update = monitor.process(monitor.tailer.poll_once())
        new_seen += [finding.id for _, finding in update.new_findings]
    last = monitor.tailer.sources["live"]
    assert len(first.epochs) == 40 and np.array_equal(first.columns["raw_loss_mean"], raw_before)
    assert last.table.last_epoch == 149
    assert "raw-loss-divergence" in new_seen
