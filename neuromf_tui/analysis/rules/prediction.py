"""Prediction-family rules: the output head's statistics (``x_hat_stats`` in x-prediction runs,
``u_pred_stats`` in u-prediction runs) collapsing toward 0 or exploding.

The spec: x_hat is the model's prediction of the clean latent z_0, so its statistics "should
resemble the statistics of the training data" (std ≈ 1.0 when latents are normalised).
``x_hat_stats.std`` dropping to near 0 is mode collapse; std growing or min/max becoming extreme
while the target norms are stable are out-of-distribution predictions.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import EARLY, phases, smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import (
    fmt,
    mann_kendall,
    rolling_median,
    running_min,
    safe_log10,
    sustained_onset,
)
from neuromf_tui.analysis.view import RunView

TARGET = "velocity_norms.target_v_norm"
SAMPLE_STD = "generated_samples.stats.nfe_1.std"


def _running_max(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(running maximum ignoring NaN, index where it was reached) at each point."""
    mins, idx = running_min(-x)
    return -mins, idx


def _sample_std(view: RunView) -> tuple[np.ndarray, np.ndarray] | None:
    """(row indices, channel-mean std) of the 1-NFE generated samples where they were logged.

    Sparse (sample-collection epochs only) and absent from runs with a ``sample_archive.pt``.
    """
    cols = [
        col
        for name, col in view.columns.items()
        if name.startswith(SAMPLE_STD + ".") and name[len(SAMPLE_STD) + 1 :].isdigit()
    ]
    if not cols:
        return None
    stack = np.vstack(cols)
    ok = np.isfinite(stack).any(axis=0)
    if not ok.any():
        return None
    rows = np.flatnonzero(ok)
    with np.errstate(all="ignore"):
        values = np.nanmean(stack[:, rows], axis=0)
    return rows, values


def _sample_note(view: RunView, since: int) -> str:
    """Supporting evidence from the generated samples: their std before and after ``since``."""
    found = _sample_std(view)
    if found is None:
        return ""
    rows, values = found
    before = rows < since
    after = rows >= since
    if not before.any() or not after.any():
        return ""
    b = int(np.argmax(np.where(before, values, -np.inf)))
    high, low = float(values[b]), float(values[-1])
    if not (np.isfinite(high) and high > 0 and np.isfinite(low)):
        return ""
    return (
        f"; 1-NFE sample std fell from {fmt(high)} (epoch {view.epoch_at(int(rows[b]))}) to "
        f"{fmt(low)} (epoch {view.epoch_at(int(rows[-1]))}), {low / high:.0%} of it"
    )


_COLLAPSE = {
    "window": 7,
    "level_window": 15,
    "expected_std": 1.0,
    "fraction": 0.5,
    "critical_fraction": 0.2,
    "healthy_fraction": 0.8,
    "sustain": 5,
    "min_epochs": 10,
}


@rule(
    "mode-collapse",
    family="prediction",
    title="Mode collapse: the prediction's spread is vanishing",
    severity=Severity.CRITICAL,
    params=_COLLAPSE,
    metrics=("x_hat_stats.std", "u_pred_stats.std", "generated_samples.stats.nfe_1.std.0"),
    suggestion="The model predicts nearly the same output for every input: inspect the sample "
    "images, then resume from a checkpoint before the drop with a lower learning rate.",
)
def mode_collapse(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "x_hat_stats.std drops to near 0 — the model predicts the same output for all
    inputs".

    The std (7-epoch median) is judged against its own healthy level: the running maximum
    of a 15-epoch median past the early phase, capped at the expected latent std of 1.0 for
    x-prediction so that an overshoot settling back to 1.0 is not a collapse. The early phase
    is excluded: a zero-initialised head starts near 0 by design. Below 50% of the level is a
    warning, below 20% critical. Generated-sample std, when logged, is quoted as support.
    """
    prefix = view.prediction_prefix
    if prefix is None or len(view) < p["min_epochs"]:
        return None
    name = f"{prefix}.std"
    std = smoothed(view, name, int(p["window"]))
    level_src = smoothed(view, name, int(p["level_window"]))
    assert std is not None and level_src is not None
    not_early = phases(view) != EARLY
    level, level_idx = _running_max(np.where(not_early, level_src, np.nan))
    reference = level
    if prefix == "x_hat_stats":
        reference = np.minimum(level, p["expected_std"])
    with np.errstate(all="ignore"):
        ratio = std / reference
        mask = (ratio < p["fraction"]) & not_early
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    with np.errstate(invalid="ignore"):
        healthy = np.flatnonzero(ratio[:start] >= p["healthy_fraction"])
    began = int(healthy[-1]) + 1 if len(healthy) else start
    now, ref_now = float(std[-1]), float(reference[-1])
    frac = float(ratio[-1])
    peak_epoch = view.epoch_at(int(level_idx[began - 1] if began > 0 else level_idx[-1]))
    expected = "; expected ≈ 1.0, the training latent std" if prefix == "x_hat_stats" else ""
    return Detection(
        first_epoch=view.epoch_at(began),
        evidence=(
            f"{name} fell to {fmt(now)} ({int(p['window'])}-epoch median), {frac:.1%} of its "
            f"healthy level {fmt(ref_now)} (reached by epoch {peak_epoch}{expected}); below "
            f"{p['fraction']:.0%} since epoch {view.epoch_at(start)}, decline from epoch "
            f"{view.epoch_at(began)}{_sample_note(view, began)}"
        ),
        severity=Severity.CRITICAL if frac < p["critical_fraction"] else Severity.WARNING,
    )


_EXPLOSION = {
    "window": 7,
    "level_window": 15,
    "expected_std": 1.0,
    "std_growth": 3.0,
    "extreme_growth": 5.0,
    "critical_std_growth": 10.0,
    "critical_extreme_growth": 20.0,
    "sustain": 5,
    "trend_window": 20,
    "trend_tau": 0.3,
    "target_tolerance": 1.5,
    "min_epochs": 10,
}


def _extreme(view: RunView, prefix: str, window: int) -> np.ndarray | None:
    """Rolling median of max(|min|, |max|) of the prediction, memoised in the view."""
    key = ("prediction-extreme", prefix, window)
    if key not in view.cache:
        lo, hi = view.get(f"{prefix}.min"), view.get(f"{prefix}.max")
        if lo is None and hi is None:
            view.cache[key] = None
        else:
            parts = [np.abs(c) for c in (lo, hi) if c is not None]
            with np.errstate(all="ignore"):
                ext = np.fmax.reduce(parts) if len(parts) > 1 else parts[0]
            view.cache[key] = rolling_median(ext, window)
    return view.cache[key]  # type: ignore[return-value]


def _growth(
    series: np.ndarray, baseline_src: np.ndarray, not_early: np.ndarray, floor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(growth factor, reference level, index of the reference) of ``series`` over its healthy
    level: the running minimum of ``baseline_src`` past the early phase, floored at ``floor``."""
    base, base_idx = running_min(np.where(not_early, baseline_src, np.nan))
    reference = np.fmax(base, floor)
    with np.errstate(all="ignore"):
        return series / reference, reference, base_idx


@rule(
    "xhat-explosion",
    family="prediction",
    title="Predictions explode out of distribution",
    severity=Severity.WARNING,
    params=_EXPLOSION,
    metrics=("x_hat_stats.std", "x_hat_stats.min", "x_hat_stats.max", TARGET),
    suggestion="The model's predictions leave the data distribution while the targets do "
    "not: lower the learning rate or resume from the last checkpoint with sane output stats.",
)
def xhat_explosion(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "If x_hat.std keeps growing or x_hat.min/max become extreme, the model is
    generating nonsense"; "x_hat_stats become extreme while target norms are stable = out-of-
    distribution predictions". Growth is measured against the healthy level after the early
    phase (floored at the expected std 1.0, or 4x it for the extremes), must be sustained and
    still rising unless already twice the threshold, and a target norm that moved as much is
    a data change, not this pattern.
    """
    prefix = view.prediction_prefix
    if prefix is None or len(view) < p["min_epochs"]:
        return None
    window, level_window = int(p["window"]), int(p["level_window"])
    not_early = phases(view) != EARLY
    std = smoothed(view, f"{prefix}.std", window)
    std_base = smoothed(view, f"{prefix}.std", level_window)
    assert std is not None and std_base is not None
    std_growth, std_ref, std_ref_idx = _growth(std, std_base, not_early, p["expected_std"])
    ext = _extreme(view, prefix, window)
    ext_base = _extreme(view, prefix, level_window)
    if ext is not None and ext_base is not None:
        ext_growth, ext_ref, _ = _growth(ext, ext_base, not_early, 4 * p["expected_std"])
    else:
        ext_growth = ext_ref = np.full(len(view), np.nan)
    with np.errstate(invalid="ignore"):
        std_high = std_growth >= p["std_growth"]
        ext_high = ext_growth >= p["extreme_growth"]
    start = sustained_onset((std_high | ext_high) & not_early, int(p["sustain"]))
    if start is None:
        return None
    g_std, g_ext = float(std_growth[-1]), float(ext_growth[-1])
    strong = g_std >= 2 * p["std_growth"] or g_ext >= 2 * p["extreme_growth"]
    if not strong:
        recent = slice(-int(p["trend_window"]), None)
        tau_std, _ = mann_kendall(safe_log10(std[recent]))
        tau_ext = mann_kendall(safe_log10(ext[recent]))[0] if ext is not None else 0.0
        if max(tau_std, tau_ext) < p["trend_tau"]:
            return None
    target = smoothed(view, TARGET, level_window)
    target_note = ""
    if target is not None:
        t0, t1 = float(target[start]), float(target[-1])
        if np.isfinite(t0) and np.isfinite(t1) and t0 > 0 and t1 > 0:
            change = max(t1 / t0, t0 / t1)
            if change >= p["target_tolerance"]:
                return None
            target_note = f" while {TARGET} stayed at {fmt(t1)} ({t1 / t0 - 1:+.1%})"
    parts = []
    if np.isfinite(g_std) and g_std >= 1:
        ref = float(std_ref[-1])
        where = (
            f"the expected {p['expected_std']:.1f}"
            if ref <= p["expected_std"]
            else f"its healthy level {fmt(ref)} (epoch {view.epoch_at(int(std_ref_idx[-1]))})"
        )
        parts.append(f"{prefix}.std is {fmt(float(std[-1]))}, {fmt(g_std, 2)}x {where}")
    if np.isfinite(g_ext) and g_ext >= p["extreme_growth"] / 2:
        parts.append(
            f"max(|min|, |max|) is {fmt(float(ext[-1]))}, {fmt(g_ext, 2)}x its healthy "
            f"{fmt(float(ext_ref[-1]))}"  # type: ignore[index]
        )
    critical = g_std >= p["critical_std_growth"] or g_ext >= p["critical_extreme_growth"]
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            "; ".join(parts)
            + f" ({window}-epoch medians, above threshold since epoch {view.epoch_at(start)})"
            + target_note
        ),
        severity=Severity.CRITICAL if critical else Severity.WARNING,
    )
