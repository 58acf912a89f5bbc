"""``neuromf-tui watch PATH``: timestamped lines for new and resolved findings, no UI.

For a tmux pane or a log file next to training: the same tailer and engine as the app,
printing only what changes: findings, and STATE lines when a summary goes missing, turns
unreadable, is cut short or emptied, restarts, or is fine again. ``--on-finding CMD`` runs a
command per new finding with the finding as JSON on stdin (mail, Slack webhook, ``scancel``...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

NAME = "watch"
REEVALUATE_SECONDS = 30.0
"""Re-run the rules this often even without file events, so a stalled run is noticed."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from neuromf_tui.commands.common import add_config_option

    parser = subparsers.add_parser(
        NAME,
        help="print new and resolved findings as timestamped lines while runs train",
        description=(
            "Follow every run under PATH as epochs land and print one timestamped line per new "
            "or resolved finding (findings already open at start are listed once as OPEN)."
        ),
        epilog=(
            "examples:\n"
            "  neuromf-tui watch runs/ | tee -a findings.log\n"
            "  neuromf-tui watch runs/ --poll 30          on NFS/Lustre/GPFS login nodes\n"
            "  neuromf-tui watch runs/ --on-finding 'mail -s neuromf me@lab.org'\n"
            "The --on-finding command gets the finding as JSON on stdin, with the run name; it\n"
            "runs through the shell, for findings raised after start, with a 30 s time limit."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, help="results root, run folder or summary file")
    parser.add_argument(
        "--poll", type=float, metavar="SEC", default=None, help="poll every SEC seconds"
    )
    parser.add_argument(
        "--on-finding", metavar="CMD", default=None, help="run CMD for each new finding"
    )
    parser.add_argument("--duration", type=float, default=None, help=argparse.SUPPRESS)
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neuromf_tui.cli import fail
    from neuromf_tui.commands.common import InputError, find_runs, settings_for

    try:
        find_runs(args.path)
        settings = settings_for(args.path, args.config)
    except InputError as exc:
        return fail(str(exc))
    if args.poll is not None and args.poll <= 0:
        return fail("--poll must be a positive number of seconds")
    asyncio.run(_watch(args, settings))
    return 0


class _Printer:
    """Turns engine deltas into lines, and runs the alert command."""

    def __init__(self, on_finding: str | None) -> None:
        self.on_finding = on_finding

    def line(self, run: str, word: str, text: str) -> None:
        from neuromf_tui.textsafe import printable

        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp}  {printable(run)}  {word:<8} {printable(text)}", flush=True)

    def finding(self, run: str, word: str, finding: object, alert: bool) -> None:
        from neuromf_tui.analysis.findings import Finding

        assert isinstance(finding, Finding)
        tail = (
            f"resolved at epoch {finding.resolved_epoch}"
            if finding.resolved
            else f"{finding.evidence}"
        )
        self.line(
            run,
            word,
            f"{finding.severity.value} {finding.id} (from epoch {finding.first_epoch}): {tail}",
        )
        if alert and self.on_finding:
            payload = {"run": run, **finding.as_json(full=True)}
            try:
                subprocess.run(
                    self.on_finding,
                    shell=True,
                    input=json.dumps(payload) + "\n",
                    text=True,
                    timeout=30,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"neuromf-tui: --on-finding command failed: {exc}", file=sys.stderr)


async def _watch(args: argparse.Namespace, settings: object) -> None:
    from neuromf_tui.analysis.config import Settings
    from neuromf_tui.analysis.engine import Engine
    from neuromf_tui.analysis.inputs import build_view
    from neuromf_tui.data.tail import EventKind, RunWatcher, Tailer
    from neuromf_tui.textsafe import printable

    assert isinstance(settings, Settings)
    printer = _Printer(args.on_finding)
    tailer = Tailer(args.path.expanduser())
    watcher = RunWatcher(tailer, poll=args.poll)
    engines: dict[str, Engine] = {}
    notices: dict[str, str | None] = {}
    first = True
    deadline = None if args.duration is None else time.monotonic() + args.duration

    def evaluate(name: str, *, initial: bool) -> None:
        source = tailer.sources.get(name)
        if source is None:
            return
        view = build_view(source, settings)
        engine = engines.setdefault(name, Engine(view.settings))
        delta = engine.evaluate(view)
        # The summary's trouble (missing, unreadable, cut short...) when it starts and ends.
        notice = source.condition.sentence(len(source.table), source.restarts)
        if notice != notices.get(name):
            epochs = len(source.table)
            printer.line(name, "STATE", notice or f"summary ok again ({epochs} epochs)")
        notices[name] = notice
        for finding in delta.new:
            printer.finding(name, "OPEN" if initial else "NEW", finding, alert=not initial)
        for finding in delta.resolved:
            printer.finding(name, "RESOLVED", finding, alert=False)

    print(
        f"neuromf-tui watch: {printable(str(args.path))} — {watcher.describe()}; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    events = watcher.events()
    try:
        while True:
            timeout = REEVALUATE_SECONDS
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    break
            try:
                batch = await asyncio.wait_for(events.__anext__(), timeout)
            except TimeoutError:
                for name in list(tailer.sources):
                    await asyncio.to_thread(evaluate, name, initial=False)
                continue
            except StopAsyncIteration:
                break
            for event in batch:
                if event.kind is EventKind.VANISHED:
                    engines.pop(event.name, None)
                    notices.pop(event.name, None)
                    printer.line(event.name, "VANISHED", "run folder removed")
                    continue
                if event.kind is EventKind.APPEARED and not first:
                    printer.line(event.name, "APPEARED", "new run")
                await asyncio.to_thread(evaluate, event.name, initial=first)
            first = False
    finally:
        watcher.stop()
        await events.aclose()
