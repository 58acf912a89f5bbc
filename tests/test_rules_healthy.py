"""No rule cries wolf on healthy runs: several seeds, lengths, noise levels, schedules."""

from __future__ import annotations

import pytest

from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.view import RunView
from tests.analysis_support import findings, sim, sim_view, table_from_history

HEALTHY_CASES = [
    {"epochs": 200, "seed": 0},
    {"epochs": 200, "seed": 1},
    {"epochs": 500, "seed": 2},
    {"epochs": 60, "seed": 3},
    {"epochs": 300, "seed": 4, "noise": 2.0},
    {"epochs": 300, "seed": 5, "noise": 0.3},
    {"epochs": 300, "seed": 6, "lr_schedule": "cosine"},
    {"epochs": 200, "seed": 7, "prediction": "u"},
]


@pytest.mark.parametrize("case", HEALTHY_CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_healthy_run_raises_nothing_at_the_end(case: dict) -> None:
    found = findings(sim_view("healthy", **case))
    assert found == {}, {k: f.evidence for k, f in found.items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_healthy_run_raises_nothing_alarming_at_any_epoch(seed: int) -> None:
    """Fed epoch by epoch, like the live app: no warning or critical at any point."""
    run = sim("healthy", 250, seed)
    table = table_from_history(run.history)
    engine = Engine()
    for until in range(0, 250, 3):
        engine.evaluate(RunView.from_table("healthy", table, until=until))
        alarming = [f for f in engine.open.values() if f.severity is not Severity.INFO]
        assert not alarming, (until, [(f.id, f.evidence) for f in alarming])


def test_run_still_in_its_early_phase_raises_nothing() -> None:
    found = findings(sim_view("healthy", 400, 8, until=35))
    assert found == {}, {k: f.evidence for k, f in found.items()}
