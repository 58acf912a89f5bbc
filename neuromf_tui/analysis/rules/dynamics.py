"""Dynamics-family rules: EMA divergence that keeps growing, and updates that stopped.

The spec ties two metrics together: ``relative_update_norm`` is the effective learning rate
per epoch (the derivative) and ``ema_divergence`` integrates it through the EMA decay (0.999
per step). With steady updates the EMA lag rises towards a plateau and stays there; a lag that
keeps growing while the updates do not is a model drifting coherently away from its shadow.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import early_end_index, smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, mann_kendall, safe_log10, sustained_onset
from neuromf_tui.analysis.view import RunView

EMA = "ema_divergence"
UPDATE = "relative_update_norm"
LR = "learning_rate"


def _lagged_ratio(x: np.ndarray, lag: int) -> np.ndarray:
    """x[i] / x[i - lag] (NaN for the first ``lag`` rows and where undefined)."""
    out = np.full(len(x), np.nan)
    if lag < len(x):
        with np.errstate(all="ignore"):
            out[lag:] = x[lag:] / x[:-lag]
    out[~np.isfinite(out)] = np.nan
    return out


_EMA_GROWTH = {
    "window": 7,
    "lookback": 40,
    "growth": 1.2,
    "not_slowing": 0.5,
    "update_floor": 0.8,
    "ratio_growth": 1.15,
    "trend_tau": 0.5,
    "sustain": 5,
}


@rule(
    "ema-divergence-growth",
    family="dynamics",
    title="EMA divergence keeps growing without a plateau",
    severity=Severity.WARNING,
    params=_EMA_GROWTH,
    metrics=(EMA, UPDATE),
    suggestion="The online model keeps drifting away from its EMA shadow at a steady update "
    "size: check raw_loss_mean and adaptive_weight.mean for hidden divergence, and sample from "
    "the EMA weights with care (they lag a moving model).",
)
def ema_divergence_growth(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "ema_divergence is the integral; relative_update_norm is the derivative", and an
    EMA divergence plateau means convergence. Growth that keeps going past the early phase
    while the updates do not grow with it is a coherent drift (Phase 4c: EMA divergence
    0.012 → 0.054 while relative_update_norm stayed 0.005–0.008).

    The healthy catch-up (the EMA approaching its plateau after the start, or after updates
    shrink) decelerates: each ``lookback`` epochs grow much less than the previous ones. So the
    rule is raised, on 7-epoch medians, by growth of at least ``growth``x over the lookback
    that is not slowing down (log growth >= ``not_slowing`` x the previous lookback's) for
    ``sustain`` epochs, with updates that are not falling and an EMA/update ratio that rises
    too (a warmup's growing updates explain a growing EMA lag and are not flagged). Once
    raised it holds while the EMA divergence keeps rising (Mann-Kendall over the lookback)
    above its level at the knee and the updates stay at their level from before the knee,
    so a drift that slows a little does not flicker, and updates that dropped towards 0
    (the EMA catching up, which the spec calls normal with decay 0.999) clear it.
    """
    ema = smoothed(view, EMA, int(p["window"]))
    update = smoothed(view, UPDATE, int(p["window"]))
    lag = int(p["lookback"])
    sustain = int(p["sustain"])
    n = len(view)
    if ema is None or update is None or n < 2 * lag + sustain:
        return None
    growth = _lagged_ratio(ema, lag)
    previous = np.full(n, np.nan)
    previous[lag:] = growth[:-lag]
    update_change = _lagged_ratio(update, lag)
    with np.errstate(all="ignore"):
        mask = (
            (growth >= p["growth"])
            & (np.log(growth) >= p["not_slowing"] * np.log(previous))
            & (update_change >= p["update_floor"])
            & (growth / update_change >= p["ratio_growth"])
        )
    # Only windows that start after the early phase count: the EMA's rise from zero is normal.
    mask &= np.arange(n) - lag >= early_end_index(view)
    held = np.convolve(mask.astype(np.int64), np.ones(sustain, dtype=np.int64), "valid")
    hits = np.flatnonzero(held >= sustain)
    if len(hits) == 0:
        return None
    first_hit = int(hits[0])  # start of the first sustained stretch
    # The drift began where the EMA grew slowest just before that stretch (the knee).
    short = max(2, lag // 4)
    low = max(0, first_hit - lag)
    pace = _lagged_ratio(ema, short)[low : first_hit + 1]
    knee = low + (int(np.nanargmin(pace)) if np.isfinite(pace).any() else 0)
    tau, _pvalue = mann_kendall(safe_log10(ema[-lag:]))
    base, now, then = float(ema[knee]), float(ema[-1]), float(ema[n - 1 - lag])
    if not (base > 0 and then > 0) or tau < p["trend_tau"] or now / base < p["growth"]:
        return None
    since = update[knee:]
    since = since[np.isfinite(since)]
    before = update[max(0, knee - lag) : knee + 1]
    before = before[np.isfinite(before)]
    if len(since) == 0 or len(before) == 0:
        return None
    # Updates that fell since before the knee mean the EMA is catching up, not drifting.
    if float(np.median(since[-lag:])) < p["update_floor"] * float(np.median(before)):
        return None
    return Detection(
        first_epoch=view.epoch_at(knee),
        evidence=(
            f"{EMA} grew {fmt(now / base, 2)}x ({fmt(base)} → {fmt(now)}) since epoch "
            f"{view.epoch_at(knee)} with no plateau ({fmt(now / then, 2)}x over the last {lag} "
            f"epochs, Mann-Kendall tau={tau:.2f}), while {UPDATE} stayed "
            f"{fmt(float(since.min()))}–{fmt(float(since.max()))} "
            f"({int(p['window'])}-epoch medians)"
        ),
    )


_FROZEN = {
    "window": 7,
    "sustain": 5,
    "drop": 1e-2,
    "abs_floor": 1e-7,
    "reference_epochs": 20,
    "min_epochs": 10,
}


@rule(
    "frozen-updates",
    family="dynamics",
    title="Weights are not moving",
    severity=Severity.CRITICAL,
    params=_FROZEN,
    metrics=(UPDATE, LR),
    suggestion="Check that the optimizer steps (frozen parameters, a zero or NaN-skipped "
    "gradient, a scaler that skips every step) and that the scheduler has not reached 0.",
)
def frozen_updates(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: relative_update_norm = ||theta_new - theta_old|| / ||theta_old|| is the effective
    learning rate per epoch. Updates orders of magnitude below the run's own early level per
    unit of learning rate (or below ``abs_floor`` outright) while the learning rate is positive
    mean the optimizer is not moving the weights (critical). A learning rate of exactly 0 for
    several epochs means nothing can move (warning). A small learning rate alone (a warmup)
    is not this rule's business: updates are judged per unit of learning rate.
    """
    update = smoothed(view, UPDATE, int(p["window"]))
    lr = view.get(LR)
    n = len(view)
    sustain = int(p["sustain"])
    if n < p["min_epochs"]:
        return None
    if lr is not None:
        # The scheduler's value is exact, so no median: "0 for ``sustain`` epochs" is plain.
        with np.errstate(invalid="ignore"):
            zero = lr <= 0
        start = sustained_onset(zero, sustain)
        if start is not None:
            return Detection(
                first_epoch=view.epoch_at(start),
                evidence=(
                    f"{LR} has been 0 since epoch {view.epoch_at(start)} ({n - start} epochs): "
                    "no update can move the weights"
                ),
                severity=Severity.WARNING,
            )
    if update is None:
        return None
    with np.errstate(all="ignore"):
        absolute = update < p["abs_floor"]
    detail = ""
    if lr is not None:
        with np.errstate(all="ignore"):
            gain = np.where(lr > 0, update / lr, np.nan)
            positive = lr > 0
        head = gain[: int(p["reference_epochs"])]
        head = head[np.isfinite(head) & (head > 0)]
        reference = float(np.median(head)) if len(head) else np.nan
        with np.errstate(invalid="ignore"):
            relative = gain < p["drop"] * reference if np.isfinite(reference) else absolute
        mask = positive & (absolute | relative)
        if np.isfinite(reference):
            detail = (
                f", {fmt(float(gain[-1] / reference), 2)}x its early level per unit of "
                f"learning rate"
            )
    else:
        head = update[: int(p["reference_epochs"])]
        head = head[np.isfinite(head) & (head > 0)]
        reference = float(np.median(head)) if len(head) else np.nan
        with np.errstate(invalid="ignore"):
            mask = absolute | (update < p["drop"] * reference)
    start = sustained_onset(mask, sustain)
    if start is None:
        return None
    lr_note = ""
    if lr is not None:
        lr_note = f" while {LR} is {fmt(float(lr[-1]))}"
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"{UPDATE} has been {fmt(float(update[-1]))} since epoch {view.epoch_at(start)} "
            f"({n - start} epochs, {int(p['window'])}-epoch median){detail}{lr_note}: the weights "
            "are not moving"
        ),
    )
