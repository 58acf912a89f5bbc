"""What each NeuroMF metric is: group, one-line meaning, scale, reference value, sparsity.

The loader flattens every epoch record into dotted names (``velocity_norms.u_norm``,
``per_channel_loss.2``, ``generated_samples.stats.nfe_1.std.0``). This module answers, for any
such name, what the spec (``metrics-and-failure-modes.md``) says about it, so the app can group
the metric list, pick a log or linear axis, draw a reference line and colour trend arrows without
hard-coding metric knowledge in widgets. Names the spec does not list are metrics too: they get an
honest "not in the spec" description instead of an error.

It also defines the derived metrics the spec asks the reader to compute (norm ratios, MF/FM
ratio, per-channel shares, validation/train ratio). Pure stdlib, with numpy imported only when
a derived metric is computed (the app's first frame reads the catalogue before numpy loads);
no Textual, Rich or pandas, so headless commands and tests can use it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

GROUPS: tuple[str, ...] = (
    "loss",
    "direction",
    "velocity",
    "adaptive weight",
    "prediction stats",
    "gradients",
    "dynamics",
    "validation",
    "sampling",
    "generated samples",
    "throughput",
    "other",
)
"""Display order of the metric groups; "other" holds names the catalogue does not know."""

HEADLINE_METRICS: tuple[str, ...] = ("raw_loss_mean", "loss_mean", "cosine_sim_V_vc")
"""The metric a run opens on, the first one present: the spec's most telling curves."""

UNKNOWN_MEANING = "Not in the NeuroMF spec: logged by this run"
_NOT_IN_SPEC = "Not in the spec: "

_GROUP_INDEX: dict[str, int] = {group: i for i, group in enumerate(GROUPS)}


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """Everything the UI needs to know about one metric, independent of any run's values."""

    name: str
    group: str
    meaning: str
    scale: str
    unit: str = ""
    expected: float | None = None
    expected_note: str = ""
    sparse: str | None = None
    known: bool = True
    derived: bool = False
    higher_is_better: bool | None = None


def _m(name: str, group: str, meaning: str, scale: str = "linear", **kw: Any) -> MetricInfo:
    """Build a MetricInfo with positional shorthand, keeping the tables below readable."""
    return MetricInfo(name, group, meaning, scale, **kw)


# ---------------------------------------------------------------------------------------------
# Fixed names. The tables are kept one entry per line or two, hence no auto-formatting.
# ---------------------------------------------------------------------------------------------

# fmt: off
_SPEC_TABLE: tuple[MetricInfo, ...] = (
    _m("epoch", "throughput", "0-indexed epoch number"),
    _m("global_step", "throughput", "Optimizer steps so far (includes gradient accumulation)"),
    _m("epoch_time_sec", "throughput", "Wall-clock seconds for the epoch (training throughput)",
       unit="s", higher_is_better=False),
    # Loss
    _m("loss_mean", "loss", "Adaptive-weighted loss w(t)*||V - v_c||^p: ≈ 1 by design, no quality "
       "signal", "log", expected=1.0,
       expected_note="≈ 1 by design (norm_eps=1): judge raw_loss_mean"),
    _m("loss_std", "loss", "Epoch std of the adaptive-weighted loss", "log"),
    _m("raw_loss_mean", "loss", "Pre-adaptive raw loss ||V - v_c||^p: the single most important "
       "metric", "log", higher_is_better=False,
       expected_note="falling = learning; rising = divergence; flat = stuck"),
    _m("raw_loss_std", "loss", "Epoch std of the pre-adaptive raw loss", "log"),
    _m("raw_loss_fm_mean", "loss", "Raw loss on FM samples (r = t, plain flow matching, V = u)",
       "log", higher_is_better=False,
       expected_note="always below raw_loss_mf_mean (FM is simpler)"),
    _m("raw_loss_mf_mean", "loss", "Raw loss on MF samples (r < t, MeanFlow JVP correction active)",
       "log", higher_is_better=False,
       expected_note="flat while FM falls = JVP correction not learned"),
    _m("relative_error", "loss", "Relative error ||V - v_c|| / ||v_c|| (scale-invariant)", "log",
       higher_is_better=False,
       expected_note="1 = random level, 0.5 mediocre, 0.1 good, 0.01 excellent"),
    # Direction
    _m("cosine_sim_V_vc", "direction", "cos(V, v_c): does the compound velocity point at the "
       "target?", expected=1.0, higher_is_better=True,
       expected_note="→ 1 at convergence; < 0.5 late = wrong directions; ≈ 0 at init"),
    _m("cosine_sim_vtilde_vc", "direction", "cos(v_tilde, v_c): alignment of the JVP tangent with "
       "the target", expected=1.0, higher_is_better=True,
       expected_note="→ 1 as the model's own velocity improves; ≈ 0 at init"),
    # Velocity norms
    _m("velocity_norms.u_norm", "velocity", "||u||: L2 norm of the average velocity "
       "u = (z_t - x_hat) / t", "log", expected_note="compare with target_v_norm: ratio → 1"),
    _m("velocity_norms.compound_v_norm", "velocity", "||V||: L2 norm of the compound velocity "
       "V = u + (t-r)*sg[du/dt]", "log", expected_note="should converge to target_v_norm"),
    _m("velocity_norms.target_v_norm", "velocity", "||v_c||: L2 norm of the target velocity "
       "v_c = eps - z_0", "log",
       expected_note="set by the data: the reference for the other norms"),
    _m("velocity_norms.v_tilde_norm", "velocity", "||v_tilde||: L2 norm of the JVP tangent "
       "v_tilde = u(z_t, t, t)", "log",
       expected_note="close to u_norm; dramatic divergence = inconsistent model"),
    _m("velocity_norms.jvp_norm", "velocity", "||du/dt||: L2 norm of the JVP output (MF samples "
       "only)", "log",
       expected_note="noisy early, then stable; growing while u_norm is flat = unstable"),
    # Adaptive weight
    _m("adaptive_weight.mean", "adaptive weight", "Mean adaptive-weight denominator "
       "sg[||err||^p] + eps: tracks the raw error", "log", higher_is_better=False,
       expected_note="growth = divergence masked by adaptive weighting; 0 = weighting off"),
    _m("adaptive_weight.std", "adaptive weight", "Spread of the adaptive-weight denominator across "
       "the batch", "log", expected_note="0 = adaptive weighting switched off"),
    # Prediction statistics (x-prediction)
    _m("x_hat_stats.mean", "prediction stats", "Mean of the predicted clean latent x_hat",
       expected=0.0, expected_note="≈ 0 if latents are normalised"),
    _m("x_hat_stats.std", "prediction stats", "Std of the predicted clean latent x_hat",
       expected=1.0, expected_note="≈ 1 (training latent std); growing = nonsense, → 0 = collapse"),
    _m("x_hat_stats.min", "prediction stats", "Minimum of the predicted clean latent x_hat",
       expected_note="exploding values = mode collapse or divergence"),
    _m("x_hat_stats.max", "prediction stats", "Maximum of the predicted clean latent x_hat",
       expected_note="exploding values = mode collapse or divergence"),
    # Gradients
    _m("grad_clip_fraction", "gradients", "Fraction of steps whose gradient norm exceeded the clip "
       "(1.0)", higher_is_better=False,
       expected_note="high early, low late; falls with the out block norm when learning works"),
    _m("grad_norm_mean", "gradients", "Mean global gradient L2 norm over the epoch", "log"),
    _m("grad_norm_std", "gradients", "Std of the global gradient norm over the epoch", "log"),
    # Dynamics
    _m("relative_update_norm", "dynamics", "||theta_new - theta_old|| / ||theta_old||: effective "
       "learning rate per epoch", "log", expected_note="the derivative of ema_divergence"),
    _m("ema_divergence", "dynamics", "||theta_EMA - theta|| / ||theta||: how far the EMA lags the "
       "model", "log", expected_note="grows while the model changes fast; plateau = convergence"),
    _m("learning_rate", "dynamics", "Learning rate from the scheduler at this epoch", "log",
       expected_note="reference config: 1e-4 constant; near 0 for long = warmup starvation"),
    # Validation
    _m("val_loss", "validation", "Validation adaptive-weighted loss (≈ 1 like loss_mean)", "log",
       sparse="validation", expected_note="little information: judge val_raw_loss"),
    _m("val_raw_loss", "validation", "Validation raw (pre-adaptive) loss: compare with "
       "raw_loss_mean", "log", sparse="validation", higher_is_better=False,
       expected_note="above train and rising = overfitting"),
    # Sampling sanity checks: constant by construction, drift means a bug.
    _m("sampling.t_mean", "sampling", "Mean of the sampled time t: sanity check, should stay "
       "constant", expected=0.53,
       expected_note="≈ 0.53 (logit-normal mu=-0.4, sigma=1; t = larger of two draws)"),
    _m("sampling.t_std", "sampling", "Std of the sampled time t: sanity check, should stay "
       "constant", expected=0.18, expected_note="≈ 0.18; drift = sampling bug"),
    _m("sampling.h_mean", "sampling", "Mean gap h = t - r: sanity check, should stay constant",
       expected=0.06, expected_note="≈ 0.06; drift = sampling bug"),
    _m("sampling.h_zero_frac", "sampling", "Fraction of FM samples (h = 0): sanity check",
       expected=0.75, expected_note="= data_proportion (0.75); drift = sampling bug"),
)

# Keys that newer NeuroMF runs write (writer-facts.md and NeuroMF's diagnostics callback) but
# the spec does not describe: known=False, and the meanings say so.
_EXTRA_TABLE: tuple[MetricInfo, ...] = (
    _m("raw_loss_u_mean", "loss", _NOT_IN_SPEC + "raw loss of the u (average-velocity) output, "
       "dual-head runs", "log", known=False, higher_is_better=False),
    _m("raw_loss_v_mean", "loss", _NOT_IN_SPEC + "raw loss of the v (instantaneous-velocity) head",
       "log", known=False, higher_is_better=False),
    _m("smoothness_loss_mean", "loss", _NOT_IN_SPEC + "smoothness regulariser loss", "log",
       known=False, higher_is_better=False),
    _m("jac_frob_norm_mean", "loss", _NOT_IN_SPEC + "Jacobian Frobenius-norm estimate of the "
       "smoothness term", "log", known=False),
    _m("cosine_sim_v_vc", "direction", _NOT_IN_SPEC + "cos(v, v_c) for the v head's velocity",
       expected=1.0, expected_note="→ 1 at convergence", known=False, higher_is_better=True),
    _m("v_head_norm", "velocity", _NOT_IN_SPEC + "L2 norm of the v head's velocity output", "log",
       known=False),
    _m("jvp_decomposition.temporal_norm", "velocity", _NOT_IN_SPEC + "norm of the temporal "
       "(du/dt partial) part of the JVP", "log", known=False),
    _m("jvp_decomposition.spatial_norm", "velocity", _NOT_IN_SPEC + "norm of the spatial "
       "(du/dz . v_tilde) part of the JVP", "log", known=False),
    _m("jvp_decomposition.temporal_frac", "velocity", _NOT_IN_SPEC + "share of the JVP from its "
       "temporal part", known=False),
    _m("u_pred_stats.mean", "prediction stats", _NOT_IN_SPEC + "mean of the predicted u "
       "(u-prediction runs)", expected=0.0, expected_note="≈ 0, by analogy with x_hat_stats",
       known=False),
    _m("u_pred_stats.std", "prediction stats", _NOT_IN_SPEC + "std of the predicted u "
       "(u-prediction runs)", expected=1.0,
       expected_note="≈ 1 by analogy with x_hat_stats (the spec gives no value)", known=False),
    _m("u_pred_stats.min", "prediction stats", _NOT_IN_SPEC + "minimum of the predicted u",
       known=False),
    _m("u_pred_stats.max", "prediction stats", _NOT_IN_SPEC + "maximum of the predicted u",
       known=False),
    _m("val_fid_avg", "validation", _NOT_IN_SPEC + "FID of generated vs real, mean of 3 slice "
       "planes", "log", sparse="validation", known=False, higher_is_better=False),
    _m("train_swd", "generated samples", _NOT_IN_SPEC + "sliced Wasserstein distance, 1-NFE "
       "samples vs real latents", "log", known=False, higher_is_better=False),
    _m("alpha_flow.alpha", "dynamics", _NOT_IN_SPEC + "alpha-Flow curriculum alpha", known=False),
    _m("curriculum.alpha", "dynamics", _NOT_IN_SPEC + "progressive-gap curriculum alpha",
       known=False),
    _m("curriculum.effective_data_proportion", "dynamics", _NOT_IN_SPEC + "curriculum's current "
       "FM data proportion", known=False),
    _m("curriculum.effective_max_gap", "dynamics", _NOT_IN_SPEC + "curriculum's current max gap "
       "t - r", known=False),
)
# fmt: on

# Block guide from the spec: block -> (architecture role, expected gradient magnitude).
_BLOCK_GUIDE: dict[str, tuple[str, str]] = {
    "conv_in": ("4-ch latent -> 64-ch features", "Large (close to loss)"),
    "time_embed": ("t -> MLP -> conditioning", "Medium (via chain rule through all blocks)"),
    "r_embed": ("r -> MLP -> conditioning", "Medium; should grow as MF learns"),
    "down_block_0": ("64-ch, 48^3 (highest res)", "Large (skip connections)"),
    "down_block_1": ("128-ch, 24^3", "Medium"),
    "down_block_2": ("256-ch, 12^3, self-attention", "Medium-small"),
    "down_block_3": ("512-ch, 6^3, self-attention", "Small (deepest); zero all run = dead"),
    "middle_block": ("512-ch, 6^3, bottleneck", "Smallest (deepest point); zero all run = dead"),
    "up_block_0": ("512-ch, 6^3 (mirrors down_3)", "Small"),
    "up_block_1": ("256-ch, 12^3", "Medium-small"),
    "up_block_2": ("128-ch, 24^3", "Medium"),
    "up_block_3": ("64-ch, 48^3 (mirrors down_0)", "Large (skip connections)"),
    "out": ("64-ch -> 4-ch x-prediction", "Largest (directly connected to loss)"),
}
BLOCKS: tuple[str, ...] = tuple(_BLOCK_GUIDE)
"""The UNet blocks whose gradient norms the writer logs (block_grad_norms.<block>), in order."""

_EXACT: dict[str, MetricInfo] = {info.name: info for info in _SPEC_TABLE + _EXTRA_TABLE}

_NFES = (1, 5, 10)
SPEC_KEYS: tuple[str, ...] = (
    *(info.name for info in _SPEC_TABLE),
    *(f"block_grad_norms.{block}" for block in _BLOCK_GUIDE),
    *(f"per_channel_loss.{c}" for c in range(4)),
    *(
        f"generated_samples.stats.nfe_{k}.{s}.{c}"
        for k in _NFES
        for s in ("mean", "std")
        for c in range(4)
    ),
    *(f"generated_samples.stats.nfe_{k}.{s}" for k in _NFES for s in ("min", "max")),
    *(
        f"generated_samples.nfe_consistency.{m}_1vs{k}"
        for m in ("mse", "cosine")
        for k in (2, 5, 10)
    ),
)
"""Every flattened name in the spec's schema: what a complete current run is expected to log."""

# ---------------------------------------------------------------------------------------------
# Name families (one metric per block, channel, NFE…)
# ---------------------------------------------------------------------------------------------

_A = re.ASCII  # \d must not match non-ASCII digits, so captured indices are plain numbers.
_BLOCK_RE = re.compile(r"block_grad_norms\.(.+)", _A | re.DOTALL)
_CHANNEL_RE = re.compile(r"per_channel_loss\.(\d{1,4})", _A)
_SHARE_RE = re.compile(r"per_channel_share\.(\d{1,4})", _A)
_GEN_MOMENT_RE = re.compile(
    r"generated_samples\.stats\.nfe_(\d{1,4})\.(mean|std)(?:\.(\d{1,4}))?", _A
)
_GEN_EXTREME_RE = re.compile(r"generated_samples\.stats\.nfe_(\d{1,4})\.(min|max)", _A)
_GEN_CONSIST_RE = re.compile(r"generated_samples\.nfe_consistency\.(mse|cosine)_1vs(\d{1,4})", _A)
_TIME_BIN_COS_RE = re.compile(r"cosine_sim_(V|vtilde)_vc_(near_data|mid|near_noise)", _A)
_HIST_RE = re.compile(r"sampling\.(?:([trh])_hist_counts|hist_bin_edges)\.(\d{1,4})", _A)
_VAL_FID_PLANE_RE = re.compile(r"val_fid_(xy|yz|zx)", _A)
_GPU_RE = re.compile(r"gpu_memory\.(\w{1,40})", _A)
_LOG_HINT_RE = re.compile(r"loss|norm(?!al)|mse|fid|swd", re.IGNORECASE)
_LOWER_BETTER_HINT_RE = re.compile(r"loss|mse|error|fid|swd", re.IGNORECASE)

_TIME_BINS = {
    "near_data": "t in [0.05, 0.2)",
    "mid": "t in [0.2, 0.8)",
    "near_noise": "t in [0.8, 1]",
}

# Unknown names under a known prefix keep that prefix's group and sparsity: a new key inside
# velocity_norms is still a velocity norm, whatever it is called.
_PREFIX_GROUPS: tuple[tuple[str, str, str | None], ...] = (
    ("velocity_norms.", "velocity", None),
    ("jvp_decomposition.", "velocity", None),
    ("adaptive_weight.", "adaptive weight", None),
    ("x_hat_stats.", "prediction stats", None),
    ("u_pred_stats.", "prediction stats", None),
    ("block_grad_norms.", "gradients", None),
    ("sampling.", "sampling", None),
    ("generated_samples.", "generated samples", "samples"),
    ("per_channel_loss.", "loss", "periodic"),
    ("val_", "validation", "validation"),
    ("curriculum.", "dynamics", None),
    ("alpha_flow.", "dynamics", None),
    ("gpu_memory.", "throughput", None),
)


def _heuristic_scale(name: str) -> str:
    """Losses, norms, MSEs and distances span decades: guess log for them, linear otherwise."""
    return "log" if _LOG_HINT_RE.search(name) else "linear"


def _heuristic_direction(name: str) -> bool | None:
    """Guess a trend colour only where the name leaves little doubt (errors down, cosines up)."""
    if _LOWER_BETTER_HINT_RE.search(name):
        return False
    if "cosine" in name.lower():
        return True
    return None


def _block_info(name: str, block: str) -> MetricInfo:
    """Per-block RMS gradient norm, with the spec's block guide where it lists the block."""
    if (guide := _BLOCK_GUIDE.get(block)) is not None:
        role, magnitude = guide
        return _m(
            name, "gradients", f"RMS grad norm of {block}: {role}", "log", expected_note=magnitude
        )
    if block == "v_out":
        meaning = _NOT_IN_SPEC + "RMS grad norm of v_out, the v head's output layer"
    else:
        meaning = "Not in the spec's block guide: RMS grad norm of a block this run logs"
    return _m(name, "gradients", meaning, "log", known=False)


def _generated_info(name: str) -> MetricInfo | None:
    """The generated_samples families: per-NFE latent stats and 1-NFE vs k-step consistency."""
    group, kw = "generated samples", {"sparse": "samples"}
    if match := _GEN_MOMENT_RE.fullmatch(name):
        nfe, stat, channel = match.groups()
        what = f"{'Mean' if stat == 'mean' else 'Std'} of "
        what += f"channel {channel} of " if channel is not None else ""
        target = ("mean", 0.0) if stat == "mean" else ("std", 1.0)
        note = f"→ training data {target[0]} (≈ {target[1]:g} if normalised)"
        return _m(
            name,
            group,
            f"{what}{nfe}-NFE generated latents",
            expected=target[1],
            expected_note=note,
            **kw,
        )
    if match := _GEN_EXTREME_RE.fullmatch(name):
        nfe, stat = match.groups()
        what = "Minimum" if stat == "min" else "Maximum"
        return _m(
            name,
            group,
            f"{what} of {nfe}-NFE generated latents",
            expected_note="extreme values = divergence",
            **kw,
        )
    if match := _GEN_CONSIST_RE.fullmatch(name):
        kind, steps = match.groups()
        if kind == "mse":
            return _m(
                name,
                group,
                f"MSE between 1-NFE and {steps}-step Euler samples",
                "log",
                higher_is_better=False,
                expected_note="falling = 1-NFE converging to multi-step quality",
                **kw,
            )
        return _m(
            name,
            group,
            f"Cosine between 1-NFE and {steps}-step Euler samples",
            expected=1.0,
            higher_is_better=True,
            expected_note="→ 1: 1-NFE direction matches multi-step",
            **kw,
        )
    return None


def _pattern_info(name: str) -> MetricInfo | None:
    """Names that belong to a family rather than to the fixed tables."""
    if match := _BLOCK_RE.fullmatch(name):
        return _block_info(name, match.group(1))
    if match := _CHANNEL_RE.fullmatch(name):
        return _m(
            name,
            "loss",
            f"Raw loss of latent channel {match.group(1)} (periodic diagnostics)",
            "log",
            sparse="periodic",
            higher_is_better=False,
            expected_note="large disparities = struggles with some structural modes",
        )
    if match := _SHARE_RE.fullmatch(name):
        return _share_metric(match.group(1)).info
    if name.startswith("generated_samples.") and (info := _generated_info(name)) is not None:
        return info
    if match := _TIME_BIN_COS_RE.fullmatch(name):
        vec = "V" if match.group(1) == "V" else "v_tilde"
        return _m(
            name,
            "direction",
            _NOT_IN_SPEC + f"cos({vec}, v_c) for {_TIME_BINS[match.group(2)]}",
            expected=1.0,
            known=False,
            expected_note="→ 1 at convergence",
            higher_is_better=True,
        )
    if match := _VAL_FID_PLANE_RE.fullmatch(name):
        return _m(
            name,
            "validation",
            _NOT_IN_SPEC + f"FID on {match.group(1)}-plane slices",
            "log",
            sparse="validation",
            known=False,
            higher_is_better=False,
        )
    if match := _HIST_RE.fullmatch(name):
        var, index = match.groups()
        what = f"{var} histogram count, bin {index} of 50" if var else f"bin edge {index}"
        return _m(name, "sampling", _NOT_IN_SPEC + f"sampling {what} on [0, 1]", known=False)
    if match := _GPU_RE.fullmatch(name):
        return _m(
            name,
            "throughput",
            _NOT_IN_SPEC + f"GPU memory, {match.group(1)}",
            unit="GB",
            known=False,
        )
    return None


def _unknown_info(name: str) -> MetricInfo:
    """An unlisted name: still a metric, grouped by its prefix when it has a known one."""
    group, sparse, meaning = "other", None, UNKNOWN_MEANING
    for prefix, prefix_group, prefix_sparse in _PREFIX_GROUPS:
        if name.startswith(prefix):
            group, sparse = prefix_group, prefix_sparse
            meaning = f"{UNKNOWN_MEANING} (under {prefix.rstrip('.')})"
            break
    return _m(
        name,
        group,
        meaning,
        _heuristic_scale(name),
        sparse=sparse,
        known=False,
        higher_is_better=_heuristic_direction(name),
    )


@functools.lru_cache(maxsize=4096)
def describe(name: str) -> MetricInfo:
    """Describe any flattened metric name; never raises, unknown names land in "other".

    Cached because the UI asks again on every redraw of the metric list.
    """
    if not isinstance(name, str):
        name = str(name)
    if (info := _EXACT.get(name)) is not None:
        return info
    if (derived := _DERIVED_BY_NAME.get(name)) is not None:
        return derived.info
    if (info := _pattern_info(name)) is not None:
        return info
    return _unknown_info(name)


def group_order(name: str) -> tuple[int, str]:
    """Sort key that lists metrics group by group (in GROUPS order), then by name."""
    return (_GROUP_INDEX.get(describe(name).group, len(GROUPS)), name)


# ---------------------------------------------------------------------------------------------
# Derived metrics
# ---------------------------------------------------------------------------------------------

Columns = Mapping[str, "np.ndarray"]


@dataclass(frozen=True, slots=True)
class DerivedMetric:
    """A metric computed from logged columns, e.g. a norm ratio the spec says should reach 1."""

    name: str
    inputs: tuple[str, ...]
    info: MetricInfo
    compute: Callable[[Columns], np.ndarray]


def _column(columns: Columns, key: str) -> np.ndarray:
    """One column as float64, so integer or object columns divide like floats."""
    import numpy as np

    return np.asarray(columns[key], dtype=np.float64)


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ratio where x/0 and 0/0 are NaN, NaN propagates, and numpy stays silent.

    An infinite ratio would wreck axis limits, and a RuntimeWarning would scribble over the TUI.
    """
    import numpy as np

    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.divide(num, den)
    return np.where(den == 0.0, np.nan, out)


def _ratio(numerator: str, denominator: str) -> Callable[[Columns], np.ndarray]:
    """Compute function for the ratio of two columns."""

    def compute(columns: Columns) -> np.ndarray:
        return safe_divide(_column(columns, numerator), _column(columns, denominator))

    return compute


def _channel_keys(columns: Columns) -> list[str]:
    """The per_channel_loss.<i> columns present, in channel order."""
    found = [(int(m.group(1)), key) for key in columns if (m := _CHANNEL_RE.fullmatch(key))]
    return [key for _, key in sorted(found)]


def _share_compute(channel: str) -> Callable[[Columns], np.ndarray]:
    """Channel loss / sum over every present channel; NaN where any channel is missing."""

    def compute(columns: Columns) -> np.ndarray:
        import numpy as np

        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum([_column(columns, key) for key in _channel_keys(columns)], axis=0)
        return safe_divide(_column(columns, f"per_channel_loss.{channel}"), total)

    return compute


@functools.lru_cache(maxsize=64)
def _share_metric(channel: str) -> DerivedMetric:
    """per_channel_share.<channel>; the 0.25 reference holds for the spec's 4 latent channels."""
    four = channel in {"0", "1", "2", "3"}
    note = "0.25 = balanced over 4 channels; large disparities = hard modes"
    info = _m(
        f"per_channel_share.{channel}",
        "loss",
        f"Share of the raw loss from latent channel {channel}: its loss / channel sum",
        sparse="periodic",
        derived=True,
        expected=0.25 if four else None,
        expected_note=note if four else "1 / n_channels if balanced",
    )
    return DerivedMetric(info.name, (f"per_channel_loss.{channel}",), info, _share_compute(channel))


def _ratio_metric(num: str, den: str, info: MetricInfo) -> DerivedMetric:
    """A DerivedMetric for num / den, named after its info."""
    return DerivedMetric(info.name, (num, den), info, _ratio(num, den))


_NORM_NOTE = "→ 1 at convergence: > 1 overshoots, < 1 underestimates"

# fmt: off
DERIVED: tuple[DerivedMetric, ...] = (
    _ratio_metric("velocity_norms.u_norm", "velocity_norms.target_v_norm", _m(
        "ratio.u_norm/target_v_norm", "velocity", "||u|| / ||v_c||: does the model predict the "
        "right velocity magnitude?", "log", expected=1.0, expected_note=_NORM_NOTE, derived=True)),
    _ratio_metric("velocity_norms.compound_v_norm", "velocity_norms.target_v_norm", _m(
        "ratio.compound_v_norm/target_v_norm", "velocity", "||V|| / ||v_c||: magnitude of the "
        "regressed velocity vs the target", "log", expected=1.0, expected_note=_NORM_NOTE,
        derived=True)),
    _ratio_metric("velocity_norms.v_tilde_norm", "velocity_norms.u_norm", _m(
        "ratio.v_tilde_norm/u_norm", "velocity", "||v_tilde|| / ||u||: model consistency "
        "(identical for FM samples)", "log", expected=1.0, derived=True,
        expected_note="≈ 1; diverging dramatically = inconsistent model")),
    _ratio_metric("raw_loss_mf_mean", "raw_loss_fm_mean", _m(
        "ratio.raw_loss_mf/raw_loss_fm", "loss", "MF raw loss / FM raw loss: is the MeanFlow term "
        "keeping up?", "log", higher_is_better=False, derived=True,
        expected_note="> 1 (FM is simpler); > 10 at convergence = MF needs more training")),
    *(_share_metric(str(c)) for c in range(4)),
    _ratio_metric("val_raw_loss", "raw_loss_mean", _m(
        "ratio.val_raw/train_raw", "validation", "val_raw_loss / raw_loss_mean at the same epoch: "
        "overfitting check", "log", sparse="validation", expected=1.0, higher_is_better=False,
        derived=True, expected_note="≈ 1; > 1 and rising = overfitting (val lags ≤ 1 interval)")),
)
# fmt: on
"""The derived metrics the spec asks for; per_channel_share.<i> also exists for i >= 4."""

_DERIVED_BY_NAME: dict[str, DerivedMetric] = {metric.name: metric for metric in DERIVED}


def derive(columns: Columns) -> dict[str, np.ndarray]:
    """Every derived metric whose inputs are all present in ``columns``.

    Columns must be of equal length (the loader aligns them on epochs, NaN where absent); the
    results have that length too. A per-channel share is made for each per_channel_loss.<i>.
    """
    import numpy as np

    channels = tuple(_channel_keys(columns))
    # (metric, every column its compute reads): a share reads all channels, not just its own.
    plan = [(m, m.inputs) for m in DERIVED if not m.name.startswith("per_channel_share.")]
    plan += [(_share_metric(key.rsplit(".", 1)[1]), channels) for key in channels]
    out: dict[str, np.ndarray] = {}
    for metric, read in plan:
        if not all(key in columns for key in metric.inputs):
            continue
        shapes = {np.shape(columns[key]) for key in read}
        if len(shapes) > 1:
            raise ValueError(f"derive(): columns {read} have unequal shapes {sorted(shapes)}")
        out[metric.name] = metric.compute(columns)
    return out
