"""``neuromf-tui serve [PATH]``: the same app in a web browser, through textual-serve."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

NAME = "serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

EPILOG = """\
security:
  By default the server listens on 127.0.0.1: only this machine can connect. From your laptop,
  reach a cluster node through an SSH tunnel, which needs no open port:
      ssh -L 8000:127.0.0.1:8000 HOST        then open http://localhost:8000
  Binding another address (--host 0.0.0.0, a LAN address) exposes the app, and with it read
  access to every run under PATH, to anyone who can reach that address and port, without any
  login. Do that only on a network you trust.

Each browser tab runs its own copy of the app ('neuromf-tui open PATH'); like the terminal
app, it only reads the run folders. Stop the server with Ctrl+C.

examples:
  neuromf-tui serve runs/
  neuromf-tui serve runs/ --port 8765 --poll 30
  neuromf-tui serve runs/ --port 8000 --public-url http://localhost:9000
                                 when the tunnel maps local port 9000 to the server's 8000
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import (
        add_config_option,
        add_path_argument,
        add_poll_option,
    )

    parser = subparsers.add_parser(
        NAME,
        help="serve the app to a web browser (loopback only by default; see --help)",
        description=(
            "Serve the interactive app to a web browser through textual-serve "
            "(pip install 'neuromf-tui[serve]')."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_path_argument(parser)
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1: this machine only). Another address "
        "exposes the app and read access to the runs to anyone who can reach it: prefer an "
        "SSH tunnel, ssh -L 8000:127.0.0.1:8000 HOST",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        default=None,
        help="the address the browser uses, when it differs from http://HOST:PORT "
        "(a tunnel to another local port, a reverse proxy)",
    )
    add_poll_option(parser)
    add_config_option(parser)
    parser.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(path: Path, poll: float | None = None, config: Path | None = None) -> list[str]:
    """The command each browser session runs: this Python, this package, the open command."""
    command = [sys.executable, "-m", "neuromf_tui", "open", str(path.expanduser().resolve())]
    if poll is not None:
        command += ["--poll", str(poll)]
    if config is not None:
        command += ["--config", str(config.expanduser().resolve())]
    return command


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.cli import fail
    from neuromf_tui.data.discover import DiscoveryError, discover_runs
    from neuromf_tui.output.optional import MissingExtra, require
    from neuromf_tui.textsafe import printable

    try:
        require("textual_serve")
    except MissingExtra as exc:
        return fail(str(exc))
    try:
        discover_runs(args.path, max_depth=0)
    except DiscoveryError as exc:
        return fail(str(exc))
    if not 0 < args.port < 65536:
        return fail("--port must be between 1 and 65535")
    if args.poll is not None and args.poll <= 0:
        return fail("--poll must be a positive number of seconds")
    if args.config is not None and not args.config.expanduser().is_file():
        return fail(f"{printable(str(args.config))}: no such config file")
    from textual_serve.server import Server

    if not is_loopback(args.host):
        print(
            f"neuromf-tui: warning: listening on {printable(args.host)}: anyone who can reach "
            "this address can use the app and read the runs. An SSH tunnel to 127.0.0.1 is "
            "safer (see 'neuromf-tui serve --help').",
            file=sys.stderr,
        )
    command = shlex.join(app_command(args.path, args.poll, args.config))
    server = Server(
        command,
        host=args.host,
        port=args.port,
        title="neuromf-tui",
        public_url=args.public_url,
    )
    try:
        server.serve()
    except OSError as exc:
        return fail(f"cannot listen on {printable(args.host)}:{args.port}: {exc.strerror or exc}")
    return 0
