"""Axis ticks: round positions and short labels for linear, log and epoch axes.

Pure Python (no numpy), so the app's first frame can lay out a chart before numpy has loaded.
"""

from __future__ import annotations

import math


def format_tick(value: float) -> str:
    """A short tick label: 3 significant digits, exponents without padding ("1e-5", "2.5e3")."""
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _nice_step(span: float, count: int) -> float:
    """A 1, 2, 2.5 or 5 times a power of ten step giving about ``count`` intervals over span."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power * (1 + 1e-9):
            return factor * power
    return 10.0 * power


def nice_ticks(
    lo: float, hi: float, count: int = 5, *, integer: bool = False
) -> tuple[list[float], list[str]]:
    """Round tick positions inside [lo, hi] and their labels (integer steps for epochs)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [], []
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        return [lo], [format_tick(lo)]
    step = _nice_step(hi - lo, count)
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
    ticks = [0.0 if abs(t) < step * 1e-9 else t for t in ticks]
    if integer:
        return ticks, [str(round(t)) for t in ticks]
    return ticks, _step_labels(ticks, step)


def _step_labels(ticks: list[float], step: float) -> list[str]:
    """Labels with just enough digits to tell neighbouring ticks apart."""
    step_digits = -math.floor(math.log10(step) + 1e-9)
    if not math.isclose(step / 10.0**-step_digits % 1.0, 0.0, abs_tol=1e-6):
        step_digits += 1  # a 2.5 step needs one more digit
    biggest = max(abs(t) for t in ticks)
    if step >= 1e-4 and biggest < 1e5:
        return [f"{t:.{max(0, step_digits)}f}" for t in ticks]
    magnitude = math.floor(math.log10(biggest)) if biggest > 0 else 0
    digits = max(1, magnitude + step_digits + 1)
    labels = []
    for t in ticks:
        text = "0" if t == 0 else f"{t:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
        labels.append(text)
    return labels


def log_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], list[str]]:
    """Ticks for a log axis over positive [lo, hi]: powers of ten, or 1-2-5 within a decade."""
    if not (lo > 0 and hi > 0 and math.isfinite(lo) and math.isfinite(hi)):
        return [], []
    if hi < lo:
        lo, hi = hi, lo
    low, high = math.log10(lo), math.log10(hi)
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    decades = last - first + 1
    if decades >= 2:
        stride = max(1, math.ceil(decades / max(count, 1)))
        ticks = [10.0**k for k in range(first, last + 1, stride)]
    else:
        ticks = [
            m * 10.0**k
            for k in range(math.floor(low), math.ceil(high) + 1)
            for m in (1.0, 2.0, 5.0)
            if lo * (1 - 1e-9) <= m * 10.0**k <= hi * (1 + 1e-9)
        ]
        if len(ticks) < 2:
            pairs = zip(*nice_ticks(lo, hi, min(count, 4)), strict=True)
            kept = [(t, label) for t, label in pairs if t > 0]
            return [t for t, _ in kept], [label for _, label in kept]
    return ticks, [format_tick(t) for t in ticks]
