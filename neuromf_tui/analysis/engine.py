"""Run every rule over a run and keep findings stable as epochs arrive.

The engine is the only stateful part of the analysis: a finding keeps the ``first_epoch`` it
was raised with while it stays open, a finding that stops holding is marked resolved (never
silently dropped), and a rule that crashes on odd data is reported, not propagated.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.findings import Finding, sort_findings
from neuromf_tui.analysis.rules import Rule, all_rules
from neuromf_tui.analysis.view import RunView


@dataclass(slots=True)
class Delta:
    """What changed in one evaluation: for notifications and ``watch`` lines."""

    new: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    changed: list[Finding] = field(default_factory=list)


class Engine:
    """Evaluates the rules for one run, incrementally (call ``evaluate`` after each epoch)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.rules: list[Rule] = [r for r in all_rules() if r.id not in self.settings.disabled]
        self.open: dict[str, Finding] = {}
        self.resolved: list[Finding] = []
        self.rule_errors: dict[str, str] = {}
        self._last_epoch: int | None = None
        self._memo: dict[object, tuple[object, object]] = {}

    @property
    def findings(self) -> list[Finding]:
        """Open findings worst first, then the resolved ones."""
        return sort_findings(list(self.open.values())) + list(self.resolved)

    def reset(self) -> None:
        self.open.clear()
        self.resolved.clear()
        self._last_epoch = None
        self._memo.clear()

    def evaluate(self, view: RunView) -> Delta:
        """Re-run every rule on ``view`` and update open/resolved findings."""
        delta = Delta()
        last = view.last_epoch
        if last is not None and self._last_epoch is not None and last < self._last_epoch:
            self.reset()
        view.memo = self._memo  # type: ignore[assignment]
        for rule in self.rules:
            if rule.live_only and not view.live:
                detection = None
            else:
                try:
                    # A run logging 1e308 overflows the rules' arithmetic to inf, which they
                    # already read as non-finite: numpy's warning would only be terminal noise.
                    with np.errstate(all="ignore"):
                        detection = rule.check(view, self.settings.params(rule.id, rule.params))
                except Exception as exc:  # a rule bug must not take the monitor down
                    self.rule_errors[rule.id] = "".join(
                        traceback.format_exception_only(type(exc), exc)
                    ).strip()
                    continue
            current = self.open.get(rule.id)
            if detection is None:
                if current is not None:
                    current.resolved = True
                    current.resolved_epoch = last
                    del self.open[rule.id]
                    self.resolved.insert(0, current)
                    delta.resolved.append(current)
                continue
            severity = detection.severity or rule.severity
            if current is None:
                finding = Finding(
                    id=rule.id,
                    severity=severity,
                    title=rule.title,
                    first_epoch=detection.first_epoch,
                    metrics=list(detection.metrics or rule.metrics),
                    evidence=detection.evidence,
                    suggestion=detection.suggestion or rule.suggestion,
                    raised_epoch=last,
                )
                self.open[rule.id] = finding
                delta.new.append(finding)
            else:
                if severity != current.severity or detection.evidence != current.evidence:
                    delta.changed.append(current)
                current.severity = severity
                current.evidence = detection.evidence
                current.metrics = list(detection.metrics or rule.metrics)
        self._last_epoch = last
        return delta


def analyse(view: RunView, settings: Settings | None = None) -> list[Finding]:
    """One-shot analysis (``report``/``check``): open findings, worst first."""
    engine = Engine(settings or view.settings)
    engine.evaluate(view)
    return sort_findings(list(engine.open.values()))
