"""Sampling, validation, samples and channels rules: drift, overfitting, NFE consistency and
channel imbalance, on simulator scenarios and on healthy histories with an injected fault."""

from __future__ import annotations

import copy
import re
from typing import Any

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import REGISTRY, Detection, all_rules
from neuromf_tui.analysis.view import RunView
from tests.analysis_support import detection_epoch, findings, sim, sim_view, table_from_history

all_rules()

SAMPLING_RULE = "sampling-drift"
OVERFIT_RULE = "overfitting"
NFE_RULE = "nfe-consistency-worsening"
CHANNEL_RULE = "channel-imbalance"


def check(rule_id: str, view: RunView) -> Detection | None:
    rule = REGISTRY[rule_id]
    return rule.check(view, rule.params)


def history(scenario: str = "healthy", epochs: int = 200, seed: int = 0, **kw: Any) -> list:
    return copy.deepcopy(sim(scenario, epochs, seed, **kw).history)


def view_of(
    records: list[dict[str, Any]], until: int | None = None, settings: Settings | None = None
) -> RunView:
    return RunView.from_table(
        "injected", table_from_history(records), until=until, settings=settings
    )


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match is not None, (pattern, text)
    return float(match.group(1))


# --- sampling-drift --------------------------------------------------------------------------


def test_sampling_drift_scenario_is_critical_near_the_onset() -> None:
    onset = sim("sampling-drift", 200, 0).onset
    assert onset is not None
    finding = findings(sim_view("sampling-drift", 200, 0))[SAMPLING_RULE]
    assert finding.severity is Severity.CRITICAL
    assert onset <= finding.first_epoch <= onset + 30
    assert "sampling.h_zero_frac" in finding.metrics and "sampling.t_mean" in finding.metrics
    assert number(r"sampling\.h_zero_frac is ([\d.]+)", finding.evidence) < 0.5
    assert "expected 0.75" in finding.evidence


def test_sampling_drift_detection_delay() -> None:
    onset = sim("sampling-drift", 200, 0).onset
    assert onset is not None
    detected = detection_epoch("sampling-drift", SAMPLING_RULE, 200, 0, step=2)
    assert detected is not None and onset < detected <= onset + 45


def test_a_small_step_in_h_zero_frac_is_a_warning() -> None:
    records = history()
    for rec in records[100:]:
        rec["sampling"]["h_zero_frac"] -= 0.08
    detection = check(SAMPLING_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.WARNING
    assert 98 <= detection.first_epoch <= 110
    assert detection.metrics == ["sampling.h_zero_frac"]


def test_a_constant_non_default_sampler_is_judged_against_itself() -> None:
    """A run whose t_mean sits at 0.59 from epoch 0 (another logit-normal mu) is not drifting."""
    records = history()
    for rec in records:
        rec["sampling"]["t_mean"] += 0.06
    assert check(SAMPLING_RULE, view_of(records)) is None
    for rec in records[120:]:
        rec["sampling"]["t_mean"] += 0.05
    detection = check(SAMPLING_RULE, view_of(records))
    assert detection is not None and "first 20 epochs" in detection.evidence


def test_h_zero_frac_off_a_configured_data_proportion_is_flagged_from_the_start() -> None:
    settings = Settings()
    settings.training["data_proportion"] = 0.5
    settings.sources["data_proportion"] = "run config (resolved_config.yaml)"
    detection = check(SAMPLING_RULE, view_of(history(), settings=settings))
    assert detection is not None
    assert detection.first_epoch <= 20
    assert detection.severity is Severity.CRITICAL
    assert "expected 0.5 from run config" in detection.evidence


def test_sampling_drift_not_raised_by_one_noisy_epoch() -> None:
    records = history()
    records[150]["sampling"]["h_zero_frac"] = 0.2
    records[-1]["sampling"]["h_zero_frac"] = 0.2
    records[-1]["sampling"]["t_mean"] = 0.9
    assert check(SAMPLING_RULE, view_of(records)) is None


def test_sampling_drift_skips_cleanly_without_its_metrics() -> None:
    records = history("sampling-drift")
    for rec in records:
        del rec["sampling"]
    assert check(SAMPLING_RULE, view_of(records)) is None
    partial = history("sampling-drift")
    for rec in partial:
        del rec["sampling"]["h_zero_frac"], rec["sampling"]["h_mean"]
    detection = check(SAMPLING_RULE, view_of(partial))
    assert detection is not None and "sampling.t_mean" in detection.metrics
    assert check(SAMPLING_RULE, sim_view("sampling-drift", 200, 0, until=10)) is None


# --- overfitting -----------------------------------------------------------------------------


def test_overfitting_scenario_fires_with_quantified_evidence() -> None:
    onset = sim("overfitting", 200, 0).onset
    assert onset is not None
    finding = findings(sim_view("overfitting", 200, 0))[OVERFIT_RULE]
    assert finding.severity is Severity.WARNING
    assert onset <= finding.first_epoch <= onset + 40
    assert number(r"val_raw_loss rose (\d+)%", finding.evidence) >= 20
    assert "raw_loss_mean fell" in finding.evidence
    assert number(r"val/train ratio [\d.]+ → ([\d.]+)", finding.evidence) > 2


def test_overfitting_detection_delay() -> None:
    onset = sim("overfitting", 200, 0).onset
    assert onset is not None
    detected = detection_epoch("overfitting", OVERFIT_RULE, 200, 0, step=2)
    assert detected is not None and onset < detected <= onset + 90


def test_a_rising_validation_loss_with_a_rising_train_loss_is_not_overfitting() -> None:
    """Divergence and collapse raise both losses: that is not this rule's story."""
    assert check(OVERFIT_RULE, sim_view("adaptive-masking", 200, 0)) is None
    assert check(OVERFIT_RULE, sim_view("mode-collapse", 200, 0)) is None


def test_overfitting_not_raised_by_one_noisy_validation() -> None:
    records = history()
    validations = [rec for rec in records if "val_raw_loss" in rec]
    validations[-1]["val_raw_loss"] *= 1.6
    validations[-5]["val_raw_loss"] *= 1.6
    assert check(OVERFIT_RULE, view_of(records)) is None


def test_overfitting_skips_cleanly_without_validation() -> None:
    records = history("overfitting")
    for rec in records:
        rec.pop("val_raw_loss", None)
        rec.pop("val_loss", None)
    assert check(OVERFIT_RULE, view_of(records)) is None
    assert check(OVERFIT_RULE, sim_view("overfitting", 200, 0, until=45)) is None


# --- nfe-consistency-worsening ---------------------------------------------------------------


def test_nfe_consistency_worsening_on_mode_collapse() -> None:
    onset = sim("mode-collapse", 200, 0).onset
    assert onset is not None
    finding = findings(sim_view("mode-collapse", 200, 0))[NFE_RULE]
    assert finding.severity is Severity.WARNING
    assert onset <= finding.first_epoch <= onset + 25  # the first sample epoch after it
    assert number(r"mse_1vs10 rose ([\d.]+)x", finding.evidence) >= 1.6
    assert "cosine_1vs10 fell" in finding.evidence


def test_nfe_consistency_detection_delay() -> None:
    onset = sim("mode-collapse", 200, 0).onset
    assert onset is not None
    detected = detection_epoch("mode-collapse", NFE_RULE, 200, 0, step=1)
    # Samples come every 25 epochs and 3 must follow the best one.
    assert detected is not None and onset < detected <= onset + 75


def test_nfe_consistency_not_raised_by_one_bad_sample_epoch() -> None:
    records = history()
    sampled = [rec for rec in records if "generated_samples" in rec]
    consistency = sampled[-1]["generated_samples"]["nfe_consistency"]
    consistency["mse_1vs10"] *= 4
    consistency["cosine_1vs10"] = 0.5
    assert check(NFE_RULE, view_of(records)) is None


def test_nfe_consistency_skips_cleanly_without_samples() -> None:
    records = history("mode-collapse")
    for rec in records:
        rec.pop("generated_samples", None)
    assert check(NFE_RULE, view_of(records)) is None
    only_cosine = history("mode-collapse")
    for rec in only_cosine:
        if "generated_samples" in rec:
            del rec["generated_samples"]["nfe_consistency"]["mse_1vs10"]
    detection = check(NFE_RULE, view_of(only_cosine))
    assert detection is not None and "mse_1vs10" not in detection.evidence
    assert check(NFE_RULE, sim_view("mode-collapse", 200, 0, until=80)) is None


# --- channel-imbalance -----------------------------------------------------------------------


def _scale_channel(records: list[dict[str, Any]], channel: int, factor: float, since: int):
    for rec in records[since:]:
        if "per_channel_loss" in rec:
            rec["per_channel_loss"][channel] *= factor


def test_channel_imbalance_warns_when_one_channel_dominates() -> None:
    records = history()
    _scale_channel(records, 2, 6.0, 100)
    detection = check(CHANNEL_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.WARNING
    assert detection.first_epoch == 124  # the first periodic epoch after the onset
    assert "per_channel_loss.2 carries" in detection.evidence
    assert number(r"carries (\d+)%", detection.evidence) > 60


def test_a_milder_channel_imbalance_is_info() -> None:
    records = history()
    _scale_channel(records, 0, 2.3, 100)
    detection = check(CHANNEL_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.INFO
    assert "per_channel_loss.0" in detection.evidence


def test_channel_imbalance_not_raised_by_one_odd_periodic_epoch() -> None:
    records = history()
    periodic = [rec for rec in records if "per_channel_loss" in rec]
    periodic[-1]["per_channel_loss"][1] *= 10
    periodic[3]["per_channel_loss"][3] *= 10
    assert check(CHANNEL_RULE, view_of(records)) is None


def test_channel_imbalance_skips_cleanly_without_channels() -> None:
    records = history()
    _scale_channel(records, 2, 6.0, 0)
    for rec in records:
        rec.pop("per_channel_loss", None)
    assert check(CHANNEL_RULE, view_of(records)) is None
    single = history()
    for rec in single:
        if "per_channel_loss" in rec:
            rec["per_channel_loss"] = rec["per_channel_loss"][:1]
    assert check(CHANNEL_RULE, view_of(single)) is None
    assert check(CHANNEL_RULE, sim_view("healthy", 200, 0, until=30)) is None
