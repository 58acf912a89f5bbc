"""Every metric of the selected run, grouped like the spec, with value, sparkline and trend.

A real run logs ~100 scalar metrics plus ~200 histogram bins, and the list is redrawn every
second while a run is live. So the rows are not widgets: ``MetricRows`` is a line-API scroll
view that keeps a flat list of row descriptions and renders only the visible lines, computing
each row's numbers (``neuromf_tui.plotting.sparkline.summarise``) lazily and caching them per
snapshot. Numbered families with many siblings (``sampling.t_hist_counts.0..49``) fold into
one row. Colours come from component classes (trend quality, finding severity), never inline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static

from neuromf_tui.data.catalogue import describe
from neuromf_tui.plotting.metric_filter import (
    MetricFilter,
    Row,
    build_rows,
    compile_filter,
    family_prefixes,
)
from neuromf_tui.plotting.sparkline import SeriesSummary, summarise, trend_quality
from neuromf_tui.snapshot import RunSnapshot
from neuromf_tui.textsafe import printable

FLAG = "⚑"
PIN = "•"
FOLDED, UNFOLDED = "▸", "▾"

_CURSOR_PLAIN = frozenset(
    {"metric-list--name", "metric-list--value", "metric-list--spark", "metric-list--family"}
)


class FilterBar(Horizontal):
    """Holds a filter Input that a key (``/``, ctrl+f) or a click focuses, but Tab skips.

    Focus order follows screen position, so a filter above its list would otherwise catch
    the Tab meant for the list, and j/k would then type into it.
    """

    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        padding: 0 1;
        & > Input { width: 1fr; }
    }
    """

    def allow_focus_children(self) -> bool:
        return self.has_focus_within


def text_style(widget: Widget, component: str) -> Style:
    """The foreground of a component class, blended with the widget background, no background.

    Partial component styles keep ``$text-muted``'s alpha unresolved (it renders as plain
    white), and full ones carry the widget background, which would paint over a cursor row.
    """
    full = widget.get_component_rich_style(component)
    return Style(
        color=full.color,
        bold=full.bold,
        dim=full.dim,
        italic=full.italic,
        underline=full.underline,
        reverse=full.reverse,
    )


def fit(text: str, width: int, *, keep: Literal["middle", "head", "tail"] = "middle") -> str:
    """``text`` padded or cut to exactly ``width`` cells (wide characters counted twice).

    Metric names share long prefixes and differ at the end, so by default the cut goes in the
    middle; run names are told apart by their last part (``keep="tail"``).
    """
    if width <= 0:
        return ""
    size = cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    if width == 1:
        return "…"
    room = width - 1
    head_cells = {"middle": room // 2, "head": room, "tail": 0}[keep]
    head = _take_cells(text, head_cells)
    tail = _take_cells(text[::-1], room - head_cells)[::-1]
    out = head + "…" + tail
    return out + " " * (width - cell_len(out))


def _take_cells(text: str, cells: int) -> str:
    """The longest prefix of ``text`` that fits in ``cells`` cells."""
    out, used = [], 0
    for char in text:
        w = cell_len(char)
        if used + w > cells:
            break
        out.append(char)
        used += w
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Columns:
    """Cell widths of a metric row for one widget width; the sparkline is dropped when narrow."""

    name: int
    value: int
    spark: int

    @classmethod
    def for_width(cls, width: int) -> Columns:
        """Names first (up to 24 cells), then the sparkline gets what is left (up to 24)."""
        value = 8
        fixed = 3 + 1 + value + 2
        room = max(1, width - fixed)
        name = min(room, 24)
        spark = min(24, room - name - 1)
        if spark < 5:
            spark = 0
        return cls(room - (spark + 1 if spark else 0), value, spark)


class MetricRows(ScrollView, can_focus=True):
    """The scrolling body of ``MetricList``: draws rows, owns the cursor, nothing else."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-list--header",
        "metric-list--family",
        "metric-list--name",
        "metric-list--value",
        "metric-list--spark",
        "metric-list--improving",
        "metric-list--worsening",
        "metric-list--neutral",
        "metric-list--critical",
        "metric-list--warning",
        "metric-list--info",
        "metric-list--pin",
        "metric-list--cursor",
        "metric-list--cursor-blurred",
    }

    DEFAULT_CSS = """
    MetricRows {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .metric-list--header { color: $text-primary; text-style: bold; }
        & > .metric-list--family { color: $text-muted; }
        & > .metric-list--name { color: $foreground; }
        & > .metric-list--value { color: $foreground; text-style: bold; }
        & > .metric-list--spark { color: $text-primary; }
        & > .metric-list--improving { color: $text-success; }
        & > .metric-list--worsening { color: $text-error; }
        & > .metric-list--neutral { color: $text-muted; }
        & > .metric-list--critical { color: $text-error; text-style: bold; }
        & > .metric-list--warning { color: $text-warning; }
        & > .metric-list--info { color: $text-primary; }
        & > .metric-list--pin { color: $text-accent; }
        & > .metric-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .metric-list--cursor-blurred { background: $block-cursor-blurred-background; }
    }
    """

    class Clicked(Message):
        """A row was clicked (the parent decides what that means)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.cursor = 0
        self.snapshot: RunSnapshot | None = None
        self.flags: dict[str, str] = {}
        self.pins: frozenset[str] = frozenset()
        self._summaries: dict[tuple[str, int], SeriesSummary] = {}
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._base: Style | None = None

    # --- data ----------------------------------------------------------------------------
    def set_rows(self, rows: list[Row], cursor: int) -> None:
        self.rows = rows
        self.cursor = cursor
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows))
        self.refresh()

    def set_snapshot(self, snapshot: RunSnapshot | None) -> None:
        if snapshot is not self.snapshot:
            self._summaries.clear()
        self.snapshot = snapshot
        self.flags = (
            {k: v.value for k, v in snapshot.metrics_with_findings().items()} if snapshot else {}
        )
        self._strips.clear()
        self.refresh()

    def set_pins(self, pins: frozenset[str]) -> None:
        self.pins = pins
        self._strips.clear()
        self.refresh()

    def move_cursor(self, index: int) -> None:
        self.cursor = index
        self._strips.clear()
        self.refresh()
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def summary(self, name: str, spark_width: int) -> SeriesSummary | None:
        """The row numbers for ``name``, computed once per snapshot and sparkline width."""
        if self.snapshot is None:
            return None
        key = (name, spark_width)
        if (cached := self._summaries.get(key)) is None:
            column = self.snapshot.column(name)
            if column is None:
                return None
            cached = summarise(column, spark_width, log=describe(name).scale == "log")
            self._summaries[key] = cached
        return cached

    # --- rendering -----------------------------------------------------------------------
    def notify_style_update(self) -> None:
        self._strips.clear()
        self._styles.clear()
        self._base = None
        super().notify_style_update()

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))

    def on_focus(self) -> None:
        self._invalidate()

    def on_blur(self) -> None:
        self._invalidate()

    def _invalidate(self) -> None:
        self._strips.clear()
        self._base = None
        self.refresh()

    def _style(self, name: str) -> Style:
        if (style := self._styles.get(name)) is None:
            style = self._styles[name] = text_style(self, name)
        return style

    def row_text(self, index: int) -> str:
        """The plain text of row ``index`` as drawn at the current width (tests, debugging)."""
        width = self.scrollable_content_region.width
        return "".join(text for text, _ in self._cells(self.rows[index], width))

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if (base := self._base) is None:
            base = self._base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        if (strip := self._strips.get(index)) is None or strip.cell_length != width:
            strip = self._render_row(self.rows[index], index, width, base)
            self._strips[index] = strip
        return strip

    def _render_row(self, row: Row, index: int, width: int, base: Style) -> Strip:
        on_cursor = index == self.cursor and row.kind != "header"
        if on_cursor:
            cursor = "metric-list--cursor" if self.has_focus else "metric-list--cursor-blurred"
            base = self.get_component_rich_style(cursor)
        segments = []
        for text, cls in self._cells(row, width):
            # On the cursor row only the meaningful colours (severity, trend, pin) survive.
            plain = cls is None or (on_cursor and cls in _CURSOR_PLAIN)
            segments.append(Segment(text, base if plain else base + self._style(cls)))
        return Strip(segments).crop_extend(0, width, base).apply_meta({"row": index})

    def _cells(self, row: Row, width: int) -> list[tuple[str, str | None]]:
        if row.kind == "header":
            return [(fit(" " + row.label, width), "metric-list--header")]
        flag = self._flag(row)
        flag_cell = (FLAG if flag else " ", f"metric-list--{flag}" if flag else None)
        if row.kind == "family":
            mark = FOLDED if row.folded else UNFOLDED
            note = f"{row.count} hidden" if row.folded else f"{row.count}"
            text = fit(f"{mark} {row.label} {note}", max(1, width - 3))
            return [(" ", None), flag_cell, (" ", None), (text, "metric-list--family")]
        cols = Columns.for_width(width)
        pin = (PIN, "metric-list--pin") if row.name in self.pins else (" ", None)
        indent = "  " * row.depth
        cells: list[tuple[str, str | None]] = [
            pin,
            flag_cell,
            (" ", None),
            (fit(indent + row.label, cols.name), "metric-list--name"),
        ]
        summary = self.summary(row.name, cols.spark)
        if summary is None:
            return cells
        cells.append((" " + summary.text.rjust(cols.value)[-cols.value :], "metric-list--value"))
        if cols.spark:
            cells.append((" " + summary.spark.ljust(cols.spark), "metric-list--spark"))
        quality = trend_quality(summary.arrow, describe(row.name).higher_is_better)
        cells.append((" " + summary.arrow, f"metric-list--{quality}"))
        return cells

    def _flag(self, row: Row) -> str | None:
        if row.kind == "metric":
            return self.flags.get(row.name)
        prefix = row.name + "."
        found = [sev for name, sev in self.flags.items() if name.startswith(prefix)]
        order = ("critical", "warning", "info")
        return next((sev for sev in order if sev in found), None)

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("row")
        if isinstance(index, int):
            self.post_message(self.Clicked(index))


class MetricList(Widget):
    """Filterable, grouped metric list; posts what the user highlights, selects and pins."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "first", "First metric", show=False),
        Binding("end", "last", "Last metric", show=False),
        Binding("enter", "select", "Plot metric", show=False),
        Binding("right", "unfold", "Unfold family", show=False),
        Binding("left", "fold", "Fold family", show=False),
        Binding("p", "pin", "Pin"),
        Binding("slash", "focus_filter", "Filter metrics", show=False, key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    DEFAULT_CSS = """
    MetricList {
        layout: vertical;
        height: 1fr;
        & > FilterBar { dock: top; }
        & > #metric-filter-error {
            height: auto;
            color: $text-error;
            display: none;
            padding: 0 1;
        }
        & > #metric-filter-error.-shown { display: block; }
        & > #metric-about { height: auto; max-height: 2; color: $text-muted; padding: 0 1; }
    }
    """

    class _MetricMessage(Message):
        """Shared shape of the list's messages (not posted itself)."""

        def __init__(self, metric_list: MetricList, name: str) -> None:
            super().__init__()
            self.metric_list = metric_list
            self.name = name

        @property
        def control(self) -> MetricList:
            return self.metric_list

    class MetricHighlighted(_MetricMessage):
        """The user moved the cursor onto a metric (not posted for programmatic moves)."""

    class MetricSelected(_MetricMessage):
        """The user pressed enter on (or clicked) a metric."""

    class PinToggled(_MetricMessage):
        """The user pressed ``p`` on a metric (the app owns the pin list)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: RunSnapshot | None = None
        self.filter: MetricFilter = compile_filter("")
        self._unfolded: set[str] = set()
        self._names: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        # The rows come first so an app's auto-focus lands on them; the filter is docked on top.
        yield MetricRows(id="metric-rows")
        yield Static("", id="metric-filter-error", markup=False)
        yield Static("", id="metric-about", markup=False)
        with FilterBar():
            yield Input(
                placeholder="/ filter: text, glob*, /re/",
                id="metric-filter",
                compact=True,
            )

    @property
    def _rows(self) -> MetricRows:
        return self.query_one(MetricRows)

    # --- public API ----------------------------------------------------------------------
    @property
    def highlighted(self) -> str | None:
        """The metric under the cursor (None on a family row or an empty list)."""
        rows = self._rows
        if 0 <= rows.cursor < len(rows.rows) and rows.rows[rows.cursor].kind == "metric":
            return rows.rows[rows.cursor].name
        return None

    @property
    def visible_metrics(self) -> list[str]:
        """Metric names currently shown as rows, top to bottom (for tests and the palette)."""
        return [row.name for row in self._rows.rows if row.kind == "metric"]

    @property
    def rows(self) -> list[Row]:
        return list(self._rows.rows)

    @property
    def filter_error(self) -> str | None:
        """The "invalid regex: ..." text while the filter is a broken regex, else None."""
        return self.filter.error

    def show_run(self, snapshot: RunSnapshot) -> None:
        """Show ``snapshot``; the highlighted metric and the scroll position survive updates."""
        rows = self._rows
        same_run = self.snapshot is not None and self.snapshot.name == snapshot.name
        if not same_run:
            self._unfolded.clear()
        keep = self._cursor_key()
        old_cursor, old_scroll = rows.cursor, int(rows.scroll_y)
        self.snapshot = snapshot
        rows.set_snapshot(snapshot)
        names = tuple(snapshot.columns)
        if names != self._names or not same_run:
            self._names = names
            self._rebuild(keep)
        if same_run:
            shift = rows.cursor - old_cursor
            rows.scroll_to(y=max(0, old_scroll + shift), animate=False, immediate=True)
        else:
            rows.scroll_to_cursor()
        self._describe()

    def show_pins(self, pins: Iterable[str]) -> None:
        """Mark pinned metrics (the app owns the pin list and tells the list)."""
        self._rows.set_pins(frozenset(pins))

    def highlight(self, name: str) -> None:
        """Put the cursor on ``name`` (unfolding its family) without posting a message."""
        if (prefix := family_prefixes(self._names).get(name)) is not None:
            self._unfolded.add(prefix)
        self._rebuild(name)
        self._rows.scroll_to_cursor()
        self._describe()

    def focus_filter(self) -> None:
        self.query_one("#metric-filter", Input).focus()

    def set_filter(self, text: str) -> None:
        self.query_one("#metric-filter", Input).value = text

    # --- internals -----------------------------------------------------------------------
    def _cursor_key(self) -> str | None:
        rows = self._rows
        if 0 <= rows.cursor < len(rows.rows):
            return rows.rows[rows.cursor].key
        return None

    def _rebuild(self, keep: str | None) -> None:
        new_rows = build_rows(self._names, self.filter, self._unfolded)
        cursor = next((i for i, r in enumerate(new_rows) if r.key == keep), None)
        if cursor is None:
            cursor = next((i for i, r in enumerate(new_rows) if r.kind != "header"), 0)
        self._rows.set_rows(new_rows, cursor)
        shown = len(self.visible_metrics)
        total = len(self._names)
        self.border_subtitle = f"{shown}/{total}" if self.filter.active else f"{total}"

    def _describe(self) -> None:
        rows = self._rows
        text = ""
        if 0 <= rows.cursor < len(rows.rows):
            row = rows.rows[rows.cursor]
            if row.kind == "metric":
                info = describe(row.name)
                text = info.meaning + (
                    f" · expected: {info.expected_note}" if info.expected_note else ""
                )
            elif row.kind == "family":
                first = describe(row.name + ".0")
                text = f"{row.count} metrics {row.label}: {first.meaning}"
        self.query_one("#metric-about", Static).update(printable(text))

    def _move(self, index: int, *, post: bool = True) -> None:
        rows = self._rows
        if not rows.rows:
            return
        index = max(0, min(index, len(rows.rows) - 1))
        rows.move_cursor(index)
        self._describe()
        if post and (name := self.highlighted) is not None:
            self.post_message(self.MetricHighlighted(self, name))

    def _step(self, direction: int, start: int | None = None) -> None:
        rows = self._rows.rows
        index = self._rows.cursor if start is None else start
        index += direction
        while 0 <= index < len(rows) and rows[index].kind == "header":
            index += direction
        if 0 <= index < len(rows):
            self._move(index)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_page_down(self) -> None:
        page = max(1, self._rows.scrollable_content_region.height - 1)
        self._step(1, min(len(self._rows.rows) - 1, self._rows.cursor + page) - 1)

    def action_page_up(self) -> None:
        page = max(1, self._rows.scrollable_content_region.height - 1)
        self._step(-1, max(0, self._rows.cursor - page) + 1)

    def action_first(self) -> None:
        self._step(1, -1)

    def action_last(self) -> None:
        self._step(-1, len(self._rows.rows))

    def action_select(self) -> None:
        rows = self._rows
        if not 0 <= rows.cursor < len(rows.rows):
            return
        row = rows.rows[rows.cursor]
        if row.kind == "family":
            self._toggle_family(row, unfold=row.folded)
        elif row.kind == "metric":
            self.post_message(self.MetricSelected(self, row.name))

    def action_unfold(self) -> None:
        self._fold_current(unfold=True)

    def action_fold(self) -> None:
        self._fold_current(unfold=False)

    def _fold_current(self, *, unfold: bool) -> None:
        rows = self._rows
        if not 0 <= rows.cursor < len(rows.rows):
            return
        row = rows.rows[rows.cursor]
        if row.kind == "family":
            self._toggle_family(row, unfold=unfold)
        elif row.depth and not unfold:
            prefix = row.name.rsplit(".", 1)[0]
            self._toggle_family(Row("family", f"family:{prefix}", "", name=prefix), unfold=False)

    def _toggle_family(self, row: Row, *, unfold: bool) -> None:
        if unfold:
            self._unfolded.add(row.name)
        else:
            self._unfolded.discard(row.name)
        self._rebuild(f"family:{row.name}")
        self._rows.scroll_to_cursor()
        self._describe()

    def action_pin(self) -> None:
        if (name := self.highlighted) is not None:
            self.post_message(self.PinToggled(self, name))

    def action_focus_filter(self) -> None:
        self.focus_filter()

    def action_clear_filter(self) -> None:
        """Escape clears the filter and returns to the list; otherwise it is not ours."""
        field = self.query_one("#metric-filter", Input)
        if not field.value and not field.has_focus:
            raise SkipAction()
        field.value = ""
        self._rows.focus()

    @on(Input.Changed, "#metric-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter = compile_filter(event.value)
        error = self.query_one("#metric-filter-error", Static)
        error.update(self.filter.error or "")
        error.set_class(self.filter.error is not None, "-shown")
        self._rebuild(self._cursor_key())
        self._rows.scroll_to_cursor()
        self._describe()

    @on(Input.Submitted, "#metric-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._rows.focus()
        if (name := self.highlighted) is not None:
            self.post_message(self.MetricHighlighted(self, name))

    @on(MetricRows.Clicked)
    def _row_clicked(self, event: MetricRows.Clicked) -> None:
        event.stop()
        rows = self._rows.rows
        if not 0 <= event.index < len(rows) or rows[event.index].kind == "header":
            return
        self._rows.focus()
        if rows[event.index].kind == "family":
            self._move(event.index, post=False)
            self.action_select()
        else:
            self._move(event.index)
