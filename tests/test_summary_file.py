"""Incremental reading of one summary file across rewrites, cuts, restarts and replacement."""

from __future__ import annotations

import os
from pathlib import Path

from neuromf_tui.data.summary_file import FileState, SummaryFile
from tests.runfiles import dump, history


def epochs(records: list[dict]) -> list[int]:
    return [r["epoch"] for r in records]


def bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_growth_by_rewrite_reads_only_the_new_records(tmp_path: Path) -> None:
    path = tmp_path / "training_summary.json"
    path.write_text(dump(history(10)))
    reader = SummaryFile(path)
    first = reader.read()
    assert first.reset and epochs(first.records) == list(range(10))
    path.write_text(dump(history(12)))
    second = reader.read()
    assert not second.reset and epochs(second.records) == [10, 11]
    assert reader.state is FileState.OK


def test_unchanged_file_is_one_stat_and_no_records(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(dump(history(3)))
    reader = SummaryFile(path)
    reader.read()
    again = reader.read()
    assert again.records == [] and not again.changed


def test_mid_rewrite_prefix_keeps_what_we_had(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    full = dump(history(30))
    path.write_text(full)
    reader = SummaryFile(path)
    reader.read()
    for cut in (0, 8192, 16384):
        path.write_text(dump(history(31))[:cut])
        bump_mtime(path)
        result = reader.read()
        assert result.records == [] and not result.reset, cut
        assert reader.state is FileState.WRITING
    path.write_text(dump(history(31)))
    bump_mtime(path)
    result = reader.read()
    assert epochs(result.records) == [30] and not result.reset
    assert reader.state is FileState.OK


def test_appended_record_cut_short_waits_for_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(dump(history(5)))
    reader = SummaryFile(path)
    reader.read()
    six = dump(history(6))
    path.write_text(six[: len(six) - 40])
    assert reader.read().records == []
    assert reader.state is FileState.WRITING
    path.write_text(six)
    bump_mtime(path)
    assert epochs(reader.read().records) == [5]


def test_restart_rewrites_shorter_history_and_resets(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(dump(history(40)))
    reader = SummaryFile(path)
    reader.read()
    path.write_text(dump(history(3, start=30)))
    bump_mtime(path)
    result = reader.read()
    assert result.reset and epochs(result.records) == [30, 31, 32]


def test_replaced_by_rename_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(dump(history(4)))
    reader = SummaryFile(path)
    reader.read()
    other = tmp_path / "new.json"
    other.write_text(dump(history(6)))
    os.replace(other, path)
    result = reader.read()
    assert result.reset and epochs(result.records) == list(range(6))


def test_missing_then_back(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    reader = SummaryFile(path)
    assert reader.read().records == [] and reader.state is FileState.MISSING
    path.write_text(dump(history(2)))
    assert epochs(reader.read().records) == [0, 1]
    path.unlink()
    assert reader.read().changed and reader.state is FileState.MISSING


def test_junk_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "training_summary.json"
    path.write_text("this is not json")
    reader = SummaryFile(path)
    result = reader.read()
    assert reader.state is FileState.ERROR
    assert reader.error is not None and "training_summary.json" in reader.error
    assert result.problems


def test_empty_file_is_no_epochs_yet(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("")
    reader = SummaryFile(path)
    reader.read()
    assert reader.state is FileState.EMPTY


def test_unicode_content_keeps_byte_offsets_right(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    records = history(3)
    records[1]["note_é"] = "ünïcode ✓"
    import json

    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    reader = SummaryFile(path)
    reader.read()
    records.append(history(4)[-1])
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    result = reader.read()
    assert not result.reset and epochs(result.records) == [3]


def test_cut_ending_on_a_nested_list_bracket_is_still_a_rewrite_in_progress(
    tmp_path: Path,
) -> None:
    import json

    path = tmp_path / "s.json"
    hist = [{"epoch": e, "raw_loss_mean": 1.0, "per_channel_loss": [0.1, 0.2]} for e in range(100)]
    path.write_text(json.dumps(hist, indent=2))
    reader = SummaryFile(path)
    reader.read()
    new = json.dumps([*hist, {"epoch": 100, "per_channel_loss": [0.1, 0.2]}], indent=2)
    path.write_text(new[: new.index("]", len(new) // 2) + 1])
    bump_mtime(path)
    result = reader.read()
    assert not result.reset and result.records == []
    assert reader.state is FileState.WRITING
