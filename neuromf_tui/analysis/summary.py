"""A run at a glance: phase, best epoch, how the key metrics moved, and how they co-move.

This is the quantified overview a scientist writes before looking for failures: start→end
ratios and trends of the metrics the spec calls key, and the cross-metric correlations it
lists as informative (Pearson r, with the epochs used).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from neuromf_tui.analysis.phase import current_phase
from neuromf_tui.analysis.stats import finite, mann_kendall, pearson, safe_log10
from neuromf_tui.analysis.view import RunView

KEY_METRICS = (
    "raw_loss_mean",
    "cosine_sim_V_vc",
    "ratio.u_norm/target_v_norm",
    "relative_error",
    "ratio.raw_loss_mf/raw_loss_fm",
    "grad_clip_fraction",
    "adaptive_weight.mean",
    "ema_divergence",
    "val_raw_loss",
)
LOG_TREND = frozenset(
    {"raw_loss_mean", "adaptive_weight.mean", "ratio.raw_loss_mf/raw_loss_fm", "val_raw_loss"}
)
CORRELATIONS = (
    ("raw_loss_mean", "cosine_sim_V_vc", "magnitude and direction learned together (r < 0)"),
    ("raw_loss_fm_mean", "raw_loss_mf_mean", "both objectives learned in parallel (r > 0)"),
    ("adaptive_weight.mean", "raw_loss_mean", "the weight tracks the raw error (r ≈ 1)"),
    ("ema_divergence", "relative_update_norm", "EMA lag vs update size"),
    ("grad_clip_fraction", "block_grad_norms.out", "both fall as predictions approach target"),
    ("x_hat_stats.std", "velocity_norms.target_v_norm", "out-of-distribution predictions?"),
    ("u_pred_stats.std", "velocity_norms.target_v_norm", "out-of-distribution predictions?"),
)
EDGE = 5
TREND_WINDOW = 200


@dataclass(slots=True)
class MetricMove:
    name: str
    start: float
    end: float
    ratio: float
    trend: str
    """"rising", "falling" or "flat" over the last TREND_WINDOW epochs (Mann-Kendall p<0.05)."""
    tau: float


@dataclass(slots=True)
class Correlation:
    a: str
    b: str
    r: float
    epochs: tuple[int, int]
    n: int
    meaning: str


@dataclass(slots=True)
class RunSummary:
    phase: str | None
    best_epoch: int | None
    best_raw_loss: float | None
    best_val_epoch: int | None
    best_val_raw_loss: float | None
    moves: list[MetricMove] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)


def summarise(view: RunView) -> RunSummary:
    with np.errstate(all="ignore"):  # overflow on absurd values gives inf, read as non-finite
        return _summarise(view)


def _summarise(view: RunView) -> RunSummary:
    best_epoch, best_raw = _best(view, "raw_loss_mean")
    best_val_epoch, best_val = _best(view, "val_raw_loss")
    return RunSummary(
        phase=current_phase(view),
        best_epoch=best_epoch,
        best_raw_loss=best_raw,
        best_val_epoch=best_val_epoch,
        best_val_raw_loss=best_val,
        moves=[m for name in KEY_METRICS if (m := _move(view, name)) is not None],
        correlations=[c for spec in CORRELATIONS if (c := _correlate(view, *spec)) is not None],
    )


def _best(view: RunView, name: str) -> tuple[int | None, float | None]:
    col = view.get(name)
    if col is None:
        return None, None
    values = np.where(np.isfinite(col), col, np.inf)
    index = int(np.argmin(values))
    return view.epoch_at(index), float(col[index])


def _move(view: RunView, name: str) -> MetricMove | None:
    col = view.get(name)
    if col is None:
        return None
    values = finite(col)
    if len(values) < 2:
        return None
    start = float(np.median(values[:EDGE]))
    end = float(np.median(values[-EDGE:]))
    ratio = end / start if start != 0 else math.nan
    recent = col[-TREND_WINDOW:]
    tau, p = mann_kendall(safe_log10(recent) if name in LOG_TREND else recent)
    trend = "flat" if p >= 0.05 else ("rising" if tau > 0 else "falling")
    return MetricMove(name, start, end, ratio, trend, tau)


def _correlate(view: RunView, a: str, b: str, meaning: str) -> Correlation | None:
    col_a, col_b = view.get(a), view.get(b)
    if col_a is None or col_b is None:
        return None
    r, n = pearson(col_a, col_b)
    if not math.isfinite(r):
        return None
    both = np.flatnonzero(np.isfinite(col_a) & np.isfinite(col_b))
    return Correlation(
        a, b, r, (view.epoch_at(int(both[0])), view.epoch_at(int(both[-1]))), n, meaning
    )
