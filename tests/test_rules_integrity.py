"""Integrity-family rules: non-finite values, resumed histories, stalled runs, slow epochs."""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

import numpy as np

from neuromf_tui.analysis.engine import Engine, analyse
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import REGISTRY, Detection, all_rules
from neuromf_tui.analysis.view import RunView
from tests.analysis_support import sim, sim_view, table_from_history

all_rules()

NONFINITE_RULE = "non-finite-values"
RESTART_RULE = "training-restart"
STALLED_RULE = "run-stalled"
THROUGHPUT_RULE = "throughput-regression"


def check(rule_id: str, view: RunView) -> Detection | None:
    rule = REGISTRY[rule_id]
    return rule.check(view, rule.params)


def history(scenario: str = "healthy", epochs: int = 200, seed: int = 0, **kw: Any) -> list:
    return copy.deepcopy(sim(scenario, epochs, seed, **kw).history)


def view_of(records: list[dict[str, Any]], **kw: Any) -> RunView:
    return RunView.from_table("injected", table_from_history(records), **kw)


# --- non-finite-values -----------------------------------------------------------------------


def test_nan_raw_loss_at_the_latest_epochs_is_critical() -> None:
    records = history()
    for rec in records[-3:]:
        rec["raw_loss_mean"] = math.nan
        rec["loss_mean"] = math.nan
    detection = check(NONFINITE_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.CRITICAL
    assert detection.first_epoch == 197
    assert "raw_loss_mean at 3 epochs, 197–199" in detection.evidence
    assert detection.metrics[:2] == ["loss_mean", "raw_loss_mean"]


def test_a_nan_the_run_recovered_from_is_a_warning() -> None:
    records = history()
    records[60]["raw_loss_mean"] = math.nan
    records[50]["block_grad_norms"]["r_embed"] = math.nan
    detection = check(NONFINITE_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is Severity.WARNING
    assert detection.first_epoch == 50
    assert "raw_loss_mean at epoch 60" in detection.evidence
    assert "block_grad_norms.r_embed at epoch 50" in detection.evidence


def test_infinite_values_are_reported() -> None:
    records = history()
    records[70]["grad_norm_mean"] = math.inf
    records[71]["x_hat_stats"]["min"] = -math.inf
    detection = check(NONFINITE_RULE, view_of(records))
    assert detection is not None
    assert detection.first_epoch == 70
    assert "grad_norm_mean at epoch 70" in detection.evidence
    assert "x_hat_stats.min at epoch 71" in detection.evidence


def test_inf_in_a_column_is_found_without_the_nonfinite_record() -> None:
    view = view_of(history())
    columns = dict(view.columns)
    col = columns["relative_error"].copy()
    col[42] = np.inf
    columns["relative_error"] = col
    bare = dataclasses.replace(view, columns=columns, nonfinite={}, cache={})
    detection = check(NONFINITE_RULE, bare)
    assert detection is not None and detection.first_epoch == 42
    assert "relative_error at epoch 42" in detection.evidence


def test_nonfinite_mapping_is_trusted_and_cut_at_the_last_epoch() -> None:
    view = view_of(history(), until=99)
    marked = dataclasses.replace(
        view, nonfinite={"val_raw_loss": [89], "raw_loss_mean": [98, 99, 150]}, cache={}
    )
    detection = check(NONFINITE_RULE, marked)
    assert detection is not None
    assert detection.severity is Severity.CRITICAL
    assert "val_raw_loss at epoch 89" in detection.evidence
    assert "raw_loss_mean at 2 epochs, 98–99" in detection.evidence


def test_absent_sparse_values_are_not_non_finite() -> None:
    """val_raw_loss, per_channel_loss and generated_samples are NaN in the columns on most
    epochs because they were not logged, not because a NaN was."""
    assert check(NONFINITE_RULE, sim_view("healthy", 200, 0)) is None
    records = history()
    records[120]["raw_loss_mean"] = math.nan
    assert check(NONFINITE_RULE, view_of(records, until=119)) is None


def test_a_large_finite_spike_is_not_non_finite() -> None:
    records = history()
    records[-1]["raw_loss_mean"] = 1e30
    assert check(NONFINITE_RULE, view_of(records)) is None


# --- training-restart ------------------------------------------------------------------------


def test_restart_reported_by_the_loader() -> None:
    detection = check(RESTART_RULE, view_of(history(), restarts=[120]))
    assert detection is not None
    assert detection.first_epoch == 120
    assert detection.evidence == "training resumed at epoch 120 (the history restarted there)"
    assert REGISTRY[RESTART_RULE].severity is Severity.INFO
    assert check(RESTART_RULE, view_of(history(), restarts=[120], until=100)) is None


def test_restart_seen_in_a_falling_global_step() -> None:
    records = history()
    for rec in records[120:]:
        rec["global_step"] = (rec["epoch"] - 119) * 9
    detection = check(RESTART_RULE, view_of(records))
    assert detection is not None
    assert detection.first_epoch == 120
    assert "global_step fell from 1,080 to 9 after epoch 119" in detection.evidence


def test_several_restarts_are_listed() -> None:
    detection = check(RESTART_RULE, view_of(history(), restarts=[40, 150]))
    assert detection is not None
    assert detection.first_epoch == 40
    assert "resumed 2 times, at epochs 40" in detection.evidence and "150" in detection.evidence


def test_no_restart_without_evidence() -> None:
    assert check(RESTART_RULE, sim_view("healthy", 200, 0)) is None
    records = history()
    for rec in records:
        del rec["global_step"]
    assert check(RESTART_RULE, view_of(records)) is None


# --- run-stalled -----------------------------------------------------------------------------


def _live(records: list[dict[str, Any]], silence: float, live: bool = True) -> RunView:
    return view_of(records, live=live, last_write=1_000_000.0, now=1_000_000.0 + silence)


def test_stalled_live_run_is_warned_with_the_silence_and_the_usual_epoch_time() -> None:
    records = history()
    detection = check(STALLED_RULE, _live(records, 47 * 60))
    assert detection is not None
    assert detection.first_epoch == 199
    assert "no new epoch for 47 min" in detection.evidence
    assert "median epoch time 7" in detection.evidence  # ~74 s in this simulated run
    assert REGISTRY[STALLED_RULE].live_only


def test_stalled_only_while_live() -> None:
    records = history()
    view = _live(records, 47 * 60, live=False)
    assert check(STALLED_RULE, view) is None
    assert all(f.id != STALLED_RULE for f in analyse(view))
    live = _live(records, 47 * 60)
    engine = Engine()
    engine.evaluate(live)
    assert STALLED_RULE in engine.open


def test_not_stalled_within_three_usual_epochs_or_the_floor() -> None:
    records = history()
    assert check(STALLED_RULE, _live(records, 200)) is None
    for rec in records:
        rec["epoch_time_sec"] = 20.0
    assert check(STALLED_RULE, _live(records, 250)) is None  # 3 x 20 s is below the floor
    assert check(STALLED_RULE, _live(records, 400)) is not None


def test_stalled_without_epoch_times_uses_a_longer_wait() -> None:
    records = history()
    for rec in records:
        del rec["epoch_time_sec"]
    assert check(STALLED_RULE, _live(records, 20 * 60)) is None
    detection = check(STALLED_RULE, _live(records, 40 * 60))
    assert detection is not None and "epoch time unknown" in detection.evidence


def test_one_very_slow_epoch_does_not_move_the_usual_epoch_time() -> None:
    records = history()
    records[-1]["epoch_time_sec"] = 10_000.0
    assert check(STALLED_RULE, _live(records, 10 * 60)) is not None


def test_stalled_skips_cleanly_without_clock_facts() -> None:
    records = history()
    assert check(STALLED_RULE, view_of(records, live=True)) is None
    assert check(STALLED_RULE, view_of(records, live=True, now=5.0)) is None


# --- throughput-regression -------------------------------------------------------------------


def _slow_down(records: list[dict[str, Any]], since: int, factor: float) -> None:
    for rec in records[since:]:
        rec["epoch_time_sec"] *= factor


def test_throughput_regression_on_a_sustained_slowdown() -> None:
    records = history()
    _slow_down(records, 120, 2.0)
    detection = check(THROUGHPUT_RULE, view_of(records))
    assert detection is not None
    assert detection.severity is None  # the rule's default: warning
    assert REGISTRY[THROUGHPUT_RULE].severity is Severity.WARNING
    assert detection.first_epoch == 120
    assert "epoch_time_sec rose 2" in detection.evidence
    table = table_from_history(records)
    engine = Engine()
    engine.rules = [REGISTRY[THROUGHPUT_RULE]]
    detected = None
    for until in range(100, 200):
        engine.evaluate(RunView.from_table("slow", table, until=until))
        if THROUGHPUT_RULE in engine.open:
            detected = until
            break
    assert detected is not None and detected <= 130
    assert engine.open[THROUGHPUT_RULE].first_epoch == 120


def test_throughput_regression_not_raised_by_a_few_slow_epochs() -> None:
    records = history()
    records[150]["epoch_time_sec"] *= 5
    for rec in records[-3:]:
        rec["epoch_time_sec"] *= 3
    assert check(THROUGHPUT_RULE, view_of(records)) is None


def test_a_mild_slowdown_is_not_a_regression() -> None:
    records = history()
    _slow_down(records, 120, 1.3)
    assert check(THROUGHPUT_RULE, view_of(records)) is None


def test_throughput_regression_skips_cleanly_without_epoch_times() -> None:
    records = history()
    _slow_down(records, 120, 2.0)
    for rec in records:
        del rec["epoch_time_sec"]
    assert check(THROUGHPUT_RULE, view_of(records)) is None
    assert check(THROUGHPUT_RULE, sim_view("healthy", 200, 0, until=10)) is None
