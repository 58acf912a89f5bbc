"""Write run folders by hand, the way the real training callback does, for data-layer tests.

Independent of the simulator on purpose: the loader is tested against the writer's facts,
not against our own generator.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

BLOCKS = (
    "conv_in",
    "time_embed",
    "r_embed",
    "down_block_0",
    "down_block_1",
    "down_block_2",
    "down_block_3",
    "middle_block",
    "up_block_0",
    "up_block_1",
    "up_block_2",
    "up_block_3",
    "out",
)


def record(epoch: int, **overrides: Any) -> dict[str, Any]:
    """A real-shaped epoch record: nested dicts, sparse keys, lists on periodic epochs."""
    raw = 500.0 / (1.0 + 0.05 * epoch)
    rec: dict[str, Any] = {
        "epoch": epoch,
        "global_step": 9 * (epoch + 1),
        "loss_mean": raw / (raw + 1.0),
        "loss_std": 1e-4,
        "raw_loss_mean": raw,
        "raw_loss_std": raw * 0.1,
        "raw_loss_fm_mean": raw * 0.6,
        "raw_loss_mf_mean": raw * 1.8,
        "cosine_sim_V_vc": min(0.95, 0.01 + 0.01 * epoch),
        "relative_error": max(0.1, 1.0 - 0.01 * epoch),
        "grad_clip_fraction": max(0.0, 0.875 - 0.01 * epoch),
        "block_grad_norms": {block: 0.1 + 0.001 * i for i, block in enumerate(BLOCKS)},
        "velocity_norms": {"u_norm": 600.0 + epoch, "target_v_norm": 665.0},
        "adaptive_weight": {"mean": raw + 1.0, "std": raw * 0.1},
        "x_hat_stats": {"mean": 0.01, "std": 0.98, "min": -4.2, "max": 4.4},
        "learning_rate": 1e-4,
        "sampling": {"t_mean": 0.53, "t_std": 0.18, "h_mean": 0.06, "h_zero_frac": 0.75},
        "epoch_time_sec": 80.0 + (epoch % 3),
    }
    if (epoch + 1) % 10 == 0:
        rec["val_raw_loss"] = raw * 1.05
    if (epoch + 1) % 5 == 0:
        rec["per_channel_loss"] = [raw * 0.4, raw * 0.3, raw * 0.2, raw * 0.1]
    rec.update(overrides)
    return rec


def history(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [record(epoch) for epoch in range(start, start + n)]


def dump(records: Any) -> str:
    """Exactly what ``json.dump(history, f, indent=2, default=str)`` writes."""
    return json.dumps(records, indent=2, default=str)


def run_folder(root: Path, name: str, layout: str = "current") -> tuple[Path, Path, Path]:
    """(run folder, aggregate path, per-epoch root) for a layout; folders created."""
    folder = root / name
    if layout == "current":
        summary = folder / "diagnostics" / "aggregate_results" / "training_summary.json"
        epoch_root = folder / "diagnostics" / "per_epoch_metrics"
    else:
        summary = folder / "diagnostics" / "training_summary.json"
        epoch_root = folder / "diagnostics"
    summary.parent.mkdir(parents=True, exist_ok=True)
    epoch_root.mkdir(parents=True, exist_ok=True)
    return folder, summary, epoch_root


def write_epoch_file(epoch_root: Path, rec: dict[str, Any]) -> Path:
    path = epoch_root / f"epoch_{rec['epoch']:03d}" / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(rec))
    return path


def write_run(
    root: Path,
    name: str,
    records: list[dict[str, Any]],
    layout: str = "current",
    per_epoch: bool = True,
) -> Path:
    """A whole run as the writer leaves it after its last epoch; returns the run folder."""
    folder, summary, epoch_root = run_folder(root, name, layout)
    if per_epoch:
        for rec in records:
            write_epoch_file(epoch_root, rec)
    summary.write_text(dump(records))
    return folder


def finite(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]
