"""The faults the fuzz and hostile-string tests found, pinned as plain examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.jsonscan import scan_array
from neuromf_tui.data.loader import RunSource, load_run
from neuromf_tui.data.runconfig import RunConfig
from neuromf_tui.data.summary_file import SummaryFile
from neuromf_tui.textsafe import printable
from tests.robustness.fuzzing import dump
from tests.runfiles import history, record, run_folder


def load(tmp_path: Path, text: str) -> RunSource:
    _, summary, _ = run_folder(tmp_path, "run")
    summary.write_text(text, encoding="utf-8")
    (ref,) = discover_runs(tmp_path)
    return load_run(ref)


@pytest.mark.parametrize("epoch", [2**63, -(2**70), 1e308, -1, "1e12"])
def test_an_epoch_no_int64_holds_is_skipped_not_an_overflow(tmp_path: Path, epoch: object) -> None:
    source = load(tmp_path, dump([record(0), {**record(1), "epoch": epoch}, record(2)]))
    assert source.table.epochs.tolist() == [0, 2]
    assert any("no usable 'epoch'" in p for p in source.problems)


def test_nesting_deeper_than_the_json_parser_can_follow_is_reported(tmp_path: Path) -> None:
    deep = '{"k": ' * 5000 + "1" + "}" * 5000
    text = dump(history(2))[:-2] + ",\n  " + f'{{"epoch": 2, "x": NaN, "deep": {deep}}}' + "\n]"
    assert len(scan_array(text).records) == 2
    source = load(tmp_path, text)
    assert source.table.epochs.tolist() == [0, 1]
    assert any("nested too deeply" in p for p in source.problems)


def test_deep_but_parseable_nesting_is_cut_and_named(tmp_path: Path) -> None:
    deep: dict[str, object] = {"v": 1.0}
    for _ in range(30):
        deep = {"k": deep}
    source = load(tmp_path, dump([record(0, deep=deep)]))
    assert any(name.startswith("deep.k.k") for name in source.field_problems)


@pytest.mark.parametrize("first", ["[", "[]", "[\n", '[\n  {\n    "epoch": 0,\n    "lo'])
def test_a_file_first_seen_without_records_is_followed_when_they_come(
    tmp_path: Path, first: str
) -> None:
    """The reader resumed after ``[`` expecting a comma, so a run first seen before its first
    record was complete never showed an epoch."""
    path = tmp_path / "training_summary.json"
    path.write_text(first, encoding="utf-8")
    reader = SummaryFile(path)
    reader.read()
    path.write_text(dump(history(3)), encoding="utf-8")
    os.utime(path, ns=(2 * 10**18, 2 * 10**18))
    result = reader.read()
    assert [r["epoch"] for r in result.records] == [0, 1, 2]
    assert result.problems == []


@pytest.mark.parametrize("value", [float("inf"), 1e300, float("nan"), -5.0])
def test_an_absurd_max_epochs_is_not_a_plan(value: float) -> None:
    assert RunConfig(values={"max_epochs": value}).planned_epochs is None


def test_wrong_types_in_known_fields_are_named_per_field(tmp_path: Path) -> None:
    records = [
        record(0),
        record(1, raw_loss_mean="oops", relative_error=[0.5, 0.4], grad_clip_fraction={"a": 1}),
        record(2, **{"": 3.0, "velocity_norms": {"": 1.0, "u_norm": 600.0}}),
    ]
    source = load(tmp_path, dump(records))
    assert set(source.field_problems) == {
        "raw_loss_mean",
        "relative_error",
        "grad_clip_fraction",
        "",
        "velocity_norms.",
    }
    assert "first at epoch 1" in source.field_problems["raw_loss_mean"]
    assert all(p in source.problems for p in source.field_problems.values())
    assert source.table.row(2)["velocity_norms.u_norm"] == 600.0


def test_bidi_overrides_and_line_separators_are_not_printable() -> None:
    assert printable("a\u202eb\u2066c\u2028d\x9be") == "abc de"
