"""The help screen: every key, from the same action list the footer and palette use."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from neuromf_tui.app.actions import ACTIONS

PANE_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Panes", "tab / shift+tab", "Move between the run list, metrics, chart and findings"),
    ("Panes", "j / k, ↓ / ↑", "Move in a list"),
    ("Panes", "enter", "Open the highlighted run, metric or finding"),
    ("Runs", "space", "Mark or unmark the highlighted run for comparison"),
    ("Metrics", "p", "Pin the highlighted metric into the chart (several metrics in one)"),
    ("Chart", "← / →, home / end", "Move the epoch cursor (shown in the inspector)"),
    ("Chart", "← / →, [ / ], j / k", "Samples view (m): the earlier or later sample image"),
    ("General", "ctrl+p", "Command palette: every action, open run…, show metric…"),
)


class HelpScreen(ModalScreen[None]):
    """Lists the keys by section; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc")
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._table(), id="help-table")

    def _table(self) -> Table:
        table = Table(title="neuromf-tui keys", expand=True, show_edge=False, pad_edge=False)
        table.add_column("section", style="bold", no_wrap=True)
        table.add_column("key", no_wrap=True)
        table.add_column("what it does", ratio=1)
        rows = [(a.section, a.key_display or a.key, a.help) for a in ACTIONS] + list(PANE_KEYS)
        order = ["General", "Runs", "Metrics", "Chart", "Live", "Panes"]
        for section, key, text in sorted(rows, key=lambda r: order.index(r[0])):
            table.add_row(section, Text(key, style="bold"), text)
        table.caption = "Press escape, q or ? to close."
        return table
