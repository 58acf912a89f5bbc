"""Integrity-family rules: non-finite values, resumed histories, stalled runs, slow epochs.

These judge the run as a process rather than the model: what was written, whether the
history was restarted, whether the writer is still making progress and how fast.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.phase import smoothed
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, running_min, sustained_onset
from neuromf_tui.analysis.view import RunView

LOSSES = ("raw_loss_mean", "loss_mean")
"""A non-finite value here means the optimisation itself has broken."""
TIME = "epoch_time_sec"


def _epochs_text(epochs: list[int]) -> str:
    """'epoch 12', or '6 epochs, 140–145' for a list of epochs."""
    if len(epochs) == 1:
        return f"epoch {epochs[0]}"
    return f"{len(epochs)} epochs, {epochs[0]}–{epochs[-1]}"


def _duration(seconds: float) -> str:
    """A wait the way people say it: '45 s', '47 min', '2.3 h'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


_NONFINITE = {"recent_epochs": 3, "max_listed": 4}


@rule(
    "non-finite-values",
    family="integrity",
    title="NaN or infinite values logged",
    severity=Severity.WARNING,
    params=_NONFINITE,
    metrics=LOSSES,
    suggestion="Find the first epoch with a NaN/inf and what changed there (learning rate, "
    "a bad batch, bf16 overflow); resume from a checkpoint before it with a lower learning "
    "rate or tighter clipping.",
)
def non_finite_values(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Python's json writes non-finite floats as bare NaN / Infinity (writer facts), so a
    diverged or overflowing run shows them in its records. The table stores "absent" as NaN
    too, so logged NaNs come from ``view.nonfinite`` (the epochs whose record held a NaN/inf
    for that metric); a ±inf in a column is always a logged value and is read directly.

    Critical when the raw loss or the loss itself is non-finite in the last
    ``recent_epochs`` epochs (training is producing garbage now), warning otherwise.
    """
    last = view.last_epoch
    if last is None:
        return None
    found: dict[str, set[int]] = {}
    for metric, epochs in (getattr(view, "nonfinite", None) or {}).items():
        kept = {int(e) for e in epochs if e <= last}
        if kept:
            found[metric] = kept
    for metric, col in view.columns.items():
        inf = np.flatnonzero(np.isinf(col))
        if len(inf):
            found.setdefault(metric, set()).update(int(e) for e in view.epochs[inf])
    if not found:
        return None
    recent = view.epochs[-int(p["recent_epochs"]) :]
    cutoff = int(recent[0])
    broken_now = [m for m in LOSSES if m in found and max(found[m]) >= cutoff]
    ordered = sorted(found, key=lambda m: (m not in LOSSES, min(found[m]), m))
    listed = ordered[: int(p["max_listed"])]
    parts = [f"{m} at {_epochs_text(sorted(found[m]))}" for m in listed]
    more = len(ordered) - len(listed)
    tail = f"; {more} more metric{'s' if more > 1 else ''}" if more else ""
    now_note = (
        f" ({', '.join(broken_now)} non-finite in the last {len(recent)} epochs)"
        if broken_now
        else ""
    )
    return Detection(
        first_epoch=min(min(e) for e in found.values()),
        evidence=f"NaN/inf logged: {'; '.join(parts)}{tail}{now_note}",
        metrics=ordered[:8],
        severity=Severity.CRITICAL if broken_now else Severity.WARNING,
    )


@rule(
    "training-restart",
    family="integrity",
    title="Training was resumed",
    severity=Severity.INFO,
    params={},
    metrics=("global_step",),
    suggestion="Resumed histories restart the aggregate file: epochs before the resume come "
    "from the per-epoch files, and trends across the resume deserve a second look.",
)
def training_restart(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Writer facts: a resumed run starts an empty history, overwrites the aggregate file and
    may write an epoch twice; the loader reports those epochs as ``view.restarts``. A
    ``global_step`` that falls between consecutive epochs is the same story told by the
    optimizer counter (a restart from an older checkpoint or a reset counter).
    """
    last = view.last_epoch
    if last is None:
        return None
    notes: dict[int, str] = {}
    for epoch in view.restarts:
        if epoch <= last:
            notes[int(epoch)] = "the history restarted there"
    step = view.get("global_step")
    if step is not None:
        at = np.flatnonzero(np.isfinite(step))
        fell = np.flatnonzero(np.diff(step[at]) < 0)
        for i in fell:
            before, after = at[i], at[i + 1]
            epoch = view.epoch_at(int(after))
            text = (
                f"global_step fell from {step[before]:,.0f} to {step[after]:,.0f} "
                f"after epoch {view.epoch_at(int(before))}"
            )
            notes[epoch] = f"{notes[epoch]}; {text}" if epoch in notes else text
    if not notes:
        return None
    epochs = sorted(notes)
    if len(epochs) == 1:
        evidence = f"training resumed at epoch {epochs[0]} ({notes[epochs[0]]})"
    else:
        listed = ", ".join(f"{e} ({notes[e]})" for e in epochs[:5])
        more = f" and {len(epochs) - 5} more" if len(epochs) > 5 else ""
        evidence = f"training resumed {len(epochs)} times, at epochs {listed}{more}"
    return Detection(first_epoch=epochs[0], evidence=evidence)


_STALLED = {"factor": 3.0, "floor_sec": 300.0, "unknown_sec": 1800.0, "recent_epochs": 50}


@rule(
    "run-stalled",
    family="integrity",
    title="No new epoch for much longer than usual",
    severity=Severity.WARNING,
    params=_STALLED,
    metrics=(TIME,),
    suggestion="Check the job: it may have crashed, been preempted, or hung in a collective "
    "(DDP) or on the filesystem.",
    live_only=True,
)
def run_stalled(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """A run never says it stopped: the writer just stops writing. Silence of more than
    ``factor`` x the median epoch time (the data layer's "stale" idea), and never less than
    ``floor_sec`` (validation and sampling epochs run long; network filesystems update
    modification times late), means the run is stuck. Only meaningful while the run is live.
    """
    if not view.live or view.now is None or view.last_write is None or view.last_epoch is None:
        return None
    gap = float(view.now - view.last_write)
    times = view.get(TIME)
    median = np.nan
    if times is not None:
        recent = times[-int(p["recent_epochs"]) :]
        recent = recent[np.isfinite(recent) & (recent > 0)]
        if len(recent):
            median = float(np.median(recent))
    if np.isfinite(median):
        threshold = max(p["factor"] * median, p["floor_sec"])
        usual = f"median epoch time {fmt(median)} s"
    else:
        threshold = p["unknown_sec"]
        usual = "epoch time unknown"
    if gap <= threshold:
        return None
    return Detection(
        first_epoch=view.last_epoch,
        evidence=(
            f"no new epoch for {_duration(gap)} ({usual}, threshold {_duration(threshold)}); "
            f"last epoch {view.last_epoch}"
        ),
    )


_THROUGHPUT = {"window": 9, "slow": 1.5, "sustain": 5, "min_epochs": 20}


@rule(
    "throughput-regression",
    family="integrity",
    title="Epochs have become much slower",
    severity=Severity.WARNING,
    params=_THROUGHPUT,
    metrics=(TIME,),
    suggestion="Look for what slows the job: a slower node or GPU, data loading from a busy "
    "filesystem, thermal throttling, or a diagnostic that now runs every epoch.",
)
def throughput_regression(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: epoch_time_sec is the training throughput. A 9-epoch median at least ``slow`` x
    the run's best stretch so far (the running minimum of that median), for ``sustain``
    epochs, is a regression; the median ignores single slow validation or sampling epochs.
    """
    times = view.get(TIME)
    med = smoothed(view, TIME, int(p["window"]))
    if times is None or med is None or len(view) < p["min_epochs"]:
        return None
    best, best_idx = running_min(med)
    with np.errstate(invalid="ignore"):
        mask = (med >= p["slow"] * best) & (best > 0)
    start = sustained_onset(mask, int(p["sustain"]))
    if start is None:
        return None
    ref = float(best[start])
    lead = max(0, start - int(p["window"]) + 1)
    with np.errstate(invalid="ignore"):
        slow = np.flatnonzero(times[lead : start + 1] >= p["slow"] * ref)
    first = lead + (int(slow[0]) if len(slow) else start - lead)
    now = float(med[-1])
    return Detection(
        first_epoch=view.epoch_at(first),
        evidence=(
            f"{TIME} rose {fmt(now / ref, 2)}x ({fmt(ref)} s → {fmt(now)} s, "
            f"{int(p['window'])}-epoch median) since epoch {view.epoch_at(first)}, against the "
            f"run's best stretch at epoch {view.epoch_at(int(best_idx[start]))}"
        ),
    )
