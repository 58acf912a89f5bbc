"""Sparklines, trend arrows, compact numbers and the metric filter, without an app."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from neuromf_tui.data.catalogue import GROUPS
from neuromf_tui.plotting.metric_filter import (
    FAMILY_MIN,
    build_rows,
    compile_filter,
    family_prefixes,
    natural_key,
)
from neuromf_tui.plotting.sparkline import (
    BLOCKS,
    DOWN,
    FLAT,
    UP,
    change_at,
    format_change,
    format_value,
    last_finite,
    sparkline,
    summarise,
    trend,
    trend_quality,
)

NAN = math.nan


# --- sparkline ------------------------------------------------------------------------------


def test_sparkline_maps_min_to_lowest_and_max_to_highest_block() -> None:
    assert sparkline([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 8) == BLOCKS


def test_sparkline_short_series_gets_one_char_per_value() -> None:
    assert sparkline([1.0, 2.0], 20) == "▁█"


def test_sparkline_nan_is_a_gap() -> None:
    assert sparkline([0.0, NAN, 1.0], 10) == "▁ █"


def test_sparkline_inf_is_a_gap_not_a_scale_breaker() -> None:
    assert sparkline([0.0, math.inf, 1.0, -math.inf], 10) == "▁ █ "


def test_sparkline_all_nan_is_blank_of_the_right_width() -> None:
    assert sparkline([NAN] * 30, 10) == " " * 10
    assert sparkline([NAN, NAN], 10) == "  "


def test_sparkline_constant_sits_mid_height() -> None:
    line = sparkline([3.0] * 50, 12)
    assert len(line) == 12
    assert set(line) == {"▅"}


def test_sparkline_flat_tolerance_flattens_noise_around_a_level() -> None:
    rng = np.random.default_rng(0)
    pinned = 1.0 + 0.002 * rng.standard_normal(200)
    assert set(sparkline(pinned, 10, flat_tol=0.01)) == {"▅"}
    assert len(set(sparkline(pinned, 10))) > 3
    moving = np.linspace(40.0, 41.0, 50)  # 2.4% range: real movement
    assert sparkline(moving, 5, flat_tol=0.01) == "▁▃▅▆█"
    gaps = np.array([1.0, np.nan, 1.001])
    assert sparkline(gaps, 5, flat_tol=0.01, log=True) == "▅ ▅"


def test_sparkline_single_value_and_empty() -> None:
    assert sparkline([42.0], 10) == "▅"
    assert sparkline([], 10) == ""
    assert sparkline([1.0, 2.0], 0) == ""


def test_sparkline_buckets_long_series_to_width() -> None:
    values = np.linspace(0.0, 1.0, 500)
    line = sparkline(values, 20)
    assert len(line) == 20
    assert line[0] == "▁" and line[-1] == "█"
    assert list(line) == sorted(line, key=BLOCKS.index)


def test_sparkline_bucket_of_only_nan_stays_a_gap() -> None:
    values = np.concatenate([np.ones(10), np.full(10, np.nan), np.arange(10.0)])
    line = sparkline(values, 3)
    assert line[1] == " "


def test_sparkline_peak_reduction_keeps_a_spike() -> None:
    values = np.ones(100)
    values[55] = 100.0
    assert "█" in sparkline(values, 10, reduce="peak")
    mean_line = sparkline(values, 10, reduce="mean")
    assert mean_line.count("█") == 1


def test_sparkline_log_scale_spreads_decades_and_gaps_nonpositive() -> None:
    values = [1.0, 10.0, 100.0, 1000.0, 0.0, -1.0]
    line = sparkline(values, 10, log=True)
    assert line[:4] == "▁▃▆█"
    assert line[4:] == "  "
    # On a linear scale the first two decades both sit on the floor.
    assert sparkline(values[:4], 10)[:2] == "▁▁"


# --- trend ----------------------------------------------------------------------------------


def test_trend_rising_falling_flat() -> None:
    assert trend(np.arange(40.0)) == UP
    assert trend(-np.arange(40.0)) == DOWN
    assert trend(np.full(40, 5.0)) == FLAT


def test_trend_ignores_a_single_spike() -> None:
    values = np.full(40, 1.0)
    values[-1] = 1000.0
    assert trend(values) == FLAT


def test_trend_noise_within_band_is_flat() -> None:
    rng = np.random.default_rng(0)
    values = 1.0 + 0.05 * rng.standard_normal(200)
    assert trend(values) == FLAT


def test_trend_slow_drift_under_tolerance_is_flat() -> None:
    assert trend(np.linspace(1.0, 1.01, 40)) == FLAT


def test_trend_near_zero_values_do_not_flicker() -> None:
    rng = np.random.default_rng(1)
    assert trend(1e-4 * rng.standard_normal(100)) == FLAT


def test_trend_degenerate_inputs_are_flat() -> None:
    assert trend([]) == FLAT
    assert trend([1.0]) == FLAT
    assert trend([NAN] * 20) == FLAT
    assert trend([1.0, 2.0, 3.0]) == FLAT


def test_trend_skips_nan_gaps() -> None:
    values = np.full(60, np.nan)
    values[::5] = np.arange(12.0)
    assert trend(values, window=5) == UP


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0123, "0.0123"),
        (14.2, "14.2"),
        (14.2345, "14.2"),
        (330000.0, "3.3e+05"),
        (1234.4, "1234"),
        (99.99, "100"),
        (1.0, "1"),
        (0.0, "0"),
        (-0.5, "-0.5"),
        (1.2e-5, "1.2e-05"),
        (NAN, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (None, "–"),
        (np.float32(2.5), "2.5"),
    ],
)
def test_format_value(value: float | None, text: str) -> None:
    assert format_value(value) == text


def test_format_value_stays_compact() -> None:
    for x in [1.23456789e-300, -9.87654e12, 12345.678, 0.00099999, 99999.9]:
        assert len(format_value(x)) <= 8


def test_last_finite() -> None:
    assert last_finite([1.0, 2.0, NAN]) == 2.0
    assert math.isnan(last_finite([NAN, NAN]))
    assert math.isnan(last_finite([]))


def test_trend_quality_uses_the_metric_direction() -> None:
    assert trend_quality(DOWN, False) == "improving"
    assert trend_quality(UP, False) == "worsening"
    assert trend_quality(UP, True) == "improving"
    assert trend_quality(DOWN, True) == "worsening"
    assert trend_quality(UP, None) == "neutral"
    assert trend_quality(FLAT, True) == "neutral"


def test_summarise_row_and_log_only_when_positive() -> None:
    values = np.array([1.0, 10.0, 100.0, 1000.0] * 3)
    row = summarise(values, 4, log=True)
    assert row.last == 1000.0 and row.text == "1000"
    assert " " not in row.spark
    with_zero = summarise(np.array([0.0, 1.0, 2.0, 3.0]), 4, log=True)
    assert with_zero.spark == "▁▃▆█"  # linear fallback, no gap for the zero
    empty = summarise(np.array([NAN, NAN]), 8)
    assert empty.text == "nan" and empty.spark == "  " and empty.arrow == FLAT


def test_change_against_previous_logged_value() -> None:
    values = np.array([2.0, NAN, NAN, 3.0, NAN])
    change = change_at(values, 3)
    assert change.previous == 2.0 and change.previous_index == 0
    assert change.delta == 1.0 and change.percent == pytest.approx(50.0)
    assert change.arrow == UP
    assert format_change(change) == ("+1", "+50.0%")
    first = change_at(values, 0)
    assert math.isnan(first.delta) and first.arrow == FLAT
    assert format_change(first) == ("", "")
    missing = change_at(values, 4)
    assert math.isnan(missing.value) and missing.previous_index is None
    assert math.isnan(change_at(values, 99).value)


def test_change_from_zero_has_no_percent() -> None:
    change = change_at(np.array([0.0, -0.5]), 1)
    assert change.arrow == DOWN
    assert format_change(change) == ("-0.5", "")
    big = change_at(np.array([1.0, 5000.0]), 1)
    assert format_change(big)[1] == "+5.0e+05%"
    assert format_change(change_at(np.array([1.0, 3.0]), 1))[1] == "+200%"


# --- filter ---------------------------------------------------------------------------------

NAMES = [
    "raw_loss_mean",
    "loss_mean",
    "block_grad_norms.out",
    "block_grad_norms.middle_block",
    "grad_norm_mean",
    "val_raw_loss",
    "ratio.u_norm/target_v_norm",
    "sampling.t_hist_counts.12",
    "Ünïcode_métrique",
]


def _matches(text: str) -> list[str]:
    keep = compile_filter(text)
    return [name for name in NAMES if keep(name)]


def test_empty_filter_matches_everything() -> None:
    f = compile_filter("  ")
    assert f.mode == "all" and not f.active and f.error is None
    assert _matches("") == NAMES


def test_substring_is_case_insensitive() -> None:
    assert compile_filter("GRAD").mode == "substring"
    assert _matches("GRAD") == [
        "block_grad_norms.out",
        "block_grad_norms.middle_block",
        "grad_norm_mean",
    ]


def test_glob_matches_whole_name() -> None:
    assert compile_filter("block_grad_norms.*").mode == "glob"
    assert _matches("block_grad_norms.*") == [
        "block_grad_norms.out",
        "block_grad_norms.middle_block",
    ]
    assert _matches("*loss*") == ["raw_loss_mean", "loss_mean", "val_raw_loss"]
    assert _matches("sampling.t_hist_counts.1?") == ["sampling.t_hist_counts.12"]
    assert _matches("[rv]*loss*") == ["raw_loss_mean", "val_raw_loss"]


def test_regex_slashes_and_prefix() -> None:
    assert compile_filter("/^val_/").mode == "regex"
    assert _matches("/^val_/") == ["val_raw_loss"]
    assert _matches("re:norms\\.(out|middle)") == [
        "block_grad_norms.out",
        "block_grad_norms.middle_block",
    ]
    assert _matches("/LOSS_MEAN$/") == ["raw_loss_mean", "loss_mean"]


def test_regex_without_closing_slash_while_typing() -> None:
    assert _matches("/^loss") == ["loss_mean"]


def test_lone_slash_matches_everything() -> None:
    assert compile_filter("/").mode == "all"
    assert compile_filter("//").mode == "all"


def test_invalid_regex_falls_back_to_literal_substring_with_error() -> None:
    f = compile_filter("/norms.(out/")
    assert f.mode == "substring"
    assert f.error is not None and f.error.startswith("invalid regex:")
    assert not f("block_grad_norms.out")
    assert f("weird_norms.(out")
    g = compile_filter("re:[")
    assert g.error is not None and g("a[b")


def test_slash_inside_a_name_is_a_plain_substring() -> None:
    assert _matches("u_norm/target") == ["ratio.u_norm/target_v_norm"]


def test_unicode_names_and_filters() -> None:
    assert _matches("ÜNÏCODE") == ["Ünïcode_métrique"]
    assert _matches("*métrique") == ["Ünïcode_métrique"]
    assert _matches("/m.trique$/") == ["Ünïcode_métrique"]


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys, neuromf_tui.plotting.sparkline, neuromf_tui.plotting.metric_filter;"
        "print(sorted(m for m in ('textual', 'rich', 'textual_plotext') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_trend_flat_noise_rarely_flickers() -> None:
    rng = np.random.default_rng(7)
    arrows = [trend(rng.standard_normal(60)) for _ in range(200)]
    assert arrows.count(FLAT) >= 180


def test_trend_sees_a_noisy_real_trend() -> None:
    rng = np.random.default_rng(3)
    values = np.linspace(10.0, 5.0, 100) + 0.3 * rng.standard_normal(100)
    assert trend(values) == DOWN


# --- rows of the metric list ----------------------------------------------------------------

ROW_NAMES = [
    "val_raw_loss",
    "per_channel_loss.10",
    "per_channel_loss.2",
    "raw_loss_mean",
    "cosine_sim_V_vc",
    "mystery_metric",
    *(f"sampling.t_hist_counts.{i}" for i in range(50)),
    "sampling.h_mean",
]


def test_natural_key_orders_numbers_by_value() -> None:
    names = ["a.10", "a.2", "a.1", "b"]
    assert sorted(names, key=natural_key) == ["a.1", "a.2", "a.10", "b"]


def test_rows_follow_catalogue_groups_then_natural_order() -> None:
    rows = build_rows(ROW_NAMES, compile_filter(""), set())
    headers = [r.key.removeprefix("group:") for r in rows if r.kind == "header"]
    assert headers == ["loss", "direction", "validation", "sampling", "other"]
    assert headers == [g for g in GROUPS if g in headers]
    metrics = [r.name for r in rows if r.kind == "metric"]
    assert metrics[:3] == ["per_channel_loss.2", "per_channel_loss.10", "raw_loss_mean"]
    assert metrics[-1] == "mystery_metric"
    assert rows[0].label == "loss (3)"


def test_big_numbered_family_folds_into_one_row() -> None:
    assert family_prefixes(ROW_NAMES) == {
        f"sampling.t_hist_counts.{i}": "sampling.t_hist_counts" for i in range(50)
    }
    assert "per_channel_loss.2" not in family_prefixes(ROW_NAMES)
    small = [f"x.{i}" for i in range(FAMILY_MIN - 1)]
    assert family_prefixes(small) == {}
    rows = build_rows(ROW_NAMES, compile_filter(""), set())
    family = next(r for r in rows if r.kind == "family")
    assert family.folded and family.count == 50
    assert family.label == "sampling.t_hist_counts.[0‥49]"
    assert not any("t_hist" in r.name for r in rows if r.kind == "metric")
    sampling = next(r for r in rows if r.key == "group:sampling")
    assert sampling.label == "sampling (51)"
    unfolded = build_rows(ROW_NAMES, compile_filter(""), {"sampling.t_hist_counts"})
    members = [r for r in unfolded if r.kind == "metric" and "t_hist" in r.name]
    assert len(members) == 50 and members[0].depth == 1 and members[0].label == "t_hist_counts.0"


def test_active_filter_unfolds_matching_family_members() -> None:
    rows = build_rows(ROW_NAMES, compile_filter("*counts.4?"), set())
    assert [r.name for r in rows if r.kind == "metric"] == [
        f"sampling.t_hist_counts.{i}" for i in range(40, 50)
    ]
    family = next(r for r in rows if r.kind == "family")
    assert family.count == 10 and not family.folded


def test_rows_of_nothing_and_hostile_names() -> None:
    assert build_rows([], compile_filter(""), set()) == []
    assert build_rows(ROW_NAMES, compile_filter("no such metric"), set()) == []
    rows = build_rows(["[red]x\x1b[2J"], compile_filter(""), set())
    assert rows[-1].label == "[red]x[2J" and rows[-1].name == "[red]x\x1b[2J"
