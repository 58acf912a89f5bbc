"""Robust statistics the rules share: rolling medians, running minima, trend tests, onsets.

All windows are trailing (causal): the value at epoch i uses epochs up to i only, so what
the engine says at epoch i is what it would have said live at that epoch.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def finite(x: np.ndarray) -> np.ndarray:
    """The finite values of ``x`` (drops NaN and +-inf)."""
    return x[np.isfinite(x)]


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing median ignoring NaN and +-inf; the first points use what exists so far.

    Sorting each window (NaN sorts last) and indexing the middle of its finite part is
    several times faster than ``np.nanmedian`` over the same windows.
    """
    n = len(x)
    if n == 0 or window <= 1:
        return x.astype(float, copy=True)
    window = min(window, n)
    values = x.astype(float, copy=False)
    values = np.where(np.isfinite(values), values, np.nan)
    padded = np.concatenate([np.full(window - 1, np.nan), values])
    windows = np.sort(sliding_window_view(padded, window), axis=1)
    counts = window - np.isnan(windows).sum(axis=1)
    rows = np.arange(n)
    lo = np.maximum((counts - 1) // 2, 0)
    hi = np.maximum(counts // 2, 0)
    with np.errstate(invalid="ignore"):
        out = 0.5 * (windows[rows, lo] + windows[rows, hi])
    out[counts == 0] = np.nan
    return out


def running_min(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(running minimum ignoring NaN, index where that minimum was reached) at each point."""
    values = np.where(np.isfinite(x), x, np.inf)
    mins = np.minimum.accumulate(values)
    is_new = np.concatenate([[True], values[1:] < mins[:-1]])
    idx = np.maximum.accumulate(np.where(is_new, np.arange(len(x)), 0))
    mins = np.where(np.isinf(mins), np.nan, mins)
    return mins, idx


def sustained_onset(mask: np.ndarray, min_len: int) -> int | None:
    """Start index of the run of True that reaches the end, if it is at least ``min_len`` long.

    This is "the condition holds now and has held since index k": one noisy epoch at the end
    breaks the run, so callers usually pass a mask computed on rolling medians.
    """
    n = len(mask)
    if n == 0 or not mask[-1]:
        return None
    false_idx = np.flatnonzero(~mask)
    start = int(false_idx[-1]) + 1 if len(false_idx) else 0
    return start if n - start >= min_len else None


MK_MAX_POINTS = 250


def mann_kendall(y: np.ndarray) -> tuple[float, float]:
    """Mann-Kendall trend test on the finite values: (tau in [-1, 1], two-sided p-value).

    Rank-based, so one wild epoch moves it little. The test is O(n^2), so longer series are
    thinned evenly to MK_MAX_POINTS first (a trend over 1,000 epochs shows in every 4th).
    """
    y = finite(y)
    if len(y) > MK_MAX_POINTS:
        y = y[np.linspace(0, len(y) - 1, MK_MAX_POINTS).astype(int)]
    n = len(y)
    if n < 4:
        return 0.0, 1.0
    diff = np.sign(y[None, :] - y[:, None])
    s = float(np.triu(diff, 1).sum())
    pairs = n * (n - 1) / 2
    var = n * (n - 1) * (2 * n + 5) / 18
    if s > 0:
        z = (s - 1) / math.sqrt(var)
    elif s < 0:
        z = (s + 1) / math.sqrt(var)
    else:
        z = 0.0
    p = math.erfc(abs(z) / math.sqrt(2))
    return s / pairs, p


def pearson(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Pearson r over the epochs where both are finite, and how many epochs that was."""
    ok = np.isfinite(a) & np.isfinite(b)
    n = int(ok.sum())
    if n < 3:
        return math.nan, n
    a, b = a[ok], b[ok]
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return math.nan, n
    return float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb)), n


def safe_log10(x: np.ndarray) -> np.ndarray:
    """log10 where positive, NaN elsewhere (zeros and negatives are not on a log scale)."""
    with np.errstate(all="ignore"):
        return np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)


def fmt(value: float, digits: int = 3) -> str:
    """A number the way a scientist writes it in a sentence: 0.0123, 14.2, 3.3e+05."""
    if value is None or not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.{max(1, digits - 1)}e}"
    if magnitude >= 100:
        return f"{value:.1f}" if magnitude < 1000 else f"{value:,.0f}"
    return f"{value:.{digits}g}"
