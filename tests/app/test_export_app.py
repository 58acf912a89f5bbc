"""The export key: the view on screen as PNG and the run's table as CSV, in a chosen folder
(never a run folder), written by a worker, with a notification saying where they went."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input, Static

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.screens.export import ExportScreen
from tests.app.conftest import PHASE4C, copy_runs, wait_loaded, wait_until

pytestmark = pytest.mark.anyio

SIZE = (120, 36)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Recorder:
    """Every notification the app posts (toasts expire; this list does not)."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify) and message.notification.title.startswith("Export"):
            self.notifications.append(message.notification)


@pytest.fixture
def one_run(tmp_path: Path, state_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A results root with one sample run; the app starts in a folder beside it."""
    root = copy_runs(tmp_path / "runs", {PHASE4C: PHASE4C})
    monkeypatch.chdir(tmp_path)
    return root


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            st = (Path(folder) / name).stat()
            state[os.path.join(folder, name)] = (st.st_size, st.st_mtime_ns)
    return state


async def export_to(pilot: Pilot[None], folder: Path) -> ExportScreen:
    """Press e, type ``folder`` and confirm; returns the dialog (closed if it accepted)."""
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportScreen)
    dialog.query_one("#export-folder", Input).value = str(folder)
    await pilot.press("enter")
    return dialog


async def run_app(
    root: Path, test: Callable[[Pilot[None], NeuroMFApp, Recorder], object]
) -> Recorder:
    recorder = Recorder()
    app = create_app(root, watch_files=False)
    async with app.run_test(size=SIZE, notifications=True, message_hook=recorder) as pilot:
        await wait_loaded(pilot, 1)
        await test(pilot, app, recorder)  # type: ignore[misc]
    return recorder


async def test_export_key_writes_the_chart_and_the_table_and_says_where(
    one_run: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "exports" / "new"
    before = tree_state(one_run)

    async def test(pilot: Pilot[None], app: NeuroMFApp, recorder: Recorder) -> None:
        await export_to(pilot, folder)
        await wait_until(pilot, lambda: bool(recorder.notifications))
        assert not isinstance(app.screen, ExportScreen)
        note = recorder.notifications[0]
        assert note.severity == "information"
        assert str(folder) in note.message
        snapshot = app.current_snapshot
        assert snapshot is not None and app.metric is not None
        png = folder / f"{PHASE4C}-{app.metric}.png"
        csv = folder / f"{PHASE4C}.csv"
        assert png.name in note.message and csv.name in note.message
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        frame = pd.read_csv(csv)
        assert list(frame["epoch"]) == [int(e) for e in snapshot.epochs]
        for name, values in snapshot.columns.items():
            np.testing.assert_array_equal(frame[name].to_numpy(dtype=np.float64), values)

    await run_app(one_run, test)
    assert tree_state(one_run) == before


async def test_export_from_the_overview_never_replaces_a_file(
    one_run: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / f"{PHASE4C}.csv").write_text("mine\n")

    async def test(pilot: Pilot[None], app: NeuroMFApp, recorder: Recorder) -> None:
        await pilot.press("o")
        await export_to(pilot, folder)
        await wait_until(pilot, lambda: bool(recorder.notifications))

    await run_app(one_run, test)
    assert (folder / f"{PHASE4C}-overview.png").read_bytes()[:8] == PNG_SIGNATURE
    assert (folder / f"{PHASE4C}.csv").read_text() == "mine\n"
    assert pd.read_csv(folder / f"{PHASE4C}-2.csv")["epoch"].iloc[0] == 0


async def test_export_refuses_a_run_folder_in_the_dialog(one_run: Path) -> None:
    before = tree_state(one_run)

    async def test(pilot: Pilot[None], app: NeuroMFApp, recorder: Recorder) -> None:
        dialog = await export_to(pilot, one_run / PHASE4C / "logs")
        await pilot.pause()
        assert app.screen is dialog, "the dialog stays open with the reason"
        error = str(dialog.query_one("#export-error", Static).render())
        assert "run folder" in error
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportScreen)
        await pilot.pause(0.2)
        assert recorder.notifications == []

    await run_app(one_run, test)
    assert tree_state(one_run) == before


async def test_export_without_matplotlib_still_writes_the_table(
    one_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    folder = tmp_path / "exports"

    async def test(pilot: Pilot[None], app: NeuroMFApp, recorder: Recorder) -> None:
        await export_to(pilot, folder)
        await wait_until(pilot, lambda: bool(recorder.notifications))
        note = recorder.notifications[0]
        assert note.severity == "warning"
        assert "pip install 'neuromf-tui[png]'" in note.message
        assert f"{PHASE4C}.csv" in note.message

    await run_app(one_run, test)
    assert sorted(p.name for p in folder.iterdir()) == [f"{PHASE4C}.csv"]
