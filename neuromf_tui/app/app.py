"""The interactive app (a first screen: the run list; charts and findings come next)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from neuromf_tui.textsafe import printable


class NeuroMFApp(App[None]):
    """Shows the runs under a path; reading happens in a worker thread, never on the UI."""

    CSS_PATH = "app.tcss"
    TITLE = "neuromf-tui"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, path: Path, *, poll: float | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.poll = poll

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("Reading runs…", id="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = printable(str(self.path))
        table = self.query_one("#runs", DataTable)
        table.add_columns("run", "layout", "epochs", "last epoch", "state")
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="load")
    def _load(self) -> None:
        from neuromf_tui.commands.runs import collect
        from neuromf_tui.data.discover import DiscoveryError

        try:
            rows = collect(self.path, 6, None)
        except DiscoveryError as exc:
            self.call_from_thread(self._show_error, str(exc))
            return
        self.call_from_thread(self._show_rows, rows)

    def _show_rows(self, rows: list) -> None:
        table = self.query_one("#runs", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                Text(printable(row.name)),
                row.layout,
                str(row.epochs),
                "-" if row.last_epoch is None else str(row.last_epoch),
                Text(f"{row.status}, {printable(row.state)}"),
            )
        line = self.query_one("#status-line", Static)
        line.update(f"{len(rows)} runs. Charts and findings arrive with the next release.")

    def _show_error(self, message: str) -> None:
        self.query_one("#status-line", Static).update(f"error: {printable(message)}")
