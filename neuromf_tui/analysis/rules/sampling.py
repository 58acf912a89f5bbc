"""Sampling-family rule: the time sampler's sanity statistics must stay constant.

The spec lists ``sampling.t_mean`` (~0.53), ``t_std`` (~0.18), ``h_mean`` (~0.06) and
``h_zero_frac`` (= data_proportion, 0.75) as sanity checks: they describe the sampler, not the
model, so they should be the same every epoch up to sampling noise. Any drift is a bug in the
sampling code (or a config changed under a resumed run).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, rolling_median, sustained_onset
from neuromf_tui.analysis.view import RunView

SAMPLING_KEYS: tuple[tuple[str, str], ...] = (
    ("sampling.t_mean", "t_mean"),
    ("sampling.t_std", "t_std"),
    ("sampling.h_mean", "h_mean"),
    ("sampling.h_zero_frac", "data_proportion"),
)
"""(metric, the setting holding its expected value)."""

_SPEC_DEFAULT = "spec default"

_DRIFT = {
    "window": 15,
    "baseline_epochs": 20,
    "relative_floor": 0.03,
    "noise_multiple": 3.0,
    "sustain": 5,
    "critical_relative": 0.2,
    "max_span": 1000,
}


def _epoch_noise(values: np.ndarray) -> float:
    """Epoch-to-epoch noise as a standard deviation, from first differences (robust MAD).

    Differencing removes a slow drift, so the noise estimate does not grow with the very
    drift the rule looks for.
    """
    steps = np.diff(values[np.isfinite(values)])
    if len(steps) < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(steps - np.median(steps))) / np.sqrt(2))


@rule(
    "sampling-drift",
    family="sampling",
    title="Time-sampler statistics drift",
    severity=Severity.WARNING,
    params=_DRIFT,
    metrics=tuple(metric for metric, _ in SAMPLING_KEYS),
    suggestion="The sampler's statistics should be constant: look for a bug in the t/r "
    "sampling (logit-normal parameters, data_proportion) or a config changed on resume.",
)
def sampling_drift(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: t_mean ~0.53, t_std ~0.18, h_mean ~0.06 and h_zero_frac = data_proportion
    "should be constant across epochs"; "if any of these drift, there's a bug".

    Each statistic's 15-epoch median is compared with two references: its expected value
    (from the run's config or the spec) and the run's own first epochs. It is a drift when
    it departs from both by more than a tolerance, for ``sustain`` epochs: the larger of
    ``relative_floor`` of the value and ``noise_multiple`` x the epoch-to-epoch noise, so
    sampling noise never trips it. Departing from both means a run with a non-default
    sampler config (first epochs away from the spec value) is judged against itself. An
    expected value from the run's config or the user is trusted alone, so h_zero_frac
    sitting away from a configured data_proportion is flagged from the start.
    """
    window = int(p["window"])
    sustain = int(p["sustain"])
    head = int(p["baseline_epochs"])
    parts: list[tuple[int, str, float, str]] = []
    worst = 0.0
    for metric, setting in SAMPLING_KEYS:
        values = view.get(metric)
        if values is None or len(view) < head + sustain:
            continue
        # Medians over a bounded tail keep a 5,000-epoch run cheap; older drift shows as
        # "since the start of the tail or earlier".
        offset = max(0, len(view) - int(p["max_span"]))
        median = rolling_median(values[offset:], window)
        first = values[:head]
        first = first[np.isfinite(first)]
        if len(first) < head // 2:
            continue
        baseline = float(np.median(first))
        try:
            expected = float(view.settings.get(setting))
        except KeyError:
            expected = baseline
        source = view.settings.sources.get(setting, _SPEC_DEFAULT)
        scale = abs(expected) if expected != 0 else abs(baseline)
        tolerance = max(p["relative_floor"] * scale, p["noise_multiple"] * _epoch_noise(values))
        if tolerance <= 0:
            continue
        with np.errstate(invalid="ignore"):
            off_expected = np.abs(median - expected)
            if source == _SPEC_DEFAULT:
                departure = np.minimum(off_expected, np.abs(median - baseline))
                reference, ref_note = (
                    (expected, f"expected {fmt(expected)}")
                    if abs(baseline - expected) <= tolerance
                    else (baseline, f"the run's first {head} epochs, {fmt(baseline)}")
                )
            else:
                departure = off_expected
                reference, ref_note = expected, f"expected {fmt(expected)} from {source}"
            mask = departure > tolerance
        start = sustained_onset(mask, sustain)
        if start is None:
            continue
        # Back-date to where the drift left the noise (a third of the tolerance).
        quiet = np.flatnonzero(departure[:start] <= tolerance / 3)
        began = offset + (int(quiet[-1]) + 1 if len(quiet) else 0)
        since = f"epoch {view.epoch_at(began)}" + (" or earlier" if began == offset > 0 else "")
        now = float(median[-1])
        change = (now - reference) / scale if scale > 0 else np.inf
        relative = abs(now - reference) / scale if scale > 0 else np.inf
        worst = max(worst, relative)
        parts.append(
            (
                began,
                metric,
                relative,
                f"{metric} is {fmt(now)} against {ref_note} ({change:+.0%}, tolerance "
                f"±{fmt(tolerance)}), drifting since {since}",
            )
        )
    if not parts:
        return None
    parts.sort()
    severity = Severity.CRITICAL if worst >= p["critical_relative"] else Severity.WARNING
    return Detection(
        first_epoch=view.epoch_at(parts[0][0]),
        evidence="; ".join(text for *_, text in parts) + f" ({window}-epoch medians)",
        metrics=[metric for _, metric, *_ in parts],
        severity=severity,
    )
