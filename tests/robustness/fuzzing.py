"""Shared strategies for the fuzz properties: what a broken or hostile writer can leave.

Values cover every JSON type at any nesting, numbers at the edges of float64 (1e308, the
smallest subnormal, -0.0, integers no float can hold), NaN and infinities both as JSON tokens
and as the strings ``default=str`` produces, and text with unicode, empty and control
characters. Epoch fields come in the forms the loader must accept and in forms it must refuse.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from neuromf_tui.data.catalogue import describe
from neuromf_tui.data.flatten import flatten_record

SOAK_FACTOR = 20


def soaking() -> bool:
    return (
        settings.get_current_profile_name() == "soak" or os.environ.get("NEUROMF_TUI_SOAK") == "1"
    )


def budget(examples: int) -> settings:
    """Settings for one property: ``examples`` in CI, ``SOAK_FACTOR`` times more when soaking."""
    return settings(
        max_examples=examples * SOAK_FACTOR if soaking() else examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


EDGE_FLOATS = (1e308, -1e308, 5e-324, -5e-324, -0.0, 0.0, 1.7976931348623157e308)
BIG_INTS = (2**63, -(2**63) - 1, 2**64, 10**30, 10**400, -(10**400))
NUMBER_STRINGS = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "1e999",
    "tensor(0.25, device='cuda:0')",
    "tensor(nan)",
    " 3.5 ",
)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(EDGE_FLOATS + BIG_INTS),
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(NUMBER_STRINGS),
    st.sampled_from(("", "oops", "[bold red]x[/]", "\x1b[31mred", "a\x00b", "\u202egnp.exe")),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
keys = st.one_of(st.text(max_size=8), st.sampled_from(("", ".", "a.b", "épsilon", "ß", "\x7f")))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=16,
)

KNOWN_SCALARS = tuple(
    name
    for name in (
        "raw_loss_mean",
        "raw_loss_fm_mean",
        "raw_loss_mf_mean",
        "loss_mean",
        "relative_error",
        "cosine_sim_V_vc",
        "grad_clip_fraction",
        "epoch_time_sec",
        "val_raw_loss",
        "learning_rate",
        "global_step",
        "ema_divergence",
    )
    if describe(name).known
)
"""Top-level metrics the spec lists as plain numbers: the keys a wrong type is tried in."""

BAD_EPOCHS = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=10**9 + 1),
    st.floats().filter(lambda x: not (math.isfinite(x) and x.is_integer() and 0 <= x <= 1e9)),
    st.sampled_from((True, False, None, "", "five", "-3", "1.5", "nan", "inf", [], {}, [3])),
)
"""Epoch fields the loader must refuse (the record is skipped and reported)."""


@st.composite
def epoch_field(draw: st.DrawFn, epoch: int) -> Any:
    """``epoch`` written in a form the loader accepts: int, integral float, or text."""
    form = draw(st.sampled_from(("int", "float", "text", "tensor")))
    if form == "float":
        return float(epoch)
    if form == "text":
        return str(epoch)
    if form == "tensor":
        return f"tensor({epoch}, device='cuda:0')"
    return epoch


@st.composite
def garbage_record(draw: st.DrawFn, epoch: int) -> tuple[dict[str, Any], bool]:
    """(record, usable): a record of wrong types; ``usable`` says its epoch field is ``epoch``."""
    extra = draw(st.dictionaries(keys, values, max_size=4))
    known = draw(st.dictionaries(st.sampled_from(KNOWN_SCALARS), values, max_size=4))
    record = {key: value for key, value in extra.items() if key != "epoch"}
    record.update(known)
    how = draw(st.sampled_from(("usable", "usable", "bad", "missing")))
    if how == "usable":
        record["epoch"] = draw(epoch_field(epoch))
    elif how == "bad":
        record["epoch"] = draw(BAD_EPOCHS)
    return record, how == "usable"


def dump(records: list[Any]) -> str:
    """What the writer leaves: ``json.dump(..., indent=2, default=str)`` (NaN as a bare token)."""
    return json.dumps(records, indent=2, default=str)


def flat(record: dict[str, Any]) -> dict[str, float]:
    """The values a loaded row must hold for ``record`` (NaN means absent in a row)."""
    out: dict[str, float] = {}
    flatten_record(record, out)
    return {name: value for name, value in out.items() if not math.isnan(value)}


def has_leaf(value: Any) -> bool:
    """Whether a container holds any scalar (which would become a column or a text)."""
    if isinstance(value, dict):
        return any(has_leaf(v) for v in value.values())
    if isinstance(value, list):
        return any(has_leaf(v) for v in value)
    return True


def is_text(value: Any) -> bool:
    from neuromf_tui.data.values import text_to_float

    return isinstance(value, str) and text_to_float(value) is None


def is_nonfinite(value: Any) -> bool:
    """Whether the loader must keep ``value`` as a logged NaN/inf (not as "absent")."""
    from neuromf_tui.data.values import int_to_float, text_to_float

    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not math.isfinite(int_to_float(value))
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        number = text_to_float(value)
        return number is not None and not math.isfinite(number)
    return False
