"""Tests for the metric catalogue: every spec key is described as the spec says, unknown names
never break anything, and derived metrics divide safely."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromf_tui.data.catalogue import (
    DERIVED,
    GROUPS,
    SPEC_KEYS,
    UNKNOWN_MEANING,
    DerivedMetric,
    MetricInfo,
    derive,
    describe,
    group_order,
)

# ---------------------------------------------------------------------------------------------
# The spec's schema, written out by hand from metrics-and-failure-modes.md (not from SPEC_KEYS,
# so a slip in the catalogue's own list cannot hide itself): name -> (group, scale).
# ---------------------------------------------------------------------------------------------

BLOCKS = (
    "conv_in",
    "time_embed",
    "r_embed",
    "down_block_0",
    "down_block_1",
    "down_block_2",
    "down_block_3",
    "middle_block",
    "up_block_0",
    "up_block_1",
    "up_block_2",
    "up_block_3",
    "out",
)

SPEC_SCHEMA: dict[str, tuple[str, str]] = {
    "epoch": ("throughput", "linear"),
    "global_step": ("throughput", "linear"),
    "epoch_time_sec": ("throughput", "linear"),
    "loss_mean": ("loss", "log"),
    "loss_std": ("loss", "log"),
    "raw_loss_mean": ("loss", "log"),
    "raw_loss_std": ("loss", "log"),
    "raw_loss_fm_mean": ("loss", "log"),
    "raw_loss_mf_mean": ("loss", "log"),
    "relative_error": ("loss", "log"),
    "cosine_sim_V_vc": ("direction", "linear"),
    "cosine_sim_vtilde_vc": ("direction", "linear"),
    "velocity_norms.u_norm": ("velocity", "log"),
    "velocity_norms.compound_v_norm": ("velocity", "log"),
    "velocity_norms.target_v_norm": ("velocity", "log"),
    "velocity_norms.v_tilde_norm": ("velocity", "log"),
    "velocity_norms.jvp_norm": ("velocity", "log"),
    "adaptive_weight.mean": ("adaptive weight", "log"),
    "adaptive_weight.std": ("adaptive weight", "log"),
    "x_hat_stats.mean": ("prediction stats", "linear"),
    "x_hat_stats.std": ("prediction stats", "linear"),
    "x_hat_stats.min": ("prediction stats", "linear"),
    "x_hat_stats.max": ("prediction stats", "linear"),
    "grad_clip_fraction": ("gradients", "linear"),
    "grad_norm_mean": ("gradients", "log"),
    "grad_norm_std": ("gradients", "log"),
    **{f"block_grad_norms.{block}": ("gradients", "log") for block in BLOCKS},
    "relative_update_norm": ("dynamics", "log"),
    "ema_divergence": ("dynamics", "log"),
    "learning_rate": ("dynamics", "log"),
    "val_loss": ("validation", "log"),
    "val_raw_loss": ("validation", "log"),
    "sampling.t_mean": ("sampling", "linear"),
    "sampling.t_std": ("sampling", "linear"),
    "sampling.h_mean": ("sampling", "linear"),
    "sampling.h_zero_frac": ("sampling", "linear"),
    **{f"per_channel_loss.{c}": ("loss", "log") for c in range(4)},
    **{
        f"generated_samples.stats.nfe_{k}.{stat}.{c}": ("generated samples", "linear")
        for k in (1, 5, 10)
        for stat in ("mean", "std")
        for c in range(4)
    },
    **{
        f"generated_samples.stats.nfe_{k}.{stat}": ("generated samples", "linear")
        for k in (1, 5, 10)
        for stat in ("min", "max")
    },
    **{
        f"generated_samples.nfe_consistency.mse_1vs{k}": ("generated samples", "log")
        for k in (2, 5, 10)
    },
    **{
        f"generated_samples.nfe_consistency.cosine_1vs{k}": ("generated samples", "linear")
        for k in (2, 5, 10)
    },
}

# Keys the writer produces (writer-facts.md) that the spec does not describe: name -> group.
WRITER_EXTRAS: dict[str, str] = {
    "jvp_decomposition.temporal_norm": "velocity",
    "jvp_decomposition.spatial_norm": "velocity",
    "jvp_decomposition.temporal_frac": "velocity",
    "raw_loss_u_mean": "loss",
    "raw_loss_v_mean": "loss",
    "v_head_norm": "velocity",
    "cosine_sim_v_vc": "direction",
    "train_swd": "generated samples",
    "block_grad_norms.v_out": "gradients",
    "u_pred_stats.mean": "prediction stats",
    "u_pred_stats.std": "prediction stats",
    "u_pred_stats.min": "prediction stats",
    "u_pred_stats.max": "prediction stats",
    "val_fid_avg": "validation",
    "val_fid_xy": "validation",
    "val_fid_yz": "validation",
    "val_fid_zx": "validation",
}

DERIVED_NAMES = (
    "ratio.u_norm/target_v_norm",
    "ratio.compound_v_norm/target_v_norm",
    "ratio.v_tilde_norm/u_norm",
    "ratio.raw_loss_mf/raw_loss_fm",
    "per_channel_share.0",
    "per_channel_share.1",
    "per_channel_share.2",
    "per_channel_share.3",
    "ratio.val_raw/train_raw",
)

ODD_NAMES = (
    "",
    ".",
    "..",
    ".raw_loss_mean",
    "raw_loss_mean.",
    "velocity_norms..u_norm",
    "block_grad_norms.",
    "block_grad_norms..",
    "per_channel_loss.",
    "per_channel_loss.x",
    "generated_samples.stats.nfe_.mean.0",
    "generated_samples.stats.nfe_٣.mean.0",  # Arabic-Indic digit three
    "ratio.",
    "per_channel_share.",
    "日本語.損失",
    "🧠.loss",
    "a\nb",
    "\x00",
    "x" * 100_000,
    "loss." * 5_000,
)


def _assert_well_formed(info: MetricInfo) -> None:
    """Invariants every MetricInfo must keep, known or not."""
    assert info.group in GROUPS
    assert info.scale in {"log", "linear"}
    assert info.sparse in {None, "validation", "periodic", "samples"}
    assert info.meaning.strip()
    assert "\n" not in info.meaning


# ---------------------------------------------------------------------------------------------
# Spec keys
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPEC_SCHEMA))
def test_spec_key_group_scale_meaning(name: str) -> None:
    group, scale = SPEC_SCHEMA[name]
    info = describe(name)
    assert info.name == name
    assert (info.group, info.scale) == (group, scale)
    assert info.known is True
    assert info.derived is False
    assert info.meaning != UNKNOWN_MEANING
    assert len(info.meaning) <= 100, info.meaning
    _assert_well_formed(info)


def test_spec_keys_list_matches_the_spec() -> None:
    assert set(SPEC_KEYS) == set(SPEC_SCHEMA)
    assert len(SPEC_KEYS) == len(set(SPEC_KEYS))


def test_all_thirteen_blocks_have_their_own_role_text() -> None:
    meanings = {describe(f"block_grad_norms.{block}").meaning for block in BLOCKS}
    assert len(meanings) == 13
    assert "bottleneck" in describe("block_grad_norms.middle_block").meaning
    assert "Largest" in describe("block_grad_norms.out").expected_note
    assert "grow" in describe("block_grad_norms.r_embed").expected_note


@pytest.mark.parametrize("name", sorted(WRITER_EXTRAS))
def test_writer_extras_have_a_group_and_honest_meaning(name: str) -> None:
    info = describe(name)
    assert info.group == WRITER_EXTRAS[name]
    assert info.known is False
    assert "spec" in info.meaning.lower()  # says it is not from the spec
    assert len(info.meaning) <= 100, info.meaning
    _assert_well_formed(info)


def test_unknown_block_is_still_a_gradient_on_log_scale() -> None:
    for name in ("block_grad_norms.v_out", "block_grad_norms.other", "block_grad_norms.new_head"):
        info = describe(name)
        assert (info.group, info.scale, info.known) == ("gradients", "log", False)


# ---------------------------------------------------------------------------------------------
# Reference values, trend direction and sparsity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cosine_sim_V_vc", 1.0),
        ("cosine_sim_vtilde_vc", 1.0),
        ("generated_samples.nfe_consistency.cosine_1vs2", 1.0),
        ("generated_samples.nfe_consistency.cosine_1vs10", 1.0),
        ("ratio.u_norm/target_v_norm", 1.0),
        ("ratio.compound_v_norm/target_v_norm", 1.0),
        ("ratio.v_tilde_norm/u_norm", 1.0),
        ("ratio.val_raw/train_raw", 1.0),
        ("sampling.t_mean", 0.53),
        ("sampling.t_std", 0.18),
        ("sampling.h_mean", 0.06),
        ("sampling.h_zero_frac", 0.75),
        ("x_hat_stats.mean", 0.0),
        ("x_hat_stats.std", 1.0),
        ("u_pred_stats.mean", 0.0),
        ("u_pred_stats.std", 1.0),
        ("generated_samples.stats.nfe_1.std.2", 1.0),
        ("generated_samples.stats.nfe_1.mean.0", 0.0),
        ("per_channel_share.0", 0.25),
        ("per_channel_share.3", 0.25),
        ("loss_mean", 1.0),
    ],
)
def test_expected_values(name: str, expected: float) -> None:
    info = describe(name)
    assert info.expected == pytest.approx(expected)
    assert info.expected_note


def test_data_proportion_note_on_h_zero_frac() -> None:
    assert "data_proportion" in describe("sampling.h_zero_frac").expected_note


@pytest.mark.parametrize(
    ("name", "higher_is_better"),
    [
        ("raw_loss_mean", False),
        ("raw_loss_fm_mean", False),
        ("raw_loss_mf_mean", False),
        ("relative_error", False),
        ("val_raw_loss", False),
        ("val_fid_avg", False),
        ("val_fid_zx", False),
        ("generated_samples.nfe_consistency.mse_1vs10", False),
        ("ratio.raw_loss_mf/raw_loss_fm", False),
        ("ratio.val_raw/train_raw", False),
        ("cosine_sim_V_vc", True),
        ("cosine_sim_vtilde_vc", True),
        ("generated_samples.nfe_consistency.cosine_1vs10", True),
        ("velocity_norms.u_norm", None),
        ("ratio.u_norm/target_v_norm", None),
        ("sampling.t_mean", None),
        ("loss_mean", None),  # ≈ 1 by design: colouring its trend would mislead
    ],
)
def test_trend_direction(name: str, higher_is_better: bool | None) -> None:
    assert describe(name).higher_is_better is higher_is_better


@pytest.mark.parametrize(
    ("name", "sparse"),
    [
        ("raw_loss_mean", None),
        ("sampling.h_zero_frac", None),
        ("block_grad_norms.out", None),
        ("val_loss", "validation"),
        ("val_raw_loss", "validation"),
        ("val_fid_avg", "validation"),
        ("val_something_new", "validation"),
        ("ratio.val_raw/train_raw", "validation"),
        ("per_channel_loss.0", "periodic"),
        ("per_channel_loss.3", "periodic"),
        ("per_channel_share.1", "periodic"),
        ("generated_samples.stats.nfe_5.min", "samples"),
        ("generated_samples.stats.nfe_1.std.2", "samples"),
        ("generated_samples.nfe_consistency.mse_1vs10", "samples"),
        ("generated_samples.something_new", "samples"),
    ],
)
def test_sparse_kinds(name: str, sparse: str | None) -> None:
    assert describe(name).sparse == sparse


def test_units() -> None:
    assert describe("epoch_time_sec").unit == "s"
    assert describe("raw_loss_mean").unit == ""


def test_mse_is_log_and_cosine_is_linear_for_any_step_count() -> None:
    mse = describe("generated_samples.nfe_consistency.mse_1vs20")
    cos = describe("generated_samples.nfe_consistency.cosine_1vs20")
    assert (mse.scale, mse.higher_is_better, mse.known) == ("log", False, True)
    assert (cos.scale, cos.expected, cos.higher_is_better) == ("linear", 1.0, True)


# ---------------------------------------------------------------------------------------------
# Unknown names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ODD_NAMES, ids=range(len(ODD_NAMES)))
def test_odd_names_never_raise(name: str) -> None:
    info = describe(name)
    assert info.name == name
    assert info.known is False
    _assert_well_formed(info)


def test_unknown_top_level_key_goes_to_other() -> None:
    info = describe("totally_new_metric")
    assert (info.group, info.known, info.meaning) == ("other", False, UNKNOWN_MEANING)
    assert info.scale == "linear"
    assert info.expected is None


@pytest.mark.parametrize(
    ("name", "scale"),
    [
        ("some_new_loss", "log"),
        ("head_norm_mean", "log"),
        ("recon_mse", "log"),
        ("new_accuracy", "linear"),
        ("abnormal_count", "linear"),
    ],
)
def test_unknown_scale_heuristic(name: str, scale: str) -> None:
    info = describe(name)
    assert (info.group, info.scale) == ("other", scale)


def test_unknown_names_under_known_prefixes_keep_the_group() -> None:
    assert describe("velocity_norms.brand_new_norm").group == "velocity"
    assert describe("adaptive_weight.median").group == "adaptive weight"
    assert describe("x_hat_stats.kurtosis").group == "prediction stats"
    assert describe("sampling.r_mean").group == "sampling"
    for name in ("velocity_norms.brand_new_norm", "sampling.r_mean"):
        assert describe(name).known is False


def test_lookalike_derived_names_are_unknown() -> None:
    assert describe("ratio.unknown/thing").group == "other"
    assert describe("per_channel_share.x").group == "other"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_describe_never_raises_on_any_text(name: str) -> None:
    _assert_well_formed(describe(name))


def test_describe_is_cached() -> None:
    assert describe("raw_loss_mean") is describe("raw_loss_mean")
    assert hasattr(describe, "cache_info")


def test_metric_info_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        describe("raw_loss_mean").group = "other"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# group_order
# ---------------------------------------------------------------------------------------------


def test_group_order_sorts_by_group_then_name() -> None:
    names = [
        "zzz_unknown",
        "epoch_time_sec",
        "generated_samples.stats.nfe_1.min",
        "sampling.t_mean",
        "val_raw_loss",
        "learning_rate",
        "block_grad_norms.out",
        "block_grad_norms.conv_in",
        "x_hat_stats.std",
        "adaptive_weight.mean",
        "velocity_norms.u_norm",
        "cosine_sim_V_vc",
        "raw_loss_mean",
        "loss_mean",
    ]
    ordered = sorted(names, key=group_order)
    groups = [describe(name).group for name in ordered]
    assert groups == sorted(groups, key=GROUPS.index)
    assert list(dict.fromkeys(groups)) == list(GROUPS)  # every group once, in display order
    assert ordered[:2] == ["loss_mean", "raw_loss_mean"]
    assert ordered[-1] == "zzz_unknown"
    assert group_order("raw_loss_mean") == (0, "raw_loss_mean")


# ---------------------------------------------------------------------------------------------
# Derived metrics
# ---------------------------------------------------------------------------------------------


def test_derived_names_and_infos() -> None:
    assert tuple(metric.name for metric in DERIVED) == DERIVED_NAMES
    for metric in DERIVED:
        assert isinstance(metric, DerivedMetric)
        assert metric.info.name == metric.name
        assert metric.info.derived is True
        assert describe(metric.name) == metric.info
        assert len(metric.info.meaning) <= 100
        _assert_well_formed(metric.info)
    groups = {metric.name: metric.info.group for metric in DERIVED}
    assert groups["ratio.u_norm/target_v_norm"] == "velocity"
    assert groups["ratio.raw_loss_mf/raw_loss_fm"] == "loss"
    assert groups["per_channel_share.2"] == "loss"
    assert groups["ratio.val_raw/train_raw"] == "validation"
    assert describe("ratio.raw_loss_mf/raw_loss_fm").scale == "log"
    assert "10" in describe("ratio.raw_loss_mf/raw_loss_fm").expected_note


def test_describe_share_beyond_four_channels() -> None:
    info = describe("per_channel_share.7")
    assert (info.group, info.derived, info.sparse, info.expected) == (
        "loss",
        True,
        "periodic",
        None,
    )


def _full_columns() -> dict[str, np.ndarray]:
    nan = np.nan
    return {
        "velocity_norms.u_norm": np.array([2.0, 3.0, 0.0, nan, 4.0]),
        "velocity_norms.target_v_norm": np.array([4.0, 3.0, 0.0, 1.0, 0.0]),
        "velocity_norms.compound_v_norm": np.array([1.0, 6.0, 2.0, 2.0, nan]),
        "velocity_norms.v_tilde_norm": np.array([1.0, 3.0, 5.0, 1.0, 2.0]),
        "raw_loss_mf_mean": np.array([10.0, 20.0, 0.0, 5.0, 1.0]),
        "raw_loss_fm_mean": np.array([1.0, 4.0, 0.0, 0.0, nan]),
        "raw_loss_mean": np.array([2.0, 2.0, 2.0, 0.0, 4.0]),
        "val_raw_loss": np.array([nan, 3.0, nan, 1.0, 2.0]),
        "per_channel_loss.0": np.array([nan, 1.0, 0.0, 1.0, nan]),
        "per_channel_loss.1": np.array([nan, 1.0, 0.0, nan, nan]),
        "per_channel_loss.2": np.array([nan, 2.0, 0.0, 1.0, nan]),
        "per_channel_loss.3": np.array([nan, 4.0, 0.0, 2.0, nan]),
    }


def test_derive_values() -> None:
    nan = np.nan
    out = derive(_full_columns())
    assert set(out) == set(DERIVED_NAMES)
    expected = {
        "ratio.u_norm/target_v_norm": [0.5, 1.0, nan, nan, nan],
        "ratio.compound_v_norm/target_v_norm": [0.25, 2.0, nan, 2.0, nan],
        "ratio.v_tilde_norm/u_norm": [0.5, 1.0, nan, nan, 0.5],
        "ratio.raw_loss_mf/raw_loss_fm": [10.0, 5.0, nan, nan, nan],
        "ratio.val_raw/train_raw": [nan, 1.5, nan, nan, 0.5],
        # row 1: 1,1,2,4 of 8; row 2: all zero -> 0/0; row 3: channel 1 missing -> no share
        "per_channel_share.0": [nan, 0.125, nan, nan, nan],
        "per_channel_share.1": [nan, 0.125, nan, nan, nan],
        "per_channel_share.2": [nan, 0.25, nan, nan, nan],
        "per_channel_share.3": [nan, 0.5, nan, nan, nan],
    }
    for name, values in expected.items():
        assert out[name].dtype == np.float64
        np.testing.assert_allclose(out[name], values, equal_nan=True, err_msg=name)
    assert not any(np.isinf(values).any() for values in out.values())


def test_derive_shares_sum_to_one() -> None:
    columns = {f"per_channel_loss.{c}": np.array([1.0 + c, 0.5, 7.0]) for c in range(4)}
    out = derive(columns)
    total = sum(out[f"per_channel_share.{c}"] for c in range(4))
    np.testing.assert_allclose(total, 1.0)


@pytest.mark.filterwarnings("error")
def test_derive_zeros_nan_inf_raise_no_warning() -> None:
    zeros = np.zeros(3)
    columns = {
        "velocity_norms.u_norm": np.array([0.0, np.inf, 1e308]),
        "velocity_norms.target_v_norm": np.array([0.0, np.inf, 1e-308]),
        "raw_loss_mf_mean": np.array([np.nan, 1.0, -0.0]),
        "raw_loss_fm_mean": np.array([0.0, -0.0, 0.0]),
        **{f"per_channel_loss.{c}": zeros for c in range(4)},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = derive(columns)
    assert np.isnan(out["ratio.u_norm/target_v_norm"][:2]).all()
    assert np.isnan(out["ratio.raw_loss_mf/raw_loss_fm"]).all()
    assert np.isnan(out["per_channel_share.0"]).all()


def test_derive_skips_metrics_with_missing_inputs() -> None:
    assert derive({}) == {}
    only_u = {"velocity_norms.u_norm": np.ones(3)}
    assert derive(only_u) == {}
    columns = {
        "velocity_norms.u_norm": np.ones(3),
        "velocity_norms.target_v_norm": np.ones(3),
        "raw_loss_mean": np.ones(3),
    }
    assert set(derive(columns)) == {"ratio.u_norm/target_v_norm"}


def test_derive_per_channel_share_for_whatever_channels_exist() -> None:
    columns = {
        "per_channel_loss.0": np.array([1.0, 3.0]),
        "per_channel_loss.2": np.array([3.0, 1.0]),
        "per_channel_loss.5": np.array([4.0, 4.0]),
    }
    out = derive(columns)
    assert set(out) == {"per_channel_share.0", "per_channel_share.2", "per_channel_share.5"}
    np.testing.assert_allclose(out["per_channel_share.0"], [0.125, 0.375])
    np.testing.assert_allclose(out["per_channel_share.5"], [0.5, 0.5])


def test_derive_accepts_integer_and_list_columns_and_does_not_mutate() -> None:
    u = np.array([2, 4, 0])
    target = [1, 2, 0]
    out = derive({"velocity_norms.u_norm": u, "velocity_norms.target_v_norm": target})
    np.testing.assert_allclose(out["ratio.u_norm/target_v_norm"], [2.0, 2.0, np.nan])
    np.testing.assert_array_equal(u, [2, 4, 0])
    assert target == [1, 2, 0]


def test_derive_empty_columns_give_empty_results() -> None:
    empty = np.array([], dtype=np.float64)
    out = derive({"raw_loss_mean": empty, "val_raw_loss": empty})
    assert out["ratio.val_raw/train_raw"].shape == (0,)


def test_derive_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="unequal"):
        derive({"raw_loss_mean": np.ones(3), "val_raw_loss": np.ones(2)})


# ---------------------------------------------------------------------------------------------
# Headless
# ---------------------------------------------------------------------------------------------


def test_import_loads_no_ui_or_pandas() -> None:
    code = (
        "import sys, neuromf_tui.data.catalogue\n"
        "bad = sorted(m for m in ('textual', 'rich', 'pandas', 'textual_plotext') "
        "if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
        cwd=root,
    )
    assert result.stdout.strip() == ""
