"""The whole app driven by keys, as a user would: assertions are on state, not pixels.

Each test starts the real app through ``create_app`` on a dated copy of ``sample_runs`` (one
poll, no watcher), waits until every run is analysed, presses keys and checks the app's
selection, the widgets' contents and what the main chart was asked to draw (``spec``) and drew
(``plan``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from neuromf_tui.app.actions import ACTIONS
from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.factory import create_app
from neuromf_tui.app.screens.help import HelpScreen
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.app.widgets.chart_grid import ChartGrid
from neuromf_tui.app.widgets.epoch_inspector import EpochInspector
from neuromf_tui.app.widgets.findings_pane import ANALYSING, FindingItem, FindingsPane
from neuromf_tui.app.widgets.metric_list import PIN, MetricList, MetricRows
from neuromf_tui.app.widgets.run_browser import RunBrowser
from tests.app.conftest import (
    BASELINE,
    PHASE4C,
    RUN_COUNT,
    copy_runs,
    run_palette,
    screen_text,
    settle,
    wait_loaded,
)

pytestmark = pytest.mark.anyio

SIZE = (120, 36)
HOSTILE_RUNS = ("run[bold red]x[/]", "[@click=app.quit]y")


def chart(app: NeuroMFApp) -> MetricChart:
    return app.query_one("#chart", MetricChart)


def grid_charts(app: NeuroMFApp) -> list[MetricChart]:
    """The panels of the grid view (overview, pinned grid or a focused finding)."""
    from neuromf_tui.app.widgets.chart_grid import ChartGrid

    return list(app.query_one(ChartGrid).query(MetricChart))


def labels(app: NeuroMFApp) -> list[str]:
    """Labels of the series the main chart is asked to draw."""
    return [s.label for s in chart(app).spec.series]


def toasts(app: NeuroMFApp) -> list[str]:
    """Messages of the notifications on screen (Textual keeps them in a private list)."""
    return [n.message for n in app._notifications]


def browser(app: NeuroMFApp) -> RunBrowser:
    return app.query_one(RunBrowser)


def metrics(app: NeuroMFApp) -> MetricList:
    return app.query_one(MetricList)


async def select(pilot: Pilot[None], run: str) -> None:
    """Select ``run`` by name (no reliance on the browser's order) and let the views follow."""
    app = pilot.app
    assert isinstance(app, NeuroMFApp)
    app.select_run(run)
    await pilot.pause()
    await settle(pilot)
    assert app.selected_run == run


async def focus_metric_rows(pilot: Pilot[None]) -> None:
    """Tab from the run list to the metric list, as a user does."""
    app = pilot.app
    assert isinstance(app.focused, OptionList)
    await pilot.press("tab")
    assert isinstance(app.focused, MetricRows)


# --- loading and selecting runs --------------------------------------------------------------


async def test_start_then_jk_move_between_runs_and_enter_opens_the_metrics(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        order = browser(app).visible_runs
        assert sorted(order) == sorted(app.snapshots)
        assert len(order) == RUN_COUNT
        assert app.selected_run in app.snapshots
        assert app.metric in app.snapshots[app.selected_run].columns
        assert labels(app) == [app.metric]
        # Findings that were already there at startup are not news: no toast, no highlight.
        assert toasts(app) == []
        assert not any(item.has_class("-new") for item in app.query(FindingItem))
        state = app.query_one("#findings-state", Static)
        assert ANALYSING not in str(state.render())

        assert isinstance(app.focused, OptionList)
        await select(pilot, order[0])
        await pilot.press("j")
        await settle(pilot)
        assert app.selected_run == order[1]
        assert app.query_one(FindingsPane).snapshot is app.snapshots[order[1]]
        await pilot.press("j", "j", "k")
        await settle(pilot)
        assert app.selected_run == order[2]
        assert browser(app).highlighted == order[2]
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected_run == order[2]
        assert isinstance(app.focused, MetricRows)


# --- metric list and chart -------------------------------------------------------------------


async def test_metric_filter_text_glob_and_invalid_regex(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        listed = metrics(app)
        everything = listed.visible_metrics
        assert len(everything) > 50

        await pilot.press("slash")
        field = app.query_one("#metric-filter", Input)
        assert app.focused is field
        await pilot.press(*"grad")
        shown = listed.visible_metrics
        assert shown and all("grad" in name for name in shown)
        assert set(shown) == {n for n in everything if "grad" in n}
        assert listed.border_subtitle == f"{len(shown)}/{len(everything)}"

        await pilot.press("_", "*")  # "grad_*": a glob matches the whole name
        assert field.value == "grad_*"
        shown = listed.visible_metrics
        assert shown == [n for n in everything if n.startswith("grad_")]
        assert not any(name.startswith("block_grad") for name in shown)

        await pilot.press("ctrl+u", *"/[/")
        assert field.value == "/[/"
        assert listed.filter_error is not None and "regex" in listed.filter_error
        error = app.query_one("#metric-filter-error", Static)
        assert error.display and error.has_class("-shown")
        assert app.is_running

        await pilot.press("escape")
        await settle(pilot)
        assert listed.filter_error is None
        assert listed.visible_metrics == everything
        assert isinstance(app.focused, MetricRows)


async def test_metric_list_keys_chart_the_metric_and_pin_a_second(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        await focus_metric_rows(pilot)
        first = app.metric
        assert first is not None and labels(app) == [first]
        await pilot.press("j")
        await settle(pilot)
        second = app.metric
        assert second not in (None, first)
        assert second == metrics(app).highlighted
        assert labels(app) == [second]
        plan = chart(app).plan
        assert plan is not None and not plan.empty and second in plan.title

        await pilot.press("k", "p")
        await settle(pilot)
        assert app.metric == first
        assert app.pins == [first]
        rows = app.query_one(MetricRows)
        assert rows.row_text(rows.cursor).startswith(PIN)
        await pilot.press("j")
        await settle(pilot)
        assert labels(app) == [second, first]
        plan = chart(app).plan
        assert plan is not None
        assert [layer.label for layer in plan.layers] == [second, first]

        await pilot.press("u")
        await settle(pilot)
        assert app.pins == []
        assert labels(app) == [second]
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is chart(app)


async def test_log_and_smoothing_keys_cycle_the_chart(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, BASELINE)
        assert app.log_mode == "auto" and chart(app).spec.log is None
        for mode, flag in (("log", True), ("linear", False), ("auto", None)):
            await pilot.press("l")
            await settle(pilot)
            assert app.log_mode == mode
            assert chart(app).spec.log is flag
            plan = chart(app).plan
            assert plan is not None
            if flag is not None:
                assert plan.log is flag

        for weight in (0.6, 0.9, 0.0):
            await pilot.press("s")
            await settle(pilot)
            assert app.smoothing == weight
            assert chart(app).spec.smoothing == weight
            plan = chart(app).plan
            assert plan is not None
            # Smoothed: the raw curve stays behind, faint.
            assert [layer.faint for layer in plan.layers] == ([True, False] if weight else [False])


async def test_marking_two_runs_and_compare_overlays_them(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        await pilot.press("c")
        await pilot.pause()
        assert any("Mark another run" in message for message in toasts(app))
        assert not app.compare

        await pilot.press("space")
        await select(pilot, BASELINE)
        await pilot.press("space")
        await settle(pilot)
        assert app.marked == {PHASE4C, BASELINE}
        rows = browser(app).query_one(OptionList)
        marked_rows = [str(o.prompt) for o in rows.options if o.id in app.marked]
        assert len(marked_rows) == 2 and all(row.startswith("◆") for row in marked_rows)
        assert labels(app) == [app.metric], "marking alone does not overlay"

        await pilot.press("c")
        await settle(pilot)
        assert app.view_mode == "chart"
        assert labels(app) == [BASELINE, PHASE4C]
        assert chart(app).spec.title == f"{app.metric} across 2 runs"
        plan = chart(app).plan
        assert plan is not None
        assert [layer.label for layer in plan.layers] == [BASELINE, PHASE4C]
        legend = chart(app).render()
        assert BASELINE in str(legend) and PHASE4C in str(legend)

        await pilot.press("space")
        await select(pilot, PHASE4C)
        await pilot.press("space")
        await settle(pilot)
        assert app.marked == set()
        assert labels(app) == [app.metric]


async def test_opening_a_finding_charts_its_metrics_from_its_onset(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        finding = app.snapshots[PHASE4C].findings[0]
        assert finding.severity.value == "critical"
        for _ in range(3):
            await pilot.press("tab")
        assert isinstance(app.focused, FindingItem)
        assert app.focused.finding.id == finding.id

        await pilot.press("enter")
        await settle(pilot)
        assert app.focused_finding == finding.id
        assert app.view_mode == "finding"
        columns = app.snapshots[PHASE4C].columns
        panels = grid_charts(app)
        wanted = [m for m in finding.metrics if m in columns][:4]
        assert [p.spec.series[0].label for p in panels] == wanted, "one panel per metric"
        for panel in panels:
            assert panel.spec.marks == (finding.first_epoch,)
            assert finding.id in panel.spec.title
        plan = panels[0].plan
        assert plan is not None and finding.first_epoch in plan.marks

        await pilot.press("j", "enter")
        await settle(pilot)
        second = app.snapshots[PHASE4C].findings[1]
        assert app.focused_finding == second.id
        assert all(p.spec.marks == (second.first_epoch,) for p in grid_charts(app))

        # Choosing a metric leaves the finding.
        app.query_one(MetricRows).focus()
        await pilot.press("j")
        await settle(pilot)
        assert app.focused_finding is None
        assert labels(app) == [app.metric]


# --- screens, palette, views -----------------------------------------------------------------


async def test_help_lists_every_action_and_closes(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert len(app.screen_stack) == 2
        text = screen_text(app)
        for action in ACTIONS[:8]:  # the rest is further down the scrolling table
            assert (action.key_display or action.key) in text
            assert action.help[:25] in text
        await pilot.press("q")  # closes the help, does not quit
        assert len(app.screen_stack) == 1
        assert app.is_running
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        assert app.is_running


async def test_palette_opens_runs_and_shows_metrics(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        await run_palette(pilot, "imf", f"open run {BASELINE}")
        assert app.selected_run == BASELINE
        assert browser(app).highlighted == BASELINE

        await run_palette(pilot, "clip", "show metric grad_clip_fraction")
        assert app.metric == "grad_clip_fraction"
        assert metrics(app).highlighted == "grad_clip_fraction"
        assert labels(app) == ["grad_clip_fraction"]


async def test_overview_panels_and_inspector_at_the_chart_cursor(
    make_app: Callable[..., NeuroMFApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        await pilot.press("o")
        await settle(pilot)
        assert app.view_mode == "overview"
        grid = app.query_one(ChartGrid)
        assert grid.display and not chart(app).display
        panels = grid.charts
        assert len(panels) >= 4
        plans = [panel.plan for panel in panels]
        assert all(plan is not None and not plan.empty for plan in plans)
        assert len({plan.title for plan in plans if plan is not None}) == len(panels)
        onsets = {f.first_epoch for f in app.snapshots[PHASE4C].findings}
        assert any(onsets & set(panel.spec.marks) for panel in panels)

        last = app.snapshots[PHASE4C].last_epoch
        assert last is not None
        await pilot.press("i")
        await settle(pilot)
        assert app.view_mode == "inspector"
        inspector = app.query_one(EpochInspector)
        assert inspector.display and not grid.display
        assert inspector.epoch == last
        assert set(inspector.shown_metrics) == set(app.snapshots[PHASE4C].row(last))
        title = app.query_one("#inspector-title", Static)
        assert f"epoch {last}" in str(title.render())

        await pilot.press("i")
        await settle(pilot)
        assert app.view_mode == "chart" and chart(app).display
        await pilot.press("tab", "tab")
        assert app.focused is chart(app)
        await pilot.press("left", "left")
        await settle(pilot)
        assert app.cursor_epoch == last - 2
        plan = chart(app).plan
        assert plan is not None and plan.cursor == last - 2
        await pilot.press("i")
        await settle(pilot)
        assert inspector.epoch == last - 2
        assert f"epoch {last - 2}" in str(title.render())


async def test_theme_key_switches_and_q_quits_remembering_it(
    make_app: Callable[..., NeuroMFApp], state_file: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("t")
        await settle(pilot)
        assert app.theme == "textual-light"
        plan = chart(app).plan
        assert plan is not None and not plan.empty
        await pilot.press("t", "t")
        assert app.theme == "textual-light"
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0
    assert json.loads(state_file.read_text(encoding="utf-8"))["theme"] == "textual-light"


# --- state, read-only, hostile names ---------------------------------------------------------


def tree_digest(root: Path) -> str:
    """Names, sizes, mtimes and contents of everything under ``root``."""
    entries = sorted(
        Path(folder, name) for folder, dirs, files in os.walk(root) for name in dirs + files
    )
    digest = hashlib.sha256()
    for path in entries:
        info = path.lstat()
        digest.update(f"{path.relative_to(root)}|{info.st_size}|{info.st_mtime_ns}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


async def test_state_survives_a_restart_and_run_folders_stay_untouched(
    make_app: Callable[..., NeuroMFApp], sample_copy: Path, state_file: Path
) -> None:
    before = tree_digest(sample_copy)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await select(pilot, PHASE4C)
        await pilot.press("space")  # marked for comparison
        await select(pilot, BASELINE)
        await focus_metric_rows(pilot)
        await pilot.press("p", "j", "j")
        await settle(pilot)
        pins, metric = list(app.pins), app.metric
        assert len(pins) == 1 and metric not in (None, *pins)
        await pilot.press("q")
        await pilot.pause()
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    assert saved["roots"][str(sample_copy.resolve())]["run"] == BASELINE

    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert again.selected_run == BASELINE
        assert browser(again).highlighted == BASELINE
        assert again.metric == metric
        assert again.pins == pins
        assert again.marked == {PHASE4C}
        # Marks are remembered; comparing is switched on again with c.
        assert labels(again) == [metric, *pins]
        assert again.query_one(MetricRows).pins == frozenset(pins)
    assert tree_digest(sample_copy) == before


async def test_hostile_run_names_show_literally_and_clicks_stay_harmless(
    tmp_path: Path, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_runs(
        tmp_path / "hostile", {name: "ablations/sampling_drift" for name in HOSTILE_RUNS}
    )
    monkeypatch.chdir(tmp_path)
    app = create_app(Path(root.name), watch_files=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, len(HOSTILE_RUNS))
        assert sorted(app.snapshots) == sorted(HOSTILE_RUNS)
        text = screen_text(app)
        for name in HOSTILE_RUNS:
            assert name in text
        run_list = app.query_one("#run-list", OptionList)
        for index in range(len(HOSTILE_RUNS)):
            await pilot.click(run_list, offset=(6, index))
            await settle(pilot)
            assert app.is_running
            assert app.selected_run == run_list.get_option_at_index(index).id
        assert app.is_running
        await select(pilot, HOSTILE_RUNS[0])
        await pilot.press("i")
        await settle(pilot)
        title = app.query_one("#inspector-title", Static)
        assert str(title.render()).startswith(HOSTILE_RUNS[0])
