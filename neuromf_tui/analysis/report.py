"""Everything ``report`` and ``check`` say about one run, gathered once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.findings import Finding, Severity, sort_findings, worst
from neuromf_tui.analysis.inputs import build_view
from neuromf_tui.analysis.summary import RunSummary, summarise
from neuromf_tui.data.discover import RunRef
from neuromf_tui.data.loader import load_run


@dataclass(slots=True)
class RunReport:
    run: str
    source: str
    epochs: int
    last_epoch: int | None
    status: str
    """"ok", "warning" or "critical": the worst open finding."""
    phase: str | None
    best_epoch: int | None
    findings: list[Finding]
    summary: RunSummary
    settings: list[str] = field(default_factory=list)
    state: str = "ok"
    problems: list[str] = field(default_factory=list)
    rule_errors: dict[str, str] = field(default_factory=dict)
    until: int | None = None

    @property
    def readable(self) -> bool:
        """False when nothing could be read (the run's files are unreadable or not JSON)."""
        return self.epochs > 0 or not self.state.startswith("error")

    def as_json(self) -> dict[str, object]:
        """Exactly the documented JSON shape (one object per run)."""
        return {
            "run": self.run,
            "source": self.source,
            "epochs": self.epochs,
            "last_epoch": self.last_epoch,
            "status": self.status,
            "phase": self.phase,
            "best_epoch": self.best_epoch,
            "findings": [f.as_json() for f in self.findings],
        }


def status_word(findings: list[Finding]) -> str:
    severity = worst(findings)
    if severity is Severity.CRITICAL:
        return "critical"
    if severity is Severity.WARNING:
        return "warning"
    return "ok"


def report_run(
    ref: RunRef,
    settings: Settings | None = None,
    *,
    until: int | None = None,
    now: float | None = None,
) -> RunReport:
    """Load ``ref`` and analyse it as of ``until`` (or its last epoch)."""
    source = load_run(ref)
    view = build_view(source, settings, until=until, now=time.time() if now is None else now)
    engine = Engine(view.settings)
    engine.evaluate(view)
    findings = sort_findings(list(engine.open.values()))
    summary = summarise(view)
    state = source.state.value if source.error is None else f"error: {source.error}"
    path = ref.summary if ref.summary is not None and ref.summary.exists() else ref.folder
    return RunReport(
        run=ref.name,
        source=str(_display_path(path)),
        epochs=len(view),
        last_epoch=view.last_epoch,
        status=status_word(findings),
        phase=summary.phase,
        best_epoch=summary.best_epoch,
        findings=findings,
        summary=summary,
        settings=view.settings.describe(),
        state=state,
        problems=list(source.problems),
        rule_errors=dict(engine.rule_errors),
        until=until,
    )


def _display_path(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
