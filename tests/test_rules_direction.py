"""Direction-family rules: initial cosine, low cosine, norm ratios, JVP instability."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import all_rules
from tests.analysis_support import (
    History,
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


def scale_norms(factor: float, keys: tuple[str, ...]) -> Callable[[dict[str, Any], int], None]:
    def apply(record: dict[str, Any], t: int) -> None:
        for key in keys:
            record["velocity_norms"][key] *= factor

    return apply


# -- suspicious-initial-cosine -----------------------------------------------------------------


def _leaky(history: History, values: tuple[float, ...]) -> History:
    for record, value in zip(history, values, strict=False):
        record["cosine_sim_V_vc"] = value
    return history


def test_suspicious_initial_cosine_fires_on_a_leak_at_epoch_0() -> None:
    history = _leaky(healthy(200, 0), (0.35, 0.38, 0.41))
    f = findings(view_of(history))["suspicious-initial-cosine"]
    assert f.severity is Severity.WARNING and f.first_epoch == 0
    assert "0.350 (epoch 0)" in f.evidence and "at least 0.350" in f.evidence
    assert detect(history, "suspicious-initial-cosine") == 1


def test_suspicious_initial_cosine_silent_on_healthy_starts() -> None:
    for epochs, seed in ((60, 3), (200, 0), (300, 4)):
        assert check("suspicious-initial-cosine", sim_view("healthy", epochs, seed)) is None


def test_suspicious_initial_cosine_one_noisy_epoch_does_not_raise_it() -> None:
    history = _leaky(healthy(200, 0), (0.6,))
    for until in (0, 1, 2, 199):
        assert check("suspicious-initial-cosine", view_of(history, until=until)) is None


def test_suspicious_initial_cosine_only_judges_runs_logged_from_epoch_0() -> None:
    """A resumed run's history starts later: its first cosine is not an initialisation."""
    history = _leaky(healthy(200, 0), (0.35, 0.38, 0.41, 0.45, 0.5, 0.5))[5:]
    assert check("suspicious-initial-cosine", view_of(history)) is None


def test_suspicious_initial_cosine_skips_runs_without_cosine() -> None:
    history = healthy(200, 0)
    for record in history:
        del record["cosine_sim_V_vc"]
    assert check("suspicious-initial-cosine", view_of(history)) is None
    assert check("low-cosine", view_of(history)) is None


# -- low-cosine --------------------------------------------------------------------------------


def _cap_cosine(history: History, onset: int, cap: float) -> History:
    rng = np.random.default_rng(0)

    def apply(record: dict[str, Any], t: int) -> None:
        record["cosine_sim_V_vc"] = min(record["cosine_sim_V_vc"], cap + rng.normal(0, 0.01))

    return inject(history, onset, apply)


def test_low_cosine_fires_when_cosine_stalls_below_half() -> None:
    history = _cap_cosine(healthy(), 40, 0.35)
    f = findings(view_of(history))["low-cosine"]
    assert f.severity is Severity.WARNING
    assert f.first_epoch == 100  # judged from epoch 100, once the mid phase is well under way
    assert "no longer rising" in f.evidence
    detected = detect(history, "low-cosine", start=100)
    assert detected is not None and detected <= 125


def test_low_cosine_is_critical_when_still_near_zero_late() -> None:
    history = _cap_cosine(healthy(), 0, 0.02)
    f = check("low-cosine", view_of(history))
    assert f is not None and f.severity is Severity.CRITICAL
    assert "no useful signal" in f.evidence
    assert check("low-cosine", view_of(history, until=220)).severity is Severity.WARNING


def test_low_cosine_waits_while_a_slow_learner_is_still_climbing() -> None:
    """Below 0.5 at epoch 150 but rising steadily: not yet "at convergence"."""
    history = healthy()
    for record in history:
        record["cosine_sim_V_vc"] = 0.6 * min(1.0, record["epoch"] / 220)
    assert check("low-cosine", view_of(history, until=180)) is None
    assert check("low-cosine", view_of(history, until=199)) is None


def test_low_cosine_on_warmup_starvation_only_fires_while_cosine_is_truly_low() -> None:
    run = sim_view("warmup-starvation", 500, 0)
    detected = detection_epoch("warmup-starvation", "low-cosine", 500, 0, step=5)
    assert detected is not None and detected >= 100
    cosine = run.get("cosine_sim_V_vc")
    assert cosine is not None and float(np.max(cosine[: detected + 1])) < 0.1
    assert check("low-cosine", run) is None  # it learned in the end


def test_low_cosine_one_noisy_epoch_does_not_raise_it() -> None:
    history = healthy()
    history[150]["cosine_sim_V_vc"] = -0.2
    history[151]["cosine_sim_V_vc"] = 0.0
    for until in (150, 151, 160, 299):
        assert check("low-cosine", view_of(history, until=until)) is None


# -- norm-ratio-off ----------------------------------------------------------------------------


def test_norm_ratio_off_fires_on_overshoot() -> None:
    onset = 100
    history = inject(healthy(), onset, scale_norms(3.0, ("u_norm", "compound_v_norm")))
    f = findings(view_of(history))["norm-ratio-off"]
    assert f.severity is Severity.WARNING
    assert onset <= f.first_epoch <= onset + 6
    assert "ratio.u_norm/target_v_norm is 3" in f.evidence and "overshooting" in f.evidence
    detected = detect(history, "norm-ratio-off", start=onset)
    assert detected is not None and detected <= onset + 16


def test_norm_ratio_off_fires_on_underestimate_of_compound_velocity() -> None:
    history = inject(healthy(), 100, scale_norms(0.3, ("compound_v_norm",)))
    f = check("norm-ratio-off", view_of(history))
    assert f is not None and f.metrics == ["ratio.compound_v_norm/target_v_norm"]
    assert "underestimating" in f.evidence


def test_norm_ratio_off_ignores_the_early_phase_and_a_converging_ratio() -> None:
    history = healthy()
    for record in history:
        e = record["epoch"]
        factor = 0.2 if e < 20 else 1 + 4 * np.exp(-(e - 20) / 70)
        record["velocity_norms"]["u_norm"] *= factor
    for until in (15, 40, 120, 299):
        assert check("norm-ratio-off", view_of(history, until=until)) is None


def test_norm_ratio_off_one_noisy_epoch_does_not_raise_it() -> None:
    history = healthy()
    history[150]["velocity_norms"]["u_norm"] *= 20
    history[151]["velocity_norms"]["compound_v_norm"] *= 0.01
    for until in (150, 151, 160, 299):
        assert check("norm-ratio-off", view_of(history, until=until)) is None


def test_norm_ratio_off_and_jvp_skip_runs_without_velocity_norms() -> None:
    history = healthy()
    for record in history:
        del record["velocity_norms"]
    assert check("norm-ratio-off", view_of(history)) is None
    assert check("jvp-instability", view_of(history)) is None


# -- jvp-instability ---------------------------------------------------------------------------


def test_jvp_instability_fires_on_mf_domination() -> None:
    run = sim("mf-domination", 200, 0)
    f = findings(sim_view("mf-domination", 200, 0))["jvp-instability"]
    assert f.severity is Severity.WARNING
    assert run.onset is not None and run.onset <= f.first_epoch <= run.onset + 10
    assert "velocity_norms.jvp_norm grew" in f.evidence and "while u_norm moved" in f.evidence
    detected = detection_epoch("mf-domination", "jvp-instability", 200, 0, step=1)
    assert detected is not None and detected <= run.onset + 12


def test_jvp_instability_fires_when_v_tilde_diverges_from_u() -> None:
    history = inject(healthy(), 150, scale_norms(3.0, ("v_tilde_norm",)))
    f = check("jvp-instability", view_of(history))
    assert f is not None and f.metrics == ["ratio.v_tilde_norm/u_norm"]
    assert 150 <= f.first_epoch <= 156


def test_jvp_instability_not_raised_when_jvp_follows_the_velocity() -> None:
    """Late jvp_norm proportional to the velocity magnitude is the healthy relationship."""
    history = inject(
        healthy(),
        150,
        lambda r, t: scale_norms(1.02**t, ("jvp_norm", "u_norm", "v_tilde_norm"))(r, t),
    )
    assert check("jvp-instability", view_of(history)) is None


def test_jvp_instability_ignores_the_noisy_early_jvp_and_one_spike() -> None:
    history = healthy()
    for record in history[:25]:
        record["velocity_norms"]["jvp_norm"] *= 1 + 8 * np.exp(-record["epoch"] / 8)
    history[150]["velocity_norms"]["jvp_norm"] *= 50
    history[151]["velocity_norms"]["v_tilde_norm"] *= 10
    for until in (20, 150, 151, 160, 299):
        assert check("jvp-instability", view_of(history, until=until)) is None


def test_jvp_instability_skips_runs_without_jvp_norm() -> None:
    """Only part of the group logged: the v_tilde signal still works on its own."""
    history = inject(healthy(), 150, scale_norms(3.0, ("v_tilde_norm",)))
    for record in history:
        del record["velocity_norms"]["jvp_norm"]
    f = check("jvp-instability", view_of(history))
    assert f is not None and "jvp_norm" not in f.evidence


@pytest.mark.parametrize("rows", [0, 1, 3, 12])
@pytest.mark.parametrize(
    "rule_id", ["suspicious-initial-cosine", "low-cosine", "norm-ratio-off", "jvp-instability"]
)
def test_direction_rules_survive_tiny_runs(rule_id: str, rows: int) -> None:
    assert check(rule_id, view_of(healthy(200, 0)[:rows])) is None
