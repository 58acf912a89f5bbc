"""Samples-family rule: the 1-NFE samples drifting away from the 10-step Euler samples.

``generated_samples.nfe_consistency`` exists only on sample-collection epochs (default every
25) and never in runs whose collector keeps one growing ``sample_archive.pt``; the rule reads
the finite points only and returns None without them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt
from neuromf_tui.analysis.view import RunView

MSE = "generated_samples.nfe_consistency.mse_1vs10"
COSINE = "generated_samples.nfe_consistency.cosine_1vs10"

_NFE = {"rise": 1.6, "recent_points": 3, "min_points": 5}


def _worsening(
    view: RunView, values: np.ndarray, p: Mapping[str, float]
) -> tuple[int, float, float, str] | None:
    """(first worse epoch, best level, recent level, where the best was) when the gap ``values``
    (lower is better) has its recent median ``rise`` times above its best level, else None.

    The best level is the lowest geometric mean of two consecutive sample points, so one
    lucky sample does not set the bar; the recent level is the median of the last
    ``recent_points`` points, so one bad sample does not raise the finding.
    """
    at = np.flatnonzero(np.isfinite(values))
    recent_n = max(1, int(p["recent_points"]))
    if len(at) < max(int(p["min_points"]), recent_n + 2):
        return None
    x = values[at]
    earlier = x[:-recent_n]
    with np.errstate(invalid="ignore"):
        pairs = np.sqrt(np.maximum(earlier[1:] * earlier[:-1], 0.0))
    best_pair = int(np.argmin(pairs))
    best = float(pairs[best_pair])
    recent = float(np.median(x[-recent_n:]))
    if not best > 0 or recent < p["rise"] * best:
        return None
    worse = np.flatnonzero(x[best_pair + 2 :] >= p["rise"] * best)
    first = best_pair + 2 + (int(worse[0]) if len(worse) else 0)
    best_epochs = (
        f"epochs {view.epoch_at(int(at[best_pair]))}–{view.epoch_at(int(at[best_pair + 1]))}"
    )
    return view.epoch_at(int(at[first])), best, recent, best_epochs


@rule(
    "nfe-consistency-worsening",
    family="samples",
    title="1-NFE samples drift away from multi-step samples",
    severity=Severity.WARNING,
    params=_NFE,
    metrics=(MSE, COSINE),
    suggestion="The model may be overfitting the 1-step objective at the expense of "
    "consistency: compare sample grids across epochs and keep the checkpoint where "
    "mse_1vs10 was lowest.",
)
def nfe_consistency_worsening(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: mse_1vs10 decreasing and cosine_1vs10 approaching 1 mean the MeanFlow
    distillation works; "if the gap widens, the model is overfitting the 1-step objective at
    the expense of consistency".

    The gap is judged on mse_1vs10 and on 1 - cosine_1vs10, over the sparse sample points:
    the median of the last 3 points at least ``rise`` x the best level reached before them
    (so at least 3 points follow the best).
    """
    mse = view.get(MSE)
    cosine = view.get(COSINE)
    found: list[str] = []
    first_epochs: list[int] = []
    if mse is not None:
        hit = _worsening(view, mse, p)
        if hit is not None:
            first, best, recent, best_epoch = hit
            first_epochs.append(first)
            found.append(
                f"mse_1vs10 rose {fmt(recent / best, 2)}x from its best level {fmt(best)} "
                f"({best_epoch}) to {fmt(recent)} (median of the last "
                f"{int(p['recent_points'])} sample epochs)"
            )
    if cosine is not None:
        hit = _worsening(view, 1 - cosine, p)
        if hit is not None:
            first, best, recent, best_epoch = hit
            first_epochs.append(first)
            found.append(
                f"cosine_1vs10 fell from {fmt(1 - best)} ({best_epoch}) to "
                f"{fmt(1 - recent)} (its gap to 1 grew {fmt(recent / best, 2)}x)"
            )
    if not found:
        return None
    return Detection(
        first_epoch=min(first_epochs),
        evidence="; ".join(found) + ": 1-NFE samples are drifting from 10-step Euler samples",
    )
