"""Reading max_epochs and friends from hparams.yaml / resolved_config.yaml."""

from __future__ import annotations

import os
from pathlib import Path

from neuromf_tui.data.runconfig import parse_yaml_leaves, read_run_config

HPARAMS = """\
config:
  training:
    max_epochs: 500
    lr: 1.0e-4   # AdamW
  loss:
    norm_p: 1
    norm_eps: 1.0
    adaptive: true
  prediction_type: "x"
  data_proportion: 0.75
"""


def test_leaves_are_typed() -> None:
    leaves = parse_yaml_leaves(HPARAMS)
    assert leaves["max_epochs"] == 500.0
    assert leaves["lr"] == 1e-4
    assert leaves["adaptive"] is True
    assert leaves["prediction_type"] == "x"
    assert "config" not in leaves


def test_latest_config_file_wins(tmp_path: Path) -> None:
    old = tmp_path / "logs" / "lightning" / "version_0" / "hparams.yaml"
    new = tmp_path / "logs" / "config_snapshots" / "2026-11-01" / "resolved_config.yaml"
    for path in (old, new):
        path.parent.mkdir(parents=True)
    old.write_text(HPARAMS)
    new.write_text("max_epochs: 800\n")
    os.utime(old, (1, 1))
    config = read_run_config(tmp_path)
    assert config.planned_epochs == 800
    assert config.number("norm_eps") == 1.0
    assert config.sources["max_epochs"] == new


def test_no_config_means_unknown(tmp_path: Path) -> None:
    assert read_run_config(tmp_path).planned_epochs is None
