"""The engine's bookkeeping: sticky onsets, resolution, crashing rules, settings, summary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from neuromf_tui.analysis import rules as rules_module
from neuromf_tui.analysis.config import ConfigError, Settings, load_settings
from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import Detection, Rule
from neuromf_tui.analysis.summary import summarise
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.runconfig import RunConfig
from tests.analysis_support import column_view, sim, sim_view, table_from_history

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"


def fake_rule(check) -> Rule:  # type: ignore[no-untyped-def]
    return Rule(
        id="fake", family="loss", title="Fake", severity=Severity.WARNING, params={}, check=check
    )


def test_first_epoch_sticks_while_open_and_resolution_is_recorded() -> None:
    x = np.concatenate([np.zeros(50), np.ones(30), np.zeros(20)])

    def check(view: RunView, p: Mapping[str, float]) -> Detection | None:
        col = view.get("x")
        if col is None or col[-1] < 0.5:
            return None
        return Detection(first_epoch=view.last_epoch or 0, evidence="x is 1", metrics=["x"])

    engine = Engine()
    engine.rules = [fake_rule(check)]
    table = column_view({"x": x})
    new_at, resolved_at = [], []
    for until in range(100):
        view = RunView.from_table("r", _table_of(table), until=until)
        delta = engine.evaluate(view)
        new_at += [until for _ in delta.new]
        resolved_at += [until for _ in delta.resolved]
    assert new_at == [50] and resolved_at == [80]
    (finding,) = engine.resolved
    assert finding.first_epoch == 50 and finding.resolved and finding.resolved_epoch == 80
    assert engine.findings == [finding], "resolved findings are kept, not dropped"


def _table_of(view: RunView):  # type: ignore[no-untyped-def]
    from neuromf_tui.data.table import RunTable

    table = RunTable()
    table.load([(int(e), {"x": float(view.columns["x"][i])}) for i, e in enumerate(view.epochs)])
    return table


def test_a_crashing_rule_is_reported_not_raised() -> None:
    def check(view: RunView, p: Mapping[str, float]) -> Detection | None:
        raise ZeroDivisionError("boom")

    engine = Engine()
    engine.rules = [fake_rule(check), *engine.rules]
    engine.evaluate(sim_view("healthy", 60))
    assert "ZeroDivisionError" in engine.rule_errors["fake"]


def test_history_rewound_by_a_restart_resets_the_engine() -> None:
    run = sim("adaptive-masking", 200)
    table = table_from_history(run.history)
    engine = Engine()
    engine.evaluate(RunView.from_table("r", table))
    assert engine.open
    engine.evaluate(RunView.from_table("r", table, until=40))
    assert not engine.open and not engine.resolved


def test_every_required_rule_id_is_registered() -> None:
    required = {
        "adaptive-weight-masking",
        "raw-loss-divergence",
        "raw-loss-plateau",
        "warmup-starvation",
        "mf-term-domination",
        "fm-above-mf",
        "mode-collapse",
        "xhat-explosion",
        "dead-deep-gradients",
        "exploding-gradients",
        "persistent-grad-clipping",
        "sampling-drift",
        "overfitting",
        "suspicious-initial-cosine",
        "low-cosine",
        "norm-ratio-off",
        "jvp-instability",
        "ema-divergence-growth",
        "frozen-updates",
        "channel-imbalance",
        "nfe-consistency-worsening",
        "non-finite-values",
        "training-restart",
        "run-stalled",
        "throughput-regression",
    }
    ids = {rule.id for rule in rules_module.all_rules()}
    assert required <= ids
    for rule in rules_module.all_rules():
        assert rule.check.__doc__, f"{rule.id} needs a docstring citing the spec"


def test_settings_precedence_spec_then_run_config_then_user(tmp_path: Path) -> None:
    run_config = RunConfig(values={"norm_eps": 0.5, "data_proportion": 0.5}, sources={})
    settings = Settings().for_run(run_config)
    assert settings.get("norm_eps") == 0.5 and settings.sources["norm_eps"].startswith("run")
    assert settings.get("gradient_clip_norm") == 1.0
    toml = tmp_path / "neuromf-tui.toml"
    toml.write_text("[training]\nnorm_eps = 2.0\n[rules.low-cosine]\nenabled = false\n")
    user = load_settings(None, tmp_path).for_run(run_config)
    assert user.get("norm_eps") == 2.0 and user.get("data_proportion") == 0.5
    assert "low-cosine" in user.disabled
    toml.write_text("[training\n")
    with pytest.raises(ConfigError, match=r"neuromf-tui\.toml"):
        load_settings(None, tmp_path)


def test_rule_threshold_override_changes_the_verdict() -> None:
    view = sim_view("warmup-starvation", 200)
    settings = Settings()
    settings.rule_overrides["warmup-starvation"] = {"min_epochs": 500.0}
    engine = Engine(settings)
    engine.evaluate(view)
    assert "warmup-starvation" not in engine.open


def test_summary_phase_best_epoch_moves_and_correlations() -> None:
    view = sim_view("healthy", 400)
    summary = summarise(view)
    assert summary.phase == "late"
    raw = view.get("raw_loss_mean")
    assert raw is not None and summary.best_epoch == int(np.nanargmin(raw))
    moves = {m.name: m for m in summary.moves}
    assert moves["raw_loss_mean"].ratio < 0.5 and moves["raw_loss_mean"].trend == "falling"
    assert moves["cosine_sim_V_vc"].end > 0.5
    pairs = {(c.a, c.b): c for c in summary.correlations}
    weight = pairs[("adaptive_weight.mean", "raw_loss_mean")]
    assert weight.r > 0.99 and weight.n == 400 and weight.epochs == (0, 399)
    assert summarise(sim_view("healthy", 400, until=30)).phase == "early"


def test_incremental_medians_match_a_fresh_computation() -> None:
    from neuromf_tui.analysis.phase import smoothed
    from neuromf_tui.analysis.stats import rolling_median

    run = sim("adaptive-masking", 120)
    table = table_from_history(run.history)
    memo: dict = {}
    for until in (10, 11, 40, 119):
        view = RunView.from_table("r", table, until=until)
        view.memo = memo
        got = smoothed(view, "raw_loss_mean", 7)
        want = rolling_median(view.get("raw_loss_mean"), 7)
        assert np.array_equal(got, want, equal_nan=True)
    # A rewritten history (values changed in the past) is computed afresh, not patched.
    history = [dict(r) for r in run.history]
    history[5]["raw_loss_mean"] = 1e9
    view = RunView.from_table("r", table_from_history(history))
    view.memo = memo
    got = smoothed(view, "raw_loss_mean", 7)
    assert np.array_equal(got, rolling_median(view.get("raw_loss_mean"), 7), equal_nan=True)
