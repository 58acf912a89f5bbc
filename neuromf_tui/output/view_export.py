"""What the app's export key writes: the view on screen as PNG and the run's table as CSV.

No Textual here: the app describes its current view as a ``ViewExport`` on the UI thread and
hands it, with the chosen folder, to ``export_view`` in a worker thread. Files are named after
the run and the view and never replace an existing file (the user chose a folder, not names).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from neuromf_tui.output.destination import check_folder, free_name, safe_stem
from neuromf_tui.output.figure_plan import FigurePlan, FigureRun, overview_plan, specs_plan
from neuromf_tui.plotting.spec import ChartSpec
from neuromf_tui.textsafe import printable


@dataclass(frozen=True, slots=True)
class ViewExport:
    """The selected run and what its view shows: the overview, or the charts on screen."""

    run: FigureRun
    view: str
    """File-name part and figure title: "overview", the metric, "grid", "finding-<id>"."""
    specs: tuple[ChartSpec, ...] = ()
    """The charts on screen; empty means the spec's overview panels."""

    def plan(self) -> FigurePlan:
        if not self.specs:
            return overview_plan([self.run])
        return specs_plan(self.specs, self.run, self.view)


@dataclass(slots=True)
class ExportResult:
    folder: Path
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Metrics left out of the figure (constant or not logged)."""

    def message(self) -> str:
        """One notification text (printable lines): where the files went, then what failed."""
        parts = []
        if self.written:
            names = ", ".join(path.name for path in self.written)
            parts.append(f"Saved {names} in {self.folder}")
        parts.extend(self.errors)
        return "\n".join(printable(part) for part in parts) or "Nothing exported"


def export_view(
    request: ViewExport,
    folder: Path,
    *,
    png: bool,
    csv: bool,
    run_folders: Iterable[Path] = (),
    dpi: int = 150,
) -> ExportResult:
    """Write the PNG and/or CSV into ``folder`` (created if missing, never a run folder).

    Raises DestinationError for a refused folder; a failure of one file (matplotlib missing,
    a full disk) is reported in the result and does not stop the other.
    """
    from neuromf_tui.output.figure import save_png
    from neuromf_tui.output.optional import MissingExtra
    from neuromf_tui.output.table_export import TableRun, table_frame, write_table

    target = check_folder(folder, run_folders)
    result = ExportResult(target)
    stem = safe_stem(request.run.name)
    if png:
        try:
            plan = request.plan()
            result.notes = list(plan.skipped)
            if not plan.panels:
                raise ValueError("nothing to plot: no metric in this view has data")
            path = free_name(target, f"{stem}-{safe_stem(request.view)}", ".png")
            save_png(plan, path, dpi)
            result.written.append(path)
        except (MissingExtra, OSError, ValueError) as exc:
            result.errors.append(f"PNG not written: {exc}")
    if csv:
        try:
            run = request.run
            frame = table_frame([TableRun(run.name, run.epochs, run.columns)], with_run=False)
            path = free_name(target, stem, ".csv")
            write_table(frame, path, "csv")
            result.written.append(path)
        except OSError as exc:
            result.errors.append(f"CSV not written: {exc}")
    return result
