"""Dynamics-family rules: EMA divergence growth and frozen updates."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import REGISTRY, Detection, all_rules
from neuromf_tui.analysis.view import RunView
from tests.analysis_support import detection_epoch, findings, sim, sim_view, table_from_history

all_rules()

EMA_RULE = "ema-divergence-growth"
FROZEN_RULE = "frozen-updates"


def check(rule_id: str, view: RunView) -> Detection | None:
    rule = REGISTRY[rule_id]
    return rule.check(view, rule.params)


def history(scenario: str = "healthy", epochs: int = 200, seed: int = 0, **kw: Any) -> list:
    return copy.deepcopy(sim(scenario, epochs, seed, **kw).history)


def view_of(records: list[dict[str, Any]], until: int | None = None) -> RunView:
    return RunView.from_table("injected", table_from_history(records), until=until)


def first_detection(records: list[dict[str, Any]], rule_id: str, start: int, step: int = 1):
    """(epoch, finding) when an engine running only ``rule_id``, fed epoch by epoch from
    ``start``, first raises it."""
    table = table_from_history(records)
    engine = Engine()
    engine.rules = [REGISTRY[rule_id]]
    for until in range(start, len(records), step):
        engine.evaluate(RunView.from_table("injected", table, until=until))
        if rule_id in engine.open:
            return until, engine.open[rule_id]
    return None, None


# --- ema-divergence-growth ------------------------------------------------------------------


def test_ema_growth_fires_on_adaptive_masking_near_the_onset() -> None:
    run = sim("adaptive-masking", 200, 0)
    found = findings(sim_view("adaptive-masking", 200, 0))
    assert EMA_RULE in found
    finding = found[EMA_RULE]
    assert finding.severity is Severity.WARNING
    assert run.onset is not None
    assert abs(finding.first_epoch - run.onset) <= 15
    growth = float(re.search(r"grew ([\d.]+)x", finding.evidence).group(1))  # type: ignore[union-attr]
    assert growth >= 2.5
    assert "relative_update_norm stayed" in finding.evidence


def test_ema_growth_detection_delay_on_adaptive_masking() -> None:
    onset = sim("adaptive-masking", 200, 0).onset
    assert onset is not None
    detected = detection_epoch("adaptive-masking", EMA_RULE, 200, 0, step=2)
    assert detected is not None and onset < detected <= onset + 50


@pytest.mark.parametrize(("epochs", "seed", "noise"), [(300, 1, 2.0), (500, 0, 1.0)])
def test_ema_growth_fires_on_longer_and_noisier_masking_runs(
    epochs: int, seed: int, noise: float
) -> None:
    run = sim("adaptive-masking", epochs, seed, noise=noise)
    detection = check(EMA_RULE, sim_view("adaptive-masking", epochs, seed, noise=noise))
    assert detection is not None and run.onset is not None
    assert run.onset - 10 <= detection.first_epoch <= run.onset + 40


def test_ema_growth_silent_when_growing_updates_explain_it() -> None:
    """A starving warmup: updates grow with the learning rate, so the EMA lag grows too."""
    for until in range(60, 200, 10):
        assert check(EMA_RULE, sim_view("warmup-starvation", 200, 0, until=until)) is None


def test_ema_growth_silent_when_the_ema_catches_up_after_updates_fall() -> None:
    """Spec: updates dropping while the EMA divergence has not plateaued is the EMA catching
    up (normal with decay 0.999), not a drift."""
    records = history()
    for rec in records[120:]:
        k = rec["epoch"] - 120
        rec["relative_update_norm"] *= 0.1
        rec["ema_divergence"] *= 1.012**k
    assert check(EMA_RULE, view_of(records)) is None


def test_ema_growth_fires_on_injected_drift_with_steady_updates() -> None:
    records = history(epochs=300, seed=3)
    for rec in records[150:]:
        rec["ema_divergence"] *= 1.008 ** (rec["epoch"] - 150)
    detection = check(EMA_RULE, view_of(records))
    assert detection is not None
    assert 135 <= detection.first_epoch <= 175


def test_ema_growth_not_raised_or_cleared_by_one_noisy_epoch() -> None:
    records = history()
    records[-1]["ema_divergence"] *= 20
    assert check(EMA_RULE, view_of(records)) is None
    masking = history("adaptive-masking")
    masking[-1]["ema_divergence"] *= 0.05
    assert check(EMA_RULE, view_of(masking)) is not None


def test_ema_growth_skips_cleanly_without_its_metrics() -> None:
    for key in ("ema_divergence", "relative_update_norm"):
        records = history("adaptive-masking")
        for rec in records:
            del rec[key]
        assert check(EMA_RULE, view_of(records)) is None
    assert check(EMA_RULE, sim_view("adaptive-masking", 200, 0, until=40)) is None


# --- frozen-updates --------------------------------------------------------------------------


def _freeze(records: list[dict[str, Any]], onset: int, value: float = 1e-9) -> None:
    for rec in records[onset:]:
        rec["relative_update_norm"] = value


def test_frozen_updates_critical_when_weights_stop_moving() -> None:
    records = history()
    _freeze(records, 120)
    detection = check(FROZEN_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is None  # the rule's default: critical
    assert REGISTRY[FROZEN_RULE].severity is Severity.CRITICAL
    assert 120 <= detection.first_epoch <= 125
    assert "relative_update_norm has been 1.00e-09" in detection.evidence
    detected, finding = first_detection(records, FROZEN_RULE, start=100)
    assert detected is not None and detected <= 128
    assert finding.severity is Severity.CRITICAL


def test_frozen_updates_from_the_start_is_caught_by_the_absolute_floor() -> None:
    records = history(epochs=60, seed=3)
    _freeze(records, 0, 0.0)
    detection = check(FROZEN_RULE, view_of(records))
    assert detection is not None and detection.first_epoch == 0


def test_frozen_updates_warns_on_a_zero_learning_rate() -> None:
    records = history()
    for rec in records[150:]:
        rec["learning_rate"] = 0.0
        rec["relative_update_norm"] = 0.0
    detection = check(FROZEN_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.WARNING
    assert detection.first_epoch == 150
    assert "learning_rate has been 0 since epoch 150" in detection.evidence


def test_frozen_updates_silent_on_tiny_learning_rates_with_proportional_updates() -> None:
    """A starving warmup moves the weights little, but in proportion to its learning rate:
    that is warmup-starvation's finding, not this one."""
    assert check(FROZEN_RULE, sim_view("warmup-starvation", 200, 0)) is None
    assert check(FROZEN_RULE, sim_view("healthy", 300, 6, lr_schedule="cosine")) is None


def test_frozen_updates_not_raised_by_one_odd_epoch() -> None:
    records = history()
    records[-1]["relative_update_norm"] = 0.0
    records[-2]["learning_rate"] = 0.0
    records[100]["relative_update_norm"] = 0.0
    assert check(FROZEN_RULE, view_of(records)) is None


def test_frozen_updates_skips_cleanly_without_its_metrics() -> None:
    records = history()
    for rec in records:
        del rec["relative_update_norm"]
    assert check(FROZEN_RULE, view_of(records)) is None
    for rec in records:
        del rec["learning_rate"]
    assert check(FROZEN_RULE, view_of(records)) is None
    frozen = history()
    _freeze(frozen, 120)
    for rec in frozen:
        del rec["learning_rate"]
    detection = check(FROZEN_RULE, view_of(frozen))
    assert detection is not None and 120 <= detection.first_epoch <= 125
