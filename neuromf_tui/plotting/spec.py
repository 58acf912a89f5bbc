"""What a chart shows (``ChartSpec``) and the drawing plan computed from it (``prepare``).

A screen builds a ``ChartSpec`` from run data; ``prepare`` turns it, for a given chart size,
into plain lists of points, limits, ticks and lines. The chart widget then only copies that
plan into plotext, so every decision (log or linear, smoothing, zoom, downsampling, what is
hidden) is testable here without an app. No Textual, Rich or plotext import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neuromf_tui.plotting import series as core
from neuromf_tui.plotting.plan import (
    EMPTY_TEXT,
    Frame,
    Layer,
    PreparedChart,
    clean_label,
    finish,
    notes_for,
    title_of,
)


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


def _use_log(spec: ChartSpec) -> bool:
    """Explicit choice, else log only when every series would want it (one shared axis)."""
    if spec.normalise:
        return False
    if spec.log is not None:
        return spec.log
    return core.shared_log((s.name, s.y) for s in spec.series)


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
    notes = notes_for(spec.smoothing, spec.zoom_last, spec.normalise, hidden)
    title = title_of(spec.title, width)
    if not layers:
        return PreparedChart(title=title, log=log, hidden=hidden, notes=notes, empty=True)
    all_x = np.concatenate(xs_drawn)
    finite = np.concatenate(drawn)
    frame = Frame(
        x_bounds=(float(all_x.min()), float(all_x.max())),
        y_bounds=(float(finite.min()), float(finite.max())) if finite.size else None,
        log=log,
        title=title,
        notes=notes,
        hidden=hidden,
        y_range=None if spec.normalise else spec.y_range,
        reference=spec.reference if not spec.normalise else None,
        marks=spec.marks,
        cursor_epoch=spec.cursor_epoch,
    )
    return finish(layers, frame, width, height)


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
