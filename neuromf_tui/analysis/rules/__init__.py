"""The rule registry. Each family module defines its rules with the ``@rule`` decorator.

A rule is a pure function ``(view, params) -> Detection | None``. Its thresholds are the
``params`` declared beside it (overridable from the user's TOML under ``[rules.<id>]``), its
docstring cites the spec's reasoning, and it returns None when its metrics are absent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.view import RunView

FAMILIES = (
    "loss",
    "prediction",
    "gradients",
    "direction",
    "dynamics",
    "sampling",
    "validation",
    "samples",
    "channels",
    "integrity",
)


@dataclass(slots=True)
class Detection:
    """A rule's verdict that its pattern holds, with the numbers behind it."""

    first_epoch: int
    evidence: str
    metrics: list[str] = field(default_factory=list)
    severity: Severity | None = None
    """Overrides the rule's default severity (e.g. escalate when the effect grows)."""
    suggestion: str = ""


Check = Callable[[RunView, Mapping[str, float]], Detection | None]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    family: str
    title: str
    severity: Severity
    params: Mapping[str, float]
    check: Check
    metrics: tuple[str, ...] = ()
    suggestion: str = ""
    live_only: bool = False


REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    family: str,
    title: str,
    severity: Severity,
    params: Mapping[str, float] | None = None,
    metrics: tuple[str, ...] = (),
    suggestion: str = "",
    live_only: bool = False,
) -> Callable[[Check], Check]:
    """Register a rule under its stable id (the id is part of the report's contract)."""

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"duplicate rule id {rule_id}")
        REGISTRY[rule_id] = Rule(
            id=rule_id,
            family=family,
            title=title,
            severity=severity,
            params=dict(params or {}),
            check=check,
            metrics=metrics,
            suggestion=suggestion,
            live_only=live_only,
        )
        return check

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, importing the family modules on first use."""
    for family in FAMILIES:
        importlib.import_module(f"neuromf_tui.analysis.rules.{family}")
    return list(REGISTRY.values())
