"""``neuromf-tui report PATH``: findings, phase, best epoch and key trends of each run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "report"

EPILOG = """\
formats:
  text      for a terminal (colour when stdout is a terminal and NO_COLOR is unset)
  json      one JSON object per run: {"run", "source", "epochs", "last_epoch", "status",
            "phase", "best_epoch", "findings": [{"id", "severity", "title", "first_epoch",
            "metrics", "evidence"}]}; a results root prints a JSON array of them
  markdown  tables for lab notes and issues

examples:
  neuromf-tui report runs/run_v3
  neuromf-tui report runs/run_v3 --until 224     what the engine would have said at epoch 224
  neuromf-tui report runs/ --format json | jq '.[] | select(.status != "ok") | .run'
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import add_config_option

    parser = subparsers.add_parser(
        NAME,
        help="analyse runs: findings with evidence, phase, best epoch, key trends",
        description=(
            "Analyse a run (folder or training_summary.json) or every run under a results "
            "root, the way the app's findings pane does, and print a report."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, help="run folder, training_summary.json or results root")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument(
        "--until",
        type=int,
        metavar="EPOCH",
        default=None,
        help="analyse only epochs <= EPOCH (what the engine would have said then)",
    )
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.analysis.report import report_run
    from neuromf_tui.cli import fail
    from neuromf_tui.commands.common import InputError, find_runs, settings_for

    try:
        refs, single = find_runs(args.path)
        settings = settings_for(args.path, args.config)
    except InputError as exc:
        return fail(str(exc))
    reports = [report_run(ref, settings, until=args.until) for ref in refs]
    if args.format == "json":
        payload = reports[0].as_json() if single else [r.as_json() for r in reports]
        print(json.dumps(payload, indent=2, allow_nan=False, default=_json_default))
    elif args.format == "markdown":
        from neuromf_tui.output.report_markdown import render

        print("\n".join(render(r) for r in reports), end="")
    else:
        from neuromf_tui.output.report_text import render as render_text
        from neuromf_tui.output.style import Style

        style = Style.for_stream(sys.stdout)
        print(("\n\n" + "─" * 60 + "\n\n").join(render_text(r, style) for r in reports))
    return 2 if all(not r.readable for r in reports) else 0


def _json_default(value: object) -> object:
    return str(value)
