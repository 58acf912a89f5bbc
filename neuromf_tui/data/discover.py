"""Find run folders under a path, without reading any summary.

A run is a folder with NeuroMF diagnostics in either layout the writer has used:

- current (v2+): ``RUN/diagnostics/aggregate_results/training_summary.json`` and
  ``RUN/diagnostics/per_epoch_metrics/epoch_NNN/summary.json``;
- flat (older): ``RUN/diagnostics/training_summary.json`` and ``RUN/diagnostics/epoch_NNN/``.

Either file set alone is enough. Discovery only lists folders (one ``scandir`` per folder), so
listing a thousand runs parses nothing; the loader reads a run when it is asked to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUMMARY_NAME = "training_summary.json"
EPOCH_DIR = re.compile(r"^epoch_(\d+)$")
SKIPPED_DIRS = frozenset(
    {
        "checkpoints",
        "logs",
        "samples",
        "figures",
        "diagnostics",
        "__pycache__",
        "node_modules",
        "wandb",
        "lightning_logs",
    }
)
DEFAULT_MAX_DEPTH = 6


@dataclass(frozen=True, slots=True)
class RunRef:
    """Where one run's telemetry lives; cheap to make, holds no data."""

    name: str
    """Path of the run folder relative to the discovery root ("." for the root itself)."""
    folder: Path
    layout: str
    """``"current"``, ``"flat"``, or ``"file"`` for a lone summary file outside both layouts."""
    summary: Path | None
    """The aggregate file path (it may not exist yet; None for a lone per-epoch folder)."""
    epoch_root: Path | None
    """The folder holding ``epoch_NNN/summary.json`` files, when it exists."""


class DiscoveryError(ValueError):
    """The path given cannot hold runs (does not exist, or is an unrelated file)."""


def discover_runs(path: str | os.PathLike[str], max_depth: int = DEFAULT_MAX_DEPTH) -> list[RunRef]:
    """Every run at or under ``path``: a results root, a run folder, or a summary file.

    Hidden folders and the bulky ones a run keeps beside its diagnostics (checkpoints, logs,
    samples) are not entered; symlinked folders are followed once, never in a loop.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise DiscoveryError(f"{root}: no such file or folder")
    if root.is_file():
        return [_ref_for_file(root)]
    root = root.resolve()
    single = _run_at(root, root)
    if single is not None:
        return [single]
    runs = list(_walk(root, root, max_depth))
    runs.sort(key=lambda ref: ref.name)
    return runs


def _ref_for_file(path: Path) -> RunRef:
    if path.suffix != ".json":
        raise DiscoveryError(f"{path}: not a training_summary.json nor a folder of runs")
    path = path.resolve()
    parent = path.parent
    if parent.name == "aggregate_results" and parent.parent.name == "diagnostics":
        folder = parent.parent.parent
        epoch_root = parent.parent / "per_epoch_metrics"
        layout = "current"
    elif parent.name == "diagnostics":
        folder, epoch_root, layout = parent.parent, parent, "flat"
    else:
        folder, epoch_root, layout = parent, None, "file"
    return RunRef(
        name=folder.name or str(folder),
        folder=folder,
        layout=layout,
        summary=path,
        epoch_root=epoch_root if epoch_root is not None and epoch_root.is_dir() else None,
    )


def _run_at(folder: Path, root: Path) -> RunRef | None:
    """The run whose ``diagnostics/`` sits in ``folder``, if any (a few ``stat`` calls)."""
    diagnostics = folder / "diagnostics"
    if not diagnostics.is_dir():
        if folder.name == "diagnostics" and folder == root:
            return _run_at(folder.parent, folder.parent)
        return None
    name = folder.relative_to(root).as_posix() if folder != root else folder.name
    aggregate = diagnostics / "aggregate_results"
    per_epoch = diagnostics / "per_epoch_metrics"
    if aggregate.is_dir() or per_epoch.is_dir():
        return RunRef(
            name=name,
            folder=folder,
            layout="current",
            summary=aggregate / SUMMARY_NAME,
            epoch_root=per_epoch if per_epoch.is_dir() else None,
        )
    flat_summary = diagnostics / SUMMARY_NAME
    if flat_summary.is_file() or _has_epoch_dirs(diagnostics):
        return RunRef(
            name=name,
            folder=folder,
            layout="flat",
            summary=flat_summary,
            epoch_root=diagnostics if _has_epoch_dirs(diagnostics) else None,
        )
    return None


def _has_epoch_dirs(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(EPOCH_DIR.match(entry.name) and entry.is_dir() for entry in entries)
    except OSError:
        return False


def _walk(folder: Path, root: Path, depth_left: int) -> Iterator[RunRef]:
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, int]] = [(folder, depth_left)]
    while stack:
        current, depth = stack.pop()
        try:
            st = current.stat()
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        run = _run_at(current, root) if current != root else None
        if run is not None:
            yield run
            continue
        if depth <= 0:
            continue
        try:
            with os.scandir(current) as entries:
                children = [
                    Path(entry.path)
                    for entry in entries
                    if not entry.name.startswith(".")
                    and entry.name not in SKIPPED_DIRS
                    and _is_dir(entry)
                ]
        except OSError:
            continue
        stack.extend((child, depth - 1) for child in sorted(children, reverse=True))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def epoch_files(epoch_root: Path) -> dict[int, Path]:
    """Epoch number -> ``epoch_NNN/summary.json`` path, from one listing of ``epoch_root``."""
    found: dict[int, Path] = {}
    try:
        with os.scandir(epoch_root) as entries:
            for entry in entries:
                match = EPOCH_DIR.match(entry.name)
                if match:
                    found[int(match.group(1))] = Path(entry.path) / "summary.json"
    except OSError:
        return {}
    return found


def epoch_file(epoch_root: Path, epoch: int) -> Path:
    """Where the writer puts the per-epoch summary of ``epoch`` (zero-padded to 3)."""
    return epoch_root / f"epoch_{epoch:03d}" / "summary.json"
