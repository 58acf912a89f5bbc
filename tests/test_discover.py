"""Run discovery: layouts, names, skipped folders, depth, symlink loops, laziness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuromf_tui.data.discover import DiscoveryError, discover_runs
from tests.runfiles import history, run_folder, write_epoch_file, write_run


def names(path: Path, **kwargs: int) -> list[str]:
    return [ref.name for ref in discover_runs(path, **kwargs)]


def test_both_layouts_and_per_epoch_only_runs_are_found(tmp_path: Path) -> None:
    write_run(tmp_path, "runs/run_v2", history(3))
    write_run(tmp_path, "runs/run_v1", history(3), layout="flat")
    _, summary, epoch_root = run_folder(tmp_path, "ablations/arm_a")
    summary.unlink(missing_ok=True)
    write_epoch_file(epoch_root, history(1)[0])
    _flat_folder, _flat_summary, flat_root = run_folder(tmp_path, "ablations/arm_b", layout="flat")
    write_epoch_file(flat_root, history(1)[0])
    refs = {ref.name: ref for ref in discover_runs(tmp_path)}
    assert sorted(refs) == ["ablations/arm_a", "ablations/arm_b", "runs/run_v1", "runs/run_v2"]
    assert refs["runs/run_v2"].layout == "current"
    assert refs["runs/run_v1"].layout == "flat"
    assert refs["ablations/arm_b"].epoch_root == flat_root


def test_a_run_folder_a_diagnostics_folder_and_a_summary_file(tmp_path: Path) -> None:
    folder = write_run(tmp_path, "run_v3", history(2))
    (by_folder,) = discover_runs(folder)
    assert by_folder.name == "run_v3" and by_folder.layout == "current"
    (by_diag,) = discover_runs(folder / "diagnostics")
    assert by_diag.folder == folder.resolve()
    summary = folder / "diagnostics" / "aggregate_results" / "training_summary.json"
    (by_file,) = discover_runs(summary)
    assert by_file.folder == folder.resolve() and by_file.layout == "current"
    assert by_file.epoch_root is not None


def test_a_lone_summary_file_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "copied_summary.json"
    path.write_text("[]")
    (ref,) = discover_runs(path)
    assert ref.layout == "file" and ref.summary == path.resolve()


def test_skips_hidden_and_bulky_folders_and_respects_depth(tmp_path: Path) -> None:
    write_run(tmp_path, ".trash/run", history(1))
    write_run(tmp_path, "run/checkpoints/inner", history(1))
    write_run(tmp_path, "x/logs/inner", history(1))
    write_run(tmp_path, "a/b/c/d/deep", history(1))
    assert names(tmp_path) == ["a/b/c/d/deep"]
    assert names(tmp_path, max_depth=3) == []


def test_symlink_loops_are_not_followed_forever(tmp_path: Path) -> None:
    write_run(tmp_path, "root/run", history(1))
    os.symlink(tmp_path / "root", tmp_path / "root" / "loop")
    os.symlink(tmp_path / "root", tmp_path / "root" / "run2_link")
    assert names(tmp_path / "root") == ["run"]


def test_missing_path_and_unrelated_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="no such file"):
        discover_runs(tmp_path / "nope")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(DiscoveryError, match=r"not a training_summary\.json"):
        discover_runs(other)


def test_discovery_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        write_run(tmp_path, f"run_{i:02d}", history(2), per_epoch=False)
    opened: list[str] = []
    real_open = open

    def spy(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    assert len(discover_runs(tmp_path)) == 30
    assert not [p for p in opened if p.endswith(".json")]
