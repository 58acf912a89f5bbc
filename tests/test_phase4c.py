"""The engine on a reconstruction of the real failed run (the issue's acceptance case)."""

from __future__ import annotations

from neuromf_tui.analysis.engine import Engine, analyse
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.summary import summarise
from neuromf_tui.analysis.view import RunView
from tests import phase4c
from tests.analysis_support import table_from_history


def test_phase4c_is_critical_masking_and_divergence_with_best_epoch_before_150() -> None:
    table = table_from_history(phase4c.history())
    view = RunView.from_table("phase4c", table)
    found = {f.id: f for f in analyse(view)}
    assert found["adaptive-weight-masking"].severity is Severity.CRITICAL
    assert found["raw-loss-divergence"].severity is Severity.CRITICAL
    assert "loss_mean stayed at 1.000" in found["adaptive-weight-masking"].evidence
    summary = summarise(view)
    assert summary.best_epoch is not None and summary.best_epoch < 150


def test_phase4c_divergence_is_reported_by_epoch_224() -> None:
    table = table_from_history(phase4c.history())
    view = RunView.from_table("phase4c", table, until=224)
    found = {f.id for f in analyse(view)}
    assert {"raw-loss-divergence", "adaptive-weight-masking"} <= found


def first_detection(rule_id: str) -> int | None:
    table = table_from_history(phase4c.history())
    engine = Engine()
    for until in range(500):
        engine.evaluate(RunView.from_table("phase4c", table, until=until))
        if rule_id in engine.open:
            return until
    return None


def test_phase4c_first_detection_epochs() -> None:
    """Live, epoch by epoch: both findings appear long before epoch 224."""
    divergence = first_detection("raw-loss-divergence")
    masking = first_detection("adaptive-weight-masking")
    assert divergence is not None and divergence <= 224
    assert masking is not None and masking <= 224
