"""Flatten one epoch record into dotted metric names.

``{"velocity_norms": {"u_norm": 1.2}}`` becomes ``velocity_norms.u_norm``; lists are indexed
(``per_channel_loss.0``), so ``generated_samples.stats.nfe_1.std.2`` is a metric like any other.
Unknown keys are kept: whatever a run logs is worth plotting.
"""

from __future__ import annotations

import math
from typing import Any

from neuromf_tui.data.values import int_to_float, text_to_float

MAX_DEPTH = 12
"""Nesting deeper than this is not telemetry; it is cut off to bound the work per record."""

_CHILD_NAMES: dict[str, dict[str, str]] = {}
"""prefix -> key -> dotted name. Reusing one string object per metric name makes flattening
cheaper and lets the table compare record layouts by identity."""
_MAX_CACHED_PREFIXES = 10_000


def _child_names(prefix: str) -> dict[str, str]:
    names = _CHILD_NAMES.get(prefix)
    if names is None:
        if len(_CHILD_NAMES) >= _MAX_CACHED_PREFIXES:
            _CHILD_NAMES.clear()
        names = _CHILD_NAMES[prefix] = {}
    return names


def flatten_record(
    record: dict[str, Any],
    numbers: dict[str, float],
    texts: dict[str, str] | None = None,
    cut: list[str] | None = None,
) -> None:
    """Write every numeric leaf of ``record`` into ``numbers`` under its dotted name.

    Strings that are numbers in disguise are converted; genuine text goes to ``texts`` when it
    is given. ``None`` becomes NaN, so "logged but empty" still shows up as a metric. The names
    of containers nested deeper than ``MAX_DEPTH`` go to ``cut``, so the loss can be reported.
    """
    for key, value in record.items():
        name = key if type(key) is str else str(key)
        tp = type(value)
        if tp is float:
            numbers[name] = value
        elif tp is dict:
            _flatten_nested(value, name, numbers, texts, 1, cut)
        else:
            _flatten_leaf(value, tp, name, numbers, texts, 1, cut)


def _flatten_nested(
    mapping: dict[str, Any],
    prefix: str,
    numbers: dict[str, float],
    texts: dict[str, str] | None,
    depth: int,
    cut: list[str] | None,
) -> None:
    if depth > MAX_DEPTH:
        if cut is not None:
            cut.append(prefix)
        return
    names = _child_names(prefix)
    for key, value in mapping.items():
        name = names.get(key)
        if name is None:
            if len(names) > 4096:
                names.clear()
            name = names[key] = f"{prefix}.{key}"
        tp = type(value)
        if tp is float:
            numbers[name] = value
        elif tp is dict:
            _flatten_nested(value, name, numbers, texts, depth + 1, cut)
        else:
            _flatten_leaf(value, tp, name, numbers, texts, depth + 1, cut)


def _flatten_leaf(
    value: Any,
    tp: type,
    name: str,
    numbers: dict[str, float],
    texts: dict[str, str] | None,
    depth: int,
    cut: list[str] | None,
) -> None:
    if tp is int or tp is bool:
        numbers[name] = int_to_float(value)
    elif tp is str:
        number = text_to_float(value)
        if number is not None:
            numbers[name] = number
        elif texts is not None:
            texts[name] = value
    elif value is None:
        numbers[name] = math.nan
    elif tp is list:
        if depth > MAX_DEPTH:
            if cut is not None:
                cut.append(name)
            return
        names = _child_names(name)
        for index, item in enumerate(value):
            item_name = names.get(index)  # type: ignore[call-overload]
            if item_name is None:
                item_name = names[index] = f"{name}.{index}"  # type: ignore[index]
            item_tp = type(item)
            if item_tp is float:
                numbers[item_name] = item
            elif item_tp is dict:
                _flatten_nested(item, item_name, numbers, texts, depth + 1, cut)
            else:
                _flatten_leaf(item, item_tp, item_name, numbers, texts, depth + 1, cut)
