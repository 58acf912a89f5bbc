"""The drawing plan a chart widget copies into plotext, and the steps that finish it.

``spec.prepare`` (numpy, any run length) and ``glance.glance_plan`` (plain Python, for the
first frame before numpy has loaded) both end here, so the first chart and every later one
share their limits, ticks, log handling and title rules. No numpy, Textual or plotext import.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from neuromf_tui.plotting.ticks import log_ticks, nice_ticks
from neuromf_tui.textsafe import printable

EMPTY_TEXT = "no data for this metric yet"
MAX_LABEL = 40
"""Legend labels and titles come from metric keys: long ones are cut to keep the plot usable."""
LOG_SPAN_DECADES = 1.5
"""Finite positive values spanning more decades than this make a log axis worth it."""


@dataclass(frozen=True, slots=True)
class Layer:
    """One plotext call: points to draw, their colour index and how to draw them."""

    x: list[float]
    y: list[float]
    colour: int
    label: str | None = None
    faint: bool = False
    points: bool = False


@dataclass(frozen=True, slots=True)
class PreparedChart:
    """The drawing plan for one chart at one size, ready for a linear plotext axis.

    When ``log`` is True the y values, ``ylim``, y tick positions and ``reference`` are already
    log10 of the data (the tick labels show the data values).
    """

    layers: tuple[Layer, ...] = ()
    title: str = ""
    log: bool = False
    xlim: tuple[float, float] = (0.0, 1.0)
    ylim: tuple[float, float] = (0.0, 1.0)
    xticks: tuple[list[float], list[str]] = ([], [])
    yticks: tuple[list[float], list[str]] = ([], [])
    reference: float | None = None
    marks: tuple[float, ...] = ()
    cursor: float | None = None
    hidden: int = 0
    notes: tuple[str, ...] = field(default=())
    empty: bool = True


def clean_label(text: str, limit: int = MAX_LABEL) -> str:
    """Untrusted metric or run names made printable and cut to ``limit`` characters."""
    text = printable(str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def full_title(plan: PreparedChart, width: int | None = None) -> str:
    """The title line the chart shows (title, then its notes), cut to fit ``width``.

    plotext silently drops a title that does not fit, so cutting it is better than losing it.
    """
    text = " · ".join(part for part in (plan.title, *plan.notes) if part)
    if width is not None and len(text) > max(1, width - 2):
        text = text[: max(1, width - 3)] + "…"
    return text


def log_wanted(finite: int, positive: int, low: float, high: float) -> bool:
    """The data half of the automatic log axis, for a metric the catalogue calls "log".

    ``finite`` and ``positive`` count the values; ``low``/``high`` bound the positive ones.
    Log when every finite value is positive, or when the positive ones span more than ~1.5
    decades and non-positive values are a small minority (they are hidden and counted).
    """
    if finite == 0:
        return True
    if positive == 0 or positive * 2 <= finite:
        return False
    if positive == finite:
        return True
    return math.log10(high / low) > LOG_SPAN_DECADES


def notes_for(
    smoothing: float, zoom_last: int | None, normalise: bool, hidden: int
) -> tuple[str, ...]:
    """Short words the chart adds after its title, so a transformed view never passes as raw."""
    notes = []
    if smoothing > 0:
        notes.append(f"smoothed {smoothing:g}")
    if zoom_last is not None:
        notes.append(f"last {zoom_last} epoch{'s' if zoom_last != 1 else ''}")
    if normalise:
        notes.append("normalised")
    if hidden:
        notes.append(f"{hidden} non-positive value{'s' if hidden != 1 else ''} hidden")
    return tuple(notes)


def least_y_range(metric: str) -> tuple[float, float] | None:
    """Cosine similarities are read against their whole [0, 1] range, not zoomed into noise."""
    if metric.startswith("cosine") or ".cosine_" in metric:
        return (0.0, 1.0)
    return None


def title_of(title: str, width: int) -> str:
    """The spec's title made safe and cut to the chart's width."""
    return clean_label(title, max(MAX_LABEL, width - 4)) if title else ""


def _padded(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """Limits for data with no spread: a decade around it (log) or half its size (linear)."""
    if lo != hi:
        return lo, hi
    if log:
        return lo / math.sqrt(10.0), hi * math.sqrt(10.0)
    pad = abs(lo) * 0.5 if lo != 0 else 1.0
    return lo - pad, hi + pad


def _reference_fits(ref: float, lo: float, hi: float, log: bool) -> bool:
    """A reference line is drawn when it lies near the data, so it never squashes the curves."""
    if log:
        return ref > 0 and lo / 10.0 <= ref <= hi * 10.0
    span = hi - lo
    return lo - 0.5 * span <= ref <= hi + 0.5 * span


@dataclass(frozen=True, slots=True)
class Frame:
    """What is known once the layers are built: data bounds and the lines to add."""

    x_bounds: tuple[float, float]
    y_bounds: tuple[float, float] | None
    """Bounds of every drawn y value; None when no finite value is drawn."""
    log: bool
    title: str = ""
    notes: tuple[str, ...] = ()
    hidden: int = 0
    y_range: tuple[float, float] | None = None
    reference: float | None = None
    marks: Sequence[int] = ()
    cursor_epoch: int | None = None


def finish(layers: list[Layer], frame: Frame, width: int, height: int) -> PreparedChart:
    """Limits, ticks, lines and log10 transform for layers drawn in data space."""
    # Faint raw layers go first so the smoothed curves are drawn over them.
    layers = sorted(layers, key=lambda layer: not layer.faint)
    log = frame.log
    xlo, xhi = frame.x_bounds
    if xlo == xhi:
        xlo, xhi = xlo - 1.0, xhi + 1.0
    bounds = list(frame.y_bounds or ())
    floor = frame.y_range
    if floor is not None and (not log or min(floor) > 0):
        bounds += list(floor)
    if bounds:
        ylo, yhi = _padded(min(bounds), max(bounds), log)
    else:
        ylo, yhi = (0.1, 10.0) if log else (0.0, 1.0)
    reference = frame.reference
    if (
        reference is not None
        and math.isfinite(reference)
        and _reference_fits(reference, ylo, yhi, log)
    ):
        ylo, yhi = min(ylo, reference), max(yhi, reference)
    else:
        reference = None
    rows = max(2, height - 4)
    yticks = (
        log_ticks(ylo, yhi, min(5, rows // 2))
        if log
        else nice_ticks(ylo, yhi, min(5, max(2, rows // 2)))
    )
    if log:
        # plotext's own log scale re-applies log10 on every build, so the plan is drawn in
        # log10 space on a linear axis, with tick labels still showing the real values.
        layers = [
            dataclasses.replace(layer, y=[math.log10(v) for v in layer.y]) for layer in layers
        ]
        ylo, yhi = math.log10(ylo), math.log10(yhi)
        yticks = ([math.log10(t) for t in yticks[0]], yticks[1])
        reference = math.log10(reference) if reference is not None else None
    xticks = nice_ticks(xlo, xhi, max(2, min(6, width // 14)), integer=True)
    marks = tuple(float(m) for m in frame.marks if xlo <= m <= xhi)
    cursor = frame.cursor_epoch
    return PreparedChart(
        layers=tuple(layers),
        title=frame.title,
        log=log,
        xlim=(xlo, xhi),
        ylim=(ylo, yhi),
        xticks=xticks,
        yticks=yticks,
        reference=reference,
        marks=marks,
        cursor=float(cursor) if cursor is not None and xlo <= cursor <= xhi else None,
        hidden=frame.hidden,
        notes=frame.notes,
        empty=False,
    )
