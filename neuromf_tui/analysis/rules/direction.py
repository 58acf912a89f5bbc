"""Direction-family rules: alignment of the compound velocity with the target, and the
velocity norms' consistency (magnitude ratios, the JVP's growth).

The spec calls the cosines "the most interpretable metrics": magnitude can be compensated by
the loss, but direction must be right for generation to work. The norm ratios should converge
toward 1, and jvp_norm should stabilise in the mid phase.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import EARLY, phases, smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, mann_kendall, running_min, safe_log10, sustained_onset
from neuromf_tui.analysis.view import RunView

COSINE = "cosine_sim_V_vc"
COSINE_TILDE = "cosine_sim_vtilde_vc"
U_RATIO = "ratio.u_norm/target_v_norm"
V_RATIO = "ratio.compound_v_norm/target_v_norm"
TILDE_RATIO = "ratio.v_tilde_norm/u_norm"
JVP = "velocity_norms.jvp_norm"
U_NORM = "velocity_norms.u_norm"

_INITIAL = {"threshold": 0.1, "max_epoch": 2, "min_rows": 2}


@rule(
    "suspicious-initial-cosine",
    family="direction",
    title="Velocity already aligned with the target at initialisation",
    severity=Severity.WARNING,
    params=_INITIAL,
    metrics=(COSINE, COSINE_TILDE),
    suggestion="At random init the prediction should be orthogonal to the target: check for "
    "a data leak (target fed as input), a wrong target, or weights silently loaded from a "
    "checkpoint.",
)
def suspicious_initial_cosine(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "At random initialisation, cosine similarity in 442,368 dimensions should be ~0
    (orthogonal). Any value significantly above 0 at epoch 0 would be suspicious."

    Only runs whose history starts at epoch 0 qualify (a resumed run's file starts later).
    The lowest value over epochs 0-2 must exceed 0.1: a healthy run's cosine only rises from
    ~0, so the minimum is its epoch-0 value, and a single noisy epoch cannot raise it.
    """
    cos = view.get(COSINE)
    if cos is None or len(view) == 0 or view.epoch_at(0) != 0:
        return None
    head = (view.epochs <= p["max_epoch"]) & np.isfinite(cos)
    if head.sum() < p["min_rows"]:
        return None
    values = cos[head]
    low = float(values.min())
    if low <= p["threshold"]:
        return None
    epochs = view.epochs[head]
    listed = ", ".join(f"{v:.3f} (epoch {int(e)})" for e, v in zip(epochs, values, strict=True))
    tilde = view.get(COSINE_TILDE)
    tilde_note = ""
    if tilde is not None and np.isfinite(tilde[0]):
        tilde_note = f"; {COSINE_TILDE} {float(tilde[0]):.3f} at epoch 0"
    return Detection(
        first_epoch=0,
        evidence=(
            f"{COSINE} is {listed} at initialisation, at least {low:.3f} where ~0 is expected "
            f"in 442,368 dimensions (threshold {p['threshold']:g}){tilde_note}"
        ),
    )


_LOW = {
    "window": 9,
    "threshold": 0.5,
    "critical": 0.1,
    "mid_epoch": 100,
    "late_epoch": 200,
    "sustain": 20,
    "trend_window": 40,
    "trend_tau": 0.3,
    "trend_p": 0.05,
    "critical_span": 50,
}


@rule(
    "low-cosine",
    family="direction",
    title="Compound velocity still points the wrong way",
    severity=Severity.WARNING,
    params=_LOW,
    metrics=(COSINE, "relative_error", "raw_loss_mean"),
    suggestion="The model is not learning the velocity's direction: check the learning rate "
    "(and any warmup), the target construction v_c = eps - z_0, and the prediction type.",
)
def low_cosine(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: cos(V, v_c) "should converge toward 1.0"; in the mid phase (epochs 50-200) it
    "rises above 0.5"; "values below 0.5 at convergence indicate the model is still predicting
    in wrong directions"; near 0 = "no useful signal".

    Judged on a 9-epoch median. From epoch 200 (past the mid phase) a value below 0.5 counts;
    from epoch 100 it counts only if the cosine has also stopped rising (no upward Mann-Kendall
    trend, tau >= 0.3 at p < 0.05, over the last 40 raw epochs: medians are autocorrelated and
    would inflate the test), since a slow learner still climbing is not yet "at convergence".
    Critical when it sits near 0 (< 0.1) for 50 epochs past epoch 200.
    """
    cos = smoothed(view, COSINE, int(p["window"]))
    if cos is None:
        return None
    epochs = view.epochs
    with np.errstate(invalid="ignore"):
        mask = (cos < p["threshold"]) & (epochs >= p["mid_epoch"])
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    last = view.last_epoch
    assert last is not None
    raw = view.get(COSINE)
    assert raw is not None
    tau, pvalue = mann_kendall(raw[-int(p["trend_window"]) :])
    rising = tau >= p["trend_tau"] and pvalue < p["trend_p"]
    if last < p["late_epoch"] and rising:
        return None
    now = float(cos[-1])
    critical = False
    with np.errstate(invalid="ignore"):
        near_zero = (cos < p["critical"]) & (epochs >= p["late_epoch"])
    zero_start = sustained_onset(near_zero, int(p["critical_span"]))
    if zero_start is not None:
        critical = True
    trend = "still rising" if rising else "no longer rising"
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"{COSINE} is {now:.3f} ({int(p['window'])}-epoch median) at epoch {last}, below "
            f"{p['threshold']:g} since epoch {view.epoch_at(start)} "
            f"({trend}: Mann-Kendall tau={tau:.2f} over the last {int(p['trend_window'])} "
            f"epochs); the spec expects > 0.5 by the end of the mid phase (epoch 200)"
            + (" and ~0 means no useful signal" if critical else "")
        ),
        severity=Severity.CRITICAL if critical else Severity.WARNING,
    )


_NORM_RATIO = {
    "window": 9,
    "low": 0.5,
    "high": 2.0,
    "sustain": 10,
    "trend_window": 30,
    "trend_tau": -0.3,
    "trend_p": 0.05,
}


@rule(
    "norm-ratio-off",
    family="direction",
    title="Predicted velocity magnitude far from the target's",
    severity=Severity.WARNING,
    params=_NORM_RATIO,
    metrics=(U_RATIO, V_RATIO),
    suggestion="The model gets the velocity's magnitude wrong: check the output scaling "
    "(x-prediction's division by t, t_min) and the latent normalisation.",
)
def norm_ratio_off(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: u_norm / target_v_norm "should converge toward 1.0"; >> 1 = overshooting,
    << 1 = underestimating; ||V|| vs ||v_c|| "should converge" too and is more informative.

    A 9-epoch median outside [0.5, 2] past the early phase (whose zero-init head starts low
    and may overshoot), sustained 10 epochs, and not converging: a significant Mann-Kendall
    trend of |log ratio| toward 0 over the last 30 epochs means it is on its way to 1.
    """
    not_early = phases(view) != EARLY
    hits: list[tuple[str, int, float]] = []
    for name in (U_RATIO, V_RATIO):
        ratio = smoothed(view, name, int(p["window"]))
        if ratio is None:
            continue
        with np.errstate(invalid="ignore"):
            mask = ((ratio < p["low"]) | (ratio > p["high"])) & not_early
        start = sustained_onset(mask, int(p["sustain"]))
        if start is None:
            continue
        distance = np.abs(safe_log10(ratio[-int(p["trend_window"]) :]))
        tau, pvalue = mann_kendall(distance)
        if tau <= p["trend_tau"] and pvalue < p["trend_p"]:
            continue
        hits.append((name, start, float(ratio[-1])))
    if not hits:
        return None
    start = min(h[1] for h in hits)
    parts = []
    for name, since, now in hits:
        way = "overshooting" if now > 1 else "underestimating"
        parts.append(
            f"{name} is {fmt(now)} ({way}), outside [{p['low']:g}, {p['high']:g}] "
            f"since epoch {view.epoch_at(since)}"
        )
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence="; ".join(parts) + f" ({int(p['window'])}-epoch medians, not converging to 1)",
        metrics=[h[0] for h in hits],
    )


_JVP = {
    "window": 7,
    "growth": 3.0,
    "sustain": 5,
    "trend_window": 20,
    "trend_tau": 0.3,
    "tilde_low": 0.5,
    "tilde_high": 2.0,
    "tilde_sustain": 10,
    "min_epochs": 10,
}


@rule(
    "jvp-instability",
    family="direction",
    title="JVP estimate unstable: du/dt grows while u does not",
    severity=Severity.WARNING,
    params=_JVP,
    metrics=(JVP, U_NORM, TILDE_RATIO),
    suggestion="The model's derivative estimate is unstable: check the JVP strategy "
    "(finite-difference h), the tangent v_tilde, and the learning rate.",
)
def jvp_instability(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec (jvp_norm trajectory): large and noisy early, stable in the mid phase, then
    proportional to the velocity magnitude; "if jvp_norm keeps growing while u_norm
    stabilises, the model's derivative estimate is unstable". And v_tilde vs u: "if they
    diverge dramatically, the model is inconsistent".

    The first signal is jvp_norm / u_norm (7-epoch medians) rising 3x above its running
    minimum past the early phase, sustained and still rising (Mann-Kendall) unless already
    6x; the ratio keeps a jvp that merely follows a growing velocity out of it. The second is
    v_tilde_norm / u_norm leaving [0.5, 2] past the early phase for 10 epochs.
    """
    if len(view) < p["min_epochs"]:
        return None
    window = int(p["window"])
    not_early = phases(view) != EARLY
    parts: list[str] = []
    starts: list[int] = []
    metrics: list[str] = []
    jvp, u = smoothed(view, JVP, window), smoothed(view, U_NORM, window)
    if jvp is not None and u is not None:
        with np.errstate(all="ignore"):
            rel = jvp / u
            base, base_idx = running_min(np.where(not_early & (rel > 0), rel, np.nan))
            factor = rel / base
            mask = (factor >= p["growth"]) & not_early
        start = sustained_onset(mask, int(p["sustain"]))
        if start is not None:
            now = float(factor[-1])
            tau, _ = mann_kendall(safe_log10(rel[-int(p["trend_window"]) :]))
            if now >= 2 * p["growth"] or tau >= p["trend_tau"]:
                b = int(base_idx[-1])
                parts.append(
                    f"{JVP} grew {fmt(float(jvp[-1] / jvp[b]), 2)}x ({fmt(float(jvp[b]))} at "
                    f"epoch {view.epoch_at(b)} → {fmt(float(jvp[-1]))}) while u_norm moved "
                    f"{float(u[-1] / u[b]) - 1:+.0%} ({fmt(float(u[-1]))}); jvp/u is "
                    f"{fmt(now, 2)}x its minimum, above {fmt(p['growth'])}x since epoch "
                    f"{view.epoch_at(start)} "
                    f"(Mann-Kendall tau={tau:.2f})"
                )
                starts.append(start)
                metrics += [JVP, U_NORM]
    tilde = smoothed(view, TILDE_RATIO, 9)
    if tilde is not None:
        with np.errstate(invalid="ignore"):
            off = ((tilde < p["tilde_low"]) | (tilde > p["tilde_high"])) & not_early
        start = sustained_onset(off, int(p["tilde_sustain"]))
        if start is not None:
            parts.append(
                f"{TILDE_RATIO} is {fmt(float(tilde[-1]))} (9-epoch median), outside "
                f"[{p['tilde_low']:g}, {p['tilde_high']:g}] since epoch {view.epoch_at(start)}"
            )
            starts.append(start)
            metrics.append(TILDE_RATIO)
    if not parts:
        return None
    return Detection(
        first_epoch=view.epoch_at(min(starts)),
        evidence="; ".join(parts),
        metrics=metrics,
    )
