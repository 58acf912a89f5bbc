"""Every value of one epoch, grouped like the metric list, with its change since last logged.

Answers "what happened at epoch 142?" once a chart cursor or a finding points there. Sparse
metrics (validation, generated samples) are compared with their own previous log rather than
the NaN of the epoch before; the change is coloured by whether it is good for that metric
(component classes, from the catalogue's ``higher_is_better``). Same filter syntax as the
metric list.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellDoesNotExist

from neuromf_tui.app.widgets.metric_list import FilterBar, fit, text_style
from neuromf_tui.data.catalogue import describe
from neuromf_tui.plotting.metric_filter import MetricFilter, compile_filter, metric_sort_key
from neuromf_tui.plotting.sparkline import change_at, format_change, format_value, trend_quality
from neuromf_tui.snapshot import RunSnapshot
from neuromf_tui.textsafe import printable

MIN_NAME_WIDTH = 12
VALUE_COLUMNS_WIDTH = 40
"""Cells the value, change and arrow columns need: long metric names are cut in the middle so
those stay visible in a narrow pane."""


class EpochInspector(Widget):
    """A table of one epoch's values and deltas; ``show(snapshot, epoch)`` to fill it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("slash", "focus_filter", "Filter values", show=False, key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "epoch-inspector--header",
        "epoch-inspector--improving",
        "epoch-inspector--worsening",
        "epoch-inspector--neutral",
        "epoch-inspector--muted",
    }

    DEFAULT_CSS = """
    EpochInspector {
        layout: vertical;
        height: 1fr;
        & > #inspector-head { dock: top; height: auto; }
        & #inspector-title { height: 1; padding: 0 1; text-style: bold; }
        & > #inspector-error { height: auto; color: $text-error; padding: 0 1; display: none; }
        & > #inspector-error.-shown { display: block; }
        & > #inspector-table { height: 1fr; border: none; }
        & > .epoch-inspector--header { color: $text-primary; text-style: bold; }
        & > .epoch-inspector--improving { color: $text-success; }
        & > .epoch-inspector--worsening { color: $text-error; }
        & > .epoch-inspector--neutral { color: $text-muted; }
        & > .epoch-inspector--muted { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: RunSnapshot | None = None
        self.epoch: int | None = None
        self.filter: MetricFilter = compile_filter("")
        self._shown: tuple[object, ...] = ()
        self._palette: tuple[Style, ...] = ()

    def compose(self) -> ComposeResult:
        # The table comes first so an app's auto-focus lands on it; title and filter are
        # docked on top.
        table: DataTable[Text] = DataTable(
            id="inspector-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("", id="inspector-error", markup=False)
        with Vertical(id="inspector-head"):
            yield Static("No epoch selected.", id="inspector-title", markup=False)
            with FilterBar():
                yield Input(
                    placeholder="/ filter: text, glob*, /re/",
                    id="inspector-filter",
                    compact=True,
                )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("metric", key="metric")
        table.add_column("value", key="value")
        table.add_column("Δ", key="delta")
        table.add_column("Δ%", key="percent")
        table.add_column("", key="arrow")

    # --- public API ----------------------------------------------------------------------
    @property
    def shown_metrics(self) -> list[str]:
        """Metric names listed, top to bottom (for tests)."""
        table = self.query_one(DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        return [k for k in keys if k is not None and not k.startswith("group:")]

    def show(self, snapshot: RunSnapshot, epoch: int) -> None:
        """List every value logged at ``epoch`` with its change since the metric's last log."""
        self.snapshot = snapshot
        self.epoch = epoch
        self._refresh_table()

    def on_resize(self) -> None:
        """Names are cut to the width: a table filled before layout, or a resized terminal,
        gets them re-fitted."""
        self._refresh_table()

    def focus_filter(self) -> None:
        self.query_one("#inspector-filter", Input).focus()

    # --- internals -----------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        return text_style(self, f"epoch-inspector--{name}")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Focus changes land here too; only a new theme needs the cells recoloured.
        if not self.is_mounted:
            return
        palette = tuple(self._style(n) for n in ("header", "improving", "worsening", "neutral"))
        if palette != self._palette:
            self._palette = palette
            self._shown = ()
            self._refresh_table()

    def _refresh_table(self) -> None:
        snapshot, epoch = self.snapshot, self.epoch
        if snapshot is None or epoch is None or not self.is_mounted:
            return
        key = (
            snapshot.name,
            snapshot.version,
            id(snapshot),
            epoch,
            self.filter.text,
            self.size.width,
        )
        if key == self._shown:
            return
        self._shown = key
        title = self.query_one("#inspector-title", Static)
        table = self.query_one(DataTable)
        values = snapshot.row(epoch)
        index = int(np.searchsorted(snapshot.epochs, epoch))
        names = sorted((n for n in values if self.filter(n)), key=metric_sort_key)
        run = printable(snapshot.name)
        if not values:
            title.update(f"{run} · epoch {epoch}: nothing logged at this epoch")
        elif self.filter.active:
            title.update(f"{run} · epoch {epoch} · {len(names)} of {len(values)} values")
        else:
            title.update(f"{run} · epoch {epoch} · {len(values)} values, Δ since last logged")
        cursor_key = self._cursor_key()
        table.clear()
        current_group: str | None = None
        for name in names:
            group = describe(name).group
            if group != current_group:
                current_group = group
                header = Text(group, style=self._style("header"))
                table.add_row(header, Text(""), Text(""), Text(""), Text(""), key=f"group:{group}")
            table.add_row(*self._cells(snapshot, name, index), key=name)
        if cursor_key is not None and cursor_key in table.rows:
            table.move_cursor(row=table.get_row_index(cursor_key), animate=False)

    def _cells(self, snapshot: RunSnapshot, name: str, index: int) -> list[Text]:
        change = change_at(snapshot.columns[name], index)
        absolute, percent = format_change(change)
        quality = trend_quality(change.arrow, describe(name).higher_is_better)
        style = self._style(quality)
        arrow = change.arrow if math.isfinite(change.delta) else ""
        width = max(MIN_NAME_WIDTH, self.size.width - VALUE_COLUMNS_WIDTH)
        return [
            Text(fit(printable(name), width).rstrip()),
            Text(format_value(change.value), justify="right"),
            Text(absolute, style=style, justify="right"),
            Text(percent, style=style, justify="right"),
            Text(arrow, style=style),
        ]

    def _cursor_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    @on(Input.Changed, "#inspector-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter = compile_filter(event.value)
        error = self.query_one("#inspector-error", Static)
        error.update(self.filter.error or "")
        error.set_class(self.filter.error is not None, "-shown")
        self._refresh_table()

    @on(Input.Submitted, "#inspector-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_focus_filter(self) -> None:
        self.focus_filter()

    def action_clear_filter(self) -> None:
        """Escape clears the filter and returns to the list; otherwise it is not ours."""
        field = self.query_one("#inspector-filter", Input)
        if not field.value and not field.has_focus:
            raise SkipAction()
        field.value = ""
        self.query_one(DataTable).focus()
