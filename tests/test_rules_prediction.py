"""Prediction-family rules: mode collapse and exploding (out-of-distribution) predictions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import all_rules
from tests.analysis_support import (
    check,
    detect,
    detection_epoch,
    findings,
    healthy,
    inject,
    sim,
    sim_view,
    view_of,
)

all_rules()


def scale_prediction(prefix: str, factor: Callable[[int], float], keys: tuple[str, ...]):
    def apply(record: dict[str, Any], t: int) -> None:
        for key in keys:
            record[prefix][key] *= factor(t)

    return apply


# -- mode-collapse -----------------------------------------------------------------------------


@pytest.mark.parametrize("prediction", ["x", "u"])
def test_mode_collapse_fires_critical_on_the_scenario(prediction: str) -> None:
    run = sim("mode-collapse", 200, 0, prediction=prediction)
    found = findings(sim_view("mode-collapse", 200, 0, prediction=prediction))
    f = found["mode-collapse"]
    assert f.severity is Severity.CRITICAL
    assert run.onset is not None and run.onset <= f.first_epoch <= run.onset + 12
    prefix = "x_hat_stats" if prediction == "x" else "u_pred_stats"
    assert f.evidence.startswith(f"{prefix}.std fell to ")
    now = float(re.search(r"fell to ([\d.e+-]+)", f.evidence).group(1))  # type: ignore[union-attr]
    assert now < 0.05
    assert "1-NFE sample std fell from" in f.evidence


def test_mode_collapse_is_detected_soon_after_onset_epoch_by_epoch() -> None:
    detected = detection_epoch("mode-collapse", "mode-collapse", 200, 0, step=2)
    assert detected is not None and 100 < detected <= 130


def test_mode_collapse_warns_before_it_is_critical() -> None:
    """Half-way down the std is a warning; near 0 it is critical."""
    view = sim_view("mode-collapse", 200, 0, until=124)
    f = check("mode-collapse", view)
    assert f is not None and f.severity is Severity.WARNING


def test_mode_collapse_ignores_the_zero_init_start_and_an_early_overshoot() -> None:
    """x_hat starts near 0 (zero-init head); a large early overshoot settling to 1 is fine."""
    history = healthy(200, 1)
    for record in history[:60]:
        boost = 1 + 3 * np.exp(-((record["epoch"] - 30) ** 2) / 200)
        for key in ("std", "min", "max"):
            record["x_hat_stats"][key] *= boost
    assert check("mode-collapse", view_of(history)) is None
    assert check("mode-collapse", view_of(history, until=20)) is None


def test_mode_collapse_one_noisy_epoch_does_not_raise_it() -> None:
    history = healthy(200, 0)
    history[150]["x_hat_stats"]["std"] = 1e-4
    for until in (150, 152, 160, 199):
        assert check("mode-collapse", view_of(history, until=until)) is None


def test_mode_collapse_skips_runs_without_prediction_stats() -> None:
    history = healthy(200, 0)
    for record in history:
        del record["x_hat_stats"]
    assert check("mode-collapse", view_of(history)) is None
    assert check("xhat-explosion", view_of(history)) is None


# -- xhat-explosion ----------------------------------------------------------------------------


def test_xhat_explosion_fires_when_std_keeps_growing_with_stable_targets() -> None:
    onset = 150
    history = inject(
        healthy(),
        onset,
        scale_prediction("x_hat_stats", lambda t: 1.05**t, ("std", "min", "max")),
    )
    f = findings(view_of(history))["xhat-explosion"]
    assert f.severity is Severity.CRITICAL  # ~1.05^150: far beyond 10x
    assert onset <= f.first_epoch <= onset + 30
    assert "x_hat_stats.std is" in f.evidence and "target_v_norm stayed at" in f.evidence
    detected = detect(history, "xhat-explosion", start=onset)
    assert detected is not None and detected <= onset + 35
    warned = check("xhat-explosion", view_of(history, until=detected))
    assert warned is not None and warned.severity is Severity.WARNING


def test_xhat_explosion_fires_on_extreme_min_max_alone() -> None:
    onset = 150
    history = inject(
        healthy(),
        onset,
        scale_prediction("x_hat_stats", lambda t: min(8.0, 1.1**t), ("min", "max")),
    )
    f = check("xhat-explosion", view_of(history))
    assert f is not None and "max(|min|, |max|) is" in f.evidence
    assert f.severity is Severity.WARNING


def test_xhat_explosion_on_u_prediction_uses_u_pred_stats() -> None:
    onset = 120
    history = inject(
        healthy(200, 7, prediction="u"),
        onset,
        scale_prediction("u_pred_stats", lambda t: 1.06**t, ("std", "min", "max")),
    )
    f = check("xhat-explosion", view_of(history))
    assert f is not None and f.evidence.startswith("u_pred_stats.std is")


def test_xhat_explosion_not_raised_when_the_targets_grow_too() -> None:
    """Predictions following a target that changed scale are not out of distribution."""
    onset = 150
    history = inject(
        healthy(),
        onset,
        scale_prediction("x_hat_stats", lambda t: 1.03**t, ("std", "min", "max")),
    )
    inject(
        history, onset, scale_prediction("velocity_norms", lambda t: 1.03**t, ("target_v_norm",))
    )
    assert check("xhat-explosion", view_of(history)) is None


def test_xhat_explosion_one_noisy_epoch_does_not_raise_it() -> None:
    history = healthy(200, 0)
    history[120]["x_hat_stats"].update(std=50.0, min=-900.0, max=900.0)
    for until in (120, 123, 199):
        assert check("xhat-explosion", view_of(history, until=until)) is None


def test_xhat_explosion_skips_runs_without_min_max_or_targets() -> None:
    """Older runs may lack parts of the group: the std alone still works, nothing crashes."""
    history = inject(
        healthy(),
        150,
        scale_prediction("x_hat_stats", lambda t: 1.05**t, ("std", "min", "max")),
    )
    for record in history:
        del record["x_hat_stats"]["min"], record["x_hat_stats"]["max"], record["velocity_norms"]
    f = check("xhat-explosion", view_of(history))
    assert f is not None and "max(|min|" not in f.evidence and "target" not in f.evidence


def test_sparse_prediction_stats_do_not_crash() -> None:
    """Prediction stats logged on one epoch in ten: rolling medians bridge the gaps."""
    history = healthy(200, 0)
    for record in history:
        if record["epoch"] % 10:
            del record["x_hat_stats"]
    view = view_of(history)
    assert check("mode-collapse", view) is None
    assert check("xhat-explosion", view) is None


@pytest.mark.parametrize("rows", [0, 1, 3, 12])
@pytest.mark.parametrize("rule_id", ["mode-collapse", "xhat-explosion"])
def test_prediction_rules_survive_tiny_runs(rule_id: str, rows: int) -> None:
    assert check(rule_id, view_of(healthy(200, 0)[:rows])) is None
