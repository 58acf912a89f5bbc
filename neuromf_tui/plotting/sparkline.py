"""One-line pictures of a metric: unicode sparklines, a trend arrow and a compact number.

The metric list shows hundreds of metrics at once; each gets a few cells, so the series has to
be squeezed into ``width`` block characters, NaN epochs (sparse metrics, gaps after a restart)
must stay visible as gaps, and the arrow must not flicker on noise. Pure numpy: no Textual, so
the list widget only draws strings computed and tested here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

BLOCKS = "▁▂▃▄▅▆▇█"
"""Eight levels, lowest first."""
GAP = " "
UP, DOWN, FLAT = "↑", "↓", "→"

Reduce = Literal["mean", "peak"]

_MAD_TO_SIGMA = 1.4826
_MEDIAN_SE = 1.2533
"""Standard error of a median is about 1.25 sigma / sqrt(n) for normal noise."""
_Z = 2.5
"""Half-width of the flat band in standard errors of the difference of two medians."""


def _as_array(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).ravel()


def _bucket(values: np.ndarray, width: int, reduce: Reduce) -> np.ndarray:
    """``values`` (longer than ``width``) squeezed into ``width`` buckets; empty buckets are NaN.

    "mean" is honest about noisy series; "peak" keeps, per bucket, whichever extreme lies
    farther from the bucket mean, so a one-epoch loss spike survives the squeeze. Vectorised
    with ``reduceat`` because the metric list summarises hundreds of series per update.
    """
    starts = np.linspace(0, len(values), width + 1)[:-1].round().astype(np.int64)
    finite = np.isfinite(values)
    counts = np.add.reduceat(finite.astype(np.int64), starts)
    sums = np.add.reduceat(np.where(finite, values, 0.0), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    if reduce != "peak":
        return means
    masked = np.where(finite, values, np.nan)
    with np.errstate(invalid="ignore"):
        hi = np.fmax.reduceat(masked, starts)
        lo = np.fmin.reduceat(masked, starts)
    return np.where(hi - means >= means - lo, hi, lo)


def sparkline(
    values: Sequence[float] | np.ndarray,
    width: int,
    *,
    log: bool = False,
    reduce: Reduce = "mean",
    flat_tol: float = 0.0,
) -> str:
    """The series as at most ``width`` block characters, min at ▁ and max at █.

    Shorter series get one character per value (the string is then shorter than ``width``;
    callers pad). Non-finite values, and values <= 0 on a log scale, are gaps (spaces). A
    constant series sits at mid height so it reads as "flat", not "at the floor"; so does one
    whose whole range is within ``flat_tol`` of its magnitude (min-max scaling would otherwise
    blow noise of 0.5% up to full height).
    """
    data = _as_array(values)
    if width <= 0 or not data.size:
        return ""
    if flat_tol > 0:
        raw = data[np.isfinite(data)]
        if raw.size and float(raw.max() - raw.min()) <= flat_tol * float(np.abs(raw).max()):
            data = np.where(np.isfinite(data), 1.0, np.nan)
            log = False
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.where(data > 0, np.log10(np.where(data > 0, data, 1.0)), np.nan)
    if data.size > width:
        data = _bucket(data, width, reduce)
    finite = np.isfinite(data)
    if not finite.any():
        return GAP * data.size
    lo, hi = float(data[finite].min()), float(data[finite].max())
    top = len(BLOCKS) - 1
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        levels = np.full(data.size, top // 2 + 1)
    else:
        scaled = (np.where(finite, data, lo) - lo) / (hi - lo) * top
        levels = np.clip(np.rint(scaled), 0, top).astype(np.int64)
    return "".join(BLOCKS[lvl] if ok else GAP for lvl, ok in zip(levels, finite, strict=True))


def trend(
    values: Sequence[float] | np.ndarray,
    window: int = 10,
    *,
    rel_tol: float = 0.02,
) -> str:
    """ "↑", "↓" or "→" from the median of the last ``window`` finite values vs the window before.

    Medians ignore single spikes. The flat band is the larger of a relative tolerance and the
    noise of the two medians (from the median absolute deviation), so a noisy but level metric
    reads "→" instead of flickering. Fewer than four finite values give "→".
    """
    data = _as_array(values)
    data = data[np.isfinite(data)]
    if data.size < 4 or window < 1:
        return FLAT
    n = min(window, data.size // 2)
    last, prev = data[-n:], data[-2 * n : -n]
    m_last, m_prev = float(np.median(last)), float(np.median(prev))
    delta = m_last - m_prev
    scale = max(abs(m_last), abs(m_prev))
    mad = float(np.median(np.abs(np.concatenate([last - m_last, prev - m_prev]))))
    noise = _Z * _MEDIAN_SE * _MAD_TO_SIGMA * mad * math.sqrt(2.0 / n)
    band = max(rel_tol * scale, noise, 1e-12)
    if abs(delta) <= band:
        return FLAT
    return UP if delta > 0 else DOWN


def last_finite(values: Sequence[float] | np.ndarray) -> float:
    """The most recent finite value, NaN when there is none (a metric not logged yet)."""
    data = _as_array(values)
    idx = np.flatnonzero(np.isfinite(data))
    return float(data[idx[-1]]) if idx.size else math.nan


def format_value(x: float | None) -> str:
    """A number in at most ~8 cells: "0.0123", "14.2", "1234", "3.3e+05", "nan", "–" for None.

    Three significant digits between 1e-3 and 100, whole numbers up to 1e5, one decimal of
    scientific notation outside that range (tiny gradients, exploded losses).
    """
    if x is None:
        return "–"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    mag = abs(x)
    if mag >= 1e5 or mag < 1e-3:
        return f"{x:.1e}"
    if mag >= 99.95:
        return f"{x:.0f}"
    return f"{x:.3g}"


def trend_quality(arrow: str, higher_is_better: bool | None) -> str:
    """ "improving", "worsening" or "neutral": what an arrow means for a metric with a direction.

    Metrics without a known good direction (norms, means) stay neutral: an arrow is not news.
    """
    if higher_is_better is None or arrow == FLAT:
        return "neutral"
    return "improving" if (arrow == UP) == higher_is_better else "worsening"


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """What one row of the metric list shows for a series."""

    last: float
    text: str
    spark: str
    arrow: str


def summarise(
    values: Sequence[float] | np.ndarray,
    width: int,
    *,
    log: bool = False,
    window: int = 10,
    flat_tol: float = 0.01,
) -> SeriesSummary:
    """Last finite value, sparkline and trend arrow in one call.

    ``log`` is honoured only when every finite value is positive: a log-scale metric that
    touches zero (adaptive weighting switched off) would otherwise turn into gaps. A series
    moving less than ``flat_tol`` (1%) of its size draws flat: ``loss_mean`` pinned at 1.0 by
    design must look pinned.
    """
    data = _as_array(values)
    finite = data[np.isfinite(data)]
    use_log = log and finite.size > 0 and bool((finite > 0).all())
    last = last_finite(data)
    return SeriesSummary(
        last=last,
        text=format_value(last),
        spark=sparkline(data, width, log=use_log, flat_tol=flat_tol),
        arrow=trend(data, window),
    )


@dataclass(frozen=True, slots=True)
class Change:
    """A value against the previous epoch that logged the same metric."""

    value: float
    previous: float
    previous_index: int | None
    delta: float
    percent: float
    """Relative change in %, NaN when there is no previous value or it is zero."""

    @property
    def arrow(self) -> str:
        if not math.isfinite(self.delta) or self.delta == 0:
            return FLAT
        return UP if self.delta > 0 else DOWN


def change_at(values: Sequence[float] | np.ndarray, index: int) -> Change:
    """The value at ``index`` and its change since the last earlier finite value.

    Sparse metrics (validation every N epochs) compare with their own previous log, not with
    the NaN of the epoch just before.
    """
    data = _as_array(values)
    value = float(data[index]) if 0 <= index < data.size else math.nan
    earlier = np.flatnonzero(np.isfinite(data[: max(index, 0)]))
    if not earlier.size or not math.isfinite(value):
        return Change(value, math.nan, None, math.nan, math.nan)
    prev_index = int(earlier[-1])
    previous = float(data[prev_index])
    delta = value - previous
    percent = 100.0 * delta / abs(previous) if previous != 0 else math.nan
    return Change(value, previous, prev_index, delta, percent)


def format_change(change: Change) -> tuple[str, str]:
    """The signed absolute and relative change as short strings ("+0.012", "-3.1%")."""
    if not math.isfinite(change.delta):
        return "", ""
    sign = "+" if change.delta > 0 else ""
    absolute = sign + format_value(change.delta)
    if not math.isfinite(change.percent):
        return absolute, ""
    pct = change.percent
    text = f"{pct:+.0f}%" if abs(pct) >= 100 else f"{pct:+.1f}%"
    if abs(pct) >= 1e5:
        text = f"{pct:+.1e}%"
    return absolute, text
