"""Validation-family rule: overfitting, judged on the sparse validation points.

``val_raw_loss`` exists only on validation epochs (every ``val_every_n_epochs``, default 10)
and is NaN elsewhere, so the rule works on the finite points only. The writer records the
value of the validation pass that ran before the epoch's training ended, so a validation
point lags by up to one interval: a turn seen at a point may have happened up to one interval
earlier.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, mann_kendall, safe_log10
from neuromf_tui.analysis.view import RunView

VAL = "val_raw_loss"
TRAIN = "raw_loss_mean"

_OVERFIT = {
    "min_points": 6,
    "after_min_points": 3,
    "rise": 0.15,
    "trend_tau": 0.4,
    "ratio_growth": 1.2,
    "max_points": 60,
    "window": 7,
}


@rule(
    "overfitting",
    family="validation",
    title="Validation loss rises while the training loss falls",
    severity=Severity.WARNING,
    params=_OVERFIT,
    metrics=(VAL, TRAIN, "ratio.val_raw/train_raw"),
    suggestion="The model memorises its ~1,117 training volumes: keep the checkpoint at the "
    "validation minimum, add augmentation or regularisation, or stop earlier.",
)
def overfitting(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "Compare val_raw_loss vs raw_loss_mean to detect overfitting. In a dataset of
    ~1,117 training samples, overfitting is a real concern."

    On the finite validation points: at least ``after_min_points`` points since the
    validation minimum, the last two both ``rise`` above it (so one noisy validation cannot
    raise it), a Mann-Kendall upward trend from the minimum on, the 7-epoch median train raw
    loss not higher than at the minimum (a rising train loss is divergence, not overfitting),
    and the val/train ratio grown by ``ratio_growth`` over its level at the minimum.
    """
    val = view.get(VAL)
    train = smoothed(view, TRAIN, int(p["window"]))
    raw = view.get(TRAIN)
    if val is None or train is None or raw is None:
        return None
    at = np.flatnonzero(np.isfinite(val))
    if len(at) < p["min_points"]:
        return None
    at = at[-int(p["max_points"]) :]
    points = val[at]
    best = int(np.argmin(points))
    after = len(points) - 1 - best
    if after < p["after_min_points"]:
        return None
    low = float(points[best])
    latest = float(np.min(points[-2:]))
    if not low > 0 or latest < (1 + p["rise"]) * low:
        return None
    tau, _pvalue = mann_kendall(safe_log10(points[best:]))
    if tau < p["trend_tau"]:
        return None
    train_then, train_now = float(train[at[best]]), float(train[-1])
    if not (np.isfinite(train_then) and np.isfinite(train_now)) or train_now > train_then:
        return None
    with np.errstate(all="ignore"):
        ratio = points / raw[at]
    before = ratio[max(0, best - 2) : best + 1]
    before = before[np.isfinite(before)]
    recent = ratio[-3:]
    recent = recent[np.isfinite(recent)]
    if len(before) == 0 or len(recent) == 0:
        return None
    ratio_then, ratio_now = float(np.median(before)), float(np.median(recent))
    if not ratio_then > 0 or ratio_now < p["ratio_growth"] * ratio_then:
        return None
    min_epoch = view.epoch_at(int(at[best]))
    last = float(points[-1])
    return Detection(
        first_epoch=min_epoch,
        evidence=(
            f"{VAL} rose {last / low - 1:.0%} ({fmt(low)} → {fmt(last)}) over "
            f"{after} validations since its minimum at epoch {min_epoch} (Mann-Kendall "
            f"tau={tau:.2f}) while {TRAIN} fell {1 - train_now / train_then:.0%} "
            f"({fmt(train_then)} → {fmt(train_now)}); val/train ratio {fmt(ratio_then)} → "
            f"{fmt(ratio_now)}"
        ),
    )
