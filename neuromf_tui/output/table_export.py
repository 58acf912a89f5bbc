"""The flattened per-epoch table of one or several runs, as pandas users want it on disk.

One row per epoch, one column per flattened metric (``velocity_norms.u_norm``…) plus the
catalogue's derived metrics (ratios, per-channel shares); NaN where an epoch did not log a
metric. Several runs are stacked with a leading ``run`` column. The values are exactly the
loader's: CSV floats are written at full precision, so they read back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from neuromf_tui.output.destination import write_via_temp

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet")


class TableRun(NamedTuple):
    """One run's columns as the app and the loader hold them (derived metrics included)."""

    name: str
    epochs: np.ndarray
    columns: Mapping[str, np.ndarray]


def run_frame(run: TableRun) -> pd.DataFrame:
    """One run as a DataFrame: an integer ``epoch`` column, then every metric column."""
    import pandas as pd

    data: dict[str, np.ndarray] = {"epoch": np.asarray(run.epochs, dtype=np.int64)}
    for name, values in run.columns.items():
        if name != "epoch":
            data[name] = np.asarray(values, dtype=np.float64)
    return pd.DataFrame(data)


def table_frame(runs: Sequence[TableRun], *, with_run: bool) -> pd.DataFrame:
    """The runs stacked in order; ``with_run`` adds the leading ``run`` column.

    Columns keep the order in which they first appear (the writer's order, derived metrics
    after), so a metric only some runs log is NaN in the others' rows.
    """
    import pandas as pd

    frames = []
    for run in runs:
        frame = run_frame(run)
        if with_run:
            frame.insert(0, "run", run.name)
        frames.append(frame)
    if not frames:
        return pd.DataFrame({"run": [], "epoch": []} if with_run else {"epoch": []})
    return pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]


def write_table(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    """Write ``frame`` as CSV or Parquet (pyarrow must be importable for Parquet)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    if fmt == "csv":
        write_via_temp(path, lambda temp: frame.to_csv(temp, index=False))
    else:
        write_via_temp(path, lambda temp: frame.to_parquet(temp, index=False, engine="pyarrow"))
