"""The first chart's drawing plan, from a ``Glance`` in plain Python (numpy is still loading).

It draws exactly what ``spec.prepare`` would for the same metric in the app's default view
(auto log, no smoothing or zoom, cursor on the newest epoch, expected value as reference):
the same min/max downsampling, and the same limits and ticks through ``plan.finish``. A test
holds the two to that, so the chart does not shift when the full load replaces the glance.
"""

from __future__ import annotations

from neuromf_tui.data.catalogue import describe
from neuromf_tui.data.glance import Glance
from neuromf_tui.plotting.plan import (
    Frame,
    Layer,
    PreparedChart,
    finish,
    least_y_range,
    log_wanted,
    notes_for,
    title_of,
)


def downsample_minmax(xs: list[float], ys: list[float], buckets: int) -> tuple[list, list]:
    """``series.downsample_minmax`` for sorted, finite lists: each bucket's first minimum and
    first maximum, plus the first and the last point, in x order."""
    n = len(xs)
    if n <= 2 * buckets:
        return xs, ys
    lo, hi = xs[0], xs[-1]
    span = hi - lo
    chosen = {0, n - 1}
    start = 0
    bucket = 0 if span == 0 else min(int((xs[0] - lo) / span * buckets), buckets - 1)
    for i in range(1, n + 1):
        nxt = -1
        if i < n:
            nxt = 0 if span == 0 else min(int((xs[i] - lo) / span * buckets), buckets - 1)
            if nxt == bucket:
                continue
        part = ys[start:i]
        chosen.add(start + part.index(min(part)))
        chosen.add(start + part.index(max(part)))
        start, bucket = i, nxt
    order = sorted(chosen)
    return [xs[i] for i in order], [ys[i] for i in order]


def glance_plan(
    glance: Glance, width: int = 80, height: int = 20, cursor_epoch: int | None = None
) -> PreparedChart:
    """The plan ``prepare`` makes for the glance's metric alone, at ``width`` x ``height``,
    with the cursor at ``cursor_epoch`` (default: the newest epoch)."""
    info = describe(glance.metric)
    xs = [float(e) for e in glance.epochs]
    ys = glance.values
    positive = [v for v in ys if v > 0]
    log = info.scale == "log" and log_wanted(
        len(ys), len(positive), min(positive, default=0.0), max(positive, default=0.0)
    )
    hidden = 0
    if log and len(positive) < len(ys):
        hidden = len(ys) - len(positive)
        pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if y > 0]
        xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    title = title_of(glance.metric, width)
    notes = notes_for(0.0, None, False, hidden)
    if not ys:
        return PreparedChart(title=title, log=log, hidden=hidden, notes=notes, empty=True)
    px, py = downsample_minmax(xs, ys, max(8, width - 10))
    frame = Frame(
        x_bounds=(px[0], px[-1]),
        y_bounds=(min(py), max(py)),
        log=log,
        title=title,
        notes=notes,
        hidden=hidden,
        y_range=least_y_range(glance.metric),
        reference=info.expected,
        cursor_epoch=glance.epochs[-1] if cursor_epoch is None else cursor_epoch,
    )
    return finish([Layer(px, py, 0)], frame, width, height)
