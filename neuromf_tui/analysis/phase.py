"""Training phase by the spec's signs, so rules can discount early-phase patterns.

Early (about epochs 0-50): clipping is frequent and cosine(V, v_c) is near 0; the raw loss
may even rise as the model leaves its zero-init minimum. Mid (about 50-200): clipping fades,
cosine passes 0.5, raw loss falls steadily. Late: clipping rare, norms stable, EMA divergence
on a plateau. Runs do not all keep these epoch numbers, so the signs decide when present.
"""

from __future__ import annotations

import numpy as np

from neuromf_tui.analysis.stats import rolling_median
from neuromf_tui.analysis.view import RunView

EARLY_EPOCHS = 50
LATE_EPOCHS = 200
EARLY, MID, LATE = 0, 1, 2
NAMES = ("early", "mid", "late")


def smoothed(view: RunView, name: str, window: int = 7) -> np.ndarray | None:
    """Trailing rolling median of a metric (one noisy epoch cannot flip a verdict), memoised.

    Within one evaluation the result is shared by every rule; across evaluations (the engine
    passes a persistent ``view.memo``) only the epochs added since the last one are computed,
    after checking that the earlier values did not change.
    """
    key = ("median", name, window)
    if key not in view.cache:
        col = view.get(name)
        view.cache[key] = None if col is None else _incremental_median(view, key, col, window)
    return view.cache[key]  # type: ignore[return-value]


def _incremental_median(
    view: RunView, key: tuple[object, ...], col: np.ndarray, window: int
) -> np.ndarray:
    memo = view.memo
    if memo is None:
        return rolling_median(col, window)
    previous = memo.get(key)
    n = len(col)
    if previous is not None:
        old_col, old_out = previous
        m = len(old_col)
        if window - 1 <= m <= n and np.array_equal(col[:m], old_col, equal_nan=True):
            if m == n:
                return old_out
            start = m - (window - 1)
            tail = rolling_median(col[start:], window)[window - 1 :]
            out = np.concatenate([old_out, tail])
            memo[key] = (col.copy(), out)
            return out
    out = rolling_median(col, window)
    memo[key] = (col.copy(), out)
    return out


def phases(view: RunView) -> np.ndarray:
    """Phase code (EARLY, MID, LATE) at every row, from the signs where logged."""
    if "phases" in view.cache:
        return view.cache["phases"]  # type: ignore[return-value]
    epochs = view.epochs
    clip = smoothed(view, "grad_clip_fraction", 9)
    cosine = smoothed(view, "cosine_sim_V_vc", 9)
    out = np.where(epochs < EARLY_EPOCHS, EARLY, np.where(epochs < LATE_EPOCHS, MID, LATE))
    if clip is not None or cosine is not None:
        with np.errstate(invalid="ignore"):
            early = np.zeros(len(epochs), dtype=bool)
            late_ok = np.ones(len(epochs), dtype=bool)
            if clip is not None:
                early |= clip > 0.5
                late_ok &= ~(clip >= 0.1)
            if cosine is not None:
                early |= cosine < 0.3
                late_ok &= ~(cosine <= 0.5)
        early &= epochs < 2 * LATE_EPOCHS
        out = np.where(early, EARLY, np.where(late_ok & (epochs >= LATE_EPOCHS), LATE, MID))
        # Once out of the early phase a run does not go back to it by the phase's definition.
        left_early = np.maximum.accumulate(out != EARLY)
        out = np.where(left_early & (out == EARLY), MID, out)
    view.cache["phases"] = out
    return out


def current_phase(view: RunView) -> str | None:
    return NAMES[int(phases(view)[-1])] if len(view) else None


def early_end_index(view: RunView) -> int:
    """Index of the first row past the early phase (``len(view)`` while still early)."""
    idx = np.flatnonzero(phases(view) != EARLY)
    return int(idx[0]) if len(idx) else len(view)
