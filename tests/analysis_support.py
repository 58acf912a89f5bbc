"""Build analysis inputs from simulator runs and hand-made columns, for rule tests."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.engine import Engine, analyse
from neuromf_tui.analysis.findings import Finding
from neuromf_tui.analysis.rules import REGISTRY
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.loader import table_from_records
from neuromf_tui.data.table import RunTable
from neuromf_tui.sim.model import SimConfig, SimulatedRun, simulate


def table_from_history(history: list[dict[str, Any]]) -> RunTable:
    return table_from_records(history)


@lru_cache(maxsize=64)
def sim(scenario: str, epochs: int = 200, seed: int = 0, **kwargs: Any) -> SimulatedRun:
    return simulate(SimConfig(scenario=scenario, epochs=epochs, seed=seed, **kwargs))


def sim_view(
    scenario: str, epochs: int = 200, seed: int = 0, until: int | None = None, **kwargs: Any
) -> RunView:
    run = sim(scenario, epochs, seed, **kwargs)
    settings = Settings()
    settings.training["lr"] = run.config.lr
    return RunView.from_table(
        scenario, table_from_history(run.history), settings=settings, until=until
    )


def findings(view: RunView) -> dict[str, Finding]:
    return {f.id: f for f in analyse(view)}


def column_view(columns: dict[str, list[float] | np.ndarray], **kwargs: Any) -> RunView:
    """A view over hand-made columns (epochs 0..n-1); NaN cells mean "not logged"."""
    n = len(next(iter(columns.values())))
    table = RunTable()
    table.load(
        [
            (e, {k: float(v[e]) for k, v in columns.items() if not math.isnan(float(v[e]))})
            for e in range(n)
        ]
    )
    return RunView.from_table("hand", table, **kwargs)


def detection_epoch(
    scenario: str, rule_id: str, epochs: int = 200, seed: int = 0, step: int = 1, **kwargs: Any
) -> int | None:
    """The first epoch at which the engine, fed epoch by epoch, raises ``rule_id``."""
    run = sim(scenario, epochs, seed, **kwargs)
    table = table_from_history(run.history)
    engine = Engine()
    for until in range(0, epochs, step):
        view = RunView.from_table(scenario, table, until=until)
        engine.evaluate(view)
        if rule_id in engine.open:
            return until
    return None


# --- injecting pathologies into healthy runs (shared by the rule tests) --------------
History = list[dict[str, Any]]


def healthy(epochs: int = 300, seed: int = 0, **kwargs: Any) -> History:
    """A private copy of a healthy simulated history, to inject a pathology into."""
    return copy.deepcopy(sim("healthy", epochs, seed, **kwargs).history)


def view_of(history: History, until: int | None = None) -> RunView:
    return RunView.from_table("injected", table_from_history(history), until=until)


def check(rule_id: str, view: RunView) -> Any:
    """One rule's verdict on ``view`` with its default thresholds."""
    rule = REGISTRY[rule_id]
    return rule.check(view, rule.params)


def detect(history: History, rule_id: str, start: int = 0, step: int = 1) -> int | None:
    """First epoch at which the engine, fed epoch by epoch from ``start``, raises the rule."""
    table = table_from_history(history)
    engine = Engine()
    for until in range(start, len(history), step):
        engine.evaluate(RunView.from_table("injected", table, until=until))
        if rule_id in engine.open:
            return until
    return None


def inject(history: History, onset: int, fn: Callable[[dict[str, Any], int], None]) -> History:
    """Apply ``fn(record, epochs since onset)`` to every record from ``onset`` on."""
    for record in history[onset:]:
        fn(record, int(record["epoch"]) - onset)
    return history
