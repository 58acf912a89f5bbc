"""Hostile run names, metric keys and values through every headless command.

Terminal output (``runs``, ``report`` text and markdown, ``check``, ``watch``, ``export``
messages, errors) shows them with control characters removed and markup as literal text;
JSON output keeps them exact and stays valid JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuromf_tui.cli import main
from tests.robustness.hostile import (
    NAN_KEY,
    RUN_NAMES,
    assert_clean,
    shown,
    write_hostile_root,
)


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_root(tmp_path_factory.mktemp("hostile") / "results\x1b[7m[b]root")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_names_shown(output: str) -> None:
    assert_clean(output)
    for name in RUN_NAMES:
        assert shown(name) in output, f"{name!r} not shown literally"


def test_runs_lists_every_name_literally(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "runs", str(hostile_root))
    assert code == 0
    assert_names_shown(out)
    assert_clean(err)
    assert "raw_loss_mean" in err  # the field holding text is named, per run


def test_json_outputs_keep_names_exact_and_stay_valid(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "runs", str(hostile_root), "--format", "json")
    assert code == 0 and "\x1b" not in out
    assert sorted(row["run"] for row in json.loads(out)) == sorted(RUN_NAMES)
    code, out, _ = run(capsys, "report", str(hostile_root), "--format", "json")
    assert code == 0 and "\x1b" not in out
    reports = json.loads(out)
    assert sorted(r["run"] for r in reports) == sorted(RUN_NAMES)
    for report in reports:
        nonfinite = [f for f in report["findings"] if f["id"] == "non-finite-values"]
        assert nonfinite and NAN_KEY in nonfinite[0]["metrics"]


def test_report_text_shows_names_keys_and_notes_literally(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "report", str(hostile_root))
    assert code == 0 and err == ""
    assert_names_shown(out)
    assert NAN_KEY in out  # the finding's evidence names the metric, markup and all
    assert "note: field 'raw_loss_mean' holds text" in out


def test_report_markdown_escapes_what_markdown_would_act_on(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", str(hostile_root), "--format", "markdown")
    assert code == 0
    assert_clean(out)
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert len(headings) == len(RUN_NAMES)
    for line in headings:
        # No bracket or angle bracket is left to open a link, an image or an HTML tag.
        unescaped = line.replace("\\[", "").replace("\\]", "").replace("\\<", "")
        assert not any(ch in unescaped for ch in "[]<")
    assert "\\[link=https:e.x\\]l\\[/link\\]" in out
    assert "- note: field 'raw_loss_mean' holds text" in out


def test_check_and_watch_lines_are_clean(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", str(hostile_root))
    assert code in (0, 1)  # findings, yet no bad input
    assert_names_shown(out)
    code, out, err = run(capsys, "watch", str(hostile_root), "--poll", "0.2", "--duration", "1")
    assert code == 0
    assert_names_shown(out)
    assert_clean(err)
    assert sum(" OPEN " in line for line in out.splitlines()) >= len(RUN_NAMES)


def test_export_and_errors_print_clean_messages(
    hostile_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out\x1b[2J.csv"
    code, out, err = run(capsys, "export", str(hostile_root), "--csv", str(target))
    assert code == 0
    assert_clean(out + err)
    header = target.read_text(encoding="utf-8").splitlines()[0]
    assert "[@click=app.quit]metric" in header  # a data file keeps the key exact
    code, _, err = run(capsys, "report", str(hostile_root / "gone\x1b]0;pwned\x07"))
    assert code == 2
    assert_clean(err)
    assert "gone]0;pwned" in err
