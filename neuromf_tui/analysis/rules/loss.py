"""Loss-family rules: divergence (plain and hidden by adaptive weighting), plateau,
warmup starvation, and the FM/MF split."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import EARLY, phases, smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, mann_kendall, running_min, safe_log10, sustained_onset
from neuromf_tui.analysis.view import RunView

RAW = "raw_loss_mean"


def _rise_from_minimum(view: RunView, p: Mapping[str, float]) -> tuple[int, int, float] | None:
    """(index of the minimum, index where the rise became sustained, rise factor now) when
    the smoothed raw loss sits ``rise`` times above its running minimum and still climbs.

    The rise threshold is higher while the run is in its early phase, where the spec expects
    the raw loss to climb as the model leaves its zero-init minimum.
    """
    raw = smoothed(view, RAW, int(p["window"]))
    if raw is None or len(raw) < p["min_epochs"]:
        return None
    mins, min_idx = running_min(raw)
    with np.errstate(all="ignore"):
        factor = raw / mins
    early = phases(view) == EARLY
    recent = raw[-int(p["trend_window"]) :]
    tau, pvalue = mann_kendall(safe_log10(recent))
    # A steady climb past the early phase is divergence before it reaches the big factor.
    climbing = not early[-1] and tau >= p["strong_tau"] and pvalue < p["strong_p"]
    threshold = np.where(early, p["early_rise"], p["trend_rise"] if climbing else p["rise"])
    with np.errstate(invalid="ignore"):
        mask = factor >= threshold
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    if tau < p["trend_tau"] and float(factor[-1]) < 2 * p["rise"]:
        return None
    return int(min_idx[-1]), start, float(factor[-1])


_DIVERGENCE = {
    "window": 7,
    "rise": 2.0,
    "early_rise": 5.0,
    "critical_rise": 10.0,
    "sustain": 5,
    "trend_window": 20,
    "trend_tau": 0.3,
    "trend_rise": 1.3,
    "strong_tau": 0.6,
    "strong_p": 0.001,
    "min_epochs": 10,
}


@rule(
    "raw-loss-divergence",
    family="loss",
    title="Raw loss is diverging",
    severity=Severity.WARNING,
    params=_DIVERGENCE,
    metrics=(RAW, "adaptive_weight.mean"),
    suggestion="Lower the learning rate or resume from the best checkpoint; the model is "
    "getting worse, not better.",
)
def raw_loss_divergence(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: raw_loss_mean is "the single most important metric"; increasing = divergence.

    Judged on a 7-epoch rolling median against its running minimum, so one spike neither
    raises nor clears it; early-phase climbs need a larger factor.
    """
    found = _rise_from_minimum(view, p)
    if found is None:
        return None
    min_index, _, factor = found
    raw = view.get(RAW)
    assert raw is not None
    low, now = float(raw[min_index]), float(smoothed(view, RAW, int(p["window"]))[-1])  # type: ignore[index]
    severity = Severity.CRITICAL if factor >= p["critical_rise"] else Severity.WARNING
    return Detection(
        first_epoch=view.epoch_at(min_index),
        evidence=(
            f"{RAW} rose {fmt(factor, 2)}x ({fmt(low)} → {fmt(now)}) from its minimum at epoch "
            f"{view.epoch_at(min_index)} (7-epoch median, still rising)"
        ),
        severity=severity,
    )


_MASKING = {**_DIVERGENCE, "flat_tolerance": 0.02, "min_weight": 1e-12}


@rule(
    "adaptive-weight-masking",
    family="loss",
    title="Adaptive weighting hides a diverging raw loss",
    severity=Severity.CRITICAL,
    params=_MASKING,
    metrics=(RAW, "loss_mean", "adaptive_weight.mean"),
    suggestion="Judge this run by raw_loss_mean, not loss_mean; stop it or lower the learning "
    "rate (the Phase 4c failure looked exactly like this).",
)
def adaptive_weight_masking(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: with w = 1/(sg[||e||^p] + eps), loss_mean stays ~1.0 by design, so it cannot
    show divergence; adaptive_weight.mean tracks the raw error. Masking = raw loss (and the
    weight's denominator) growing while loss_mean stays flat. A weight mean of 0 means
    adaptive weighting is off, and then there is nothing to mask.
    """
    loss = smoothed(view, "loss_mean", int(p["window"]))
    weight = view.get("adaptive_weight.mean")
    if loss is None:
        return None
    if weight is not None and float(np.nanmedian(np.abs(weight))) <= p["min_weight"]:
        return None
    found = _rise_from_minimum(view, p)
    if found is None:
        return None
    min_index, _, factor = found
    span = loss[min_index:]
    span = span[np.isfinite(span)]
    if len(span) == 0:
        return None
    level = float(np.median(span))
    spread = float(span.max() - span.min())
    if level == 0 or spread / abs(level) > p["flat_tolerance"]:
        return None
    raw_now = float(smoothed(view, RAW, int(p["window"]))[-1])  # type: ignore[index]
    raw_low = raw_now / factor
    weight_note = ""
    if weight is not None:
        w_low, w_now = float(weight[min_index]), float(weight[-1])
        if np.isfinite(w_low) and w_low > 0 and np.isfinite(w_now):
            weight_note = f"; adaptive_weight.mean grew {fmt(w_now / w_low, 2)}x in step"
    return Detection(
        first_epoch=view.epoch_at(min_index),
        evidence=(
            f"{RAW} rose {fmt(factor, 2)}x ({fmt(raw_low)} → {fmt(raw_now)}) from its minimum at "
            f"epoch {view.epoch_at(min_index)} while loss_mean stayed at {level:.3f} "
            f"(±{spread / 2:.1e}){weight_note}"
        ),
    )


_PLATEAU = {
    "window": 7,
    "min_epochs": 60,
    "recent_fraction": 0.25,
    "recent_min": 40,
    "flat_change": 0.05,
    "trend_p": 0.05,
    "learned_ratio": 0.5,
}


@rule(
    "raw-loss-plateau",
    family="loss",
    title="Raw loss has stopped falling before the model learned",
    severity=Severity.WARNING,
    params=_PLATEAU,
    metrics=(RAW, "learning_rate", "relative_update_norm"),
    suggestion="Check the learning rate and whether updates reach the weights "
    "(relative_update_norm); a flat raw loss means the model is stuck.",
)
def raw_loss_plateau(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: flat raw loss = the model is stuck (learning rate too low, wrong architecture).

    A converged run is also flat, so the rule asks for both: no significant trend over the
    recent quarter of the run, and less than a 2x drop from the early peak overall.
    """
    raw = smoothed(view, RAW, int(p["window"]))
    n = len(view)
    if raw is None or n < p["min_epochs"]:
        return None
    recent = max(int(p["recent_min"]), int(n * p["recent_fraction"]))
    window = raw[-recent:]
    finite = window[np.isfinite(window)]
    if len(finite) < recent // 2:
        return None
    _tau, pvalue = mann_kendall(safe_log10(window))
    change = float(finite.max() / finite.min() - 1) if finite.min() > 0 else np.inf
    if pvalue < p["trend_p"] or change > p["flat_change"]:
        return None
    head = raw[: max(5, n // 10)]
    peak = float(np.nanmax(head))
    level = float(np.median(finite))
    if not np.isfinite(peak) or peak <= 0 or level / peak < p["learned_ratio"]:
        return None
    first = n - recent
    return Detection(
        first_epoch=view.epoch_at(first),
        evidence=(
            f"{RAW} changed by only {change:.1%} over the last {recent} epochs "
            f"(epochs {view.epoch_at(first)}–{view.last_epoch}, Mann-Kendall p={pvalue:.2f}) and "
            f"sits at {level / peak:.0%} of its early peak {fmt(peak)}"
        ),
    )


_WARMUP = {"starved_fraction": 0.1, "min_epochs": 10, "share": 0.15, "ramp": 2.0}


@rule(
    "warmup-starvation",
    family="loss",
    title="Learning rate starved by a long warmup",
    severity=Severity.WARNING,
    params=_WARMUP,
    metrics=("learning_rate", RAW, "relative_update_norm"),
    suggestion="Shorten the warmup or start it from a larger learning rate; epochs at ~0 "
    "learning rate are wasted compute.",
)
def warmup_starvation(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: if learning_rate is near 0 for a large fraction of training, effective learning
    is delayed. Only the leading stretch counts (a cosine schedule's tail is intended), and
    only a rising schedule is a warmup: a constant low rate is not starvation.
    """
    lr = view.get("learning_rate")
    if lr is None:
        return None
    reference = max(float(np.nanmax(lr)), view.settings.get("lr"))
    if reference <= 0:
        return None
    with np.errstate(invalid="ignore"):
        starving = lr < p["starved_fraction"] * reference
    fed = np.flatnonzero(~starving & np.isfinite(lr))
    prefix = int(fed[0]) if len(fed) else len(lr)
    n = len(lr)
    if prefix < p["min_epochs"] or prefix < p["share"] * n:
        return None
    start = float(lr[0])
    top = float(np.nanmax(lr[: max(prefix, 1)]))
    if not (np.isfinite(start) and top >= p["ramp"] * max(start, 1e-300)):
        return None
    raw = view.get(RAW)
    raw_note = ""
    if raw is not None and prefix >= 2:
        head = raw[:prefix]
        head = head[np.isfinite(head)]
        if len(head) >= 2 and head[0] > 0:
            raw_note = f"; {RAW} moved {head[-1] / head[0] - 1:+.0%} over that stretch"
    ongoing = " and counting" if prefix == n else ""
    return Detection(
        first_epoch=view.epoch_at(0),
        evidence=(
            f"learning_rate stayed below {fmt(p['starved_fraction'] * reference)} "
            f"({p['starved_fraction']:.0%} of {fmt(reference)}) for the first {prefix} of {n} "
            f"epochs ({prefix / n:.0%}){ongoing}, starting at {fmt(start)}{raw_note}"
        ),
    )


_MF = {"window": 7, "ratio": 10.0, "critical_ratio": 1000.0, "trend_window": 30, "trend_tau": 0.4}


@rule(
    "mf-term-domination",
    family="loss",
    title="MeanFlow term dominates and keeps growing",
    severity=Severity.WARNING,
    params=_MF,
    metrics=("raw_loss_mf_mean", "raw_loss_fm_mean", "velocity_norms.jvp_norm"),
    suggestion="The JVP correction is unstable: check the JVP strategy (finite-difference h), "
    "lower data_proportion's MF share or the learning rate.",
)
def mf_term_domination(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: raw_loss_mf >> raw_loss_fm by orders of magnitude and growing = the MeanFlow
    JVP correction is unstable. A steady ratio above 10 at convergence is a milder sign
    (the MF term needs more training), so growth is required below the critical ratio.
    """
    ratio = smoothed(view, "ratio.raw_loss_mf/raw_loss_fm", int(p["window"]))
    if ratio is None or len(ratio) < p["trend_window"]:
        return None
    with np.errstate(invalid="ignore"):
        above = ratio >= p["ratio"]
    start = sustained_onset(above, 5)
    if start is None:
        return None
    now = float(ratio[-1])
    tau, pvalue = mann_kendall(safe_log10(ratio[-int(p["trend_window"]) :]))
    if now < p["critical_ratio"] and (tau < p["trend_tau"] or pvalue > 0.01):
        return None
    before = ratio[: start + 1]
    before = before[np.isfinite(before)]
    base = float(np.min(before)) if len(before) else np.nan
    base_index = int(np.nanargmin(ratio[: start + 1])) if len(before) else start
    jvp = view.get("velocity_norms.jvp_norm")
    jvp_note = ""
    if jvp is not None and np.isfinite(jvp[base_index]) and jvp[base_index] > 0:
        jvp_note = f"; jvp_norm grew {fmt(float(jvp[-1] / jvp[base_index]), 2)}x"
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"raw_loss_mf/raw_loss_fm is {fmt(now)} (from {fmt(base)} at epoch "
            f"{view.epoch_at(base_index)}), above {fmt(p['ratio'])} since epoch "
            f"{view.epoch_at(start)} and growing (Mann-Kendall tau={tau:.2f}){jvp_note}"
        ),
        severity=Severity.CRITICAL if now >= p["critical_ratio"] else Severity.WARNING,
    )


_FM_ABOVE = {"window": 7, "margin": 1.05, "sustain": 10}


@rule(
    "fm-above-mf",
    family="loss",
    title="Flow-matching loss above the MeanFlow loss",
    severity=Severity.WARNING,
    params=_FM_ABOVE,
    metrics=("raw_loss_fm_mean", "raw_loss_mf_mean"),
    suggestion="FM is the simpler objective and should always be lower; check how samples "
    "are split between r = t and r < t (data_proportion) and the loss bookkeeping.",
)
def fm_above_mf(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "The FM loss should always be lower than the MF loss, because FM is a simpler
    objective". Sustained FM > MF points at a bookkeeping or sampling bug."""
    fm = smoothed(view, "raw_loss_fm_mean", int(p["window"]))
    mf = smoothed(view, "raw_loss_mf_mean", int(p["window"]))
    if fm is None or mf is None:
        return None
    with np.errstate(invalid="ignore"):
        mask = fm > p["margin"] * mf
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"raw_loss_fm_mean ({fmt(float(fm[-1]))}) has been above raw_loss_mf_mean "
            f"({fmt(float(mf[-1]))}) since epoch {view.epoch_at(start)} "
            f"({len(view) - start} epochs, 7-epoch medians)"
        ),
    )
