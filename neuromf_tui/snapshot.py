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
    notice: str | None = None
    """What is wrong with the run's summary now, in one line ("summary missing since
    14:02:05; showing the 120 epochs read before"), and its last restart; None if nothing."""
    notice_tag: str | None = None
    """The file trouble in a few words for a list row ("missing 14:02"); None when fine."""

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
    """A source's epochs and columns as views that never change (the table copies on
    write), derived metrics included."""
    epochs, columns = source.table.frozen()
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
        **notices(source),
    )


def notices(source: RunSource) -> dict[str, str | None]:
    """The snapshot's ``notice`` and ``notice_tag`` for a source, as keyword arguments."""
    condition = source.condition
    return {
        "notice": condition.sentence(len(source.table), source.restarts),
        "notice_tag": condition.tag(),
    }


@dataclass(slots=True)
class MonitorUpdate:
    """What one batch changed, for the UI: new snapshots and removed runs."""

    snapshots: dict[str, RunSnapshot] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)
    new_findings: list[tuple[str, Finding]] = field(default_factory=list)
    resolved_findings: list[tuple[str, Finding]] = field(default_factory=list)
    first_seen: set[str] = field(default_factory=set)
    """Runs analysed for the first time: their findings were there already, no news."""
