"""Numbers in disguise and the dotted flattening of nested records."""

from __future__ import annotations

import math

import pytest

from neuromf_tui.data.flatten import flatten_record
from neuromf_tui.data.values import int_to_float, text_to_float


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", 0.5),
        ("  -1e-3 ", -1e-3),
        ("tensor(0.12, device='cuda:0')", 0.12),
        ("tensor(-3.5e+02)", -350.0),
        ("tensor([0.25], device='cuda:1', dtype=torch.float32)", 0.25),
        ("Infinity", math.inf),
        ("-inf", -math.inf),
        ("np.float32(1.5)", 1.5),
    ],
)
def test_numbers_as_strings(text: str, expected: float) -> None:
    assert text_to_float(text) == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "tensor(nan, device='cuda:0')"])
def test_nan_strings(text: str) -> None:
    value = text_to_float(text)
    assert value is not None and math.isnan(value)


@pytest.mark.parametrize("text", ["x", "", "tensor(", "x-prediction", "cuda:0", "1.2.3"])
def test_genuine_text_is_not_a_number(text: str) -> None:
    assert text_to_float(text) is None


def test_huge_ints_become_infinite_not_errors() -> None:
    assert int_to_float(10**400) == math.inf
    assert int_to_float(-(10**400)) == -math.inf
    assert int_to_float(True) == 1.0


def test_flatten_names_nested_lists_and_unknown_keys() -> None:
    record = {
        "epoch": 3,
        "raw_loss_mean": "tensor(12.5, device='cuda:0')",
        "velocity_norms": {"u_norm": 1.5},
        "block_grad_norms": {"middle_block": 0.0, "v_out": 2},
        "per_channel_loss": [1.0, 2.0, "3.0", None],
        "generated_samples": {
            "stats": {"nfe_1": {"std": [0.9, 1.0, 1.1, 1.2], "min": -3.0}},
            "nfe_consistency": {"mse_1vs10": 0.02},
        },
        "brand_new_metric": {"deep": {"deeper": True}},
        "prediction_type": "x",
        "nothing": None,
    }
    numbers: dict[str, float] = {}
    texts: dict[str, str] = {}
    flatten_record(record, numbers, texts)
    assert numbers["epoch"] == 3.0
    assert numbers["raw_loss_mean"] == 12.5
    assert numbers["velocity_norms.u_norm"] == 1.5
    assert numbers["block_grad_norms.v_out"] == 2.0
    assert [numbers[f"per_channel_loss.{i}"] for i in range(3)] == [1.0, 2.0, 3.0]
    assert math.isnan(numbers["per_channel_loss.3"])
    assert numbers["generated_samples.stats.nfe_1.std.2"] == 1.1
    assert numbers["generated_samples.stats.nfe_1.min"] == -3.0
    assert numbers["generated_samples.nfe_consistency.mse_1vs10"] == 0.02
    assert numbers["brand_new_metric.deep.deeper"] == 1.0
    assert math.isnan(numbers["nothing"])
    assert texts == {"prediction_type": "x"}


def test_absurd_nesting_is_cut_off_not_a_recursion_error() -> None:
    deep: dict = {"v": 1.0}
    for _ in range(5000):
        deep = {"k": deep}
    numbers: dict[str, float] = {}
    flatten_record({"epoch": 0, "deep": deep}, numbers)
    assert numbers == {"epoch": 0.0}
