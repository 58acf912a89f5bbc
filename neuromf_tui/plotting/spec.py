"""What a chart shows (``ChartSpec``) and the drawing plan computed from it (``prepare``).

A screen builds a ``ChartSpec`` from run data; ``prepare`` turns it, for a given chart size,
into plain lists of points, limits, ticks and lines. The chart widget then only copies that
plan into plotext, so every decision (log or linear, smoothing, zoom, downsampling, what is
hidden) is testable here without an app. No Textual, Rich or plotext import.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neuromf_tui.plotting import series as core
from neuromf_tui.textsafe import printable

EMPTY_TEXT = "no data for this metric yet"
MAX_LABEL = 40
"""Legend labels and titles come from metric keys: long ones are cut to keep the plot usable."""


@dataclass(frozen=True, slots=True, eq=False)
class Series:
    """One curve: a label, epochs (x) and values (y), NaN where the metric was not logged.

    ``metric`` is the catalogue name used for automatic log scale (defaults to ``label``);
    ``colour`` indexes the theme's data colours (None: the series' position in the chart).
    Compared by identity, as numpy arrays have no single truth value.
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    sparse: bool = False
    colour: int | None = None
    metric: str | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64).reshape(-1)
        y = np.asarray(self.y, dtype=np.float64).reshape(-1)
        if x.shape != y.shape:
            raise ValueError(f"series {self.label!r}: {x.size} epochs but {y.size} values")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def name(self) -> str:
        """The catalogue name of the metric."""
        return self.metric or self.label


@dataclass(frozen=True, slots=True, eq=False)
class ChartSpec:
    """Everything one chart shows; assign a new one to redraw (it is never mutated).

    ``log`` None picks the scale from the catalogue and the data; ``smoothing`` is
    TensorBoard's weight (0 = off; when on, the raw curve is drawn faint behind);
    ``zoom_last`` keeps the last N epochs, counted back from ``zoom_end`` (None: the newest
    epoch, so the window follows a live run); ``normalise`` scales every series to [0, 1];
    ``reference`` draws the expected value as a horizontal line; ``marks`` (e.g. finding
    onsets) and ``cursor_epoch`` draw vertical lines; ``y_range`` is the least y extent shown.
    """

    series: tuple[Series, ...] = ()
    title: str = ""
    log: bool | None = None
    smoothing: float = 0.0
    zoom_last: int | None = None
    zoom_end: int | None = None
    normalise: bool = False
    reference: float | None = None
    marks: tuple[int, ...] = ()
    cursor_epoch: int | None = None
    y_range: tuple[float, float] | None = None
    empty_text: str = EMPTY_TEXT

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(self.series))
        object.__setattr__(self, "marks", tuple(self.marks))
        if not 0.0 <= self.smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {self.smoothing!r}")

    def epochs(self) -> np.ndarray:
        """Sorted unique epochs with a finite value in any series, inside the zoom window."""
        xs = [s.x[np.isfinite(s.x) & np.isfinite(s.y)] for s in self.series]
        every = np.unique(np.concatenate(xs)) if xs else np.empty(0)
        if self.zoom_last is not None and every.size:
            every = every[core.zoom_last(every, self.zoom_last, self.zoom_end)]
        return every


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
    """The drawing plan for one ``ChartSpec`` at one size, ready for a linear plotext axis.

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


def _use_log(spec: ChartSpec) -> bool:
    """Explicit choice, else log only when every series would want it (one shared axis)."""
    if spec.normalise:
        return False
    if spec.log is not None:
        return spec.log
    present = [s for s in spec.series if np.isfinite(s.y).any()]
    return bool(present) and all(core.auto_log(s.name, s.y) for s in present)


def _limits(
    values: list[np.ndarray], log: bool, floor: tuple[float, float] | None
) -> tuple[float, float]:
    """y limits over every drawn value, widened to ``floor`` (the spec's y_range)."""
    finite = [v[np.isfinite(v)] for v in values]
    joined = np.concatenate(finite) if finite else np.empty(0)
    if floor is not None and (not log or min(floor) > 0):
        joined = np.r_[joined, floor]
    if joined.size == 0:
        return (0.1, 10.0) if log else (0.0, 1.0)
    lo, hi = float(joined.min()), float(joined.max())
    if lo == hi:
        if log:
            return lo / math.sqrt(10.0), hi * math.sqrt(10.0)
        pad = abs(lo) * 0.5 if lo != 0 else 1.0
        return lo - pad, hi + pad
    return lo, hi


def _reference_fits(ref: float, lo: float, hi: float, log: bool) -> bool:
    """A reference line is drawn when it lies near the data, so it never squashes the curves."""
    if log:
        return ref > 0 and lo / 10.0 <= ref <= hi * 10.0
    span = hi - lo
    return lo - 0.5 * span <= ref <= hi + 0.5 * span


def prepare(spec: ChartSpec, width: int = 80, height: int = 20) -> PreparedChart:
    """The drawing plan for ``spec`` on a ``width`` x ``height`` character chart.

    Smoothing runs on the full series before zooming (so the window starts with history);
    each curve is then downsampled to about two points per column, which keeps redraws fast on
    runs of any length.
    """
    log = _use_log(spec)
    columns = max(8, width - 10)
    newest = spec.zoom_end
    if newest is None:
        newest = max(
            (b[1] for s in spec.series if (b := core.finite_bounds(s.x)) is not None),
            default=None,
        )
    multi = len(spec.series) > 1
    layers: list[Layer] = []
    drawn: list[np.ndarray] = []
    xs_drawn: list[np.ndarray] = []
    hidden = 0
    for index, s in enumerate(spec.series):
        colour = index if s.colour is None else s.colour
        raw = s.y
        smooth = core.debiased_ema(raw, spec.smoothing) if spec.smoothing > 0 else None
        keep = core.zoom_last(s.x, spec.zoom_last, newest)
        x, raw = s.x[keep], raw[keep]
        smooth = smooth[keep] if smooth is not None else None
        if spec.normalise:
            scale_over = raw
            raw = core.normalise(raw, over=scale_over)
            smooth = core.normalise(smooth, over=scale_over) if smooth is not None else None
        if log:
            raw, lost = core.log_safe(raw)
            hidden += lost
            if smooth is not None:
                smooth, _ = core.log_safe(smooth)
        label = clean_label(s.label) if multi else None
        curves = [(raw, smooth is not None)] + ([(smooth, False)] if smooth is not None else [])
        for values, faint in curves:
            ok = np.isfinite(x) & np.isfinite(values)
            px, py = core.downsample_minmax(x[ok], values[ok], columns)
            if px.size == 0:
                continue
            drawn.append(py)
            xs_drawn.append(px)
            layers.append(
                Layer(
                    px.tolist(),
                    py.tolist(),
                    colour,
                    label=None if faint else label,
                    faint=faint,
                    points=s.sparse,
                )
            )
    notes = _notes(spec, hidden)
    title = clean_label(spec.title, max(MAX_LABEL, width - 4)) if spec.title else ""
    if not layers:
        return PreparedChart(title=title, log=log, hidden=hidden, notes=notes, empty=True)
    # Faint raw layers go first so the smoothed curves are drawn over them.
    layers.sort(key=lambda layer: not layer.faint)
    all_x = np.concatenate(xs_drawn)
    xlo, xhi = float(all_x.min()), float(all_x.max())
    if xlo == xhi:
        xlo, xhi = xlo - 1.0, xhi + 1.0
    floor = None if spec.normalise else spec.y_range
    ylo, yhi = _limits(drawn, log, floor)
    reference = spec.reference if not spec.normalise else None
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
        core.log_ticks(ylo, yhi, min(5, rows // 2))
        if log
        else core.nice_ticks(ylo, yhi, min(5, max(2, rows // 2)))
    )
    if log:
        # plotext's own log scale re-applies log10 on every build, so the plan is drawn in
        # log10 space on a linear axis, with tick labels still showing the real values.
        layers = [dataclasses.replace(layer, y=np.log10(layer.y).tolist()) for layer in layers]
        ylo, yhi = math.log10(ylo), math.log10(yhi)
        yticks = ([math.log10(t) for t in yticks[0]], yticks[1])
        reference = math.log10(reference) if reference is not None else None
    xticks = core.nice_ticks(xlo, xhi, max(2, min(6, width // 14)), integer=True)
    marks = tuple(float(m) for m in spec.marks if xlo <= m <= xhi)
    cursor = spec.cursor_epoch
    return PreparedChart(
        layers=tuple(layers),
        title=title,
        log=log,
        xlim=(xlo, xhi),
        ylim=(ylo, yhi),
        xticks=xticks,
        yticks=yticks,
        reference=reference,
        marks=marks,
        cursor=float(cursor) if cursor is not None and xlo <= cursor <= xhi else None,
        hidden=hidden,
        notes=notes,
        empty=False,
    )


def _notes(spec: ChartSpec, hidden: int) -> tuple[str, ...]:
    """Short words the chart adds after its title, so a transformed view never passes as raw."""
    notes = []
    if spec.smoothing > 0:
        notes.append(f"smoothed {spec.smoothing:g}")
    if spec.zoom_last is not None:
        notes.append(f"last {spec.zoom_last} epoch{'s' if spec.zoom_last != 1 else ''}")
    if spec.normalise:
        notes.append("normalised")
    if hidden:
        notes.append(f"{hidden} non-positive value{'s' if hidden != 1 else ''} hidden")
    return tuple(notes)


def full_title(plan: PreparedChart, width: int | None = None) -> str:
    """The title line the chart shows (title, then its notes), cut to fit ``width``.

    plotext silently drops a title that does not fit, so cutting it is better than losing it.
    """
    text = " · ".join(part for part in (plan.title, *plan.notes) if part)
    if width is not None and len(text) > max(1, width - 2):
        text = text[: max(1, width - 3)] + "…"
    return text


def series_from_columns(
    epochs: Sequence[float] | np.ndarray,
    columns: dict[str, np.ndarray],
    names: Sequence[str],
) -> tuple[Series, ...]:
    """One Series per name present in ``columns``, drawn as points when the metric is sparse."""
    x = np.asarray(epochs, dtype=np.float64)
    out = []
    for index, name in enumerate(names):
        y = columns.get(name)
        if y is None:
            continue
        out.append(Series(name, x, y, sparse=core.draw_as_points(name, y), colour=index))
    return tuple(out)
