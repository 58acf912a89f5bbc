"""``neuromf-tui export PATH --csv/--parquet/--png FILE``: a run's table or figure as a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuromf_tui.analysis.config import Settings
    from neuromf_tui.data.discover import RunRef
    from neuromf_tui.data.loader import RunSource

NAME = "export"

EPILOG = """\
outputs (give one or more; each FILE is written, or replaced, as named):
  --csv FILE      one row per epoch, one column per flattened metric, derived metrics included
                  (ratio.*, per_channel_share.*); a results root adds a leading 'run' column
  --parquet FILE  the same table as Parquet (needs pyarrow: pip install 'neuromf-tui[parquet]')
  --png FILE      the spec's overview panels on a shared epoch axis, open findings marked at
                  their first epoch; several runs are overlaid (needs matplotlib:
                  pip install 'neuromf-tui[png]'). Metrics a run does not log, or logs as a
                  constant, get no panel: they are listed on stderr.

Exports never go inside a run folder: a FILE there is refused (exit 2).

examples:
  neuromf-tui export runs/run_v3 --png /tmp/run_v3.png
  neuromf-tui export runs/ --csv all_runs.csv --png all_runs.png
  python -c "import pandas as pd; print(pd.read_csv('all_runs.csv').groupby('run').size())"
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import add_config_option

    parser = subparsers.add_parser(
        NAME,
        help="write the per-epoch table (CSV, Parquet) or an overview figure (PNG)",
        description=(
            "Export a run (folder or training_summary.json) or every run under a results root: "
            "the flattened per-epoch table for pandas, or one multi-panel PNG figure."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, help="run folder, training_summary.json or results root")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the table as CSV")
    parser.add_argument("--parquet", type=Path, metavar="FILE", help="write the table as Parquet")
    parser.add_argument("--png", type=Path, metavar="FILE", help="write the overview figure")
    parser.add_argument(
        "--dpi", type=int, default=150, metavar="N", help="PNG resolution (default 150)"
    )
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.cli import fail
    from neuromf_tui.commands.common import InputError, find_runs, settings_for
    from neuromf_tui.output.destination import DestinationError, check_file
    from neuromf_tui.output.optional import MissingExtra, require
    from neuromf_tui.textsafe import printable

    outputs = {fmt: path for fmt in ("csv", "parquet", "png") if (path := getattr(args, fmt))}
    if not outputs:
        return fail("nothing to export: give --csv FILE, --parquet FILE and/or --png FILE")
    if args.dpi < 72 or args.dpi > 1200:
        return fail("--dpi must be between 72 and 1200")
    try:
        refs, single = find_runs(args.path)
        settings = settings_for(args.path, args.config) if "png" in outputs else None
        folders = [ref.folder for ref in refs]
        targets = {fmt: check_file(path, folders) for fmt, path in outputs.items()}
        if len(set(targets.values())) < len(targets):
            raise InputError("two outputs name the same file")
        if "parquet" in targets:
            require("pyarrow")
        if "png" in targets:
            require("matplotlib")
    except (InputError, DestinationError, MissingExtra) as exc:
        return fail(str(exc))
    sources = _load(refs)
    if not any(len(source.table) for source in sources):
        return fail(f"{args.path}: no epochs to export yet")
    for fmt, target in targets.items():
        try:
            if fmt == "png":
                if not _write_png(sources, target, settings, args.dpi):
                    return fail(f"{printable(str(target))}: not written: no overview metric varies")
            else:
                _write_table(sources, target, fmt, with_run=not single)
        except OSError as exc:
            return fail(f"cannot write {printable(str(target))}: {exc.strerror or exc}")
    return 0


def _load(refs: list[RunRef]) -> list[RunSource]:
    from neuromf_tui.data.loader import load_run
    from neuromf_tui.textsafe import printable

    sources = []
    for ref in refs:
        source = load_run(ref)
        for problem in source.problems:
            print(f"{printable(ref.name)}: {printable(problem)}", file=sys.stderr)
        if source.error and not len(source.table):
            print(f"{printable(ref.name)}: {printable(source.error)}", file=sys.stderr)
        sources.append(source)
    return sources


def _write_table(sources: list[RunSource], path: Path, fmt: str, *, with_run: bool) -> None:
    from neuromf_tui.output.table_export import TableRun, table_frame, write_table
    from neuromf_tui.snapshot import columns_of
    from neuromf_tui.textsafe import printable

    runs = [TableRun(s.ref.name, *columns_of(s)) for s in sources if len(s.table)]
    frame = table_frame(runs, with_run=with_run)
    write_table(frame, path, fmt)
    what = f"{_count(len(runs), 'run')}, " if with_run else ""
    print(f"wrote {printable(str(path))} ({what}{len(frame)} rows, {frame.shape[1]} columns)")


def _write_png(sources: list[RunSource], path: Path, settings: Settings | None, dpi: int) -> bool:
    """Draw and write the overview; False (nothing written) when no panel has data."""
    from neuromf_tui.analysis.engine import analyse
    from neuromf_tui.analysis.inputs import build_view
    from neuromf_tui.output.figure import save_png
    from neuromf_tui.output.figure_plan import FigureRun, overview_plan
    from neuromf_tui.snapshot import columns_of
    from neuromf_tui.textsafe import printable

    runs = []
    for source in sources:
        if not len(source.table):
            continue
        view = build_view(source, settings)
        runs.append(FigureRun(source.ref.name, *columns_of(source), analyse(view)))
    plan = overview_plan(runs)
    for note in plan.skipped:
        print(f"png: {note}", file=sys.stderr)
    if not plan.panels:
        return False
    save_png(plan, path, dpi)
    findings = sum(len(r.findings) for r in runs)
    print(
        f"wrote {printable(str(path))} ({len(plan.panels)} panels, {_count(len(runs), 'run')}, "
        f"{_count(findings, 'open finding')} marked, {dpi} dpi)"
    )
    return True


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
