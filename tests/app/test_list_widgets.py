"""Run browser, metric list, findings pane and epoch inspector, each hosted in a tiny app.

Real snapshots come from ``sample_runs`` through the Monitor; the pilot drives keys and the
tests assert on widget state and posted messages. One SVG snapshot per widget at 80x24.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Collapsible, Input, OptionList, Static

from neuromf_tui.analysis.findings import Finding, Severity
from neuromf_tui.app.widgets.epoch_inspector import EpochInspector
from neuromf_tui.app.widgets.findings_pane import ANALYSING, NO_FINDINGS, FindingsPane
from neuromf_tui.app.widgets.metric_list import MetricList, MetricRows
from neuromf_tui.app.widgets.run_browser import RunBrowser
from neuromf_tui.data.catalogue import GROUPS
from neuromf_tui.monitor import Monitor, RunSnapshot

SAMPLE_RUNS = Path(__file__).resolve().parents[2] / "sample_runs"
PHASE4C = "phase4c_adaptive_norm"
BASELINE = "imf_baseline"
HOSTILE_RUN = "[bold red]x[/]"
HOSTILE_METRIC = "[@click=app.quit]y"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@functools.cache
def snapshots() -> dict[str, RunSnapshot]:
    """The sample runs, read from a copy whose files all carry one fixed age: a fresh clone's
    checkout times must not change the order or the ages the snapshots show."""
    from tests.app.conftest import copy_runs

    root = copy_runs(Path(tempfile.mkdtemp()) / "sample_runs")
    monitor = Monitor(root)
    return monitor.process(monitor.tailer.poll_once()).snapshots


def frozen_now() -> float:
    """A fixed clock: the newest sample write plus four minutes, so ages never drift."""
    return max(s.last_write or 0.0 for s in snapshots().values()) + 240.0


def with_histograms(snapshot: RunSnapshot, families: int = 4) -> RunSnapshot:
    """``snapshot`` plus 50-bin histogram families, as real runs log them (~300 metrics)."""
    rng = np.random.default_rng(0)
    columns = dict(snapshot.columns)
    n = len(snapshot.epochs)
    for var in ("t", "h", "r")[: families - 1]:
        for i in range(50):
            columns[f"sampling.{var}_hist_counts.{i}"] = rng.random(n)
    for i in range(50):
        columns[f"sampling.hist_bin_edges.{i}"] = np.full(n, i / 50)
    return dataclasses.replace(snapshot, columns=columns)


def hostile_snapshot() -> RunSnapshot:
    base = snapshots()[BASELINE]
    columns = dict(base.columns)
    columns[HOSTILE_METRIC] = np.linspace(0.0, 1.0, len(base.epochs))
    finding = Finding(
        id="hostile",
        severity=Severity.WARNING,
        title="[b]title[/b]",
        first_epoch=3,
        metrics=[HOSTILE_METRIC],
        evidence="[@click=app.quit]evidence\x1b[31m",
    )
    return dataclasses.replace(base, name=HOSTILE_RUN, columns=columns, findings=(finding,))


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


class Host(App[None]):
    """Hosts one widget, records every message our widgets post, runs a setup on mount."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "escaped", "Escape")]

    def __init__(self, widget: Widget, setup: Callable[[Widget], None] | None = None) -> None:
        super().__init__()
        self.widget = widget
        self.setup = setup
        self.messages: list[Message] = []
        self.escapes = 0

    def action_escaped(self) -> None:
        self.escapes += 1

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        if self.setup is not None:
            self.setup(self.widget)

    def on_run_browser_run_highlighted(self, message: RunBrowser.RunHighlighted) -> None:
        self.messages.append(message)

    def on_run_browser_run_selected(self, message: RunBrowser.RunSelected) -> None:
        self.messages.append(message)

    def on_run_browser_marks_changed(self, message: RunBrowser.MarksChanged) -> None:
        self.messages.append(message)

    def on_metric_list_metric_highlighted(self, message: MetricList.MetricHighlighted) -> None:
        self.messages.append(message)

    def on_metric_list_metric_selected(self, message: MetricList.MetricSelected) -> None:
        self.messages.append(message)

    def on_metric_list_pin_toggled(self, message: MetricList.PinToggled) -> None:
        self.messages.append(message)

    def on_findings_pane_finding_selected(self, message: FindingsPane.FindingSelected) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.messages if type(m) is kind]


def browser_app(runs: Mapping[str, RunSnapshot] | None = None) -> Host:
    data = dict(snapshots() if runs is None else runs)

    def setup(widget: Widget) -> None:
        assert isinstance(widget, RunBrowser)
        widget.update_runs(data)
        widget.query_one(OptionList).focus()

    return Host(RunBrowser(clock=frozen_now), setup)


def metric_app(snapshot: RunSnapshot) -> Host:
    def setup(widget: Widget) -> None:
        assert isinstance(widget, MetricList)
        widget.show_run(snapshot)
        widget.query_one(MetricRows).focus()

    return Host(MetricList(), setup)


def prompts(browser: RunBrowser) -> dict[str, str]:
    option_list = browser.query_one(OptionList)
    return {
        str(option.id): option.prompt.plain  # type: ignore[union-attr]
        for option in option_list.options
    }


# --- run browser ----------------------------------------------------------------------------


async def test_browser_lists_every_run_with_status_and_health_marks() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        assert sorted(browser.visible_runs) == sorted(snapshots())
        assert len(browser.visible_runs) == 8
        writes = [snapshots()[n].last_write or 0.0 for n in browser.visible_runs]
        assert writes == sorted(writes, reverse=True)
        rows = prompts(browser)
        assert "✓ ✖ phase4c_adaptive_norm" in rows[PHASE4C]
        assert rows[BASELINE].startswith(" ✓   imf_baseline")
        assert "✓ ▲ overfit_small_data" in rows["overfit_small_data"]
        assert "500/500" in rows[PHASE4C] and "late" in rows[PHASE4C]
        assert rows["overfit_small_data"].endswith("4 min")


async def test_browser_jk_move_and_post_highlighted() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        order = browser.visible_runs
        await pilot.press("j", "j")
        assert browser.highlighted == order[2]
        await pilot.press("k")
        assert browser.highlighted == order[1]
        await pilot.press("enter")
        await pilot.pause()
        names = [m.name for m in app.of(RunBrowser.RunHighlighted)]
        assert names[-2:] == [order[2], order[1]]
        assert [m.name for m in app.of(RunBrowser.RunSelected)] == [order[1]]


async def test_browser_space_marks_runs_and_posts_marks_changed() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        order = browser.visible_runs
        await pilot.press("space", "j", "space")
        await pilot.pause()
        marks = app.of(RunBrowser.MarksChanged)
        assert marks[-1].names == frozenset(order[:2])
        assert browser.marks == frozenset(order[:2])
        rows = prompts(browser)
        assert rows[order[0]].startswith("◆") and rows[order[1]].startswith("◆")
        assert not rows[order[2]].startswith("◆")
        await pilot.press("space")
        await pilot.pause()
        assert app.of(RunBrowser.MarksChanged)[-1].names == frozenset(order[:1])


async def test_browser_filter_narrows_by_name() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        await pilot.press("ctrl+f")
        assert isinstance(app.focused, Input)
        await pilot.press(*"ABL")
        await pilot.pause()
        assert sorted(browser.visible_runs) == sorted(n for n in snapshots() if "ablations" in n)
        await pilot.press("backspace", "backspace", "backspace", *"*_v1_*")
        await pilot.pause()
        assert browser.visible_runs == ["legacy_v1_warmup"]
        await pilot.press(*"zzz")
        await pilot.pause()
        assert browser.visible_runs == []
        assert browser.query_one("#run-empty", Static).has_class("-shown")
        await pilot.press("escape")
        assert len(browser.visible_runs) == 8
        assert isinstance(app.focused, OptionList)
        assert app.escapes == 0
        await pilot.press("escape")  # nothing to clear: the key goes on to the app
        assert app.escapes == 1


async def test_browser_keeps_highlight_and_scroll_when_runs_come_and_go() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        option_list = browser.query_one(OptionList)
        order = browser.visible_runs
        for _ in range(6):
            await pilot.press("j")
        assert browser.highlighted == order[6]
        scroll = option_list.scroll_y
        assert scroll > 0
        posted = len(app.messages)
        runs = dict(snapshots())
        del runs[order[0]]
        newcomer = dataclasses.replace(runs[order[3]], name="zz_new_run", last_write=None)
        runs["zz_new_run"] = newcomer
        browser.update_runs(runs)
        await pilot.pause()
        assert browser.highlighted == order[6]
        assert option_list.highlighted == browser.visible_runs.index(order[6])
        assert browser.visible_runs[-1] == "zz_new_run"
        assert option_list.scroll_y == pytest.approx(scroll, abs=1)
        assert len(app.messages) == posted
        # The highlighted run vanishes: the highlight moves on and says so.
        del runs[order[6]]
        browser.update_runs(runs)
        await pilot.pause()
        assert browser.highlighted not in (None, order[6])
        assert app.of(RunBrowser.RunHighlighted)[-1].name == browser.highlighted


async def test_browser_drops_marks_of_vanished_runs_and_select_clears_hiding_filter() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        browser = app.query_one(RunBrowser)
        browser.set_marks([PHASE4C, BASELINE])
        runs = {k: v for k, v in snapshots().items() if k != BASELINE}
        browser.update_runs(runs)
        await pilot.pause()
        assert app.of(RunBrowser.MarksChanged)[-1].names == frozenset({PHASE4C})
        browser.query_one("#run-filter", Input).value = "ablations"
        await pilot.pause()
        browser.select(PHASE4C)
        await pilot.pause()
        assert browser.highlighted == PHASE4C
        assert PHASE4C in browser.visible_runs
        # Selecting a run that is not listed yet waits for it instead of moving elsewhere.
        posted = len(app.of(RunBrowser.RunHighlighted))
        browser.select(BASELINE)
        assert browser.highlighted == PHASE4C
        browser.update_runs(snapshots())
        await pilot.pause()
        assert browser.highlighted == BASELINE
        assert len(app.of(RunBrowser.RunHighlighted)) == posted


async def test_browser_and_metric_list_recolour_on_theme_change() -> None:
    app = browser_app()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        option_list = app.query_one(OptionList)
        before = option_list.get_option_at_index(0).prompt.spans  # type: ignore[union-attr]
        app.theme = "textual-light"
        await pilot.pause()
        after = option_list.get_option_at_index(0).prompt.spans  # type: ignore[union-attr]
        assert [s.style for s in before] != [s.style for s in after]

    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        rows = app.query_one(MetricRows)
        before_strip = rows.render_line(0)
        app.theme = "textual-light"
        await pilot.pause()
        assert list(rows.render_line(0)) != list(before_strip)


# --- metric list ----------------------------------------------------------------------------


async def test_metric_list_groups_in_catalogue_order_with_values() -> None:
    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        rows = metrics.query_one(MetricRows)
        headers = [r.key.removeprefix("group:") for r in rows.rows if r.kind == "header"]
        assert headers == [g for g in GROUPS if g in headers]
        assert headers[:3] == ["loss", "direction", "velocity"]
        assert set(metrics.visible_metrics) == set(snapshots()[PHASE4C].columns)
        first = rows.row_text(rows.cursor)
        assert "loss_mean" in first and any(ch in first for ch in "▁▂▃▄▅▆▇█")
        assert "expected" in str(metrics.query_one("#metric-about", Static).render())


async def test_metric_list_flags_metrics_cited_by_open_findings() -> None:
    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        rows = app.query_one(MetricRows)
        assert rows.flags["raw_loss_mean"] == "critical"
        index = next(i for i, r in enumerate(rows.rows) if r.key == "raw_loss_mean")
        assert rows.row_text(index).lstrip().startswith("⚑")
        clean = next(i for i, r in enumerate(rows.rows) if r.key == "loss_std")
        assert "⚑" not in rows.row_text(clean)


async def test_metric_list_filter_substring_glob_regex() -> None:
    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"GRAD_NORM")
        await pilot.pause()
        shown = metrics.visible_metrics
        assert shown and all("grad_norm" in n for n in shown)
        assert "grad_norm_mean" in shown
        metrics.set_filter("block_grad_norms.*")
        await pilot.pause()
        shown = metrics.visible_metrics
        assert len(shown) == 13 and all(n.startswith("block_grad_norms.") for n in shown)
        metrics.set_filter("/^val_(raw_)?loss$/")
        await pilot.pause()
        assert metrics.visible_metrics == ["val_loss", "val_raw_loss"]
        assert metrics.filter_error is None


async def test_metric_list_invalid_regex_shows_error_not_crash() -> None:
    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        await pilot.press("slash", *"/loss(")
        await pilot.pause()
        error = metrics.query_one("#metric-filter-error", Static)
        assert metrics.filter_error is not None
        assert error.has_class("-shown")
        assert "invalid regex" in str(error.render())
        assert metrics.visible_metrics == []
        await pilot.press("backspace")
        await pilot.pause()
        assert not error.has_class("-shown")
        assert "raw_loss_mean" in metrics.visible_metrics


async def test_metric_list_keys_post_highlight_select_and_pin() -> None:
    app = metric_app(snapshots()[PHASE4C])
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        first = metrics.highlighted
        assert first == metrics.visible_metrics[0]
        await pilot.press("j", "j", "k")
        second = metrics.visible_metrics[1]
        assert metrics.highlighted == second
        await pilot.press("p", "enter")
        await pilot.pause()
        assert [m.name for m in app.of(MetricList.MetricHighlighted)] == [
            metrics.visible_metrics[1],
            metrics.visible_metrics[2],
            second,
        ]
        assert [m.name for m in app.of(MetricList.PinToggled)] == [second]
        assert [m.name for m in app.of(MetricList.MetricSelected)] == [second]
        metrics.show_pins([second])
        rows = metrics.query_one(MetricRows)
        assert rows.row_text(rows.cursor).startswith("•")


async def test_metric_list_folds_histogram_families() -> None:
    snapshot = with_histograms(snapshots()[PHASE4C])
    assert len(snapshot.columns) > 300
    app = metric_app(snapshot)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        rows = metrics.query_one(MetricRows)
        families = [r for r in rows.rows if r.kind == "family"]
        assert len(families) == 4 and all(f.folded and f.count == 50 for f in families)
        assert not any("hist" in n for n in metrics.visible_metrics)
        assert "50 hidden" in rows.row_text(rows.rows.index(families[0]))
        metrics.highlight("sampling.t_hist_counts.7")
        await pilot.pause()
        assert metrics.highlighted == "sampling.t_hist_counts.7"
        assert sum(1 for n in metrics.visible_metrics if "t_hist" in n) == 50
        await pilot.press("left")
        assert rows.rows[rows.cursor].kind == "family"
        assert not any("t_hist" in n for n in metrics.visible_metrics)
        metrics.set_filter("*t_hist_counts.1?")
        await pilot.pause()
        assert metrics.visible_metrics == [f"sampling.t_hist_counts.{i}" for i in range(10, 20)]


async def test_metric_list_update_keeps_highlight_and_scroll() -> None:
    snapshot = with_histograms(snapshots()[PHASE4C])
    app = metric_app(snapshot)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        rows = metrics.query_one(MetricRows)
        for _ in range(25):
            await pilot.press("j")
        name, scroll = metrics.highlighted, rows.scroll_y
        assert scroll > 0
        columns = {k: np.append(v, v[-1]) for k, v in snapshot.columns.items()}
        columns["aaa_new_metric"] = np.ones(len(snapshot.epochs) + 1)
        grown = dataclasses.replace(
            snapshot,
            epochs=np.append(snapshot.epochs, snapshot.epochs[-1] + 1),
            columns=columns,
            version=snapshot.version + 1,
        )
        posted = len(app.messages)
        metrics.show_run(grown)
        await pilot.pause()
        assert metrics.highlighted == name
        assert rows.scroll_y - scroll == pytest.approx(1, abs=1)
        assert "aaa_new_metric" in metrics.visible_metrics
        assert len(app.messages) == posted


# --- findings pane --------------------------------------------------------------------------


def findings_app(snapshot: RunSnapshot | None, new_seconds: float | None = None) -> Host:
    def setup(widget: Widget) -> None:
        assert isinstance(widget, FindingsPane)
        if snapshot is not None:
            widget.show(snapshot)

    return Host(FindingsPane(new_seconds=new_seconds), setup)


async def test_findings_pane_critical_first_and_new_highlight() -> None:
    snapshot = snapshots()[PHASE4C]
    app = findings_app(snapshot)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(FindingsPane)
        items = pane.items
        assert [i.finding.id for i in items] == [f.id for f in snapshot.findings]
        assert items[0].has_class("-critical")
        ranks = [i.finding.severity.rank for i in items]
        assert ranks == sorted(ranks, reverse=True)
        assert any(i.has_class("-warning") for i in items)
        assert all(i.has_class("-new") for i in items)
        text = screen_text(app)
        assert "CRITICAL Adaptive weighting hides a diverging raw loss" in text
        assert "from epoch 142" in text
        pane.clear_new()
        assert not any(i.has_class("-new") for i in pane.items)
        pane.show(snapshot)  # the same version again: its new_ids were already shown
        await pilot.pause()
        assert not any(i.has_class("-new") for i in pane.items)
        pane.show(dataclasses.replace(snapshot, version=snapshot.version + 1))
        await pilot.pause()
        assert all(i.has_class("-new") for i in pane.items)
        pane.clear_new()
        await pilot.press("tab", "j", "enter")
        await pilot.pause()
        assert [m.finding.id for m in app.of(FindingsPane.FindingSelected)] == [items[1].finding.id]
        target = pane.items[2]
        target.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(target, offset=(3, 0))
        await pilot.pause()
        assert app.of(FindingsPane.FindingSelected)[-1].finding.id == target.finding.id


async def test_findings_pane_words_for_no_findings_and_loading() -> None:
    app = findings_app(None)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        pane = app.query_one(FindingsPane)
        assert ANALYSING in screen_text(app)
        pane.show(snapshots()[BASELINE])
        await pilot.pause()
        assert NO_FINDINGS in screen_text(app)
        assert pane.items == []


async def test_findings_pane_resolved_in_collapsed_section() -> None:
    snapshot = snapshots()[PHASE4C]
    resolved = []
    for finding in snapshot.findings[-2:]:
        copy = finding.copy()
        copy.resolved, copy.resolved_epoch = True, 300
        resolved.append(copy)
    changed = dataclasses.replace(
        snapshot, findings=snapshot.findings[:-2], resolved=tuple(resolved)
    )
    app = findings_app(changed)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        section = app.query_one(Collapsible)
        assert section.display and section.collapsed
        assert section.title == "2 resolved"
        assert len(app.query_one(FindingsPane).items) == 3


# --- epoch inspector ------------------------------------------------------------------------


async def test_epoch_inspector_values_and_deltas() -> None:
    snapshot = snapshots()[PHASE4C]
    inspector = EpochInspector()
    app = Host(inspector, lambda w: w.show(snapshot, 150))  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        shown = inspector.shown_metrics
        assert set(shown) == set(snapshot.row(150))
        assert shown.index("raw_loss_mean") < shown.index("cosine_sim_V_vc")
        table = inspector.query_one("DataTable")
        row = [str(c) for c in table.get_row("raw_loss_mean")]  # type: ignore[attr-defined]
        col = snapshot.columns["raw_loss_mean"]
        i = int(np.searchsorted(snapshot.epochs, 150))
        assert row[1] == f"{col[i]:.3g}"
        assert row[2].startswith("-" if col[i] < col[i - 1] else "+")
        assert row[3].endswith("%") and row[4] in "↑↓"
        # A sparse metric compares with its own previous log, not with NaN.
        val = snapshot.columns["val_raw_loss"]
        logged = np.flatnonzero(np.isfinite(val))
        epoch = int(snapshot.epochs[logged[3]])
        inspector.show(snapshot, epoch)
        await pilot.pause()
        row = [str(c) for c in table.get_row("val_raw_loss")]  # type: ignore[attr-defined]
        assert row[2] != "" and row[3] != ""
        inspector.query_one(Input).value = "x_hat*"
        await pilot.pause()
        assert inspector.shown_metrics == [
            "x_hat_stats.max",
            "x_hat_stats.mean",
            "x_hat_stats.min",
            "x_hat_stats.std",
        ]


async def test_epoch_inspector_refits_names_to_its_width() -> None:
    """Names are cut to the width the table has when filled: a resize must re-fit them, or
    a table filled before layout keeps names cut short for good."""
    snapshot = snapshots()[PHASE4C]
    inspector = EpochInspector()
    app = Host(inspector, lambda w: w.show(snapshot, 150))  # type: ignore[attr-defined]
    name = "ratio.compound_v_norm/target_v_norm"
    async with app.run_test(size=(50, 30)) as pilot:
        await pilot.pause()
        table = inspector.query_one("DataTable")
        assert str(table.get_row(name)[0]) != name  # type: ignore[attr-defined]
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert str(table.get_row(name)[0]) == name  # type: ignore[attr-defined]


# --- hostile strings ------------------------------------------------------------------------


async def test_hostile_names_are_shown_literally_and_clicks_do_nothing() -> None:
    snapshot = hostile_snapshot()
    app = browser_app({snapshot.name: snapshot})
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert HOSTILE_RUN in screen_text(app)
        await pilot.click(OptionList, offset=(6, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert [m.name for m in app.of(RunBrowser.RunSelected)] == [HOSTILE_RUN]

    app = metric_app(snapshot)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        metrics = app.query_one(MetricList)
        metrics.set_filter("app.quit")
        await pilot.pause()
        assert metrics.visible_metrics == [HOSTILE_METRIC]
        assert HOSTILE_METRIC in screen_text(app)
        await pilot.click(MetricRows, offset=(6, 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.of(MetricList.MetricHighlighted)[-1].name == HOSTILE_METRIC

    app = findings_app(snapshot)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[b]title[/b]" in text and "[@click=app.quit]evidence" in text
        await pilot.click(FindingsPane, offset=(8, 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None

    inspector = EpochInspector()
    app = Host(inspector, lambda w: w.show(snapshot, 10))  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        inspector.query_one(Input).value = "quit"
        await pilot.pause()
        assert HOSTILE_METRIC in screen_text(app) and HOSTILE_RUN in screen_text(app)
        await pilot.click("DataTable", offset=(3, 2))
        await pilot.pause()
        assert app.is_running and app.return_code is None


# --- snapshots ------------------------------------------------------------------------------


def test_snapshot_run_browser(snap_compare: Callable[..., bool]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("j", "space", "j", "j", "space")

    assert snap_compare(browser_app(), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_metric_list(snap_compare: Callable[..., bool]) -> None:
    app = metric_app(with_histograms(snapshots()[PHASE4C]))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("j", "j", "j")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_findings_pane(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(findings_app(snapshots()[PHASE4C]), terminal_size=(80, 24))


def test_snapshot_epoch_inspector(snap_compare: Callable[..., bool]) -> None:
    snapshot = snapshots()[PHASE4C]
    app = Host(EpochInspector(), lambda w: w.show(snapshot, 150))  # type: ignore[attr-defined]
    assert snap_compare(app, terminal_size=(80, 24))
