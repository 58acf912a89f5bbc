"""Loss-family rules on their scenarios, on injected pathologies, and on edge cases."""

from __future__ import annotations

import copy

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.view import RunView
from tests.analysis_support import (
    column_view,
    detection_epoch,
    findings,
    sim,
    sim_view,
    table_from_history,
)


def view_of(history: list[dict]) -> RunView:
    return RunView.from_table("injected", table_from_history(history))


def test_divergence_and_masking_fire_soon_after_onset() -> None:
    onset = sim("adaptive-masking", 200).onset
    assert onset is not None
    for rule_id in ("raw-loss-divergence", "adaptive-weight-masking"):
        detected = detection_epoch("adaptive-masking", rule_id, 200)
        assert detected is not None and onset <= detected <= onset + 30, (rule_id, detected)
    found = findings(sim_view("adaptive-masking", 200))
    assert found["adaptive-weight-masking"].severity is Severity.CRITICAL
    assert abs(found["raw-loss-divergence"].first_epoch - onset) <= 15
    assert "loss_mean stayed at" in found["adaptive-weight-masking"].evidence


def test_masking_needs_adaptive_weighting_on() -> None:
    history = copy.deepcopy(sim("adaptive-masking", 200).history)
    for record in history:
        record["adaptive_weight"] = {"mean": 0.0, "std": 0.0}
    found = findings(view_of(history))
    assert "raw-loss-divergence" in found and "adaptive-weight-masking" not in found


def test_one_spike_does_not_raise_divergence() -> None:
    history = copy.deepcopy(sim("healthy", 200).history)
    history[150]["raw_loss_mean"] *= 50
    assert "raw-loss-divergence" not in findings(view_of(history))


def test_plateau_fires_on_a_run_that_stopped_learning_early() -> None:
    rng = np.random.default_rng(0)
    n = 200
    raw = np.concatenate([np.linspace(1000, 800, 40), np.full(n - 40, 800.0)])
    raw = raw * np.exp(rng.normal(0, 0.005, n))
    view = column_view({"raw_loss_mean": raw, "grad_clip_fraction": np.full(n, 0.05)})
    found = findings(view)
    assert "raw-loss-plateau" in found
    assert "changed by only" in found["raw-loss-plateau"].evidence


def test_plateau_is_silent_on_a_converged_run() -> None:
    n = 300
    raw = np.concatenate([np.geomspace(1000, 100, 150), np.full(n - 150, 100.0)])
    view = column_view({"raw_loss_mean": raw})
    assert "raw-loss-plateau" not in findings(view)


def test_warmup_starvation_fires_on_its_scenario_not_on_a_cosine_schedule() -> None:
    found = findings(sim_view("warmup-starvation", 200))
    assert found["warmup-starvation"].first_epoch == 0
    assert "learning_rate stayed below" in found["warmup-starvation"].evidence
    assert "warmup-starvation" not in findings(sim_view("healthy", 300, lr_schedule="cosine"))


def test_mf_domination_fires_and_escalates() -> None:
    found = findings(sim_view("mf-domination", 200))
    assert found["mf-term-domination"].severity is Severity.CRITICAL
    assert "raw_loss_mf/raw_loss_fm" in found["mf-term-domination"].evidence


def test_fm_above_mf_fires_when_sustained() -> None:
    n = 100
    fm = np.full(n, 10.0)
    mf = np.where(np.arange(n) < 60, 30.0, 5.0)
    found = findings(column_view({"raw_loss_fm_mean": fm, "raw_loss_mf_mean": mf}))
    assert found["fm-above-mf"].first_epoch == 63  # the 7-epoch median flips after 4 epochs


def test_loss_rules_skip_runs_without_their_metrics() -> None:
    view = column_view({"epoch_time_sec": np.full(100, 60.0)})
    assert findings(view) == {}
