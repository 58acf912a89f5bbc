"""What the UI shows about one run at one moment: an immutable snapshot.

Kept apart from the Monitor (which needs the diagnostics engine) so the app can paint its
first chart from a freshly parsed run before the analysis code is even imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuromf_tui.analysis.findings import Finding, Severity, worst
from neuromf_tui.data.catalogue import derive
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.status import RunStatus


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """Everything the UI shows about one run at one moment; never mutated after creation."""

    name: str
    folder: Path
    layout: str
    epochs: np.ndarray
    columns: dict[str, np.ndarray]
    """Every metric (derived ones included), aligned with ``epochs``, NaN where absent."""
    state: str
    """The summary file's state: "ok", "being written", "no epochs yet", "missing", "error"."""
    status: RunStatus
    phase: str | None
    last_write: float | None
    findings: tuple[Finding, ...] = ()
    """Open findings, worst first."""
    resolved: tuple[Finding, ...] = ()
    new_ids: frozenset[str] = frozenset()
    """Ids of findings raised by the update that made this snapshot (for highlighting)."""
    problems: tuple[str, ...] = ()
    error: str | None = None
    version: int = 0
    planned_epochs: int | None = None
    analysed: bool = True
    """False for the first, quick snapshot painted before the diagnostics ran."""

    @property
    def last_epoch(self) -> int | None:
        return int(self.epochs[-1]) if len(self.epochs) else None

    @property
    def health(self) -> str:
        """ "critical", "warning", "info" or "ok" from the worst open finding."""
        severity = worst(list(self.findings))
        return severity.value if severity is not None else "ok"

    def column(self, name: str) -> np.ndarray | None:
        return self.columns.get(name)

    def row(self, epoch: int) -> dict[str, float]:
        """Every finite value logged at ``epoch``."""
        idx = int(np.searchsorted(self.epochs, epoch))
        if idx >= len(self.epochs) or self.epochs[idx] != epoch:
            return {}
        out = {}
        for name, col in self.columns.items():
            value = float(col[idx])
            if np.isfinite(value):
                out[name] = value
        return out

    def metrics_with_findings(self) -> dict[str, Severity]:
        """Metric name -> worst severity among the open findings that cite it."""
        out: dict[str, Severity] = {}
        for finding in self.findings:
            for metric in finding.metrics:
                if metric not in out or finding.severity.rank > out[metric].rank:
                    out[metric] = finding.severity
        return out


def columns_of(source: RunSource) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Copies of a source's epochs and columns, derived metrics included."""
    table = source.table
    epochs = np.array(table.epochs)
    columns = {name: np.array(col) for name, col in table.items()}
    for name, col in derive(columns).items():
        columns.setdefault(name, col)
    return epochs, columns


def quick_snapshot(source: RunSource, status: RunStatus) -> RunSnapshot:
    """A snapshot without analysis (findings come with the Monitor's next pass)."""
    epochs, columns = columns_of(source)
    return RunSnapshot(
        name=source.ref.name,
        folder=source.ref.folder,
        layout=source.ref.layout,
        epochs=epochs,
        columns=columns,
        state=source.state.value,
        status=status,
        phase=None,
        last_write=source.last_write,
        problems=tuple(source.problems),
        error=source.error,
        analysed=False,
    )


@dataclass(slots=True)
class MonitorUpdate:
    """What one batch changed, for the UI: new snapshots and removed runs."""

    snapshots: dict[str, RunSnapshot] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)
    new_findings: list[tuple[str, Finding]] = field(default_factory=list)
    resolved_findings: list[tuple[str, Finding]] = field(default_factory=list)
