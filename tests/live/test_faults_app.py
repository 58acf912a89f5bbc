"""The app follows a run through every filesystem fault, natively and by polling (issue #6).

One session per watching mode walks the run through the faults in turn, each while the
simulator writes it as the training callback does: the summary deleted, replaced by rename,
truncated to zero, made unreadable, rewritten shorter by a restart; then the run folder is
removed and made again while 200 runs land in the root at once. After each fault the app must
still run, say what happened (run list tag, header), keep or drop epochs exactly as the disk
says (compared with a fresh load), and recover when the file is whole again.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import OptionList

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.app.widgets.run_browser import RunBrowser
from neuromf_tui.sim import SimConfig, simulate, write_run
from tests.live.conftest import POLL
from tests.live.support import FaultyRun, move_in, read_fresh, stage_runs, wait_until

pytestmark = pytest.mark.anyio

RUN = "live_run"
OTHER = "finished_run"
ADDED = 200
CRASH, RESUME = 44, 36
"""The run's process crashes after epoch 44 and the next one resumes at epoch 36."""


def row(app: NeuroMFApp, name: str) -> str | None:
    """The run's line in the run browser, as plain text (None if not listed)."""
    for option in app.query_one(RunBrowser).query_one(OptionList).options:
        if option.id == name:
            return option.prompt.plain  # type: ignore[union-attr]
    return None


def last_epoch(app: NeuroMFApp) -> int | None:
    snapshot = app.snapshots.get(RUN)
    return snapshot.last_epoch if snapshot is not None else None


def agrees_with_disk(app: NeuroMFApp, root: Path) -> bool:
    """The app's epochs for the run are exactly those a fresh load reads now."""
    snapshot = app.snapshots.get(RUN)
    fresh = read_fresh(root, RUN)
    return snapshot is not None and np.array_equal(snapshot.epochs, fresh.table.epochs)


def drawn_to(app: NeuroMFApp) -> float | None:
    """The newest epoch the chart draws."""
    plan = app.query_one(MetricChart).plan
    if plan is None or plan.empty:
        return None
    return max(float(np.nanmax(layer.x)) for layer in plan.layers if len(layer.x))


def flagged(app: NeuroMFApp, tag: str, sentence: str) -> bool:
    """The run's row carries ``tag`` and the header (run selected) says ``sentence``."""
    line = row(app, RUN)
    return line is not None and tag in line and sentence in app.sub_title


def clean(app: NeuroMFApp, root: Path) -> bool:
    """No file trouble shown for the run, and the header names only the root."""
    snapshot = app.snapshots.get(RUN)
    return (
        snapshot is not None
        and snapshot.notice_tag is None
        and "summary" not in app.sub_title
        and str(root) in app.sub_title
    )


async def test_the_app_survives_and_reports_every_fault(
    tmp_path: Path, watch_mode: str, short_grace: float
) -> None:
    root = tmp_path / "results"
    root.mkdir()
    write_run(root / OTHER, simulate(SimConfig(epochs=60, seed=9)), end_time=time.time() - 86400)
    live = FaultyRun(root, RUN, SimConfig(epochs=120, seed=2), restart=(CRASH, RESUME))
    live.write(30)
    staged = stage_runs(tmp_path / "staging", ADDED)
    notices: list[str] = []

    def record(message: Message) -> None:
        if isinstance(message, Notify):
            notices.append(message.notification.message)

    app = create_app(root, poll=POLL if watch_mode == "polling" else None)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=record) as pilot:
        await wait_until(lambda: app.panes_ready and last_epoch(app) == 29, "the first load")
        await wait_until(lambda: app.snapshots[RUN].analysed, "the first analysis")
        assert app.watch_description.startswith(
            "polling every 0.2 s" if watch_mode == "polling" else "watching for changes"
        )
        assert app.selected_run == RUN and clean(app, root)

        # Deleted: the epochs read stay (their per-epoch files are still there), flagged.
        live.delete()
        await wait_until(lambda: flagged(app, "missing ", "summary missing since"), "missing")
        assert last_epoch(app) == 29 and agrees_with_disk(app, root)
        assert live.write() == 30
        await wait_until(lambda: last_epoch(app) == 30 and clean(app, root), "the file back")

        # Replaced by rename with other values: the app shows the new file's values.
        altered = [{**r, "raw_loss_mean": r["raw_loss_mean"] * 10} for r in live.writer.history]
        live.replace(altered)
        expected = altered[-1]["raw_loss_mean"]
        await wait_until(
            lambda: app.snapshots[RUN].columns["raw_loss_mean"][-1] == expected, "new values"
        )
        assert live.write() == 31
        real = live.writer.history[30]["raw_loss_mean"]
        await wait_until(
            lambda: (
                last_epoch(app) == 31 and app.snapshots[RUN].columns["raw_loss_mean"][-2] == real
            ),
            "the writer's own values back",
        )

        # Truncated to zero and left so: after the grace, the run is what the disk holds.
        live.truncate()
        await wait_until(lambda: flagged(app, "emptied", "summary emptied since"), "emptied")
        assert agrees_with_disk(app, root)
        assert live.write() == 32
        await wait_until(lambda: last_epoch(app) == 32 and clean(app, root), "rewritten")

        # Unreadable: the epochs read stay, the reason is shown; readable again, it goes on.
        with live.unreadable():
            await wait_until(
                lambda: flagged(app, "unreadable", "summary unreadable since"), "unreadable"
            )
            assert "permission denied" in app.sub_title and last_epoch(app) == 32
        assert live.write() == 33
        await wait_until(lambda: last_epoch(app) == 33 and clean(app, root), "readable again")

        # A restart rewrites a shorter history: the epochs past the resume are gone.
        assert live.write(CRASH - 33) == CRASH
        await wait_until(lambda: drawn_to(app) == CRASH, f"epoch {CRASH} drawn")
        assert live.write() == RESUME
        await wait_until(
            lambda: last_epoch(app) == RESUME and f"restarted at epoch {RESUME}" in app.sub_title,
            "the restart",
        )
        # The stub record at the resume has no losses: the loss chart ends just before it.
        await wait_until(
            lambda: (drawn_to(app) or CRASH) <= RESUME and app.cursor_epoch == RESUME,
            "the chart cut back to the resume",
        )
        assert agrees_with_disk(app, root)

        # The folder removed: the run leaves the list, the app moves on and says so.
        live.remove_folder()
        await wait_until(lambda: RUN not in app.snapshots and row(app, RUN) is None, "removal")
        assert app.selected_run == OTHER
        await wait_until(lambda: any("run folder removed" in n for n in notices), "a toast")

        # Made again (another job, 8 epochs) while 200 runs land at once: all of it shows.
        live.recreate(SimConfig(epochs=50, seed=5), 8)
        added = move_in(staged, root)
        await wait_until(
            lambda: last_epoch(app) == 7 and len(app.snapshots) == ADDED + 2,
            "the run made again and the runs added",
            timeout=30.0,
        )
        assert agrees_with_disk(app, root)
        await wait_until(
            lambda: len(app.query_one(RunBrowser).visible_runs) == ADDED + 2, "every run listed"
        )
        assert set(added) <= set(app.snapshots)
        zoom = app.zoom
        await pilot.press("z")
        assert app.zoom != zoom, "the app still takes keys"
