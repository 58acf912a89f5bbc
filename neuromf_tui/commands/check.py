"""``neuromf-tui check PATH``: an exit code for scripts and CI, one line per finding."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "check"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import add_config_option

    parser = subparsers.add_parser(
        NAME,
        help="exit 1 when a run has a critical finding (--strict: any warning), for scripts",
        description=(
            "Analyse runs and exit with a status a script can test: 0 when no run has a "
            "critical finding (with --strict: no warning either), 1 otherwise, 2 when input "
            "is unreadable or the command line is wrong. Prints one line per finding."
        ),
        epilog="example: neuromf-tui check runs/run_v3 || scancel $SLURM_JOB_ID",
    )
    parser.add_argument("path", type=Path, help="run folder, training_summary.json or results root")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--until", type=int, metavar="EPOCH", default=None, help=argparse.SUPPRESS)
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.analysis.findings import Severity
    from neuromf_tui.analysis.report import report_run
    from neuromf_tui.cli import fail
    from neuromf_tui.commands.common import InputError, find_runs, settings_for
    from neuromf_tui.textsafe import printable

    try:
        refs, _ = find_runs(args.path)
        settings = settings_for(args.path, args.config)
    except InputError as exc:
        return fail(str(exc))
    failing = {Severity.CRITICAL} | ({Severity.WARNING} if args.strict else set())
    failed = unreadable = False
    for ref in refs:
        report = report_run(ref, settings, until=args.until)
        name = printable(report.run)
        if not report.readable:
            unreadable = True
            print(f"{name}: unreadable: {printable(report.state)}")
            continue
        for f in report.findings:
            failed |= f.severity in failing
            print(
                f"{name}: {f.severity.value} {f.id} (from epoch {f.first_epoch}): "
                f"{printable(f.evidence)}"
            )
        if not report.findings:
            print(f"{name}: ok ({report.epochs} epochs)")
    return 2 if unreadable else (1 if failed else 0)
