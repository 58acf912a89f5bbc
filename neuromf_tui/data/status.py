"""Is a run live, stale or finished? Pure functions over numbers the loader already has.

A run never says it stopped: the writer just stops writing (a crash, a preempted job, a
finished schedule). So the status is inferred from how long the files have been silent,
measured against how long an epoch usually takes. No I/O here, so tables and tests can call
it with any clock.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np

DEFAULT_STALE_SECONDS = 600.0
"""Silence that makes a run stale when its epoch duration is unknown."""
STALE_EPOCHS = 3.0
"""A run is stale after this many typical epochs without a write."""
MIN_STALE_SECONDS = 60.0
"""Floor on the derived threshold: validation and sampling epochs run longer than the median,
and network filesystems show new modification times only after their attribute cache expires."""


class RunStatus(StrEnum):
    """What a user needs to know about a run at a glance."""

    NEW = "no epochs yet"
    LIVE = "live"
    STALE = "stale"
    FINISHED = "finished"


def stale_threshold(
    epoch_times: np.ndarray | None,
    stale_after: float | None = None,
    *,
    floor: float = MIN_STALE_SECONDS,
) -> float:
    """Seconds of silence after which a run counts as stale.

    ``stale_after`` wins when given. Otherwise three median epochs (the median shrugs off
    the odd slow validation epoch and the NaN of epochs that did not log a time), never less
    than ``floor``; ten minutes when no usable epoch time exists.
    """
    if stale_after is not None:
        return float(stale_after)
    if epoch_times is not None and len(epoch_times):
        values = np.asarray(epoch_times, dtype=np.float64)
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            return max(floor, STALE_EPOCHS * float(np.median(values)))
    return DEFAULT_STALE_SECONDS


def classify(
    last_write: float | None,
    now: float,
    epoch_times: np.ndarray | None,
    last_epoch: int | None,
    planned_epochs: int | None,
    stale_after: float | None = None,
) -> RunStatus:
    """The status of a run from its last write time and its epochs so far.

    ``last_write`` and ``now`` are wall-clock seconds (``time.time()``): file modification
    times are wall-clock, and a small skew between the compute node and the login node only
    matters against thresholds of minutes. A write time in the future counts as live.
    """
    if last_epoch is not None and planned_epochs is not None and last_epoch + 1 >= planned_epochs:
        return RunStatus.FINISHED
    threshold = stale_threshold(epoch_times, stale_after)
    silent_too_long = last_write is not None and now - last_write > threshold
    if last_epoch is None:
        return RunStatus.STALE if silent_too_long else RunStatus.NEW
    if last_write is None or silent_too_long:
        return RunStatus.STALE
    return RunStatus.LIVE


def describe_age(seconds: float | None) -> str:
    """A short age for table cells ("12 s", "4 min", "3 h", "2 d"), rounded down.

    Negative ages (clock skew) read as "0 s"; an unknown age reads as "–".
    """
    if seconds is None or not math.isfinite(seconds):
        return "–"
    value = max(0, int(seconds))
    if value < 60:
        return f"{value} s"
    if value < 3600:
        return f"{value // 60} min"
    if value < 86400:
        return f"{value // 3600} h"
    return f"{value // 86400} d"
