"""Turn a loaded run into the analysis input: settings from the run's config, liveness."""

from __future__ import annotations

import time

import numpy as np

from neuromf_tui.analysis.config import Settings
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.runconfig import RunConfig, read_run_config
from neuromf_tui.data.status import RunStatus

RECENT_SECONDS = 24 * 3600.0
"""A silent, unfinished run counts as "live" (so it can be reported stalled) only if it wrote
within this long, or within 20 epoch times; older silent runs are simply abandoned."""


def is_live(source: RunSource, status: RunStatus, now: float) -> bool:
    """Whether the run is still expected to write: not finished and silent for less than a
    day (or 20 typical epochs, whichever is longer)."""
    if status is RunStatus.FINISHED or source.last_write is None:
        return False
    times = source.table.get("epoch_time_sec")
    typical = 0.0
    if times is not None:
        finite = times[np.isfinite(times) & (times > 0)]
        typical = float(np.median(finite)) if len(finite) else 0.0
    return now - source.last_write <= max(RECENT_SECONDS, 20 * typical)


def build_view(
    source: RunSource,
    settings: Settings | None = None,
    *,
    until: int | None = None,
    now: float | None = None,
    config: RunConfig | None = None,
) -> RunView:
    """The RunView of a source: the user's settings completed from the run's own config."""
    now = time.time() if now is None else now
    config = config if config is not None else read_run_config(source.ref.folder)
    settings = (settings or Settings()).for_run(config)
    live = until is None and is_live(source, source.status(config.planned_epochs, now), now)
    return RunView.from_table(
        source.ref.name,
        source.table,
        settings=settings,
        until=until,
        restarts=source.restarts,
        live=live,
        last_write=source.last_write,
        now=now,
    )
