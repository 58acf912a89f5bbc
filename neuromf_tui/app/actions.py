"""The app's actions in one list: bindings, the help screen and the command palette read it.

Keeping one table means a key can never be missing from the help or the palette.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Action:
    key: str
    action: str
    description: str
    help: str
    section: str
    show: bool = True
    """Shown in the footer (all actions are in the help screen and the palette)."""
    key_display: str | None = None


ACTIONS: tuple[Action, ...] = (
    Action(
        "question_mark",
        "help",
        "Help",
        "Show every key and what it does",
        "General",
        key_display="?",
    ),
    Action("q", "quit", "Quit", "Quit neuromf-tui", "General"),
    Action(
        "slash",
        "filter_metrics",
        "Filter",
        "Filter metrics: text, glob (*) or /regex/",
        "Metrics",
        key_display="/",
    ),
    Action("ctrl+f", "filter_runs", "Find run", "Filter runs by name", "Runs", show=False),
    Action(
        "c",
        "compare",
        "Compare",
        "Compare on/off: overlay the metric across the runs marked with space",
        "Runs",
    ),
    Action("l", "toggle_log", "Log", "Cycle the y scale: automatic, log, linear", "Chart"),
    Action(
        "s", "toggle_smoothing", "Smooth", "Cycle smoothing (debiased EMA): off, 0.6, 0.9", "Chart"
    ),
    Action("z", "toggle_zoom", "Zoom", "Zoom to the last N epochs and back", "Chart"),
    Action(
        "n",
        "toggle_normalise",
        "Normalise",
        "Pinned metrics: normalised to one scale, or each on its own",
        "Chart",
        show=False,
    ),
    Action("u", "clear_pins", "Unpin", "Unpin all pinned metrics", "Chart", show=False),
    Action("g", "toggle_grid", "Grid", "Show the pinned metrics as a grid of charts", "Chart"),
    Action("o", "overview", "Overview", "The spec's overview panels for the selected run", "Chart"),
    Action(
        "i", "toggle_inspector", "Inspect", "Every value of the cursor epoch, with deltas", "Chart"
    ),
    Action(
        "m",
        "toggle_samples",
        "Samples",
        "Sample images epoch by epoch (← / →), with their generated-sample statistics",
        "Chart",
    ),
    Action(
        "F",
        "toggle_follow",
        "Follow",
        "Keep the newest epoch in view as epochs land",
        "Live",
        key_display="F",
    ),
    Action(
        "t",
        "toggle_theme",
        "Theme",
        "Switch between the dark and the light theme",
        "General",
        show=False,
    ),
    Action(
        "b", "toggle_bell", "Bell", "Ring the terminal bell on new findings", "Live", show=False
    ),
    Action(
        "e",
        "export",
        "Export",
        "Export the chart or overview of the selected run (PNG) and its table (CSV) to a folder",
        "General",
        show=False,
    ),
)
"""Pane-local keys (j/k, space to mark a run, p to pin a metric, arrows on a chart) live in
their widgets and are listed in the help screen from the widgets' own bindings."""


def bindings() -> list[Binding]:
    return [
        Binding(a.key, a.action, a.description, show=a.show, key_display=a.key_display)
        for a in ACTIONS
    ]
