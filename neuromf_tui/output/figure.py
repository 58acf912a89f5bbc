"""Draw a FigurePlan with matplotlib (Agg, no pyplot): one PNG, panels on a shared epoch axis.

The plan (``output.figure_plan``) decided what to show; this module only draws it the way the
app does: log axes for losses and norms, sparse metrics as markers, the expected value as a
dotted line, open findings as dashed lines at their first epoch. Using ``Figure`` with the Agg
canvas directly keeps pyplot's global state out, so the app can export from a worker thread.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from neuromf_tui.output.destination import write_via_temp
from neuromf_tui.output.figure_plan import FigurePlan, Line, Panel
from neuromf_tui.output.optional import require
from neuromf_tui.plotting import series as core

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 150
"""The spec asks for 150+ dpi."""
MAX_MARK_LEGEND = 10
COLUMN_WIDTH = 6.4
ROW_HEIGHT = 2.3


def panel_log(panel: Panel) -> bool:
    """The app's rule: explicit choice, else log when every drawn metric wants it."""
    if panel.normalise:
        return False
    if panel.log is not None:
        return panel.log
    return core.shared_log((line.metric, line.y) for line in panel.lines)


class _Curve(NamedTuple):
    x: np.ndarray
    y: np.ndarray
    smooth_x: np.ndarray
    smooth_y: np.ndarray
    hidden: int


def _points(panel: Panel, line: Line, log: bool) -> _Curve:
    """One line ready to draw: zoomed, normalised, log-safe.

    Smoothing runs on the whole series before the zoom, as in the app; the smoothed arrays
    are empty without smoothing; ``hidden`` counts non-positive values a log axis cannot show.
    """
    x, y = line.x, line.y
    smooth = core.debiased_ema(y, panel.smoothing) if panel.smoothing > 0 else None
    newest = panel.zoom_end
    if newest is None and panel.zoom_last is not None:
        bounds = [b[1] for ln in panel.lines if (b := core.finite_bounds(ln.x)) is not None]
        newest = max(bounds) if bounds else None
    keep = core.zoom_last(x, panel.zoom_last, newest)
    x, y = x[keep], y[keep]
    smooth = smooth[keep] if smooth is not None else np.empty(0)
    if panel.normalise:
        scale = y
        y = core.normalise(y, over=scale)
        smooth = core.normalise(smooth, over=scale) if smooth.size else smooth
    hidden = 0
    if log:
        y, hidden = core.log_safe(y)
        if smooth.size:
            smooth, _ = core.log_safe(smooth)
    ok = np.isfinite(x) & np.isfinite(y)
    if smooth.size:
        fine = np.isfinite(x) & np.isfinite(smooth)
        return _Curve(x[ok], y[ok], x[fine], smooth[fine], hidden)
    return _Curve(x[ok], y[ok], np.empty(0), np.empty(0), hidden)


def _draw_panel(ax: Axes, panel: Panel, several_runs: bool) -> None:
    log = panel_log(panel)
    hidden = 0
    drawn: list[np.ndarray] = []
    for line in panel.lines:
        x, y, sx, sy, lost = _points(panel, line, log)
        hidden += lost
        if y.size:
            drawn.append(y)
        faint = sy.size > 0
        raw_label = "_nolegend_" if faint else line.label
        if line.points:
            ax.plot(
                x,
                y,
                linestyle="none",
                marker="o",
                markersize=2.5,
                color=line.colour,
                alpha=0.35 if faint else 1.0,
                label=raw_label,
            )
        else:
            ax.plot(
                x,
                y,
                linestyle=line.style,
                linewidth=1.0 if faint else 1.3,
                color=line.colour,
                alpha=0.3 if faint else 1.0,
                label=raw_label,
            )
        if faint:
            ax.plot(
                sx, sy, linestyle=line.style, linewidth=1.4, color=line.colour, label=line.label
            )
    if log:
        _log_axis(ax, drawn)
    _limits(ax, panel, drawn, log)
    for mark in panel.marks:
        ax.axvline(mark.epoch, color=mark.colour, linestyle="--", linewidth=0.9, alpha=0.8)
    notes = [
        n
        for n in (
            "normalised" if panel.normalise else "",
            f"smoothed {panel.smoothing:g}" if panel.smoothing else "",
            f"last {panel.zoom_last} epochs" if panel.zoom_last else "",
            f"{hidden} non-positive hidden" if hidden else "",
        )
        if n
    ]
    ax.set_title(" · ".join([panel.title, *notes]), fontsize=9, loc="left")
    ax.grid(True, which="major", alpha=0.25, linewidth=0.6)
    ax.tick_params(which="both", labelsize=8)
    _panel_legend(ax, panel, several_runs)


def _log_axis(ax: Axes, drawn: list[np.ndarray]) -> None:
    """A log y axis; within one decade its ticks read as plain numbers (0.995, not 9.95×10⁻¹)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale("log")
    values = np.concatenate(drawn) if drawn else np.empty(0)
    if values.size and values.max() < values.min() * 10.0:
        plain = FuncFormatter(lambda value, _pos: f"{value:.4g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)


def _limits(ax: Axes, panel: Panel, drawn: list[np.ndarray], log: bool) -> None:
    """The panel's least y range and its reference line, when it lies near the data."""
    values = np.concatenate(drawn) if drawn else np.empty(0)
    if not values.size:
        return
    lo, hi = float(values.min()), float(values.max())
    if panel.y_range is not None and not panel.normalise and (not log or min(panel.y_range) > 0):
        lo, hi = min(lo, panel.y_range[0]), max(hi, panel.y_range[1])
        pad = 0.04 * (hi - lo) if hi > lo else 0.1
        ax.set_ylim(lo - pad, hi + pad)
    ref = panel.reference
    if ref is None or panel.normalise or not math.isfinite(ref):
        return
    near = (
        ref > 0 and lo / 10.0 <= ref <= hi * 10.0
        if log
        else lo - 0.5 * (hi - lo) <= ref <= hi + 0.5 * (hi - lo)
    )
    if near:
        ax.axhline(ref, color="#555555", linestyle=":", linewidth=1.0)


def _panel_legend(ax: Axes, panel: Panel, several_runs: bool) -> None:
    """Several runs: colours are in the figure's run legend, so a panel lists its metrics by
    line style; one run: the panel lists its curves when it has more than one."""
    from matplotlib.lines import Line2D

    if several_runs:
        styles = dict.fromkeys((line.label, line.style) for line in panel.lines)
        if len(styles) > 1:
            handles = [
                Line2D([], [], color="#333333", linestyle=s, label=label) for label, s in styles
            ]
            ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.7)
    elif len(panel.lines) > 1:
        ax.legend(fontsize=7, loc="best", framealpha=0.7)


def build_figure(plan: FigurePlan, dpi: int = DPI) -> Figure:
    """The plan drawn on one figure: exactly one axes per panel, all sharing the epoch axis."""
    require("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    count = len(plan.panels)
    if count == 0:
        raise ValueError("nothing to plot: no panel has data")
    cols = 1 if count <= 3 else 2
    rows = math.ceil(count / cols)
    marks = plan.marks
    legend_rows = min(len(marks), MAX_MARK_LEGEND + 1)
    size = (
        COLUMN_WIDTH * cols + 0.6 + (2.4 if plan.runs else 0.0),
        ROW_HEIGHT * rows + 0.9 + 0.2 * legend_rows,
    )
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    first = None
    for index, panel in enumerate(plan.panels):
        ax = fig.add_subplot(rows, cols, index + 1, sharex=first)
        first = first or ax
        _draw_panel(ax, panel, bool(plan.runs))
        if index + cols < count:
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel("epoch", fontsize=8)
    fig.suptitle(plan.title, fontsize=11)
    if plan.runs:
        handles = [Line2D([], [], color=c, linewidth=2, label=name) for name, c in plan.runs]
        fig.legend(
            handles=handles, loc="outside right upper", fontsize=8, frameon=False, title="runs"
        )
    if marks:
        shown = marks[:MAX_MARK_LEGEND]
        handles = [Line2D([], [], color=m.colour, linestyle="--", label=m.label) for m in shown]
        if len(marks) > len(shown):
            handles.append(Line2D([], [], color="none", label=f"… {len(marks) - len(shown)} more"))
        fig.legend(
            handles=handles,
            loc="outside lower center",
            fontsize=7,
            frameon=False,
            title="open findings (dashed line: first epoch)",
            title_fontsize=8,
        )
    return fig


def save_png(plan: FigurePlan, path: Path, dpi: int = DPI) -> None:
    """Draw ``plan`` and write it to ``path`` as PNG (replacing it only once complete)."""
    fig = build_figure(plan, dpi)
    write_via_temp(path, lambda temp: fig.savefig(temp, format="png", dpi=dpi))
