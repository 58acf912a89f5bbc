"""``watch`` prints a STATE line for every fault and its end, natively and by polling.

The same faults as the app's test, driven while ``watch`` runs in this process (so that, as
root, the permission fault can be made real for the reader): it must keep running, say what
happened to the summary and since when, and give the epoch count the file holds afterwards.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from neuromf_tui.cli import build_parser
from neuromf_tui.commands import watch as watch_command
from neuromf_tui.commands.common import settings_for
from neuromf_tui.sim import SimConfig
from tests.live.conftest import POLL
from tests.live.support import FaultyRun, move_in, stage_runs, wait_until

pytestmark = pytest.mark.anyio

RUN = "live_run"
ADDED = 200
CRASH, RESUME = 84, 76


class Lines:
    """Everything ``watch`` printed so far (capsys hands out only what is new)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.out: list[str] = []
        self.err = ""

    def read(self) -> list[str]:
        captured = self.capsys.readouterr()
        self.out += captured.out.splitlines()
        self.err += captured.err
        return self.out

    def state(self, pattern: str) -> bool:
        """A STATE line for the run matches ``pattern`` (a regular expression)."""
        return any(f"  {RUN}  STATE" in line and re.search(pattern, line) for line in self.read())

    def count(self, word: str) -> int:
        return sum(f"  {word:<8} " in line for line in self.read())


async def test_watch_reports_every_fault(
    tmp_path: Path, watch_mode: str, short_grace: float, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "results"
    root.mkdir()
    live = FaultyRun(
        root, RUN, SimConfig(scenario="adaptive-masking", epochs=150), restart=(CRASH, RESUME)
    )
    live.write(70)  # past the findings' onset: they are listed as OPEN once loaded
    staged = stage_runs(tmp_path / "staging", ADDED)
    poll = ["--poll", str(POLL)] if watch_mode == "polling" else []
    args = build_parser().parse_args(["watch", str(root), *poll])
    lines = Lines(capsys)
    task = asyncio.create_task(watch_command._watch(args, settings_for(args.path, None)))
    try:
        await wait_until(lambda: lines.count("OPEN") > 0, "the first load")
        assert ("polling every 0.2 s" if poll else "watching for changes") in lines.err

        live.delete()
        await wait_until(lambda: lines.state(r"summary missing since \d\d:\d\d:\d\d"), "missing")
        live.write()
        await wait_until(lambda: lines.state(r"summary ok again \(71 epochs\)"), "back")

        live.truncate()
        await wait_until(lambda: lines.state("summary emptied since"), "emptied")
        live.write()
        await wait_until(lambda: lines.state(r"ok again \(72 epochs\)"), "rewritten")

        with live.unreadable():
            await wait_until(
                lambda: lines.state("summary unreadable since .*: permission denied"),
                "unreadable",
            )
        live.write()
        await wait_until(lambda: lines.state(r"ok again \(73 epochs\)"), "readable again")

        live.write(CRASH - 72)
        assert live.write() == RESUME
        await wait_until(lambda: lines.state(f"restarted at epoch {RESUME}"), "the restart")

        live.remove_folder()
        await wait_until(lambda: lines.count("VANISHED") == 1, "the folder removed")
        live.recreate(SimConfig(epochs=50, seed=5), 8)
        move_in(staged, root)
        await wait_until(lambda: lines.count("APPEARED") == ADDED + 1, "the runs", timeout=30.0)
        assert not task.done(), "watch kept running"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
