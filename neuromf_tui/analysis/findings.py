"""What the diagnostics engine says about a run: findings with quantified evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How urgently a finding needs a human: ordered info < warning < critical."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(slots=True)
class Finding:
    """One thing the engine noticed, with the numbers that justify it.

    ``first_epoch`` is the epoch from which the evidence holds; once a finding is raised the
    engine keeps that epoch while the finding stays open, even if later epochs move the
    estimate, so the onset mark on a chart does not wander.
    """

    id: str
    severity: Severity
    title: str
    first_epoch: int
    metrics: list[str]
    evidence: str
    suggestion: str = ""
    resolved: bool = False
    resolved_epoch: int | None = None
    raised_epoch: int | None = None
    """The last epoch of the data when the engine first raised it (detection time)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self, *, full: bool = False) -> dict[str, Any]:
        """The report's JSON shape for one finding; ``full`` adds suggestion and resolution."""
        out: dict[str, Any] = {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "first_epoch": self.first_epoch,
            "metrics": list(self.metrics),
            "evidence": self.evidence,
        }
        if full:
            out["suggestion"] = self.suggestion
            out["resolved"] = self.resolved
            out["resolved_epoch"] = self.resolved_epoch
        return out

    def copy(self) -> Finding:
        data = asdict(self)
        data["severity"] = self.severity
        return Finding(**data)


def worst(findings: list[Finding]) -> Severity | None:
    """The most severe open finding's severity, or None when there is none."""
    open_ = [f.severity for f in findings if not f.resolved]
    return max(open_, key=lambda s: s.rank) if open_ else None


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Worst first, then earliest onset: the order a scientist would read them in."""
    return sorted(findings, key=lambda f: (f.resolved, -f.severity.rank, f.first_epoch, f.id))
