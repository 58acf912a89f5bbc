"""The command line: help that teaches, versions, the runs table, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neuromf_tui import __version__
from neuromf_tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neuromf_tui", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and __version__ in out.stdout
    help_text = run_cli("--help").stdout
    for command in ("runs", "simulate", "open"):
        assert command in help_text
    assert "examples:" in help_text


@pytest.mark.parametrize("command", ["runs", "simulate", "open", "report", "check", "watch"])
def test_every_command_has_help_and_version(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: neuromf-tui" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_runs_lists_every_sample_run_with_epoch_counts(capsys: pytest.CaptureFixture[str]) -> None:
    from neuromf_tui.data.discover import discover_runs
    from neuromf_tui.data.loader import load_run

    assert main(["runs", str(SAMPLES), "--format", "json"]) == 0
    rows = {row["run"]: row for row in json.loads(capsys.readouterr().out)}
    refs = discover_runs(SAMPLES)
    assert len(rows) == len(refs) >= 6
    for ref in refs:
        source = load_run(ref)
        assert rows[ref.name]["epochs"] == len(source.table) > 0
        assert rows[ref.name]["last_epoch"] == source.table.last_epoch
    expected = {
        "imf_baseline": 400,
        "phase4c_adaptive_norm": 500,
        "ablations/mode_collapse": 200,
        "ablations/dead_deep_blocks": 150,
        "ablations/mf_domination_resumed": 180,
        "ablations/sampling_drift": 100,
        "legacy_v1_warmup": 120,
        "overfit_small_data": 300,
    }
    assert {name: row["epochs"] for name, row in rows.items()} == expected
    layouts = {row["layout"] for row in rows.values()}
    assert layouts == {"current", "flat"}
    # The sample left cut mid-write is older than the rewrite grace: cut short, not in progress.
    assert rows["overfit_small_data"]["state"] == "cut short"


def test_runs_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", str(SAMPLES)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["RUN", "LAYOUT", "EPOCHS"]
    assert "phase4c_adaptive_norm" in out and "legacy_v1_warmup" in out


def test_missing_path_is_exit_2_with_a_message(tmp_path: Path) -> None:
    out = run_cli("runs", str(tmp_path / "nowhere"))
    assert out.returncode == 2
    assert "no such file" in out.stderr and "Traceback" not in out.stderr


def test_usage_error_is_exit_2() -> None:
    out = run_cli("runs")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_hostile_run_names_are_printed_without_escapes(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "ablations" / "dead_deep_blocks", tmp_path / "run\x1b[31mred")
    out = run_cli("runs", str(tmp_path))
    assert out.returncode == 0
    assert "\x1b" not in out.stdout and "run[31mred" in out.stdout
