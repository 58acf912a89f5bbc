"""``neuromf-tui runs PATH``: a table of the runs found under PATH."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NAME = "runs"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="list the runs under PATH: layout, epochs, last epoch, last write, live/finished",
        description=(
            "List every run found under PATH (a results root, a run folder or a summary file), "
            "in both the current (diagnostics/aggregate_results/) and the older flat "
            "(diagnostics/) layouts. Each run's files are read once; nothing is written."
        ),
        epilog=(
            "status: 'live' while the run keeps writing, 'stale' after a silence of 3x its median "
            "epoch time (10 min when unknown), 'finished' when the last epoch reaches max_epochs "
            "from the run's hparams.yaml.\n"
            "state: 'being written' means the summary was caught mid-rewrite; the complete epochs "
            "before the cut are counted."
        ),
    )
    parser.add_argument("path", type=Path, help="results root, run folder or training_summary.json")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--depth", type=int, default=6, metavar="N", help="how deep to look for runs (default 6)"
    )
    parser.add_argument(
        "--stale-after",
        type=float,
        metavar="SECONDS",
        default=None,
        help="silence after which a run counts as stale (default: 3x its median epoch time)",
    )
    parser.set_defaults(func=run)


@dataclass(slots=True)
class RunRow:
    name: str
    layout: str
    epochs: int
    last_epoch: int | None
    last_write: float | None
    status: str
    state: str
    planned_epochs: int | None
    problems: list[str]


def collect(path: Path, depth: int, stale_after: float | None) -> list[RunRow]:
    """Load every run under ``path`` and summarise it (raises DiscoveryError for a bad path)."""
    from neuromf_tui.data.discover import discover_runs
    from neuromf_tui.data.loader import load_run
    from neuromf_tui.data.runconfig import read_run_config

    refs = discover_runs(path, max_depth=depth)
    show_progress = sys.stderr.isatty() and len(refs) > 20
    rows: list[RunRow] = []
    now = time.time()
    for index, ref in enumerate(refs, 1):
        if show_progress:
            print(f"\rreading runs {index}/{len(refs)}", end="", file=sys.stderr, flush=True)
        source = load_run(ref)
        table = source.table
        planned = read_run_config(ref.folder).planned_epochs
        status = source.status(planned, now, stale_after)
        state = source.state.value
        if source.error:
            state = f"error: {source.error}"
        rows.append(
            RunRow(
                name=ref.name,
                layout=ref.layout,
                epochs=len(table),
                last_epoch=table.last_epoch,
                last_write=source.last_write,
                status=status.value,
                state=state,
                planned_epochs=planned,
                problems=list(source.problems),
            )
        )
    if show_progress:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)
    return rows


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.cli import fail
    from neuromf_tui.data.discover import DiscoveryError
    from neuromf_tui.data.status import describe_age
    from neuromf_tui.textsafe import printable

    try:
        rows = collect(args.path, args.depth, args.stale_after)
    except DiscoveryError as exc:
        return fail(str(exc))
    if args.format == "json":
        print(json.dumps([_as_json(row) for row in rows], indent=2))
        return 0
    if not rows:
        print(f"no runs found under {printable(str(args.path))}", file=sys.stderr)
        return 0
    now = time.time()
    header = ("RUN", "LAYOUT", "EPOCHS", "LAST", "LAST WRITE", "STATUS", "STATE")
    table = [header]
    for row in rows:
        planned = f"/{row.planned_epochs}" if row.planned_epochs else ""
        table.append(
            (
                printable(row.name),
                row.layout,
                str(row.epochs),
                ("-" if row.last_epoch is None else str(row.last_epoch)) + planned,
                "-" if row.last_write is None else describe_age(now - row.last_write) + " ago",
                row.status,
                printable(row.state),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    numeric = {2, 3}
    for line in table:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        print("  ".join(cells).rstrip())
    for row in rows:
        for problem in row.problems:
            print(f"{printable(row.name)}: {printable(problem)}", file=sys.stderr)
    return 0


def _as_json(row: RunRow) -> dict[str, object]:
    return {
        "run": row.name,
        "layout": row.layout,
        "epochs": row.epochs,
        "last_epoch": row.last_epoch,
        "last_write": row.last_write,
        "status": row.status,
        "state": row.state,
        "planned_epochs": row.planned_epochs,
        "problems": row.problems,
    }
