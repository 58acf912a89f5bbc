"""What an exported figure shows, as plain data: panels, lines, finding marks, skipped metrics.

Kept apart from the matplotlib drawing (``output.figure``) so the choice of panels is testable
and reusable without matplotlib installed. Two sources: the spec's overview preset for one or
several runs (the ``export --png`` command, the app's overview), and the ChartSpecs the app is
showing (its chart, grid or finding view), so a PNG from the app matches the screen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from neuromf_tui.analysis.findings import Finding
from neuromf_tui.plotting import series as core
from neuromf_tui.plotting.overview import OVERVIEW, PanelSpec, panels_for
from neuromf_tui.plotting.spec import ChartSpec
from neuromf_tui.textsafe import printable

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""matplotlib's tab10: distinct on screen and in print."""
STYLES = ("-", "--", ":", "-.")
"""Line styles that tell a panel's metrics apart when colours already stand for runs."""
SEVERITY_COLOURS = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#7f7f7f"}
MAX_LABEL = 90


class FigureRun(NamedTuple):
    """One run as the figure needs it: columns (derived included) and its open findings."""

    name: str
    epochs: np.ndarray
    columns: Mapping[str, np.ndarray]
    findings: Sequence[Finding] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Line:
    """One curve. ``metric`` is the catalogue name (it decides log scale), ``label`` the
    legend text; ``points`` draws markers only (sparse metrics such as validation)."""

    label: str
    metric: str
    x: np.ndarray
    y: np.ndarray
    colour: str
    style: str = "-"
    points: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    """A vertical line at a finding's first epoch, with its legend text."""

    epoch: int
    label: str
    colour: str


@dataclass(frozen=True, slots=True, eq=False)
class Panel:
    """One axes. ``log`` None decides from the catalogue and the data, like the app;
    ``zoom_last`` keeps the last N epochs (counted back from ``zoom_end`` or the newest)."""

    title: str
    lines: tuple[Line, ...]
    log: bool | None = None
    y_range: tuple[float, float] | None = None
    reference: float | None = None
    normalise: bool = False
    smoothing: float = 0.0
    zoom_last: int | None = None
    zoom_end: int | None = None
    marks: tuple[Mark, ...] = ()


@dataclass(slots=True)
class FigurePlan:
    title: str
    panels: list[Panel]
    runs: list[tuple[str, str]] = field(default_factory=list)
    """(run, colour) when several runs share the panels: the figure's run legend."""
    skipped: list[str] = field(default_factory=list)
    """Metrics left out and why ("not logged", "constant at 0.75"), for the user."""

    @property
    def marks(self) -> list[Mark]:
        """Every mark once, in epoch order (the figure's findings legend)."""
        unique = {(m.epoch, m.label, m.colour): m for p in self.panels for m in p.marks}
        return sorted(unique.values(), key=lambda m: (m.epoch, m.label))


def text(value: str, limit: int = MAX_LABEL) -> str:
    """Untrusted names made safe for matplotlib: printable, ``$`` not read as mathtext."""
    clean = printable(str(value)).strip()
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return clean.replace("$", r"\$")


def finding_mark(finding: Finding, run: str | None, colour: str | None = None) -> Mark:
    prefix = f"{run} · " if run else ""
    label = (
        f"{prefix}epoch {finding.first_epoch} · {finding.severity.value} · {finding.id}: "
        f"{finding.title}"
    )
    return Mark(
        finding.first_epoch,
        text(label),
        colour or SEVERITY_COLOURS.get(finding.severity.value, "#7f7f7f"),
    )


def _epoch_span(runs: Sequence[FigureRun]) -> str:
    epochs = [np.asarray(r.epochs) for r in runs if len(r.epochs)]
    if not epochs:
        return "no epochs"
    lo = min(int(e.min()) for e in epochs)
    hi = max(int(e.max()) for e in epochs)
    return f"epochs {lo}–{hi}"


def _constant_value(values: np.ndarray) -> str:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return f"{float(finite[0]):.4g}" if finite.size else "?"


def overview_plan(runs: Sequence[FigureRun]) -> FigurePlan:
    """The spec's recommended panels for ``runs`` (several runs are overlaid).

    A metric is drawn for a run when it has finite, non-constant values there (the app's
    overview rule); a panel is kept when any run draws any of its metrics. Colours stand for
    metrics with one run and for runs with several (then line styles tell metrics apart).
    Every open finding is marked on every panel at its first epoch.
    """
    several = len(runs) > 1
    plans = [panels_for(run.columns) for run in runs]
    panels: list[Panel] = []
    for preset in OVERVIEW:
        lines: list[Line] = []
        for index, (run, plan) in enumerate(zip(runs, plans, strict=True)):
            kept = next((p for p in plan.panels if p.title == preset.title), None)
            if kept is None:
                continue
            x = np.asarray(run.epochs, dtype=np.float64)
            for position, metric in enumerate(preset.metrics):
                if metric not in kept.metrics:
                    continue
                y = np.asarray(run.columns[metric], dtype=np.float64)
                lines.append(
                    Line(
                        label=text(metric),
                        metric=metric,
                        x=x,
                        y=y,
                        colour=PALETTE[(index if several else position) % len(PALETTE)],
                        style=STYLES[position % len(STYLES)] if several else "-",
                        points=core.draw_as_points(metric, y),
                    )
                )
        if lines:
            panels.append(_overview_panel(preset, lines))
    marks = tuple(
        finding_mark(
            f, run.name if several else None, PALETTE[i % len(PALETTE)] if several else None
        )
        for i, run in enumerate(runs)
        for f in run.findings
    )
    panels = [dataclasses.replace(p, marks=marks) for p in panels]
    skipped: list[str] = []
    for run, plan in zip(runs, plans, strict=True):
        prefix = f"{printable(run.name)}: " if several else ""
        if plan.missing:
            skipped.append(f"{prefix}{', '.join(plan.missing)}: not logged, not plotted")
        for metric in plan.constant:
            value = _constant_value(run.columns[metric])
            skipped.append(f"{prefix}{metric}: constant at {value}, not plotted")
    title = (
        f"{len(runs)} runs · overview · {_epoch_span(runs)}"
        if several
        else f"{text(runs[0].name) if runs else ''} · overview · {_epoch_span(runs)}"
    )
    return FigurePlan(
        title=title,
        panels=panels,
        runs=[(text(r.name), PALETTE[i % len(PALETTE)]) for i, r in enumerate(runs)]
        if several
        else [],
        skipped=skipped,
    )


def _overview_panel(preset: PanelSpec, lines: list[Line]) -> Panel:
    """The preset's panel; its normalised pair is drawn on a shared log axis when both
    metrics read on one (true values beat a [0, 1] rescaling in a static figure)."""
    normalise = preset.normalise and len({line.metric for line in lines}) > 1
    if normalise and all(core.auto_log(line.metric, line.y) for line in lines):
        normalise = False
    return Panel(
        title=text(preset.title),
        lines=tuple(lines),
        log=preset.log,
        y_range=preset.y_range,
        reference=preset.reference,
        normalise=normalise,
    )


def specs_plan(specs: Sequence[ChartSpec], run: FigureRun, title: str) -> FigurePlan:
    """The charts the app shows (chart, grid or finding view) as a figure plan.

    Series keep the app's colours and labels; each chart's marks become labelled finding
    marks: the open findings starting at that epoch that cite a charted metric (else any).
    """
    by_epoch: dict[int, list[Finding]] = {}
    for finding in run.findings:
        by_epoch.setdefault(finding.first_epoch, []).append(finding)
    panels = []
    for spec in specs:
        lines = tuple(
            Line(
                label=text(s.label),
                metric=s.name,
                x=s.x,
                y=s.y,
                colour=PALETTE[(index if s.colour is None else s.colour) % len(PALETTE)],
                points=s.sparse,
            )
            for index, s in enumerate(spec.series)
        )
        if not lines:
            continue
        metrics = {s.name for s in spec.series}
        marks: list[Mark] = []
        for epoch in spec.marks:
            at = by_epoch.get(int(epoch), [])
            found = [f for f in at if metrics & set(f.metrics)] or at
            marks.extend(finding_mark(f, None) for f in found)
            if not found:
                marks.append(Mark(int(epoch), f"epoch {int(epoch)}", SEVERITY_COLOURS["info"]))
        panels.append(
            Panel(
                title=text(spec.title),
                lines=lines,
                log=spec.log,
                y_range=spec.y_range,
                reference=spec.reference,
                normalise=spec.normalise,
                smoothing=spec.smoothing,
                zoom_last=spec.zoom_last,
                zoom_end=spec.zoom_end,
                marks=tuple(marks),
            )
        )
    return FigurePlan(
        title=f"{text(run.name)} · {text(title)} · {_epoch_span([run])}", panels=panels
    )
