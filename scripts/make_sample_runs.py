"""Regenerate the committed sample runs in sample_runs/.

    python scripts/make_sample_runs.py            # from the repository root, in the venv

The folder is deleted and written again. File contents are deterministic (fixed seeds, no
timestamps inside); only file mtimes depend on when the script runs: every run is dated in the
past except `overfit_small_data`, whose aggregate is left cut mid-write and dated now, so it
looks like the run being written. Four runs get sample images at their sample epochs
(`samples/epoch_NNNN/latent_channels.png`, or `samples_grid.png` in the older flat-layout run;
the baseline also has post-training decodes under `samples/decoded/`); the others have none.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from neuromf_tui.sim.model import SimConfig, simulate  # noqa: E402
from neuromf_tui.sim.writer import WriteOptions, write_run  # noqa: E402

MARKER = "README.md"
HOUR = 3600.0


@dataclass(frozen=True)
class Sample:
    """One sample run: where it goes, what it simulates, how it is written, how old it looks."""

    path: str
    config: SimConfig
    options: WriteOptions = field(default_factory=WriteOptions)
    truncate: bool = False
    hours_ago: float = 0.0
    note: str = ""


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "imf_baseline",
        SimConfig(scenario="healthy", epochs=400, seed=1),
        WriteOptions(images="latent", decoded=True),
        hours_ago=70,
        note="healthy reference run",
    ),
    Sample(
        "phase4c_adaptive_norm",
        SimConfig(scenario="adaptive-masking", epochs=500, seed=4),
        WriteOptions(images="latent"),
        hours_ago=30,
        note="the showcase failure: loss_mean flat at 1.0 while raw loss grows ~2,300x",
    ),
    Sample(
        "ablations/mode_collapse",
        SimConfig(scenario="mode-collapse", epochs=200, seed=2, prediction="u"),
        WriteOptions(images="latent"),
        hours_ago=50,
        note="u-prediction: u_pred_stats instead of x_hat_stats",
    ),
    Sample(
        "ablations/dead_deep_blocks",
        SimConfig(scenario="dead-gradients", epochs=150, seed=3),
        hours_ago=48,
    ),
    Sample(
        "ablations/mf_domination_resumed",
        SimConfig(scenario="mf-domination", epochs=180, seed=7),
        WriteOptions(restart=(110, 100)),
        hours_ago=26,
        note="crashed after epoch 110, resumed from epoch 100: aggregate starts at 100 (stub)",
    ),
    Sample(
        "ablations/sampling_drift",
        SimConfig(scenario="sampling-drift", epochs=100, seed=8, lr_schedule="cosine"),
        hours_ago=24,
        note="cosine learning-rate schedule",
    ),
    Sample(
        "legacy_v1_warmup",
        SimConfig(scenario="warmup-starvation", epochs=120, seed=5),
        WriteOptions(layout="flat", quirks=True, images="grid"),
        hours_ago=24 * 40,
        note="old flat layout; tensor strings, float32 strings, a bare NaN",
    ),
    Sample(
        "overfit_small_data",
        SimConfig(scenario="overfitting", epochs=300, seed=6),
        truncate=True,
        hours_ago=0,
        note="aggregate cut mid-record at an 8 KiB boundary, as caught mid-write",
    ),
)


def make_samples(out: Path, now: float) -> list[str]:
    """Write every sample run under `out` (which must not exist); return README lines."""
    lines = [
        "# Sample runs",
        "",
        "Synthetic NeuroMF runs written by `neuromf_tui.sim`; regenerate with",
        "`python scripts/make_sample_runs.py`. Do not edit by hand.",
        "",
        "| run | scenario | epochs | onset epoch | layout | notes |",
        "|---|---|---|---|---|---|",
    ]
    for sample in SAMPLES:
        run = simulate(sample.config)
        write_run(
            out / sample.path,
            run,
            sample.options,
            truncate=sample.truncate,
            end_time=now - sample.hours_ago * HOUR,
        )
        onset = "-" if run.onset is None else str(run.onset)
        lines.append(
            f"| `{sample.path}` | {sample.config.scenario} | {sample.config.epochs} | {onset} "
            f"| {sample.options.layout} | {sample.note} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "sample_runs", help="target folder")
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists():
        if not (out / MARKER).is_file():
            print(f"error: {out} exists but has no {MARKER}; not deleting it", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True)
    now = time.time()
    lines = make_samples(out, now=now)
    readme = out / MARKER
    readme.write_text("\n".join(lines) + "\n")
    os.utime(readme, (now - HOUR, now - HOUR))  # keep the mid-write run the newest file
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(SAMPLES)} runs to {out} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
