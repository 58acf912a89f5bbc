"""The columnar run table: appends, ordered inserts, merges, frames."""

from __future__ import annotations

import math

import numpy as np

from neuromf_tui.data.table import RunTable


def test_load_sorts_epochs_and_fills_absent_values_with_nan() -> None:
    table = RunTable()
    table.load([(2, {"a": 2.0}), (0, {"a": 0.0, "b": 5.0}), (1, {"a": 1.0})])
    assert table.epochs.tolist() == [0, 1, 2]
    assert table["a"].tolist() == [0.0, 1.0, 2.0]
    b = table["b"]
    assert b[0] == 5.0 and math.isnan(b[1]) and math.isnan(b[2])


def test_append_grows_past_capacity_and_keeps_values() -> None:
    table = RunTable()
    for epoch in range(1000):
        table.append(epoch, {"x": float(epoch)} if epoch % 2 else {"x": float(epoch), "y": 1.0})
    assert len(table) == 1000
    assert np.array_equal(table["x"], np.arange(1000, dtype=float))
    assert np.isnan(table["y"][1::2]).all() and (table["y"][0::2] == 1.0).all()


def test_new_metric_appearing_late_is_nan_before() -> None:
    table = RunTable()
    table.load([(e, {"x": 1.0}) for e in range(5)])
    table.append(5, {"x": 1.0, "late": 7.0})
    assert np.isnan(table["late"][:5]).all() and table["late"][5] == 7.0


def test_upsert_inserts_in_order_and_replaces_or_merges() -> None:
    table = RunTable()
    table.load([(0, {"x": 0.0}), (2, {"x": 2.0, "y": 2.0})])
    table.upsert(1, {"x": 1.0})
    assert table.epochs.tolist() == [0, 1, 2]
    assert table["x"].tolist() == [0.0, 1.0, 2.0]
    table.upsert(2, {"x": 20.0})
    assert table["x"][2] == 20.0 and math.isnan(table["y"][2])
    table.upsert(2, {"y": 9.0}, merge=True)
    assert table["x"][2] == 20.0 and table["y"][2] == 9.0


def test_views_are_read_only_and_version_bumps() -> None:
    table = RunTable()
    table.load([(0, {"x": 0.0})])
    version = table.version
    table.append(1, {"x": 1.0})
    assert table.version > version
    view = table["x"]
    assert not view.flags.writeable


def test_row_and_truncate_after() -> None:
    table = RunTable()
    table.load([(e, {"x": float(e)}) for e in range(10)])
    assert table.row(3) == {"x": 3.0}
    assert table.row(99) is None
    table.truncate_after(4)
    assert table.last_epoch == 4 and len(table["x"]) == 5


def test_to_frame_is_indexed_by_epoch_with_derived_columns() -> None:
    table = RunTable()
    table.load(
        [(e, {"velocity_norms.u_norm": 2.0, "velocity_norms.target_v_norm": 4.0}) for e in (3, 4)]
    )
    frame = table.to_frame()
    assert frame.index.name == "epoch" and frame.index.tolist() == [3, 4]
    assert frame["ratio.u_norm/target_v_norm"].tolist() == [0.5, 0.5]


def test_logged_nan_is_told_apart_from_absent() -> None:
    table = RunTable()
    table.load([(0, {"x": 1.0}), (1, {"x": math.nan, "y": 2.0}), (2, {"x": math.inf})])
    assert table.nonfinite == {"x": [1, 2]}
    table.append(3, {"y": -math.inf})
    assert table.nonfinite["y"] == [3]
    table.upsert(1, {"x": 5.0})
    assert table.nonfinite["x"] == [2]
