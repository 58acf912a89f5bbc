"""The overview preset: the spec's recommended diagnostic panels, as data.

``metrics-and-failure-modes.md`` ("Plotting Guidance") lists the panels a reader should look at
first. They are kept here as plain ``PanelSpec`` values so the overview screen, a report or a
test can use them; ``panels_for`` adapts them to what a run actually logs (older runs lack
some metrics, and a constant metric does not deserve a panel). No Textual import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neuromf_tui.plotting import series as core
from neuromf_tui.plotting.spec import ChartSpec, Series


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """One recommended panel: its metrics (those present are drawn) and how to draw them.

    ``log`` None lets the chart decide from the catalogue and data; ``y_range`` is the least
    y extent (cosines on [0, 1]); ``reference`` is the expected value, drawn as a line;
    ``normalise`` puts metrics of different magnitudes on one [0, 1] scale.
    """

    title: str
    metrics: tuple[str, ...]
    log: bool | None = None
    y_range: tuple[float, float] | None = None
    reference: float | None = None
    normalise: bool = False

    def chart(
        self,
        epochs: Sequence[float] | np.ndarray,
        columns: Mapping[str, np.ndarray],
        *,
        smoothing: float = 0.0,
        zoom_last: int | None = None,
        marks: Sequence[int] = (),
        cursor_epoch: int | None = None,
    ) -> ChartSpec:
        """A ChartSpec drawing this panel's metrics that exist in ``columns``."""
        x = np.asarray(epochs, dtype=np.float64)
        series = tuple(
            Series(name, x, columns[name], sparse=core.draw_as_points(name), colour=index)
            for index, name in enumerate(self.metrics)
            if name in columns
        )
        return ChartSpec(
            series=series,
            title=self.title,
            log=self.log,
            smoothing=smoothing,
            zoom_last=zoom_last,
            normalise=self.normalise,
            reference=self.reference,
            marks=tuple(marks),
            cursor_epoch=cursor_epoch,
            y_range=self.y_range,
        )


OVERVIEW: tuple[PanelSpec, ...] = (
    PanelSpec("raw loss", ("raw_loss_mean",), log=True),
    PanelSpec("cos(V, v_c)", ("cosine_sim_V_vc",), log=False, y_range=(0.0, 1.0), reference=1.0),
    PanelSpec("‖u‖ / ‖v_c‖", ("ratio.u_norm/target_v_norm",), reference=1.0),
    PanelSpec("FM vs MF raw loss", ("raw_loss_fm_mean", "raw_loss_mf_mean"), log=True),
    PanelSpec("grad clip fraction", ("grad_clip_fraction",), log=False, y_range=(0.0, 1.0)),
    PanelSpec(
        "block gradient norms",
        (
            "block_grad_norms.out",
            "block_grad_norms.conv_in",
            "block_grad_norms.middle_block",
            "block_grad_norms.r_embed",
        ),
        log=True,
    ),
    PanelSpec(
        "EMA divergence & relative update norm",
        ("ema_divergence", "relative_update_norm"),
        normalise=True,
    ),
    PanelSpec("relative error", ("relative_error",)),
)
"""The spec's recommended panels, in its order (EMA divergence and update norm share a
normalised panel: their shapes matter there, their values are in the cursor readout)."""


class OverviewPanels(NamedTuple):
    """``panels_for``'s answer: the panels to draw and the metrics left out, with why."""

    panels: list[PanelSpec]
    """Panels with at least one drawable metric, ``metrics`` narrowed to those."""
    constant: list[str]
    """Metrics present but constant: the spec says to mention them, not to plot them."""
    missing: list[str]
    """Metrics the preset wants that this run does not log (older runs)."""


def panels_for(
    columns: Mapping[str, np.ndarray], preset: Sequence[PanelSpec] = OVERVIEW
) -> OverviewPanels:
    """The preset's panels adapted to one run's columns.

    A metric is drawn when it has finite values and is not constant; a panel is kept when any
    of its metrics is drawn. Constant and missing names are returned so the UI can say so.
    """
    panels: list[PanelSpec] = []
    constant: list[str] = []
    missing: list[str] = []
    for panel in preset:
        kept = []
        for name in panel.metrics:
            values = columns.get(name)
            if values is None or not np.isfinite(np.asarray(values, dtype=np.float64)).any():
                missing.append(name)
            elif core.is_constant(values):
                constant.append(name)
            else:
                kept.append(name)
        if kept:
            panels.append(
                PanelSpec(
                    panel.title,
                    tuple(kept),
                    log=panel.log,
                    y_range=panel.y_range,
                    reference=panel.reference,
                    normalise=panel.normalise and len(kept) > 1,
                )
            )
    return OverviewPanels(panels, constant, missing)


def overview_charts(
    epochs: Sequence[float] | np.ndarray,
    columns: Mapping[str, np.ndarray],
    *,
    smoothing: float = 0.0,
    zoom_last: int | None = None,
    marks: Sequence[int] = (),
    cursor_epoch: int | None = None,
) -> tuple[list[ChartSpec], OverviewPanels]:
    """ChartSpecs for every overview panel this run can fill, plus what was left out."""
    plan = panels_for(columns)
    charts = [
        panel.chart(
            epochs,
            columns,
            smoothing=smoothing,
            zoom_last=zoom_last,
            marks=marks,
            cursor_epoch=cursor_epoch,
        )
        for panel in plan.panels
    ]
    return charts, plan
