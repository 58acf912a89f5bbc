"""A run's metrics as columns: one float64 array per metric over the sorted epochs.

Columns grow in place (capacity doubling), so taking in one more epoch costs the same on a
5,000-epoch run as on a 50-epoch one. Every metric has a value at every epoch row: NaN where
the epoch did not log it (sparse validation, periodic or sample metrics, older runs).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

_MIN_CAPACITY = 64


class RunTable:
    """Columnar per-epoch table with O(1) amortised appends and ordered inserts."""

    def __init__(self) -> None:
        self._n = 0
        self._cap = _MIN_CAPACITY
        self._epochs = np.zeros(self._cap, dtype=np.int64)
        self._cols: dict[str, np.ndarray] = {}
        self.version = 0
        """Bumped on every change, so views can tell whether to redraw."""
        self.nonfinite: dict[str, list[int]] = {}
        """Metric -> epochs whose record logged NaN or +-inf for it. Absent values are NaN in
        the columns too; this keeps the difference between "not logged" and "logged NaN"."""
        self._shared = 0
        """Rows visible through views handed out by ``frozen``: a write below copies first."""

    # --- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __getitem__(self, name: str) -> np.ndarray:
        """The column ``name`` over the sorted epochs (a read-only view, NaN where absent)."""
        view = self._cols[name][: self._n]
        view.flags.writeable = False
        return view

    @property
    def epochs(self) -> np.ndarray:
        """Sorted, unique epoch numbers (a read-only view)."""
        view = self._epochs[: self._n]
        view.flags.writeable = False
        return view

    @property
    def names(self) -> list[str]:
        """Metric names in the order they were first seen."""
        return list(self._cols)

    @property
    def last_epoch(self) -> int | None:
        return int(self._epochs[self._n - 1]) if self._n else None

    def get(self, name: str) -> np.ndarray | None:
        return self[name] if name in self._cols else None

    def columns(self) -> Mapping[str, np.ndarray]:
        """All columns as read-only views, keyed by name."""
        return {name: self[name] for name in self._cols}

    def items(self) -> Iterator[tuple[str, np.ndarray]]:
        for name in self._cols:
            yield name, self[name]

    def frozen(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Epochs and columns as read-only views that stay as they are: appends write past
        their end, and any write inside them copies the arrays first (copy on write). A
        snapshot per update then costs no copy of the history."""
        self._shared = max(self._shared, self._n)
        return self.epochs, dict(self.columns())

    def row(self, epoch: int) -> dict[str, float] | None:
        """Every logged value at ``epoch`` (absent metrics left out), or None."""
        index = self.index_of(epoch)
        if index is None:
            return None
        out: dict[str, float] = {}
        for name, col in self._cols.items():
            value = float(col[index])
            if not math.isnan(value):
                out[name] = value
        return out

    def index_of(self, epoch: int) -> int | None:
        position = int(np.searchsorted(self._epochs[: self._n], epoch))
        if position < self._n and self._epochs[position] == epoch:
            return position
        return None

    def derived(self) -> dict[str, np.ndarray]:
        """The catalogue's derived metrics (ratios, shares) computed from the columns."""
        from neuromf_tui.data.catalogue import derive

        return derive(self.columns())

    def to_frame(self, *, with_derived: bool = True) -> pd.DataFrame:
        """The table as a pandas DataFrame indexed by epoch (pandas imported only here)."""
        import pandas as pd

        data: dict[str, np.ndarray] = {name: col.copy() for name, col in self.items()}
        if with_derived:
            for name, col in self.derived().items():
                data.setdefault(name, col)
        frame = pd.DataFrame(data, index=pd.Index(self.epochs.copy(), name="epoch"))
        return frame

    # --- writing -------------------------------------------------------------------------
    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def load(self, rows: Iterable[tuple[int, dict[str, float]]]) -> None:
        """Replace the content with ``rows`` (epoch, flat values), sorted by epoch.

        Rows that share their key layout (almost all of a run) are stacked into one 2-D array
        at C speed instead of being written value by value.
        """
        ordered = sorted(rows, key=itemgetter(0))
        n = len(ordered)
        # Exactly the rows (most runs are read once and never grow); appends double it.
        cap = max(_MIN_CAPACITY, n)
        epochs = np.zeros(cap, dtype=np.int64)
        epochs[:n] = [epoch for epoch, _ in ordered]
        layouts: dict[tuple[str, ...], tuple[list[int], list[list[float]]]] = {}
        last_keys: tuple[str, ...] | None = None
        bucket: tuple[list[int], list[list[float]]] | None = None
        for index, (_, flat) in enumerate(ordered):
            keys = tuple(flat)
            if keys != last_keys:
                bucket = layouts.get(keys)
                if bucket is None:
                    bucket = layouts[keys] = ([], [])
                last_keys = keys
            assert bucket is not None
            bucket[0].append(index)
            bucket[1].append(list(flat.values()))
        cols: dict[str, np.ndarray] = {}
        nonfinite: dict[str, list[int]] = {}
        for keys, (indices, values) in layouts.items():
            if not keys:
                continue
            block = np.asarray(values, dtype=np.float64)
            rows_index = np.asarray(indices, dtype=np.intp)
            bad_rows, bad_cols = np.nonzero(~np.isfinite(block))
            for row, j in zip(bad_rows.tolist(), bad_cols.tolist(), strict=True):
                nonfinite.setdefault(keys[j], []).append(int(epochs[rows_index[row]]))
            contiguous = len(indices) == n
            for j, name in enumerate(keys):
                col = cols.get(name)
                if col is None:
                    col = cols[name] = np.full(cap, np.nan)
                if contiguous:
                    col[:n] = block[:, j]
                else:
                    col[rows_index] = block[:, j]
        self._n, self._cap, self._epochs, self._cols = n, cap, epochs, cols
        self._shared = 0
        self.nonfinite = {name: sorted(found) for name, found in nonfinite.items()}
        self.version += 1

    def append(self, epoch: int, flat: Mapping[str, float]) -> None:
        """Add a row after the last one, or upsert when ``epoch`` is not past the end."""
        if self._n and epoch <= self._epochs[self._n - 1]:
            self.upsert(epoch, flat)
            return
        self._grow(self._n + 1)
        index = self._n
        self._unshare(index)
        self._epochs[index] = epoch
        self._n += 1
        self._write_row(index, flat)
        self.version += 1

    def upsert(self, epoch: int, flat: Mapping[str, float], *, merge: bool = False) -> None:
        """Write ``epoch``'s row: replace it (``merge=False``) or update only the given keys."""
        index = self.index_of(epoch)
        if index is None:
            position = int(np.searchsorted(self._epochs[: self._n], epoch))
            self._grow(self._n + 1)
            self._unshare(position)
            end = self._n
            self._epochs[position + 1 : end + 1] = self._epochs[position:end]
            self._epochs[position] = epoch
            for col in self._cols.values():
                col[position + 1 : end + 1] = col[position:end]
                col[position] = np.nan
            self._n += 1
            index = position
        else:
            self._unshare(index)
            if not merge:
                for col in self._cols.values():
                    col[index] = np.nan
                for found in self.nonfinite.values():
                    if epoch in found:
                        found.remove(epoch)
        self._write_row(index, flat)
        self.version += 1

    def truncate_after(self, epoch: int) -> None:
        """Drop every row past ``epoch`` (used when a restart rewinds the history)."""
        self.nonfinite = {
            name: kept
            for name, found in self.nonfinite.items()
            if (kept := [e for e in found if e <= epoch])
        }
        keep = int(np.searchsorted(self._epochs[: self._n], epoch, side="right"))
        self._unshare(keep)
        for col in self._cols.values():
            col[keep : self._n] = np.nan
        self._n = keep
        self.version += 1

    def _write_row(self, index: int, flat: Mapping[str, float]) -> None:
        cols = self._cols
        for name, value in flat.items():
            col = cols.get(name)
            if col is None:
                col = cols[name] = np.full(self._cap, np.nan)
            col[index] = value
            if not math.isfinite(value):
                found = self.nonfinite.setdefault(name, [])
                epoch = int(self._epochs[index])
                if epoch not in found:
                    found.append(epoch)
                    found.sort()

    def _unshare(self, first: int) -> None:
        """Before writing rows from ``first`` on: copy the arrays if ``frozen`` views show
        any of those rows (the views keep the old arrays, unchanged)."""
        if first < self._shared:
            self._epochs = self._epochs.copy()
            self._cols = {name: col.copy() for name, col in self._cols.items()}
            self._shared = 0

    def _grow(self, needed: int) -> None:
        if needed <= self._cap:
            return
        cap = self._cap
        while cap < needed:
            cap *= 2
        epochs = np.zeros(cap, dtype=np.int64)
        epochs[: self._n] = self._epochs[: self._n]
        self._epochs = epochs
        for name, col in self._cols.items():
            grown = np.full(cap, np.nan)
            grown[: self._n] = col[: self._n]
            self._cols[name] = grown
        self._cap = cap
        self._shared = 0  # new arrays: the views handed out keep the old ones
