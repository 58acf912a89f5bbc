"""Gradient-family rules: dead deep blocks, exploding gradients, persistent clipping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import all_rules
from neuromf_tui.analysis.view import RunView
from tests import phase4c
from tests.analysis_support import (
    check,
    detect,
    detection_epoch,
    findings,
    healthy,
    inject,
    sim_view,
    table_from_history,
    view_of,
)

all_rules()


# -- dead-deep-gradients -----------------------------------------------------------------------


def test_dead_deep_gradients_fires_on_the_scenario_from_epoch_0() -> None:
    f = findings(sim_view("dead-gradients", 200, 0))["dead-deep-gradients"]
    assert f.first_epoch == 0
    assert f.severity is Severity.CRITICAL  # dead for the whole 200-epoch run
    assert "middle_block" in f.evidence and "down_block_3" in f.evidence
    assert "200 of 200 epochs" in f.evidence


def test_dead_deep_gradients_detected_within_ten_epochs_and_warns_first() -> None:
    detected = detection_epoch("dead-gradients", "dead-deep-gradients", 200, 0, step=1)
    assert detected is not None and detected <= 10
    early = check("dead-deep-gradients", sim_view("dead-gradients", 200, 0, until=40))
    assert early is not None and early.severity is Severity.WARNING


def test_dead_deep_gradients_one_block_dead_mid_run() -> None:
    """A block that dies later is reported from when it died, listing only that block."""
    onset = 150
    history = inject(healthy(), onset, lambda r, t: r["block_grad_norms"].update(middle_block=0.0))
    f = check("dead-deep-gradients", view_of(history))
    assert f is not None and f.first_epoch == onset
    assert "middle_block" in f.evidence and "down_block_3" not in f.evidence
    assert f.severity is Severity.WARNING  # 150 of 300 epochs is not "most of the run"


def test_dead_deep_gradients_not_blamed_when_every_block_vanishes() -> None:
    """All gradients ~0 is a different problem (nothing learns), not a dead bottleneck."""
    history = healthy(200, 0)
    for record in history:
        record["block_grad_norms"] = {k: v * 1e-8 for k, v in record["block_grad_norms"].items()}
    assert check("dead-deep-gradients", view_of(history)) is None


def test_dead_deep_gradients_one_zero_epoch_does_not_raise_it() -> None:
    history = healthy(200, 0)
    history[100]["block_grad_norms"].update(middle_block=0.0, down_block_3=0.0)
    history[101]["block_grad_norms"].update(middle_block=0.0)
    for until in (100, 101, 110, 199):
        assert check("dead-deep-gradients", view_of(history, until=until)) is None


def test_dead_deep_gradients_skips_runs_without_block_norms() -> None:
    history = healthy(200, 0)
    for record in history:
        del record["block_grad_norms"]
    assert check("dead-deep-gradients", view_of(history)) is None
    assert check("exploding-gradients", view_of(history)) is None


# -- exploding-gradients -----------------------------------------------------------------------


def _explode(factor: float) -> Callable[[dict[str, Any], int], None]:
    def apply(record: dict[str, Any], t: int) -> None:
        record["grad_norm_mean"] *= factor
        record["grad_norm_std"] *= factor
        record["block_grad_norms"]["out"] *= factor
        record["grad_clip_fraction"] = 1.0

    return apply


def test_exploding_gradients_fires_on_a_sustained_jump() -> None:
    onset = 150
    history = inject(healthy(), onset, _explode(40.0))
    f = findings(view_of(history))["exploding-gradients"]
    assert f.severity is Severity.WARNING
    assert onset <= f.first_epoch <= onset + 5
    assert "grad_norm_mean is" in f.evidence and "grad_clip_fraction 1.00" in f.evidence
    detected = detect(history, "exploding-gradients", start=onset)
    assert detected is not None and detected <= onset + 10


def test_exploding_gradients_is_critical_at_orders_of_magnitude() -> None:
    history = inject(healthy(), 150, _explode(500.0))
    f = check("exploding-gradients", view_of(history))
    assert f is not None and f.severity is Severity.CRITICAL


def test_exploding_gradients_std_alone_counts() -> None:
    """Intermittent huge steps blow up the spread before the mean."""
    history = inject(healthy(), 150, lambda r, t: r.update(grad_norm_std=r["grad_norm_std"] * 30))
    f = check("exploding-gradients", view_of(history))
    assert f is not None and f.metrics == ["grad_norm_std"]


def test_exploding_gradients_ignores_the_early_phase_large_norms() -> None:
    """Early training has large ``out`` norms falling fast: up to 30x is not an explosion."""
    history = healthy(200, 0)
    for record in history[:30]:
        boost = 15.0 * np.exp(-record["epoch"] / 10)
        record["block_grad_norms"]["out"] *= 1 + boost
        record["grad_norm_mean"] *= 1 + boost
    for until in (10, 20, 29, 199):
        assert check("exploding-gradients", view_of(history, until=until)) is None


def test_exploding_gradients_one_spike_does_not_raise_it() -> None:
    history = healthy(200, 0)
    history[120].update(grad_norm_mean=500.0, grad_norm_std=900.0)
    history[120]["block_grad_norms"]["out"] = 300.0
    for until in (120, 123, 199):
        assert check("exploding-gradients", view_of(history, until=until)) is None


def test_exploding_gradients_skips_runs_without_gradient_stats() -> None:
    history = healthy(200, 0)
    for record in history:
        del record["grad_norm_mean"], record["grad_norm_std"], record["block_grad_norms"]
    assert check("exploding-gradients", view_of(history)) is None


# -- persistent-grad-clipping ------------------------------------------------------------------


def test_persistent_clipping_fires_when_clipping_never_fades() -> None:
    history = healthy()
    for record in history:
        record["grad_clip_fraction"] = max(record["grad_clip_fraction"], 0.85)
    f = findings(view_of(history))["persistent-grad-clipping"]
    assert f.severity is Severity.WARNING
    assert 75 <= f.first_epoch <= 80
    assert "gradient_clip_norm = 1" in f.evidence and "cosine_sim_V_vc 0.9" in f.evidence
    detected = detect(history, "persistent-grad-clipping", start=60)
    assert detected is not None and detected <= 100


def test_persistent_clipping_fires_when_clipping_returns_after_epoch_80() -> None:
    onset = 80
    history = inject(healthy(), onset, lambda r, t: r.update(grad_clip_fraction=0.9))
    f = check("persistent-grad-clipping", view_of(history))
    assert f is not None and onset <= f.first_epoch <= onset + 6
    assert "for 2" in f.evidence  # about 220 epochs
    detected = detect(history, "persistent-grad-clipping", start=onset)
    assert detected is not None and detected <= onset + 26


def test_persistent_clipping_ignores_the_early_phase_and_a_starving_warmup() -> None:
    """High clipping while the model has not started learning is the early phase's pattern."""
    assert check("persistent-grad-clipping", sim_view("healthy", 400, 8, until=60)) is None
    for until in (120, 200, 250, 300):
        view = sim_view("warmup-starvation", 500, 0, until=until)
        assert check("persistent-grad-clipping", view) is None


def test_persistent_clipping_phase4c_reconstruction_is_not_flagged() -> None:
    """The real run's clip fraction fell from 0.875 to 0 by epoch 149: normal fading."""
    view = RunView.from_table("phase4c", table_from_history(phase4c.history()))
    assert check("persistent-grad-clipping", view) is None


@pytest.mark.parametrize("spikes", [[150], [150, 160, 170]])
def test_persistent_clipping_isolated_clipped_epochs_do_not_raise_it(spikes: list[int]) -> None:
    history = healthy()
    for epoch in spikes:
        history[epoch]["grad_clip_fraction"] = 1.0
    for until in (150, 175, 299):
        assert check("persistent-grad-clipping", view_of(history, until=until)) is None


def test_persistent_clipping_skips_runs_without_clip_fraction() -> None:
    history = healthy()
    for record in history:
        del record["grad_clip_fraction"]
    assert check("persistent-grad-clipping", view_of(history)) is None


def test_exploding_gradients_infinite_norms_count_as_the_extreme() -> None:
    history = healthy(200, 0)
    for record in history[150:]:
        record["grad_norm_mean"] = float("inf")
    f = check("exploding-gradients", view_of(history))
    assert f is not None and f.severity is Severity.CRITICAL
    assert "grad_norm_mean is inf on 7 of the last 7 epochs" in f.evidence
    assert 150 <= f.first_epoch <= 152


@pytest.mark.parametrize("rows", [0, 1, 3, 12])
@pytest.mark.parametrize(
    "rule_id", ["dead-deep-gradients", "exploding-gradients", "persistent-grad-clipping"]
)
def test_gradient_rules_survive_tiny_runs(rule_id: str, rows: int) -> None:
    assert check(rule_id, view_of(healthy(200, 0)[:rows])) is None


def test_dead_deep_gradients_with_only_the_deep_blocks_logged_uses_the_absolute_floor() -> None:
    """No other blocks to compare with: a healthy small norm is not dead, a ~0 one is."""
    history = healthy(200, 0)
    for record in history:
        blocks = record["block_grad_norms"]
        record["block_grad_norms"] = {k: blocks[k] for k in ("middle_block", "down_block_3")}
    assert check("dead-deep-gradients", view_of(history)) is None
    for record in history:
        record["block_grad_norms"]["down_block_3"] = 1e-9
    f = check("dead-deep-gradients", view_of(history))
    assert f is not None and f.metrics == ["block_grad_norms.down_block_3"]
