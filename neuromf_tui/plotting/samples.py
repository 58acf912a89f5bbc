"""Charts and readout of the generated-sample statistics, across the run's sample epochs.

The spec's "Generated Samples" section: per-channel mean and std of the 1-NFE samples should
converge to the training data's statistics (~0 and ~1 when normalised), ``mse_1vs10`` should
fall and ``cosine_1vs10`` approach 1 as one-step sampling catches up with 10-step Euler. The
samples view draws these beside the sample images; ``sample_specs`` returns them as ChartSpecs
the way ``compose.overview_specs`` does. No Textual import.

The values exist only at sample epochs, so each curve is drawn through those epochs alone (a
line from one sample epoch to the next), unlike the main chart's isolated points: here the
only question is how the samples evolve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from neuromf_tui.plotting.spec import ChartSpec, Series

PREFIX = "generated_samples."
MEAN = "generated_samples.stats.nfe_1.mean"
STD = "generated_samples.stats.nfe_1.std"
CONSISTENCY = "generated_samples.nfe_consistency"
MSE_1VS10 = f"{CONSISTENCY}.mse_1vs10"
COSINE_1VS10 = f"{CONSISTENCY}.cosine_1vs10"
NFE_PAIRS = (2, 5, 10)
EMPTY_TEXT = "no generated_samples statistics in this run"


@dataclass(frozen=True, slots=True)
class EpochSampleStats:
    """The sample statistics logged at one epoch, for the readout beside the image."""

    epoch: int
    means: tuple[float, ...]
    """1-NFE per-channel means (NaN for a channel not logged)."""
    stds: tuple[float, ...]
    consistency: tuple[tuple[str, float, float], ...]
    """(pair label "1 vs 10", mse, cosine) for each logged NFE pair."""

    @property
    def empty(self) -> bool:
        return not self.means and not self.stds and not self.consistency


def channel_metrics(names: Sequence[str] | Mapping[str, object], prefix: str) -> list[str]:
    """``prefix.0``, ``prefix.1``… present in ``names``, in channel order."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)$")
    found = [(int(m.group(1)), name) for name in names if (m := pattern.match(name))]
    return [name for _, name in sorted(found)]


def sample_epochs(epochs: np.ndarray, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Epochs at which any ``generated_samples`` value was logged."""
    epochs = np.asarray(epochs, dtype=np.float64)
    logged = np.zeros(len(epochs), dtype=bool)
    for name, values in columns.items():
        if name.startswith(PREFIX) and len(values) == len(epochs):
            logged |= np.isfinite(np.asarray(values, dtype=np.float64))
    return epochs[logged].astype(np.int64)


def sample_specs(
    epochs: np.ndarray,
    columns: Mapping[str, np.ndarray],
    *,
    cursor_epoch: int | None = None,
    marks: Sequence[int] = (),
) -> list[ChartSpec]:
    """Four panels: 1-NFE mean and std per channel, mse and cosine of 1 vs 10 NFE.

    Panels whose metrics the run does not log are left out; an empty list means the run has
    no sample statistics at all.
    """
    x = np.asarray(epochs, dtype=np.float64)
    common = {"cursor_epoch": cursor_epoch, "marks": tuple(marks)}
    specs = []
    means = _series(x, columns, channel_metrics(columns, MEAN), channels=True)
    if means:
        specs.append(ChartSpec(means, "1-NFE mean → 0", reference=0.0, **common))
    stds = _series(x, columns, channel_metrics(columns, STD), channels=True)
    if stds:
        specs.append(
            ChartSpec(
                stds,
                "1-NFE std → 1",
                reference=1.0,
                y_range=(0.0, 1.0),
                log=False,
                **common,
            )
        )
    mse = _series(x, columns, [MSE_1VS10])
    if mse:
        specs.append(ChartSpec(mse, "mse 1 vs 10 NFE ↓", **common))
    cosine = _series(x, columns, [COSINE_1VS10])
    if cosine:
        specs.append(ChartSpec(cosine, "cos 1 vs 10 NFE → 1", reference=1.0, log=False, **common))
    return specs


def epoch_sample_stats(row: Mapping[str, float], epoch: int) -> EpochSampleStats:
    """The readout for one epoch from ``RunSnapshot.row(epoch)`` (finite values only)."""
    means = tuple(row[n] for n in channel_metrics(row, MEAN))
    stds = tuple(row[n] for n in channel_metrics(row, STD))
    consistency = []
    for n in NFE_PAIRS:
        mse = row.get(f"{CONSISTENCY}.mse_1vs{n}", math.nan)
        cosine = row.get(f"{CONSISTENCY}.cosine_1vs{n}", math.nan)
        if math.isfinite(mse) or math.isfinite(cosine):
            consistency.append((f"1 vs {n}", mse, cosine))
    return EpochSampleStats(epoch, means, stds, tuple(consistency))


def _series(
    x: np.ndarray, columns: Mapping[str, np.ndarray], names: Sequence[str], channels: bool = False
) -> tuple[Series, ...]:
    out = []
    for index, name in enumerate(names):
        y = np.asarray(columns[name], dtype=np.float64) if name in columns else None
        if y is None or len(y) != len(x):
            continue
        keep = np.isfinite(y)
        if not keep.any():
            continue
        label = f"ch{name.rsplit('.', 1)[1]}" if channels else name.rsplit(".", 1)[1]
        out.append(Series(label, x[keep], y[keep], colour=index, metric=name))
    return tuple(out)
