"""`neuromf-tui simulate`: write a synthetic NeuroMF run folder, at once or live.

Synthetic runs let anyone try the app, its detectors and its live view without a GPU cluster:
each scenario reproduces one known failure mode on top of an otherwise coherent run.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from neuromf_tui.sim.scenarios import SCENARIOS

if TYPE_CHECKING:
    from neuromf_tui.sim.model import SimulatedRun
    from neuromf_tui.sim.writer import WriteOptions

LAYOUTS = ("current", "flat")
"""The writer's folder layouts (neuromf_tui.sim.writer.LAYOUTS; kept here so --help does not
import numpy)."""

PROG = "neuromf-tui simulate"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_EXAMPLES = """\
examples:
  neuromf-tui simulate runs/demo --scenario adaptive-masking --epochs 500
  neuromf-tui simulate runs/live --scenario overfitting --live --interval 1
  neuromf-tui simulate runs/old --scenario warmup-starvation --layout flat --quirks
  neuromf-tui simulate runs/resumed --scenario healthy --restart 120:100
"""


def scenario_table() -> str:
    """Scenario names, default onsets and descriptions, as `--list-scenarios` prints them."""
    width = max(len(name) for name in SCENARIOS)
    indent = " " * (width + 4)
    blocks = []
    for s in SCENARIOS.values():
        if s.onset_fraction is None:
            onset = "no onset"
        elif s.onset_fraction == 0:
            onset = "from epoch 0" + (" by default" if s.onset_adjustable else "")
        else:
            onset = f"onset at {s.onset_fraction:.0%} of the run"
        line = f"  {s.name:<{width}}  [{onset}] {s.description}"
        blocks.append(textwrap.fill(line, width=88, subsequent_indent=indent))
    return "\n".join(blocks)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `simulate` subcommand to a CLI's subparsers."""
    parser = subparsers.add_parser(
        "simulate",
        help="write a synthetic training run (healthy or with a known failure mode)",
        description=(
            "Write a synthetic NeuroMF run folder exactly as the training callback does: "
            "diagnostics/ summaries, an aggregate training_summary.json rewritten every epoch, "
            "and a Lightning hparams.yaml. Each scenario is a coherent run with one known "
            "failure mode starting at its onset epoch."
        ),
        epilog=f"scenarios:\n{scenario_table()}\n\n{_EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", metavar="OUT", nargs="?", type=Path, help="run folder to write")
    parser.add_argument(
        "--scenario", default="healthy", metavar="NAME", help="scenario name (default: healthy)"
    )
    parser.add_argument(
        "--epochs",
        type=_int_at_least(2),
        default=200,
        metavar="N",
        help="run length (default: 200)",
    )
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="current",
        help="current: diagnostics/aggregate_results + per_epoch_metrics; flat: older runs",
    )
    parser.add_argument(
        "--prediction", choices=("x", "u"), default="x", help="x_hat_stats or u_pred_stats"
    )
    parser.add_argument(
        "--noise",
        type=_float_at_least(0.0),
        default=1.0,
        metavar="LEVEL",
        help="noise multiplier: 0 smooth, 1 realistic (default), 2 very noisy",
    )
    parser.add_argument(
        "--onset", type=_int_at_least(0), metavar="EPOCH", help="move the scenario's onset epoch"
    )
    parser.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant")
    parser.add_argument(
        "--quirks",
        action="store_true",
        help="write tensor strings, float32 strings and a bare NaN as the real writer can",
    )
    parser.add_argument(
        "--restart",
        type=_restart,
        metavar="CRASH:RESUME",
        help="crash after epoch CRASH, resume from RESUME's checkpoint (new empty history)",
    )
    parser.add_argument(
        "--truncate",
        action="store_true",
        help="leave the aggregate cut mid-record at an 8 KiB boundary, as seen mid-write",
    )
    parser.add_argument(
        "--live", action="store_true", help="write one epoch every --interval seconds"
    )
    parser.add_argument(
        "--interval",
        type=_float_at_least(0.0),
        default=2.0,
        metavar="SEC",
        help="seconds between epochs with --live (default: 2)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing run folder")
    parser.add_argument(
        "--list-scenarios", action="store_true", help="describe the scenarios and exit"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute `simulate`; returns the process exit code."""
    from neuromf_tui.sim.model import SimConfig, simulate
    from neuromf_tui.sim.writer import RunFolderError, WriteOptions, write_run

    if args.list_scenarios:
        print(scenario_table())
        return 0
    if args.out is None:
        return _usage_error("the run folder OUT is required (or use --list-scenarios)")
    if args.live and args.truncate:
        return _usage_error("--truncate cannot be combined with --live")
    try:
        config = SimConfig(
            scenario=args.scenario,
            epochs=args.epochs,
            seed=args.seed,
            prediction=args.prediction,
            noise=args.noise,
            onset=args.onset,
            lr_schedule=args.lr_schedule,
        )
        options = WriteOptions(layout=args.layout, quirks=args.quirks, restart=args.restart)
        options.check(config.epochs)
    except ValueError as exc:
        return _usage_error(str(exc))

    simulated = simulate(config)
    onset = "none" if simulated.onset is None else str(simulated.onset)
    try:
        if args.live:
            return _run_live(args, simulated, options)
        paths = write_run(args.out, simulated, options, truncate=args.truncate, force=args.force)
    except RunFolderError as exc:
        return _usage_error(str(exc))
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {paths.root}: scenario {config.scenario}, {config.epochs} epochs, "
        f"onset epoch {onset}, layout {options.layout}"
    )
    return 0


def _run_live(args: argparse.Namespace, simulated: SimulatedRun, options: WriteOptions) -> int:
    """Pace a LiveWriter; Ctrl-C stops between (or during) writes without a traceback."""
    from neuromf_tui.sim.writer import LiveWriter

    writer = LiveWriter(args.out, simulated, options, force=args.force)
    print(
        f"{PROG}: writing {writer.paths.root} live, one epoch every {args.interval:g} s "
        f"({simulated.config.scenario}, {writer.total_steps} epoch writes); Ctrl-C to stop",
        file=sys.stderr,
    )
    last: int | None = None
    try:
        deadline = time.monotonic()
        while (epoch := writer.write_next()) is not None:
            last = epoch
            deadline += args.interval
            if not writer.done:
                time.sleep(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        where = "before the first epoch" if last is None else f"after epoch {last}"
        print(f"\n{PROG}: stopped {where} (Ctrl-C)", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"{PROG}: finished at epoch {last}", file=sys.stderr)
    return 0


def _usage_error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def _float_at_least(low: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value >= low or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be a finite number >= {low:g}, got {text}")
        return value

    return parse


def _restart(text: str) -> tuple[int, int]:
    crash, sep, resume = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(crash), int(resume)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected CRASH:RESUME epochs such as 120:100, got {text!r}"
        ) from None
