"""The rules' input: a run's columns, cut at an epoch if asked, plus what is known about it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from neuromf_tui.analysis.config import Settings
from neuromf_tui.data.catalogue import derive
from neuromf_tui.data.table import RunTable


@dataclass(slots=True)
class RunView:
    """Immutable snapshot a rule reads: epochs, columns (NaN where absent), run facts."""

    name: str
    epochs: np.ndarray
    columns: Mapping[str, np.ndarray]
    settings: Settings = field(default_factory=Settings)
    restarts: tuple[int, ...] = ()
    live: bool = False
    last_write: float | None = None
    now: float | None = None
    nonfinite: Mapping[str, list[int]] = field(default_factory=dict)
    """Metric -> epochs where the record logged NaN/inf (as opposed to not logging it)."""
    _derived: dict[str, np.ndarray] | None = None
    cache: dict[object, object] = field(default_factory=dict)
    memo: dict[object, tuple[np.ndarray, np.ndarray]] | None = None
    """Set by the engine: series memoised across evaluations (see ``phase.smoothed``)."""
    """Memo for series several rules share (rolling medians, phases) within one evaluation."""

    @classmethod
    def from_table(
        cls,
        name: str,
        table: RunTable,
        *,
        settings: Settings | None = None,
        until: int | None = None,
        restarts: list[int] | tuple[int, ...] = (),
        live: bool = False,
        last_write: float | None = None,
        now: float | None = None,
    ) -> RunView:
        epochs = table.epochs
        columns = table.columns()
        if until is not None:
            keep = int(np.searchsorted(epochs, until, side="right"))
            epochs = epochs[:keep]
            columns = {name_: col[:keep] for name_, col in columns.items()}
            restarts = tuple(r for r in restarts if r <= until)
        nonfinite = {
            metric: kept
            for metric, found in table.nonfinite.items()
            if (kept := [e for e in found if until is None or e <= until])
        }
        return cls(
            name=name,
            epochs=epochs,
            columns=columns,
            settings=settings or Settings(),
            restarts=tuple(restarts),
            live=live,
            last_write=last_write,
            now=now,
            nonfinite=nonfinite,
        )

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def last_epoch(self) -> int | None:
        return int(self.epochs[-1]) if len(self.epochs) else None

    def get(self, name: str) -> np.ndarray | None:
        """A column with at least one finite value, else None (absent or never logged)."""
        col = self.columns.get(name)
        if col is None:
            if self._derived is None:
                self._derived = derive(self.columns)
            col = self._derived.get(name)
        if col is None or not np.isfinite(col).any():
            return None
        return col

    def has(self, *names: str) -> bool:
        return all(self.get(name) is not None for name in names)

    @property
    def prediction_prefix(self) -> str | None:
        """``x_hat_stats`` (x-prediction) or ``u_pred_stats`` (u-prediction), whichever exists."""
        for prefix in ("x_hat_stats", "u_pred_stats"):
            if self.get(f"{prefix}.std") is not None:
                return prefix
        return None

    def epoch_at(self, index: int) -> int:
        return int(self.epochs[index])

    def value_at_epoch(self, name: str, epoch: int) -> float:
        col = self.get(name)
        if col is None:
            return math.nan
        idx = int(np.searchsorted(self.epochs, epoch))
        return float(col[idx]) if idx < len(col) and self.epochs[idx] == epoch else math.nan
