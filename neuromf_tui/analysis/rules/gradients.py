"""Gradient-family rules: dead deep blocks, exploding gradients, clipping that never fades.

The spec's gradient picture: early training has large ``out`` norms and frequent clipping;
in the mid phase clipping drops and the gradient redistributes to deeper blocks; the deepest
blocks (``down_block_3``, ``middle_block``) carry the smallest, but not zero, norms.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import EARLY, phases, smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, rolling_median, running_min, sustained_onset
from neuromf_tui.analysis.view import RunView

BLOCK_PREFIX = "block_grad_norms."
DEEP_BLOCKS = ("middle_block", "down_block_3")
CLIP = "grad_clip_fraction"
COSINE = "cosine_sim_V_vc"


def _block_median(view: RunView, window: int) -> np.ndarray | None:
    """Rolling median of the per-epoch median over every logged block's gradient norm."""
    key = ("block-median", window)
    if key not in view.cache:
        cols = [
            col
            for name, col in view.columns.items()
            if name.startswith(BLOCK_PREFIX) and np.isfinite(col).any()
        ]
        if len(cols) < 3:
            view.cache[key] = None
        else:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN epochs are expected
                per_epoch = np.nanmedian(np.vstack(cols), axis=0)
            view.cache[key] = rolling_median(per_epoch, window)
    return view.cache[key]  # type: ignore[return-value]


def _backdate(raw_mask: np.ndarray, start: int, window: int) -> int:
    """Move a rolling-median onset back over the raw epochs that already showed the pattern
    (at most ``window - 1`` of them: the median's lag), so first_epoch is when it began."""
    lo = max(0, start - window + 1)
    before = raw_mask[lo:start]
    misses = np.flatnonzero(~before)
    return lo + int(misses[-1]) + 1 if len(misses) else lo


_DEAD = {
    "window": 7,
    "absolute": 1e-6,
    "relative": 1e-4,
    "guard": 1e-2,
    "sustain": 10,
    "critical_epochs": 100,
    "critical_share": 0.8,
}


@rule(
    "dead-deep-gradients",
    family="gradients",
    title="Deep blocks receive no gradient",
    severity=Severity.WARNING,
    params=_DEAD,
    metrics=tuple(BLOCK_PREFIX + b for b in DEEP_BLOCKS),
    suggestion="The bottleneck is not learning: check zero-initialised residual branches, "
    "frozen parameters or a detached path through the deepest UNet level.",
)
def dead_deep_gradients(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: "If middle_block and down_block_3 norms are zero or negligible for the entire
    run, the bottleneck is not contributing to learning" (zero-init residual connections).
    Healthy deep blocks are the smallest, at a few percent of the median block; dead ones sit
    below 1e-6 absolute or 1e-4 of the median block, and must also be 100x below the median so
    that a network whose every gradient vanished is not blamed on the deep blocks. Judged on
    7-epoch medians, so one zero epoch is not a dead block.
    """
    window = int(p["window"])
    median = _block_median(view, window)
    dead_blocks: list[tuple[str, int, float]] = []
    for block in DEEP_BLOCKS:
        norm = smoothed(view, BLOCK_PREFIX + block, window)
        if norm is None:
            continue
        # Without a reference (fewer than 3 blocks logged) only the absolute floor applies.
        ref = median if median is not None else np.full(len(view), np.nan)
        with np.errstate(invalid="ignore"):
            dead = (norm <= p["absolute"]) | (norm <= p["relative"] * ref)
            if median is not None:
                dead &= norm <= p["guard"] * median
        start = sustained_onset(dead, int(p["sustain"]))
        if start is not None:
            raw = view.get(BLOCK_PREFIX + block)
            assert raw is not None
            with np.errstate(invalid="ignore"):
                raw_dead = (raw <= p["absolute"]) | (raw <= p["relative"] * ref)
            start = _backdate(raw_dead, start, window)
            dead_blocks.append((block, start, float(norm[-1])))
    if not dead_blocks:
        return None
    start = min(s for _, s, _ in dead_blocks)
    n = len(view)
    span = n - start
    whole = " (the whole run so far)" if start == 0 else ""
    blocks = ", ".join(f"{b} {fmt(v)}" for b, _, v in dead_blocks)
    ref_note = ""
    if median is not None and np.isfinite(median[-1]):
        ref_note = f" against a median block norm of {fmt(float(median[-1]))}"
    critical = span >= p["critical_epochs"] and span >= p["critical_share"] * n
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"block gradient norms are negligible ({blocks}; {window}-epoch medians){ref_note} "
            f"since epoch {view.epoch_at(start)}, {span} of {n} epochs{whole}"
        ),
        metrics=[BLOCK_PREFIX + b for b, _, _ in dead_blocks],
        severity=Severity.CRITICAL if critical else Severity.WARNING,
    )


_EXPLODING = {
    "window": 7,
    "jump": 10.0,
    "early_jump": 30.0,
    "critical_jump": 100.0,
    "sustain": 5,
    "min_epochs": 10,
}

_OVERFLOW = 1e300
_GRAD_SIGNALS = ("grad_norm_mean", "grad_norm_std", BLOCK_PREFIX + "out")


@rule(
    "exploding-gradients",
    family="gradients",
    title="Gradients exploded and stay high",
    severity=Severity.WARNING,
    params=_EXPLODING,
    metrics=_GRAD_SIGNALS,
    suggestion="Lower the learning rate (or the clip threshold) and check the loss for "
    "non-finite terms; resume from the checkpoint before the jump.",
)
def exploding_gradients(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: grad_norm_mean is the average gradient norm, grad_norm_std its variability and
    the ``out`` block the largest, closest to the loss. An explosion is a jump of an order of
    magnitude above the running level (running minimum of a 7-epoch median) that stays; the
    early phase's large ``out`` norms and gradients falling from init are the normal pattern,
    so a rise inside the early phase must be 3x larger to count.
    """
    if len(view) < p["min_epochs"]:
        return None
    window = int(p["window"])
    threshold = np.where(phases(view) == EARLY, p["early_jump"], p["jump"])
    hits: list[tuple[str, int, float, float, int]] = []
    for name in _GRAD_SIGNALS:
        raw = view.get(name)
        if raw is None:
            continue
        overflow = np.isposinf(raw)
        if overflow.any():  # an infinite norm is the extreme of an explosion, not a gap
            series = rolling_median(np.where(overflow, _OVERFLOW, raw), window)
            raw = np.where(overflow, _OVERFLOW, raw)
        else:
            series = smoothed(view, name, window)
            assert series is not None
        with np.errstate(invalid="ignore", over="ignore"):
            base, base_idx = running_min(np.where(series > 0, series, np.nan))
            factor = series / base
            mask = factor >= threshold
        start = sustained_onset(mask, int(p["sustain"]))
        if start is not None:
            with np.errstate(invalid="ignore", over="ignore"):
                start = _backdate(raw / base >= threshold, start, window)
            infinite = int(overflow[-window:].sum())
            hits.append(
                (name, start, float(factor[-1]), float(base[-1]), int(base_idx[-1]), infinite)
            )
    if not hits:
        return None
    start = min(h[1] for h in hits)
    parts = []
    for name, _, factor, base_now, idx, infinite in hits:
        since = f"its running minimum {fmt(base_now)} at epoch {view.epoch_at(idx)}"
        if factor * base_now >= _OVERFLOW:
            parts.append(
                f"{name} is inf on {infinite} of the last {window} epochs, up from {since}"
            )
        else:
            parts.append(f"{name} is {fmt(factor, 2)}x {since} (now {fmt(factor * base_now)})")
    clip = view.get(CLIP)
    clip_note = ""
    if clip is not None and np.isfinite(clip[-1]):
        clip_note = f"; {CLIP} {float(clip[-1]):.2f}"
    worst = max(h[2] for h in hits)
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            "; ".join(parts)
            + f" ({window}-epoch medians, above {fmt(p['jump'])}x since epoch "
            + f"{view.epoch_at(start)}){clip_note}"
        ),
        metrics=[h[0] for h in hits],
        severity=Severity.CRITICAL if worst >= p["critical_jump"] else Severity.WARNING,
    )


_CLIPPING = {
    "window": 9,
    "fraction": 0.5,
    "min_epoch": 75,
    "learned_cosine": 0.3,
    "sustain": 20,
}


@rule(
    "persistent-grad-clipping",
    family="gradients",
    title="Gradient clipping stays high past the early phase",
    severity=Severity.WARNING,
    params=_CLIPPING,
    metrics=(CLIP, "grad_norm_mean", BLOCK_PREFIX + "out"),
    suggestion="Most steps are clipped, so the effective update is the clip, not the "
    "gradient: lower the learning rate or raise gradient_clip_norm if the norms are stable.",
)
def persistent_grad_clipping(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: early training has a high clip fraction; in the mid phase (epochs 50-200)
    "clip_frac drops". Clipping most steps well past that point (epoch 75 on) means the
    updates are governed by the clip threshold. When cosine(V, v_c) is logged, it must also
    show the model has left the early phase (>= 0.3, the phase module's own early sign):
    a run that has not started learning (e.g. a starving warmup) still clips like an early
    one, and that is the other rules' story.
    """
    clip = smoothed(view, CLIP, int(p["window"]))
    if clip is None:
        return None
    eligible = view.epochs >= p["min_epoch"]
    cosine = smoothed(view, COSINE, int(p["window"]))
    if cosine is not None:
        with np.errstate(invalid="ignore"):
            eligible &= cosine >= p["learned_cosine"]
    with np.errstate(invalid="ignore"):
        mask = (clip > p["fraction"]) & eligible
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    span = len(view) - start
    threshold = view.settings.get("gradient_clip_norm")
    grad = smoothed(view, "grad_norm_mean", 7)
    grad_note = ""
    if grad is not None and np.isfinite(grad[-1]) and threshold > 0:
        grad_note = (
            f"; grad_norm_mean {fmt(float(grad[-1]))} = {fmt(float(grad[-1]) / threshold, 2)}x "
            "the threshold"
        )
    cos_note = ""
    if cosine is not None and np.isfinite(cosine[-1]):
        cos_note = f", {COSINE} {float(cosine[-1]):.2f}"
    return Detection(
        first_epoch=view.epoch_at(start),
        evidence=(
            f"{CLIP} has stayed above {p['fraction']:.0%} for {span} epochs since epoch "
            f"{view.epoch_at(start)} (now {float(clip[-1]):.0%}, {int(p['window'])}-epoch "
            f"median{cos_note}), with gradient_clip_norm = {fmt(threshold)}{grad_note}"
        ),
    )
