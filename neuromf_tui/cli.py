"""Command-line entry point: ``neuromf-tui [PATH]`` opens the app; subcommands run headless.

Each subcommand lives in ``neuromf_tui.commands.<name>`` and registers its own parser, so a
headless command imports only the data layer it needs (no Textual for ``runs``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from neuromf_tui import __version__
from neuromf_tui.commands import check, export, open_app, report, runs, serve, simulate, watch

COMMANDS = (open_app, runs, report, check, watch, export, serve, simulate)
DEFAULT_COMMAND = "open"

DESCRIPTION = """\
Watch and diagnose NeuroMF (latent MeanFlow) training runs from a terminal.

With no command, opens the app on PATH (default: the current folder). PATH can be a results
root holding many runs, one run folder, or a training_summary.json file. The app and every
command only read run folders: they never write, move or lock anything inside them.
"""

EPILOG = """\
examples:
  neuromf-tui sample_runs/                 open the app on a results root
  neuromf-tui runs sample_runs/            list runs: layout, epochs, last write, live/finished
  neuromf-tui report sample_runs/phase4c_adaptive_norm
                                           findings with evidence, phase, best epoch, trends
  neuromf-tui check sample_runs/ --strict  exit 1 on a critical (--strict: any) finding
  neuromf-tui watch sample_runs/ --poll 30 timestamped lines as findings appear/resolve
  neuromf-tui export sample_runs/ --csv runs.csv --png runs.png
                                           per-epoch table for pandas, overview figure
  neuromf-tui serve sample_runs/           the app in a browser on 127.0.0.1:8000
  neuromf-tui simulate /tmp/demo --scenario adaptive-masking --live --interval 1
                                           write a run epoch by epoch to watch it live

Run 'neuromf-tui COMMAND --help' for the options of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuromf-tui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"neuromf-tui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    for sub in subparsers.choices.values():
        sub.add_argument("--version", action="version", version=f"neuromf-tui {__version__}")
    return parser


def _with_default_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Let ``neuromf-tui PATH`` mean ``neuromf-tui open PATH``."""
    names = set()
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        names.update(getattr(action, "choices", {}) or {})
    if argv and (argv[0] in names or argv[0] in ("-h", "--help", "--version")):
        return argv
    return [DEFAULT_COMMAND, *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 findings, 2 bad input)."""
    parser = build_parser()
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv), parser)
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def fail(message: str) -> int:
    """Print a one-line error for the user (no traceback) and return the bad-input code.

    Messages quote paths and run names, which may hold escape sequences: they are made
    printable here, once for every command.
    """
    from neuromf_tui.textsafe import printable

    print(f"neuromf-tui: error: {printable(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
