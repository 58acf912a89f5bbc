"""A results root holding many runs at once, for scale tests and benchmarks.

A lab's results root grows to hundreds of runs (ablation arms, seeds, sweeps); most finished
long ago, a few are training. ``write_fleet`` lays such a root down: finished runs of every
scenario with short histories (the size does not matter here, the count does), dated in the
past so they read as finished. Simulating costs about 0.1 s per run, so ``distinct`` runs are
simulated and the rest are hard-linked copies of them (identical files, one inode each): a
reader cannot tell, and 150 runs take a second instead of fifteen.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from neuromf_tui.sim.model import SimConfig, simulate
from neuromf_tui.sim.scenarios import scenario_names
from neuromf_tui.sim.writer import write_run

MIN_EPOCHS = 50
MAX_EPOCHS = 200


def fleet_epochs(index: int) -> int:
    """Epochs of the ``index``-th run: spread over [MIN_EPOCHS, MAX_EPOCHS], deterministic."""
    return MIN_EPOCHS + (index * 37) % (MAX_EPOCHS - MIN_EPOCHS + 1)


def run_name(index: int) -> str:
    return f"run_{index:04d}"


def write_fleet(
    root: Path,
    count: int,
    *,
    distinct: int | None = None,
    ended: float | None = None,
    epoch_files: bool = True,
) -> list[Path]:
    """Write ``count`` finished runs under ``root`` (created); return their folders.

    ``distinct`` runs are simulated (all of them by default), each with its own scenario, seed
    and length; run ``i`` is then a hard-linked copy of run ``i % distinct``. Every run ended
    at ``ended`` (default: a day ago), a minute apart, so their ages differ. Without
    ``epoch_files`` the copies hold the summary and the config only (a valid run: ten times
    faster to copy, for tests that need many runs rather than complete ones).
    """
    root.mkdir(parents=True, exist_ok=True)
    distinct = count if distinct is None else max(1, min(distinct, count))
    ended = time.time() - 86400 if ended is None else ended
    scenarios = scenario_names()
    skip = None if epoch_files else shutil.ignore_patterns("per_epoch_metrics", "epoch_*")
    folders: list[Path] = []
    for index in range(count):
        folder = root / run_name(index)
        if index < distinct:
            config = SimConfig(
                scenario=scenarios[index % len(scenarios)],
                epochs=fleet_epochs(index),
                seed=index,
            )
            write_run(folder, simulate(config), end_time=ended - 60 * index)
        else:
            source = root / run_name(index % distinct)
            shutil.copytree(source, folder, copy_function=os.link, ignore=skip)
        folders.append(folder)
    return folders


FLEET_VERSION = 1
"""Bumped when ``write_fleet`` changes what it writes, so stale caches are rebuilt."""


def cached_fleet(root: Path, count: int) -> Path:
    """``root`` holding ``count`` finished, all-distinct runs, written only once.

    A marker file (hidden: discovery and the watchers ignore it) records what was written; a
    root without it, or made by another version or count, is cleared and written again.
    """
    marker = root / ".fleet-complete"
    stamp = f"{FLEET_VERSION} {count}"
    if marker.is_file() and marker.read_text() == stamp:
        return root
    if root.exists():
        shutil.rmtree(root)
    write_fleet(root, count)
    marker.write_text(stamp)
    return root
