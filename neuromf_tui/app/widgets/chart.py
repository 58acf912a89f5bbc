"""MetricChart: one plotext chart drawing a ``ChartSpec``, with an epoch cursor.

The widget is deliberately thin: ``neuromf_tui.plotting.spec.prepare`` decides every point,
limit, tick and line (smoothing, zoom, log-safe values, downsampling to ~2 points per column),
and this module copies that plan into its own plotext figure. Redraws are coalesced to at most
one per ``REDRAW_INTERVAL`` so a burst of live updates cannot freeze the UI, and the built
plot is cached until the data, size or theme changes.
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual_plotext import PlotextPlot
from textual_plotext.plot import _themes

from neuromf_tui.plotting.glance import glance_plan
from neuromf_tui.plotting.plan import EMPTY_TEXT, PreparedChart, full_title

if TYPE_CHECKING:
    from neuromf_tui.data.glance import Glance
    from neuromf_tui.plotting.spec import ChartSpec

REDRAW_INTERVAL = 0.1
"""Seconds between two redraws at most; later requests in the window are merged into one."""

_FALLBACK_SIZE = (80, 20)


class MetricChart(PlotextPlot, can_focus=True):
    """A line chart of one or more metrics against epochs; assign ``spec`` to redraw."""

    DEFAULT_CSS = """
    MetricChart {
        width: 1fr;
        height: 1fr;
        min-height: 5;
        content-align: center middle;
        border-left: blank;
    }
    MetricChart:focus {
        border-left: outer $accent;
    }
    MetricChart > .metric-chart--cursor {
        color: $accent;
    }
    MetricChart > .metric-chart--mark {
        color: $warning;
    }
    MetricChart > .metric-chart--reference {
        color: $success;
    }
    MetricChart > .metric-chart--empty {
        color: $text-muted;
        text-style: italic;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-chart--cursor",
        "metric-chart--mark",
        "metric-chart--reference",
        "metric-chart--empty",
    }
    """Colours of the cursor line, finding marks, the expected-value line and the empty word."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move_cursor(-1)", "Earlier epoch"),
        Binding("right", "move_cursor(1)", "Later epoch"),
        Binding("home", "cursor_to('first')", "First epoch", show=False),
        Binding("end", "cursor_to('last')", "Last epoch", show=False),
    ]

    class CursorMoved(Message):
        """The user moved this chart's epoch cursor (other views may follow it)."""

        def __init__(self, chart: MetricChart, epoch: int) -> None:
            super().__init__()
            self.chart = chart
            self.epoch = epoch

        @property
        def control(self) -> MetricChart:
            return self.chart

    spec: reactive[ChartSpec | None] = reactive(None, always_update=True, repaint=False, init=False)
    """What to draw (None: nothing yet); a new spec also sets the cursor to its cursor_epoch."""

    cursor_epoch: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The epoch under the cursor line (moved by the keys), or None for no cursor."""

    def __init__(
        self,
        spec: ChartSpec | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._epochs: list[float] = []
        self._glance: Glance | None = None
        self._plan: PreparedChart | None = None
        self._version = 0
        self._cache_key: tuple[object, ...] | None = None
        self._cache: RenderResult | None = None
        self._timer: Timer | None = None
        self._last_draw = -REDRAW_INTERVAL
        self._live = False
        self.last_draw_seconds = 0.0
        """How long the latest data-to-plot step took (prepare + plotext calls), for tests."""
        if spec is not None:
            self.set_reactive(MetricChart.spec, spec)

    @property
    def plan(self) -> PreparedChart | None:
        """The drawing plan of the latest redraw (what is on screen), None before the first."""
        return self._plan

    def on_mount(self) -> None:
        self._live = True  # is_mounted only turns True after the mount handlers
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._schedule())
        self.watch_spec(self.spec)

    def on_resize(self) -> None:
        self._schedule()

    def watch_spec(self, spec: ChartSpec | None) -> None:
        if spec is None:
            return
        self._glance = None
        self._epochs = spec.epochs().tolist()
        self.set_reactive(MetricChart.cursor_epoch, spec.cursor_epoch)
        self._schedule()

    def show_glance(self, glance: Glance) -> None:
        """Draw a run's headline metric from plain lists until the first spec arrives.

        The app's first frame: the full load (numpy, derived metrics) replaces it with a spec
        that draws the same chart.
        """
        if self.spec is not None:
            return
        self._glance = glance
        self._epochs = [float(e) for e in glance.epochs]
        self.set_reactive(MetricChart.cursor_epoch, glance.epochs[-1])
        self._schedule()

    def watch_cursor_epoch(self) -> None:
        self._schedule()

    def set_spec(self, spec: ChartSpec) -> None:
        """Show ``spec`` (same as assigning ``chart.spec``)."""
        self.spec = spec

    # -- cursor ---------------------------------------------------------------------------

    def action_move_cursor(self, step: int) -> None:
        """Move the cursor to the previous or next epoch that has data."""
        epochs = self._epochs
        if not epochs:
            return
        current = self.cursor_epoch
        if current is None:
            target = epochs[-1]
        elif step < 0:
            target = epochs[max(bisect.bisect_left(epochs, current) - 1, 0)]
        else:
            target = epochs[min(bisect.bisect_right(epochs, current), len(epochs) - 1)]
        self._move_to(int(target))

    def action_cursor_to(self, where: str) -> None:
        """Jump the cursor to the first or the last epoch."""
        if self._epochs:
            self._move_to(int(self._epochs[0] if where == "first" else self._epochs[-1]))

    def _move_to(self, epoch: int) -> None:
        if epoch != self.cursor_epoch:
            self.cursor_epoch = epoch
            self.post_message(self.CursorMoved(self, epoch))

    # -- drawing --------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Redraw now, or once at the end of the current throttle window.

        Nothing happens before the first layout: the first Resize then draws at once, at the
        real size.
        """
        if not self._live or self._timer is not None or not self.content_size.width:
            return
        wait = self._last_draw + REDRAW_INTERVAL - time.monotonic()
        if wait <= 0 or self._plan is None or self._plan.empty:
            # The first data after an empty frame is drawn at once (time to first chart).
            self.redraw()
        else:
            self._timer = self.set_timer(wait, self.redraw)

    def redraw(self) -> None:
        """Rebuild the plot from ``spec`` at the current size, skipping the throttle."""
        self._draw()
        self.refresh()

    def _draw(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        started = time.perf_counter()
        width, height = self.content_size if self.content_size.width else _FALLBACK_SIZE
        spec = self.spec
        if spec is None:
            glance = self._glance
            plan = (
                glance_plan(glance, width, height, self.cursor_epoch) if glance else PreparedChart()
            )
        else:
            from neuromf_tui.plotting.spec import prepare

            if spec.cursor_epoch != self.cursor_epoch:
                spec = dataclasses.replace(spec, cursor_epoch=self.cursor_epoch)
            plan = prepare(spec, width, height)
        self._plot_plan(plan, width)
        self._plan = plan
        self._version += 1
        self._last_draw = time.monotonic()
        self.last_draw_seconds = time.perf_counter() - started

    def _plot_plan(self, plan: PreparedChart, width: int) -> None:
        """Copy the plan into plotext: layers, limits, ticks, lines and title."""
        plt = self.plt
        plt.clear_figure()
        theme = self._get_plotext_theme_name(self.app.theme)
        if theme not in _themes:
            self._register_theme(self.app.theme)
        plt.theme(theme)
        if plan.empty:
            return
        palette = list(_themes.get(theme, _themes["textual-default"])[4]) or ["default"]
        for layer in plan.layers:
            colour = palette[layer.colour % len(palette)]
            if layer.points:
                plt.scatter(layer.x, layer.y, marker="dot", color=colour, label=layer.label)
            elif layer.faint:
                # Figure.plot() drops the style argument; the drawing call underneath keeps it.
                plt._draw(layer.x, layer.y, lines=True, color=colour, style="dim")
            else:
                plt.plot(layer.x, layer.y, color=colour, label=layer.label)
        plt.ylim(*plan.ylim)
        plt.xlim(*plan.xlim)
        plt.xticks(*plan.xticks)
        plt.yticks(*plan.yticks)
        if plan.reference is not None:
            plt.horizontal_line(plan.reference, color=self._rgb("metric-chart--reference"))
        for mark in plan.marks:
            plt.vertical_line(mark, color=self._rgb("metric-chart--mark"))
        if plan.cursor is not None:
            plt.vertical_line(plan.cursor, color=self._rgb("metric-chart--cursor"))
        plt.title(full_title(plan, width))

    def _rgb(self, component: str) -> tuple[int, int, int]:
        """A component class's colour (from the theme via CSS) as plotext's RGB triple."""
        return self.get_component_styles(component).color.rgb

    def render(self) -> RenderResult:
        has_data = self._glance is not None if self.spec is None else bool(self.spec.series)
        if has_data and self.content_size.width and (self._plan is None or self._plan.empty):
            self._draw()  # first data: draw in this frame rather than the next
        plan = self._plan
        if plan is None or plan.empty:
            return self._render_empty(plan)
        key = (self.size, self.app.theme, self.theme, self._version)
        if key != self._cache_key or self._cache is None:
            self._cache = super().render()
            self._cache_key = key
        return self._cache

    def _render_empty(self, plan: PreparedChart | None) -> Text:
        """The empty word instead of an empty frame, under the chart's title."""
        style = self.get_component_rich_style("metric-chart--empty")
        text = Text(justify="center")
        title = full_title(plan, self.content_size.width) if plan is not None else ""
        if title:
            text.append(title + "\n")
        text.append(self.spec.empty_text if self.spec is not None else EMPTY_TEXT, style=style)
        return text
