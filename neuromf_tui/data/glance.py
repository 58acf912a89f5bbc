"""A quick look at one run: its headline metric as plain lists, read before numpy loads.

The app paints its first chart from this while the full loader (numpy tables, derived metrics,
per-epoch files) and the diagnostics engine are still loading. It says None whenever a quick
read could differ from what the loader will build (gaps filled from per-epoch files, epochs
out of order or repeated, a metric missing or non-finite at some epoch), so the first chart
never shows anything the full load would then take back.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuromf_tui.data.catalogue import HEADLINE_METRICS, describe
from neuromf_tui.data.discover import RunRef, discover_runs, epoch_files
from neuromf_tui.data.flatten import flatten_record
from neuromf_tui.data.summary_file import SummaryFile


@dataclass(frozen=True, slots=True)
class Glance:
    """One metric of one run, logged at every epoch with a finite value."""

    run: str
    metric: str
    epochs: list[int]
    values: list[float]


def summary_mtime(ref: RunRef) -> float:
    """When the run's summary file last changed (0 when it has none): newest runs open first."""
    try:
        return os.stat(ref.summary).st_mtime if ref.summary is not None else 0.0
    except OSError:
        return 0.0


def first_run(refs: Sequence[RunRef], remembered: str | None) -> RunRef:
    """The run the app opens on: the remembered one, else the latest written."""
    by_name = {ref.name: ref for ref in refs}
    return by_name.get(remembered or "") or max(refs, key=summary_mtime)


def read_glance(path: Path, run: str | None = None, metric: str | None = None) -> Glance | None:
    """The metric the app opens on (``metric`` if given, else a headline metric) of its first
    run, or None when a quick read cannot be trusted to match the full load."""
    try:
        refs = discover_runs(path)
    except (OSError, ValueError):
        return None
    if not refs:
        return None
    ref = first_run(refs, run)
    if ref.summary is None:
        return None
    summary = SummaryFile(ref.summary)
    result = summary.read()
    if result.problems or not result.records:
        return None
    records = result.records
    if ref.epoch_root is not None:
        newer = _newer_epoch_records(summary, ref.epoch_root, records)
        if newer is None:
            return None
        records = records + newer
    epochs: list[int] = []
    rows: list[dict[str, float]] = []
    for record in records:
        epoch = record.get("epoch")
        if type(epoch) is not int or (epochs and epoch <= epochs[-1]):
            return None
        flat: dict[str, float] = {}
        flatten_record(record, flat)
        epochs.append(epoch)
        rows.append(flat)
    headline = (m for m in HEADLINE_METRICS if any(m in row for row in rows))
    names = [metric] if metric else list(headline)[:1]
    if not names or describe(names[0]).sparse is not None:
        return None
    values = [row.get(names[0], math.nan) for row in rows]
    if not all(math.isfinite(v) for v in values):
        return None
    return Glance(ref.name, names[0], epochs, values)


def _newer_epoch_records(
    summary: SummaryFile, epoch_root: Path, records: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """Per-epoch records past the summary's last epoch, as the loader adds them (a live run
    writes its per-epoch file before it rewrites the summary); None for any other difference
    (gaps filled from per-epoch files, files left over from before a restart)."""
    files = epoch_files(epoch_root)
    known = {record.get("epoch") for record in records}
    extra = sorted(set(files) - known)
    last = records[-1].get("epoch")
    if not extra:
        return []
    if type(last) is not int or extra[0] <= last:
        return None
    newer = []
    for epoch in extra:
        try:
            if summary.outdates(files[epoch]):
                return None
            record = json.loads(files[epoch].read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("epoch") != epoch:
            return None
        newer.append(record)
    return newer
