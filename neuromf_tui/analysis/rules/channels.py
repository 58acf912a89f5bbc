"""Channels-family rule: one latent channel carrying far more of the loss than the others.

``per_channel_loss`` is logged only on periodic epochs (``(epoch + 1) % diag_every_n_epochs
== 0``, default 25), so the rule reads the epochs where every channel is finite. The shares
(``per_channel_share.<i>``, a channel's part of the summed loss) make runs comparable: with the
spec's 4 VAE latent channels an even split is 0.25 each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.rules import Detection, rule
from neuromf_tui.analysis.stats import fmt, sustained_onset
from neuromf_tui.analysis.view import RunView

_CHANNEL = re.compile(r"per_channel_loss\.(\d+)$")

_IMBALANCE = {
    "info_share": 0.4,
    "info_ratio": 3.5,
    "warning_share": 0.5,
    "warning_ratio": 5.0,
    "recent_points": 3,
}


def _channels(view: RunView) -> list[str]:
    """Channel indices logged by this run, in numeric order."""
    found = [m.group(1) for name in view.columns if (m := _CHANNEL.match(name))]
    return sorted(found, key=int)


@rule(
    "channel-imbalance",
    family="channels",
    title="One latent channel dominates the loss",
    severity=Severity.INFO,
    params=_IMBALANCE,
    metrics=(
        "per_channel_loss.0",
        "per_channel_loss.1",
        "per_channel_loss.2",
        "per_channel_loss.3",
    ),
    suggestion="Look at that channel in latent_channels.png: the model may struggle with the "
    "structural mode it encodes; check the latent normalisation per channel.",
)
def channel_imbalance(view: RunView, p: Mapping[str, float]) -> Detection | None:
    """Spec: per_channel_loss is "the per-channel contribution to ||V - v_c||^p across the 4
    VAE latent channels. Large disparities suggest the model struggles with certain
    structural modes."

    Per periodic epoch, the largest channel share and the max/min channel ratio grade the
    disparity: info from ``info_share`` or ``info_ratio``, warning from ``warning_share`` or
    ``warning_ratio`` (a healthy split stays within about 0.20–0.29 per channel). The grade
    that holds is the second highest of the last ``recent_points`` periodic epochs, so one odd
    periodic epoch neither raises nor clears it.
    """
    channels = _channels(view)
    if len(channels) < 2:
        return None
    shares = [view.get(f"per_channel_share.{c}") for c in channels]
    if any(s is None for s in shares):
        return None
    matrix = np.vstack(shares)  # type: ignore[arg-type]
    rows = np.flatnonzero(np.isfinite(matrix).all(axis=0))
    if len(rows) < 2:
        return None
    points = matrix[:, rows]
    top = points.max(axis=0)
    low = points.min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low > 0, top / np.where(low > 0, low, 1.0), np.inf)
    grade = np.where(
        (top >= p["warning_share"]) | (ratio >= p["warning_ratio"]),
        2,
        np.where((top >= p["info_share"]) | (ratio >= p["info_ratio"]), 1, 0),
    )
    k = max(2, int(p["recent_points"]))
    # Second highest grade over the trailing k points; the zero padding makes a lone first
    # point count for nothing and asks both of the first two points to agree.
    tail = np.lib.stride_tricks.sliding_window_view(
        np.concatenate([np.zeros(k - 1, dtype=grade.dtype), grade]), k
    )
    held = np.sort(tail, axis=1)[:, -2]
    level = int(held[-1])
    if level == 0:
        return None
    start = sustained_onset(held >= 1, 1)
    assert start is not None
    lead = max(0, start - k + 1)
    first = lead + int(np.flatnonzero(grade[lead:] >= 1)[0])
    recent = points[:, -min(k, points.shape[1]) :]
    typical = np.median(recent, axis=1)
    worst = int(np.argmax(typical))
    n_ch = len(channels)
    split = "/".join(f"{s:.2f}" for s in typical)
    return Detection(
        first_epoch=view.epoch_at(int(rows[first])),
        evidence=(
            f"per_channel_loss.{channels[worst]} carries {typical[worst]:.0%} of the loss "
            f"(shares {split}, an even split is {1 / n_ch:.2f}) over the last "
            f"{recent.shape[1]} periodic epochs ({view.epoch_at(int(rows[-recent.shape[1]]))}–"
            f"{view.epoch_at(int(rows[-1]))}); max/min channel ratio "
            f"{fmt(float(np.median(ratio[-recent.shape[1] :])), 2)}x"
        ),
        metrics=[f"per_channel_loss.{c}" for c in channels],
        severity=Severity.WARNING if level >= 2 else Severity.INFO,
    )
