"""The live model behind the app: runs, their analysis, as immutable snapshots.

``Monitor`` owns the tailer and one diagnostics engine per run. It runs in a worker thread:
each batch of file events becomes fresh ``RunSnapshot`` objects (copies of the columns plus
findings), which the UI thread may read freely while the next batch is being parsed. No
Textual here, so the same model is tested without an app.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.inputs import is_live
from neuromf_tui.analysis.phase import current_phase
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.runconfig import RunConfig, read_run_config
from neuromf_tui.data.tail import EventKind, RunEvent, Tailer
from neuromf_tui.snapshot import MonitorUpdate, RunSnapshot, columns_of, notices


@dataclass(slots=True)
class _RunModel:
    engine: Engine
    config: RunConfig
    version: int = 0


class Monitor:
    """Turns tailer events into snapshots; call from one worker thread at a time."""

    def __init__(
        self,
        root: Path,
        settings: Settings | None = None,
        *,
        batch_seconds: float | None = None,
    ) -> None:
        """``batch_seconds``: read a large root in batches (``Tailer``), for a progressive UI."""
        self.root = root
        self.settings = settings or Settings()
        self.tailer = Tailer(root, batch_seconds=batch_seconds)
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
            update.first_seen.add(name)
            config = read_run_config(source.ref.folder)
            settings = self.settings.for_run(config)
            model = self._models[name] = _RunModel(Engine(settings), config)
        model.version += 1
        status = source.status(model.config.planned_epochs, now)
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
        epochs, columns = columns_of(source)
        engine = model.engine
        return RunSnapshot(
            name=name,
            folder=source.ref.folder,
            layout=source.ref.layout,
            epochs=epochs,
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
            **notices(source),
        )
