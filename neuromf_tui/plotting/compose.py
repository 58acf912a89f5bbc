"""Which curves the main chart shows, from the app's selection (no Textual).

The app keeps the selection (run, metric, pins, marked runs, a focused finding, chart
options); this module turns it into ChartSpecs, so what a key press draws is unit-tested
without an app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from neuromf_tui.analysis.findings import Finding
from neuromf_tui.data.catalogue import HEADLINE_METRICS, describe
from neuromf_tui.plotting.overview import overview_charts
from neuromf_tui.plotting.plan import least_y_range
from neuromf_tui.plotting.series import draw_as_points
from neuromf_tui.plotting.spec import ChartSpec, Series
from neuromf_tui.snapshot import RunSnapshot

ZOOM_EPOCHS = 100
"""Epochs shown by the zoom toggle (the last ones)."""
MAX_FINDING_SERIES = 4


@dataclass(frozen=True, slots=True)
class ChartOptions:
    log: bool | None = None
    smoothing: float = 0.0
    zoom_last: int | None = None
    zoom_end: int | None = None
    """Newest epoch of the zoom window; None follows the newest epoch as epochs land."""
    normalise: bool = True
    cursor_epoch: int | None = None


def default_metric(snapshot: RunSnapshot, remembered: str | None = None) -> str | None:
    """The metric to show first: the remembered one, else the spec's most important one."""
    if remembered and remembered in snapshot.columns:
        return remembered
    for name in HEADLINE_METRICS:
        if name in snapshot.columns:
            return name
    names = [n for n in snapshot.columns if n not in ("epoch", "global_step")]
    return names[0] if names else None


def onset_marks(snapshot: RunSnapshot, metrics: Iterable[str]) -> tuple[int, ...]:
    """First epochs of the open findings that cite any of ``metrics``."""
    wanted = set(metrics)
    return tuple(sorted({f.first_epoch for f in snapshot.findings if wanted & set(f.metrics)}))


def _series(snapshot: RunSnapshot, metric: str, label: str, colour: int | None) -> Series | None:
    values = snapshot.columns.get(metric)
    if values is None:
        return None
    return Series(
        label=label,
        x=snapshot.epochs,
        y=values,
        sparse=draw_as_points(metric, values),
        colour=colour,
        metric=metric,
    )


def chart_spec(
    snapshots: Mapping[str, RunSnapshot],
    run: str,
    metric: str | None,
    pins: Iterable[str],
    compare_runs: Iterable[str],
    options: ChartOptions,
) -> ChartSpec:
    """The main chart: the metric across compared runs, or the metric with its pins."""
    snapshot = snapshots[run]
    series: list[Series] = []
    title = metric or ""
    reference = None
    y_range = None
    marks: tuple[int, ...] = ()
    if metric is not None:
        compared = [r for r in dict.fromkeys([run, *compare_runs]) if r in snapshots]
        if len(compared) > 1:
            for colour, name in enumerate(compared):
                item = _series(snapshots[name], metric, name, colour)
                if item is not None:
                    series.append(item)
            title = f"{metric} across {len(series)} runs"
        else:
            names = list(dict.fromkeys([metric, *pins]))
            series = [s for m in names if (s := _series(snapshot, m, m, None)) is not None]
            if len(series) > 1:
                title = " · ".join(names)
        marks = onset_marks(snapshot, [metric, *pins])
        if len(series) == 1 or (len(series) > 1 and len(compared) > 1):
            info = describe(metric)
            reference = info.expected
            y_range = least_y_range(metric)
    normalise = options.normalise and len({s.metric for s in series}) > 1
    return ChartSpec(
        series=tuple(series),
        title=title,
        log=options.log,
        smoothing=options.smoothing,
        zoom_last=options.zoom_last,
        zoom_end=options.zoom_end,
        normalise=normalise,
        reference=None if normalise else reference,
        marks=marks,
        cursor_epoch=options.cursor_epoch,
        y_range=None if normalise else y_range,
    )


def grid_specs(
    snapshot: RunSnapshot, metrics: Iterable[str], options: ChartOptions
) -> list[ChartSpec]:
    """One chart per metric (the pinned ones) for the grid view."""
    specs = []
    for metric in metrics:
        item = _series(snapshot, metric, metric, 0)
        if item is None:
            continue
        specs.append(
            ChartSpec(
                series=(item,),
                title=metric,
                log=options.log,
                smoothing=options.smoothing,
                zoom_last=options.zoom_last,
                zoom_end=options.zoom_end,
                reference=describe(metric).expected,
                marks=onset_marks(snapshot, [metric]),
                cursor_epoch=options.cursor_epoch,
            )
        )
    return specs


def overview_specs(snapshot: RunSnapshot, options: ChartOptions) -> list[ChartSpec]:
    """The spec's recommended panels for the run, with open findings' onsets marked."""
    marks = sorted({f.first_epoch for f in snapshot.findings})
    charts, _plan = overview_charts(
        snapshot.epochs,
        snapshot.columns,
        smoothing=options.smoothing,
        zoom_last=options.zoom_last,
        marks=marks,
        cursor_epoch=options.cursor_epoch,
    )
    return charts


def finding_specs(
    snapshot: RunSnapshot, finding: Finding, options: ChartOptions
) -> list[ChartSpec]:
    """One panel per metric a finding cites, each with the onset marked.

    Separate panels, not one normalised chart: the evidence is often that one metric moved
    and another did not (raw loss up 1,000x while loss_mean stayed at 1.000), which a shared
    [0, 1] scale would hide.
    """
    metrics = [m for m in finding.metrics if m in snapshot.columns][:MAX_FINDING_SERIES]
    specs = grid_specs(snapshot, metrics, options)
    return [
        dataclasses.replace(
            spec,
            title=f"{spec.title} · {finding.id} from epoch {finding.first_epoch}",
            marks=(finding.first_epoch,),
        )
        for spec in specs
    ]
