"""report, check and watch on the sample runs, a live run, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from neuromf_tui.cli import main
from neuromf_tui.sim.model import SimConfig, simulate
from neuromf_tui.sim.writer import LiveWriter

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"

EXPECTED = {
    "imf_baseline": set(),
    "phase4c_adaptive_norm": {"adaptive-weight-masking", "raw-loss-divergence"},
    "ablations/mode_collapse": {"mode-collapse"},
    "ablations/dead_deep_blocks": {"dead-deep-gradients"},
    "ablations/mf_domination_resumed": {"mf-term-domination", "training-restart"},
    "ablations/sampling_drift": {"sampling-drift"},
    "legacy_v1_warmup": {"warmup-starvation"},
    "overfit_small_data": {"overfitting"},
}
FINDING_KEYS = {"id", "severity", "title", "first_epoch", "metrics", "evidence"}
REPORT_KEYS = {
    "run",
    "source",
    "epochs",
    "last_epoch",
    "status",
    "phase",
    "best_epoch",
    "findings",
}


def json_report(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(["report", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def validate(report: dict) -> None:
    assert set(report) == REPORT_KEYS
    assert isinstance(report["run"], str) and isinstance(report["source"], str)
    assert isinstance(report["epochs"], int)
    assert report["status"] in ("ok", "warning", "critical")
    assert report["phase"] in ("early", "mid", "late", None)
    assert report["best_epoch"] is None or isinstance(report["best_epoch"], int)
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("info", "warning", "critical")
        assert isinstance(finding["first_epoch"], int)
        assert isinstance(finding["metrics"], list) and finding["metrics"]
        assert any(ch.isdigit() for ch in finding["evidence"])


def test_every_sample_run_gets_the_findings_its_scenario_implies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reports = json_report(capsys, str(SAMPLES))
    assert isinstance(reports, list)
    by_run = {r["run"]: r for r in reports}
    assert set(by_run) == set(EXPECTED)
    for run, expected in EXPECTED.items():
        report = by_run[run]
        validate(report)
        ids = {f["id"] for f in report["findings"]}
        assert expected <= ids, (run, ids)
    healthy = by_run["imf_baseline"]
    assert healthy["status"] == "ok" and healthy["findings"] == []


def test_single_run_json_is_one_object_with_the_documented_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = json_report(capsys, str(SAMPLES / "phase4c_adaptive_norm"))
    assert isinstance(report, dict)
    validate(report)
    assert report["status"] == "critical"
    assert report["best_epoch"] < 150
    summary = SAMPLES / "phase4c_adaptive_norm/diagnostics/aggregate_results/training_summary.json"
    assert json_report(capsys, str(summary))["run"] == "phase4c_adaptive_norm"


def test_until_analyses_only_the_epochs_so_far(capsys: pytest.CaptureFixture[str]) -> None:
    early = json_report(capsys, str(SAMPLES / "phase4c_adaptive_norm"), "--until", "100")
    assert early["last_epoch"] == 100 and early["epochs"] == 101
    assert early["findings"] == []
    later = json_report(capsys, str(SAMPLES / "phase4c_adaptive_norm"), "--until", "224")
    assert "raw-loss-divergence" in {f["id"] for f in later["findings"]}


def test_text_and_markdown_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(SAMPLES / "phase4c_adaptive_norm")]) == 0
    text = capsys.readouterr().out
    assert "\x1b[" not in text, "no colour when stdout is not a terminal"
    assert "CRITICAL" in text and "adaptive-weight-masking" in text and "Settings used" in text
    assert main(["report", str(SAMPLES / "imf_baseline"), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## imf_baseline") and "| metric | start | end |" in md


def test_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SAMPLES / "imf_baseline")]) == 0
    assert "imf_baseline: ok" in capsys.readouterr().out
    assert main(["check", str(SAMPLES / "phase4c_adaptive_norm")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("critical adaptive-weight-masking" in line for line in lines)
    assert main(["check", str(SAMPLES / "legacy_v1_warmup")]) == 0
    assert main(["check", str(SAMPLES / "legacy_v1_warmup"), "--strict"]) == 1
    junk = tmp_path / "bad" / "diagnostics" / "training_summary.json"
    junk.parent.mkdir(parents=True)
    junk.write_text("not json at all")
    capsys.readouterr()
    assert main(["check", str(tmp_path / "bad")]) == 2
    assert "unreadable" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "nothing-here")]) == 2


def test_bad_config_file_is_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[training]\nnorm_eps = 'one'\n")
    assert main(["check", str(SAMPLES / "imf_baseline"), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "norm_eps" in err


def test_config_overrides_a_threshold_and_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "neuromf-tui.toml"
    config.write_text("[training]\nnorm_eps = 2.0\n\n[rules.warmup-starvation]\nenabled = false\n")
    run = SAMPLES / "legacy_v1_warmup"
    assert main(["check", str(run), "--strict"]) == 1
    assert "warmup-starvation" in capsys.readouterr().out
    main(["check", str(run), "--strict", "--config", str(config)])
    assert "warmup-starvation" not in capsys.readouterr().out
    assert main(["report", str(run), "--config", str(config)]) == 0
    assert "norm_eps = 2  (user (neuromf-tui.toml))" in capsys.readouterr().out


def test_watch_prints_a_finding_raised_while_the_run_trains(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="adaptive-masking", epochs=160, seed=3))
    writer = LiveWriter(tmp_path / "live_run", run)
    for _ in range(60):
        writer.write_next()
    marker = tmp_path / "alerts.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "neuromf_tui",
            "watch",
            str(tmp_path),
            "--poll",
            "0.2",
            "--duration",
            "25",
            "--on-finding",
            f"cat >> {marker}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def feed() -> None:
        time.sleep(1.5)
        while not writer.done:
            writer.write_next()
            time.sleep(0.01)

    feeder = threading.Thread(target=feed)
    feeder.start()
    out, err = proc.communicate(timeout=60)
    feeder.join()
    assert proc.returncode == 0, err
    assert "polling every 0.2 s" in err
    new_lines = [line for line in out.splitlines() if "  NEW " in line]
    assert any("raw-loss-divergence" in line for line in new_lines), out
    alerts = [json.loads(line) for line in marker.read_text().splitlines() if line.strip()]
    assert {"run", "id", "severity", "evidence"} <= set(alerts[0])
