"""``neuromf-tui [open] [PATH]``: the interactive app."""

from __future__ import annotations

import argparse

NAME = "open"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import (
        add_config_option,
        add_path_argument,
        add_poll_option,
    )

    parser = subparsers.add_parser(
        NAME,
        help="open the app on a results root, a run folder or a summary file (default command)",
        description="Open the interactive app. This is what plain 'neuromf-tui PATH' does.",
    )
    add_path_argument(parser)
    add_poll_option(parser)
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.analysis.config import ConfigError
    from neuromf_tui.cli import fail
    from neuromf_tui.data.discover import DiscoveryError, discover_runs

    try:
        discover_runs(args.path, max_depth=0)
    except DiscoveryError as exc:
        return fail(str(exc))
    if args.poll is not None and args.poll <= 0:
        return fail("--poll must be a positive number of seconds")
    from neuromf_tui.app.factory import create_app

    try:
        app = create_app(args.path, poll=args.poll, config=args.config)
    except ConfigError as exc:
        return fail(str(exc))
    app.run()
    return 0
