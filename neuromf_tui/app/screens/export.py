"""The export dialog (key ``e``): a folder and what to write; the writing runs in a thread.

The dialog describes the view on screen when it opens (the chart with its scale, smoothing
and zoom, the grid, a finding's panels, else the spec's overview), so the PNG shows what the
user was looking at; the run's table goes to a CSV beside it. Run folders are refused here
already (by path) and again, through the file system, by the worker before it writes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from neuromf_tui.textsafe import printable

if TYPE_CHECKING:
    from neuromf_tui.app.app import NeuroMFApp
    from neuromf_tui.output.view_export import ViewExport
    from neuromf_tui.snapshot import RunSnapshot


class ExportChoice(NamedTuple):
    folder: Path
    png: bool
    csv: bool


class ExportScreen(ModalScreen["ExportChoice | None"]):
    """Asks where to export and what; dismisses with an ExportChoice, or None on cancel."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
    }
    #export-dialog {
        width: 76;
        max-width: 95%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 1 2;
    }
    #export-title {
        text-style: bold;
        margin-bottom: 1;
    }
    #export-folder {
        margin-bottom: 1;
    }
    #export-error {
        color: $error;
        height: auto;
    }
    #export-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    #export-buttons Button {
        margin-left: 2;
    }
    """

    def __init__(self, run: str, picture: str, folder: Path, run_folders: list[Path]) -> None:
        super().__init__()
        self.run = run
        self.picture = picture
        self.folder = folder
        self.run_folders = [Path(os.path.abspath(f)) for f in run_folders]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(Text(f"Export · {printable(self.run)}"), id="export-title")
            yield Label("Folder (created if missing; never inside a run folder)")
            yield Input(value=str(self.folder), id="export-folder", compact=True)
            yield Checkbox(
                Text(f"PNG: {printable(self.picture)}"), value=True, id="export-png", compact=True
            )
            yield Checkbox(
                Text("CSV: the run's table (every epoch, derived metrics)"),
                value=True,
                id="export-csv",
                compact=True,
            )
            yield Static(Text(self._problem(self.folder) or ""), id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-go", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()

    def _problem(self, folder: Path) -> str | None:
        """Why ``folder`` cannot be used, judged on the path alone (no file-system access)."""
        target = Path(os.path.abspath(folder.expanduser()))
        for run in self.run_folders:
            if target == run or target.is_relative_to(run):
                return f"{printable(str(target))} is in a run folder: choose another folder"
        return None

    def _submit(self) -> None:
        text = self.query_one("#export-folder", Input).value.strip()
        png = self.query_one("#export-png", Checkbox).value
        csv = self.query_one("#export-csv", Checkbox).value
        problem = None
        if not text:
            problem = "Type a folder to export to"
        elif not (png or csv):
            problem = "Tick PNG, CSV or both"
        else:
            problem = self._problem(Path(text))
        if problem:
            self.query_one("#export-error", Static).update(Text(problem))
            return
        self.dismiss(ExportChoice(Path(text).expanduser(), png, csv))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-go":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_view(app: NeuroMFApp, snapshot: RunSnapshot) -> ViewExport:
    """The view on screen as a ViewExport (the overview when nothing else is drawn)."""
    from neuromf_tui.output.figure_plan import FigureRun
    from neuromf_tui.output.view_export import ViewExport
    from neuromf_tui.plotting import compose

    run = FigureRun(snapshot.name, snapshot.epochs, snapshot.columns, snapshot.findings)
    # The chart options as the app's chart uses them (scale, smoothing, zoom), minus the cursor.
    options = compose.ChartOptions(
        log=None if app.log_mode == "auto" else app.log_mode == "log",
        smoothing=app.smoothing,
        zoom_last=compose.ZOOM_EPOCHS if app.zoom else None,
        zoom_end=None if app.follow else app._frozen_end,
        normalise=app.normalise,
    )
    mode = app.view_mode
    if mode == "chart" and app.metric is not None:
        compared = app.marked if app.compare else ()
        spec = compose.chart_spec(
            app.snapshots, snapshot.name, app.metric, app.pins, compared, options
        )
        name = f"{app.metric}-compare" if len(spec.series) > 1 and compared else app.metric
        if spec.series:
            return ViewExport(run, name, (spec,))
    elif mode == "grid":
        metrics = app.pins or ([app.metric] if app.metric else [])
        specs = compose.grid_specs(snapshot, metrics, options)
        if specs:
            return ViewExport(run, "grid", tuple(specs))
    elif mode == "finding":
        finding = next((f for f in snapshot.findings if f.id == app.focused_finding), None)
        if finding is not None:
            specs = compose.finding_specs(snapshot, finding, options)
            if specs:
                return ViewExport(run, f"finding-{finding.id}", tuple(specs))
    return ViewExport(run, "overview")


def open_export(app: NeuroMFApp) -> None:
    """Open the dialog for the selected run; on confirmation export in a thread worker."""
    if isinstance(app.screen, ExportScreen):
        return
    snapshot = app.current_snapshot
    if snapshot is None or not len(snapshot.epochs):
        app.notify("No run with epochs to export yet.", severity="warning")
        return
    request = describe_view(app, snapshot)
    picture = (
        "the overview panels" if not request.specs else f"the {request.view} view as on screen"
    )
    run_folders = [s.folder for s in app.snapshots.values()]

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            app.run_worker(
                lambda: _export(app, request, choice, run_folders),
                name="export",
                group="export",
                thread=True,
                exit_on_error=False,
            )

    app.push_screen(ExportScreen(snapshot.name, picture, Path.cwd(), run_folders), chosen)


def _export(
    app: NeuroMFApp, request: ViewExport, choice: ExportChoice, run_folders: list[Path]
) -> None:
    """Worker thread: write the files, then tell the user where they went (or why not)."""
    from neuromf_tui.output.destination import DestinationError
    from neuromf_tui.output.view_export import export_view

    try:
        result = export_view(
            request, choice.folder, png=choice.png, csv=choice.csv, run_folders=run_folders
        )
    except DestinationError as exc:
        app.call_from_thread(
            app.notify, str(exc), title="Export refused", severity="error", markup=False
        )
        return
    except Exception as exc:  # a worker error becomes a notification, never a crash
        app.call_from_thread(
            app.notify, f"Export failed: {exc}", title="Export", severity="error", markup=False
        )
        return
    severity = ("warning" if result.written else "error") if result.errors else "information"
    app.call_from_thread(
        app.notify,
        result.message(),
        title="Export",
        severity=severity,
        timeout=10,
        markup=False,
    )
