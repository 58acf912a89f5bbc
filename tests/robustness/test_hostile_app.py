"""Hostile run names, metric keys and values through the whole app, driven by keys and clicks.

Every place that shows untrusted text is visited: run browser, metric list and its meaning
line, chart titles and legends (single, pinned grid, finding panels), findings pane, epoch
inspector, header, toasts and the command palette. What the terminal shows must hold each
string with its markup literal and its control characters removed, and clicking or choosing
a ``[@click=app.quit]`` name must select it, never quit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Collapsible, OptionList

from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.app.widgets.epoch_inspector import EpochInspector
from neuromf_tui.app.widgets.findings_pane import FindingItem
from neuromf_tui.app.widgets.metric_list import MetricRows
from tests.app.conftest import run_palette, screen_text, settle, wait_loaded, wait_until
from tests.robustness.hostile import (
    EPOCHS,
    METRIC_KEYS,
    NAN_KEY,
    RUN_NAMES,
    assert_clean,
    hostile_record,
    shown,
    write_hostile_root,
)
from tests.runfiles import dump, record, write_run

pytestmark = pytest.mark.anyio

SIZE = (130, 44)
ROOT = "results\x1b[7m[b]root"
CLICK = "[@click=app.quit]quit"
"""The run whose name would quit the app if it were ever read as markup."""
QUIET = "quiet[@click=app.quit]run"
"""A run with no finding at start: a NaN appended later raises one, announced in a toast."""


def visible(app: NeuroMFApp) -> str:
    """The screen as plain text, checked for leaked control characters on the way."""
    text = screen_text(app)
    assert_clean(text)
    return text


def toasts(app: NeuroMFApp) -> str:
    """The text of the toasts on screen."""
    return "\n".join(str(toast.render()) for toast in app.screen.query("Toast"))


async def show_metric(pilot: Pilot[None], name: str) -> None:
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    app.show_metric(name)
    await pilot.pause()
    await settle(pilot)


async def select(pilot: Pilot[None], name: str) -> None:
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    app.select_run(name)
    await pilot.pause()
    await settle(pilot)


def clean_screen(app: NeuroMFApp) -> None:
    assert_clean(screen_text(app))


@pytest.fixture
def hostile_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEUROMF_TUI_STATE", str(tmp_path / "state" / "state.json"))
    root = write_hostile_root(tmp_path / ROOT)
    write_run(root, QUIET, [record(epoch) for epoch in range(EPOCHS)])
    monkeypatch.chdir(tmp_path)
    return root


async def test_every_view_shows_hostile_strings_literally_and_nothing_acts(
    hostile_root: Path,
) -> None:
    app = create_app(Path(ROOT), poll=0.1)
    runs = len(RUN_NAMES) + 1
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_loaded(pilot, runs)
        assert sorted(app.snapshots) == sorted([*RUN_NAMES, QUIET])

        # Run browser and header.
        text = visible(app)
        assert shown(ROOT) in text
        run_list = app.query_one("#run-list", OptionList)
        prompts = [str(run_list.get_option_at_index(i).prompt) for i in range(runs)]
        for name in RUN_NAMES:
            assert any(shown(name) in prompt for prompt in prompts), name
        clickable = [i for i in range(runs) if "@click" in str(run_list.get_option_at_index(i).id)]
        for index in clickable:
            await pilot.click(run_list, offset=(6, index))
            await settle(pilot)
            assert app.is_running
            assert app.selected_run == run_list.get_option_at_index(index).id
        await run_palette(pilot, "run [@", f"open run {CLICK}", clean_screen)
        assert app.is_running and app.selected_run == CLICK

        # Metric list and chart title for each hostile key; clicks on them only select.
        rows = app.query_one(MetricRows)
        for key in METRIC_KEYS:
            await show_metric(pilot, key)
            assert app.metric == key
            text = visible(app)
            assert text.count(shown(key)) >= 2, key  # in the list and in the chart's title
            if "@click" in key:
                chart = app.query_one("#chart", MetricChart)
                await pilot.click(chart, offset=(chart.size.width // 2, 0))
                await pilot.click(rows)
                await settle(pilot)
                assert app.is_running
        await run_palette(pilot, "metric [@", f"show metric {NAN_KEY}", clean_screen)
        assert app.metric == NAN_KEY

        # Compare: the legend names the marked hostile runs.
        await show_metric(pilot, "raw_loss_mean")
        for name in (CLICK, RUN_NAMES[0], RUN_NAMES[2]):
            await select(pilot, name)
            run_list.focus()
            await pilot.press("space")
        await pilot.press("c")
        await settle(pilot)
        legend = [series.label for series in app.query_one("#chart", MetricChart).spec.series]
        assert len(legend) == 3
        text = visible(app)
        for name in (CLICK, RUN_NAMES[0], RUN_NAMES[2]):
            assert shown(name) in text, name
        await pilot.press("c")
        await settle(pilot)

        # Pinned grid: every panel titled by a hostile key.
        await pilot.click(rows)
        for key in METRIC_KEYS[:4]:
            await show_metric(pilot, key)
            await pilot.press("p")
        await pilot.press("g")
        await settle(pilot)
        text = visible(app)
        for key in METRIC_KEYS[:4]:
            assert shown(key) in text, key
        await pilot.press("g")
        await settle(pilot)

        # Findings pane, and the finding's own panels.
        items = {item.finding.id: item for item in app.query(FindingItem)}
        assert "non-finite-values" in items
        text = visible(app)
        assert f"NaN/inf logged: {NAN_KEY} at epoch {EPOCHS - 5}" in text.replace("\n", " ")
        await pilot.click(items["non-finite-values"])
        await settle(pilot)
        assert app.is_running
        assert NAN_KEY in visible(app)

        # File notes: the hostile text in raw_loss_mean is reported, quoted and harmless.
        notes = app.query_one("#findings-notes", Collapsible)
        assert notes.display
        notes.collapsed = False
        expected = "field 'raw_loss_mean' holds text '[@click=app.quit]value"
        await wait_until(pilot, lambda: bool(notes.query(".finding-note")), timeout=5)
        note = next(n for n in notes.query(".finding-note") if "raw_loss_mean" in str(n.render()))
        assert expected in str(note.render())

        def note_on_screen() -> bool:
            note.scroll_visible(animate=False)
            return expected in visible(app)

        await wait_until(pilot, note_on_screen, timeout=5)
        await pilot.click(note)
        assert app.is_running

        # Epoch inspector: every hostile key at the cursor epoch.
        await show_metric(pilot, "raw_loss_mean")
        await pilot.press("i")
        await settle(pilot)
        app.query_one(EpochInspector).focus_filter()
        await pilot.press(*"metric", "enter")
        await settle(pilot)
        text = visible(app)
        assert shown(CLICK) in text
        for key in METRIC_KEYS:
            assert shown(key) in text, key
        await pilot.press("i")
        await settle(pilot)

        # Toasts: a new finding in a hostile run, then a hostile run folder removed.
        quiet = hostile_root / QUIET / "diagnostics" / "aggregate_results"
        grown = [record(epoch) for epoch in range(EPOCHS)]
        grown.append({**hostile_record(EPOCHS), NAN_KEY: float("nan")})
        (quiet / "training_summary.json").write_text(dump(grown), encoding="utf-8")
        announced = f"{shown(QUIET)}: NaN or infinite values logged (from epoch {EPOCHS})"
        await wait_until(pilot, lambda: announced in toasts(app), timeout=10)
        shutil.rmtree(hostile_root / CLICK)
        await wait_until(pilot, lambda: f"{shown(CLICK)}: run folder removed" in toasts(app))
        visible(app)
        assert app.is_running
        await pilot.press("q")
    assert app.return_code == 0
