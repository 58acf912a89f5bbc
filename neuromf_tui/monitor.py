"""The live model behind the app: runs, their analysis, as immutable snapshots.

``Monitor`` owns the tailer and one diagnostics engine per run. It runs in a worker thread:
each batch of file events becomes fresh ``RunSnapshot`` objects (copies of the columns plus
findings), which the UI thread may read freely while the next batch is being parsed. No
Textual here, so the same model is tested without an app.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.findings import Finding, Severity, worst
from neuromf_tui.analysis.inputs import is_live, run_status
from neuromf_tui.analysis.phase import current_phase
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.catalogue import derive
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.runconfig import RunConfig, read_run_config
from neuromf_tui.data.status import RunStatus
from neuromf_tui.data.tail import EventKind, RunEvent, Tailer


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

    @property
    def last_epoch(self) -> int | None:
        return int(self.epochs[-1]) if len(self.epochs) else None

    @property
    def health(self) -> str:
        """"critical", "warning", "info" or "ok" from the worst open finding."""
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


@dataclass(slots=True)
class _RunModel:
    engine: Engine
    config: RunConfig
    version: int = 0


@dataclass(slots=True)
class MonitorUpdate:
    """What one batch changed, for the UI: new snapshots and removed runs."""

    snapshots: dict[str, RunSnapshot] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)
    new_findings: list[tuple[str, Finding]] = field(default_factory=list)
    resolved_findings: list[tuple[str, Finding]] = field(default_factory=list)


class Monitor:
    """Turns tailer events into snapshots; call from one worker thread at a time."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings or Settings()
        self.tailer = Tailer(root)
        self._models: dict[str, _RunModel] = {}

    def process(self, events: list[RunEvent], *, now: float | None = None) -> MonitorUpdate:
        """Analyse the runs named by ``events`` and snapshot them."""
        now = time.time() if now is None else now
        update = MonitorUpdate()
        for event in events:
            if event.kind is EventKind.VANISHED:
                self._models.pop(event.name, None)
                update.vanished.append(event.name)
                update.snapshots.pop(event.name, None)
                continue
            source = event.source or self.tailer.sources.get(event.name)
            if source is None:
                continue
            update.snapshots[event.name] = self._snapshot(event.name, source, now, update)
        return update

    def reevaluate(self, *, now: float | None = None) -> MonitorUpdate:
        """Re-run the rules on every run (time-based rules such as run-stalled)."""
        now = time.time() if now is None else now
        update = MonitorUpdate()
        for name, source in self.tailer.sources.items():
            update.snapshots[name] = self._snapshot(name, source, now, update)
        return update

    def _snapshot(
        self, name: str, source: RunSource, now: float, update: MonitorUpdate
    ) -> RunSnapshot:
        model = self._models.get(name)
        if model is None:
            config = read_run_config(source.ref.folder)
            settings = self.settings.for_run(config)
            model = self._models[name] = _RunModel(Engine(settings), config)
        model.version += 1
        status = run_status(source, model.config, now)
        view = RunView.from_table(
            name,
            source.table,
            settings=model.engine.settings,
            restarts=source.restarts,
            live=is_live(source, status, now),
            last_write=source.last_write,
            now=now,
        )
        delta = model.engine.evaluate(view)
        update.new_findings.extend((name, f) for f in delta.new)
        update.resolved_findings.extend((name, f) for f in delta.resolved)
        columns = {key: np.array(col) for key, col in view.columns.items()}
        for key, col in derive(view.columns).items():
            columns.setdefault(key, col)
        engine = model.engine
        return RunSnapshot(
            name=name,
            folder=source.ref.folder,
            layout=source.ref.layout,
            epochs=np.array(view.epochs),
            columns=columns,
            state=source.state.value,
            status=status,
            phase=current_phase(view),
            last_write=source.last_write,
            findings=tuple(f.copy() for f in engine.findings if not f.resolved),
            resolved=tuple(f.copy() for f in engine.resolved),
            new_ids=frozenset(f.id for f in delta.new),
            problems=tuple(source.problems),
            error=source.error,
            version=model.version,
            planned_epochs=model.config.planned_epochs,
        )
