"""ChartGrid: several MetricChart panels at once (the overview preset, pinned metrics).

Two columns when the grid is wide, one below ``NARROW_WIDTH`` columns; rows share the height
but never shrink below ``MIN_ROW_HEIGHT``, and the grid scrolls when they would. Charts are
reused across ``show`` calls, so a live update only swaps specs and never remounts widgets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual.containers import ScrollableContainer
from textual.events import Resize

from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.plotting.spec import ChartSpec

NARROW_WIDTH = 100
"""Below this many columns the grid shows one chart per row."""

MIN_ROW_HEIGHT = 10
"""Fewer rows than this leave a chart with no room for its curve."""


class ChartGrid(ScrollableContainer, can_focus=False):
    """A grid of MetricChart panels; ``show(specs)`` sets what each one draws.

    Cursor moves in one chart are copied to the others (the message still bubbles up), so
    every panel marks the same epoch.
    """

    DEFAULT_CSS = """
    ChartGrid {
        layout: grid;
        grid-size: 2;
        grid-gutter: 0 1;
        height: 1fr;
    }
    ChartGrid.-narrow {
        grid-size: 1;
    }
    ChartGrid > MetricChart {
        height: 1fr;
        min-height: 0;
    }
    """

    def __init__(
        self,
        specs: Sequence[ChartSpec] = (),
        *,
        empty_text: str = "no metrics to chart yet",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.empty_text = empty_text
        self._specs: list[ChartSpec] = list(specs)
        self._live = False

    @property
    def charts(self) -> list[MetricChart]:
        """The chart widgets, in grid order."""
        return list(self.query_children(MetricChart))

    @property
    def columns(self) -> int:
        """How many charts share a row at the current width."""
        return 1 if self.has_class("-narrow") else 2

    def on_mount(self) -> None:
        self._live = True  # is_mounted only turns True after the mount handlers
        self.show(self._specs)

    def show(self, specs: Sequence[ChartSpec]) -> None:
        """Draw ``specs``, one chart each (an empty list shows the grid's empty word)."""
        specs = list(specs) or [ChartSpec(empty_text=self.empty_text)]
        self._specs = specs
        if not self._live:
            return
        charts = self.charts
        for chart, spec in zip(charts, specs, strict=False):
            chart.spec = spec
        if len(charts) > len(specs):
            for chart in charts[len(specs) :]:
                chart.remove()
        elif len(specs) > len(charts):
            self.mount_all(MetricChart(spec) for spec in specs[len(charts) :])
        self._fit_rows()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Share the visible height between the rows, but keep each at least MIN_ROW_HEIGHT."""
        rows = max(1, math.ceil(len(self._specs) / self.columns))
        height = self.scrollable_content_region.height or self.size.height
        fits = height // rows >= MIN_ROW_HEIGHT
        self.styles.grid_rows = "1fr" if fits else str(MIN_ROW_HEIGHT)

    def on_metric_chart_cursor_moved(self, event: MetricChart.CursorMoved) -> None:
        for chart in self.charts:
            if chart is not event.chart:
                chart.cursor_epoch = event.epoch
