"""The neuromf-tui app: run browser, metric list, charts, findings, live.

The app owns the UI state (selected run and metric, pins, marks, chart options) and hands
widgets what to draw; a worker follows the files through the Monitor (tailer + engine) off
the UI thread and the app applies its snapshots in coalesced batches.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header, Static

from neuromf_tui.app.actions import ACTIONS, bindings
from neuromf_tui.app.palette import MetricProvider, RunProvider
from neuromf_tui.app.screens.help import HelpScreen
from neuromf_tui.app.state import UIState, load_state, save_state
from neuromf_tui.app.widgets.chart import MetricChart
from neuromf_tui.textsafe import printable

if TYPE_CHECKING:
    from neuromf_tui.analysis.config import Settings
    from neuromf_tui.app.widgets.findings_pane import FindingsPane
    from neuromf_tui.app.widgets.metric_list import MetricList
    from neuromf_tui.app.widgets.run_browser import RunBrowser
    from neuromf_tui.data.glance import Glance
    from neuromf_tui.monitor import Monitor
    from neuromf_tui.snapshot import MonitorUpdate, RunSnapshot

APPLY_INTERVAL = 0.1
"""Seconds between applying batches of snapshots: a burst of epochs becomes one redraw."""
REEVALUATE_SECONDS = 30.0
LOAD_BATCH_SECONDS = 0.25
"""Seconds of reading per batch of runs while a large results root loads."""
SMOOTHING_STEPS = (0.0, 0.6, 0.9)
LOG_MODES = ("auto", "log", "linear")
NARROW_WIDTH = 120


class NeuroMFApp(App[None]):
    """Monitors every run under ``path``; reads files only, never writes there."""

    CSS_PATH = "app.tcss"
    TITLE = "neuromf-tui"
    COMMANDS = App.COMMANDS | {RunProvider, MetricProvider}
    BINDINGS: ClassVar[list[Binding]] = bindings()

    selected_run: reactive[str | None] = reactive(None)
    metric: reactive[str | None] = reactive(None)
    view_mode: reactive[str] = reactive("chart")
    log_mode: reactive[str] = reactive("auto")
    smoothing: reactive[float] = reactive(0.0)
    zoom: reactive[bool] = reactive(False)
    normalise: reactive[bool] = reactive(True)
    follow: reactive[bool] = reactive(True)
    compare: reactive[bool] = reactive(False)
    """Overlay the metric across the marked runs (toggled with c)."""
    cursor_epoch: reactive[int | None] = reactive(None)

    def __init__(
        self,
        path: Path,
        *,
        poll: float | None = None,
        settings: Settings | None = None,
        state: UIState | None = None,
        watch_files: bool = True,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.poll = poll
        self.settings = settings
        self.monitor: Monitor | None = None
        """Created in the worker: the diagnostics engine loads after the first paint."""
        self.ui_state = state if state is not None else load_state()
        self.root_state = self.ui_state.for_root(self.path)
        self.watch_files = watch_files
        self.snapshots: dict[str, RunSnapshot] = {}
        self.pins: list[str] = list(self.root_state.pins)
        self.marked: frozenset[str] = frozenset(self.root_state.marked)
        self.focused_finding: str | None = None
        self._last_apply = 0.0
        self._panes = False
        """True once the run browser, metric list and findings pane are mounted."""
        self._frozen_end: int | None = None
        """Newest epoch of the zoom window while follow is off."""
        self._pending: MonitorUpdate | None = None
        self._lock = asyncio.Lock()
        self.watch_description = "starting…"
        # Read the chart to show first while Textual starts the terminal: first paint sooner.
        reader = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._glance = reader.submit(self._read_glance)
        self.theme = self.ui_state.theme

    # --- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """The frame and the chart; the lists and findings mount right after the first paint."""
        yield Static("", id="header-slot")
        with Horizontal(id="main"):
            yield Vertical(id="left")
            with Vertical(id="right"):
                with ContentSwitcher(initial="chart", id="views"):
                    yield MetricChart(id="chart")
                yield Vertical(id="findings-box")
        yield Static("", id="footer-slot")

    async def _mount_panes(self) -> None:
        """Mount the run browser, metric list and findings pane, then show current state.

        Done after the first frame so that the chart of the first run is on screen sooner.
        """
        from neuromf_tui.app.widgets.findings_pane import FindingsPane
        from neuromf_tui.app.widgets.metric_list import MetricList
        from neuromf_tui.app.widgets.run_browser import RunBrowser

        browser = RunBrowser(id="runs")
        header_slot, footer_slot = self.query_one("#header-slot"), self.query_one("#footer-slot")
        await self.mount(Header(), before=header_slot)
        await self.mount(Footer(), after=footer_slot)
        await header_slot.remove()
        await footer_slot.remove()
        await self.query_one("#left").mount_all([browser, MetricList(id="metrics")])
        await self.query_one("#findings-box").mount(FindingsPane(id="findings"))
        self._panes = True
        self._restore_marks(browser)
        browser.update_runs(self.snapshots)
        if self.selected_run is not None:
            browser.select(self.selected_run)
            self._refresh_run_views()
        self.screen.set_focus(None)
        self.screen.focus_next()

    @property
    def panes_ready(self) -> bool:
        """True once the run browser, metric list and findings pane are mounted."""
        return self._panes

    def _browser(self) -> RunBrowser | None:
        return self.query_one("#runs") if self._panes else None  # type: ignore[return-value]

    def _metric_list(self) -> MetricList | None:
        return self.query_one("#metrics") if self._panes else None  # type: ignore[return-value]

    def _findings_pane(self) -> FindingsPane | None:
        return self.query_one("#findings") if self._panes else None  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.sub_title = printable(str(self.path))
        self._apply_size(self.size.width)
        self.set_interval(APPLY_INTERVAL, self._apply_pending)
        self._follow_files()
        self.set_interval(REEVALUATE_SECONDS, self._reevaluate)

    def on_resize(self) -> None:
        self._apply_size(self.size.width)

    def _apply_size(self, width: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")

    # --- live data -----------------------------------------------------------------------
    @work(exclusive=True, group="watch")
    async def _follow_files(self) -> None:
        glance = await asyncio.wrap_future(self._glance)
        if glance is not None:
            self.query_one(MetricChart).show_glance(glance)
            await self._refreshed()
        self.call_after_refresh(self._mount_panes)
        # numpy, the loader and then the engine load only now, after the first chart.
        first = await asyncio.to_thread(self._quick_load)
        if first is not None:
            self._merge(first)
            self._apply_pending()
        self.monitor = await asyncio.to_thread(self._make_monitor)
        from neuromf_tui.data.tail import RunWatcher

        if not self.watch_files:
            events = await asyncio.to_thread(self.monitor.tailer.poll_once)
            await self._process(events)
            return
        watcher = RunWatcher(self.monitor.tailer, poll=self.poll)
        self.watch_description = watcher.describe()
        async for batch in watcher:
            self.watch_description = watcher.describe()
            await self._process(batch)

    async def _refreshed(self) -> None:
        """Return once the screen has been refreshed (the glance is on its way to the terminal)."""
        done = asyncio.Event()
        self.call_after_refresh(done.set)
        await done.wait()

    def _read_glance(self) -> Glance | None:
        """The first run's headline metric in plain lists (no numpy yet), unless the chart would
        show more than one metric."""
        from neuromf_tui.data.glance import read_glance

        if self.pins:
            return None
        try:
            return read_glance(self.path.expanduser(), self.root_state.run, self.root_state.metric)
        except Exception:  # the monitor reports bad paths; the glance only saves time
            return None

    def _quick_load(self) -> MonitorUpdate | None:
        """Parse only the run to show first, so a chart paints before everything is read."""
        from neuromf_tui.data.discover import discover_runs
        from neuromf_tui.data.glance import first_run
        from neuromf_tui.data.loader import load_run
        from neuromf_tui.data.runconfig import read_run_config
        from neuromf_tui.snapshot import MonitorUpdate, quick_snapshot

        try:
            refs = discover_runs(self.path)
        except Exception:  # the monitor reports bad paths; the quick path only saves time
            return None
        if not refs:
            return None
        ref = first_run(refs, self.root_state.run)
        source = load_run(ref)
        status = source.status(read_run_config(ref.folder).planned_epochs, time.time())
        return MonitorUpdate(snapshots={ref.name: quick_snapshot(source, status)})

    def _make_monitor(self) -> Monitor:
        """The watched monitor reads a large root in batches, so the run list fills as it
        goes; the one-shot load (``watch_files=False``) reads everything in one call."""
        from neuromf_tui.monitor import Monitor

        batch = LOAD_BATCH_SECONDS if self.watch_files else None
        return Monitor(self.path.expanduser(), self.settings, batch_seconds=batch)

    async def _process(self, events: list) -> None:
        assert self.monitor is not None
        async with self._lock:
            update = await asyncio.to_thread(self.monitor.process, events)
        self._merge(update)
        if not self._gc_frozen and not self.monitor.tailer.unread:
            self._freeze_loaded_objects()

    _gc_frozen = False  # set on the instance by _freeze_loaded_objects

    def _freeze_loaded_objects(self) -> None:
        """Once the first load is in, exempt what exists from the garbage collector's scans.

        Runs, tables, widgets and styles live for the whole session, yet every full
        collection walked them all again: pauses of up to 150 ms that froze the UI during
        bursts of epochs (keys took 300 ms). ``on_unmount`` undoes it.
        """
        import gc

        gc.collect()
        gc.freeze()
        self._gc_frozen = True

    async def _reevaluate(self) -> None:
        if self.monitor is None:
            return
        async with self._lock:
            update = await asyncio.to_thread(self.monitor.reevaluate)
        self._merge(update)

    def _merge(self, update: MonitorUpdate) -> None:
        """Queue an update; apply it now if nothing was applied for a tick (no added delay),
        else on the next tick (a burst of epochs becomes one redraw)."""
        self._queue(update)
        if time.monotonic() - self._last_apply >= APPLY_INTERVAL:
            self._apply_pending()

    def _queue(self, update: MonitorUpdate) -> None:
        from neuromf_tui.snapshot import MonitorUpdate

        if self._pending is None:
            self._pending = MonitorUpdate()
        pending = self._pending
        pending.snapshots.update(update.snapshots)
        if pending.vanished and update.snapshots:  # removed, then back within one tick
            pending.vanished = [n for n in pending.vanished if n not in update.snapshots]
        for name in update.vanished:
            pending.snapshots.pop(name, None)
            pending.vanished.append(name)
        pending.new_findings.extend(update.new_findings)
        pending.first_seen |= update.first_seen
        pending.resolved_findings.extend(update.resolved_findings)

    def _apply_pending(self) -> None:
        """Apply what arrived since the last tick (coalesced: one redraw per tick)."""
        update, self._pending = self._pending, None
        if update is None or (not update.snapshots and not update.vanished):
            return
        self._last_apply = time.monotonic()
        # The quick snapshot painted before the analysis is not a load: the first analysed
        # batch reports every existing finding as new, and that is no news to announce.
        # Nor is what a run holds when first read (a large root loads in batches).
        first_load = not any(s.analysed for s in self.snapshots.values())
        fresh = update.first_seen
        if first_load or fresh:  # nor anything to highlight as just raised in the findings pane
            update.snapshots = {
                name: dataclasses.replace(s, new_ids=frozenset())
                if first_load or name in fresh
                else s
                for name, s in update.snapshots.items()
            }
            update.new_findings = [(n, f) for n, f in update.new_findings if n not in fresh]
        self.snapshots.update(update.snapshots)
        for name in update.vanished:
            self.snapshots.pop(name, None)
        browser = self._browser()
        if browser is not None:
            self._restore_marks(browser)
            browser.update_runs(self.snapshots)
        if not first_load:
            self._announce(update)
        if self.selected_run not in self.snapshots:
            self._choose_initial_run()
        elif self.selected_run in update.snapshots:
            self._refresh_run_views()
        elif self.marked & set(update.snapshots):
            self._refresh_chart()

    _marks_restored = False  # set on the instance by _restore_marks

    def _restore_marks(self, browser: RunBrowser) -> None:
        """Put the saved comparison marks back once every run is known: on a partial list
        (the quick snapshot, or the first batches of a large root) the browser would drop
        the marks of the runs not read yet."""
        monitor = self.monitor
        if self._marks_restored or monitor is None or monitor.tailer.unread:
            return
        analysed = sum(1 for s in self.snapshots.values() if s.analysed)
        if analysed and analysed >= len(monitor.tailer.sources):
            browser.set_marks(self.marked)
            self._marks_restored = True

    def _announce(self, update: MonitorUpdate) -> None:
        gone = update.vanished
        if gone:
            self.notify(
                f"{printable(gone[0])}: run folder removed"
                if len(gone) == 1
                else f"{len(gone)} run folders removed",
                severity="warning",
                markup=False,
            )
        for run, finding in update.new_findings:
            severity = "error" if finding.severity.value == "critical" else "warning"
            self.notify(
                f"{printable(run)}: {finding.title} (from epoch {finding.first_epoch})",
                title=f"new {finding.severity.value} finding",
                severity=severity if finding.severity.value != "info" else "information",
                markup=False,
            )
            if self.ui_state.bell:
                self.bell()

    def _choose_initial_run(self) -> None:
        if not self.snapshots:
            self.selected_run = None
            return
        remembered = self.root_state.run
        if remembered in self.snapshots:
            self.select_run(remembered)
            return
        latest = max(self.snapshots.values(), key=lambda s: s.last_write or 0.0)
        self.select_run(latest.name)

    # --- selection -----------------------------------------------------------------------
    @property
    def current_snapshot(self) -> RunSnapshot | None:
        return self.snapshots.get(self.selected_run) if self.selected_run else None

    def select_run(self, name: str) -> None:
        browser = self._browser()
        if browser is not None:
            browser.select(name)
        self.selected_run = name

    def show_metric(self, name: str) -> None:
        self.focused_finding = None
        self.metric = name
        if self.view_mode != "chart":
            self.view_mode = "chart"

    def watch_selected_run(self, name: str | None) -> None:
        if name is not None:  # the initial None must not forget the remembered run
            self.root_state.run = name
        self.cursor_epoch = None
        self.focused_finding = None
        if self.view_mode == "finding":
            self.view_mode = "chart"
        snapshot = self.current_snapshot
        if snapshot is not None and (self.metric is None or self.metric not in snapshot.columns):
            from neuromf_tui.plotting import compose

            self.metric = compose.default_metric(snapshot, self.root_state.metric)
        self._refresh_run_views()

    def watch_metric(self, name: str | None) -> None:
        if name is not None:
            self.root_state.metric = name
            metrics = self._metric_list()
            if metrics is not None:
                metrics.highlight(name)
        self._refresh_chart()

    def _refresh_run_views(self) -> None:
        snapshot = self.current_snapshot
        self._show_notice(snapshot)
        if snapshot is None:
            return
        metrics, findings = self._metric_list(), self._findings_pane()
        if metrics is not None and findings is not None:
            metrics.show_run(snapshot)
            metrics.show_pins(self.pins)
            if self.metric is not None:
                metrics.highlight(self.metric)
            # Before the analysis the pane says "analysing…", not "no findings".
            findings.show(snapshot if snapshot.analysed else None)
        if self.follow:
            self.cursor_epoch = snapshot.last_epoch
        self._refresh_chart()

    def _show_notice(self, snapshot: RunSnapshot | None) -> None:
        """The header names the results root and, when the shown run's summary is missing,
        unreadable, cut short or emptied (or its history restarted), says so and since when."""
        root = printable(str(self.path))
        if snapshot is None or not snapshot.notice:
            self.sub_title = root
        else:
            self.sub_title = f"{root} — {printable(snapshot.name)}: {printable(snapshot.notice)}"

    def _refresh_chart(self) -> None:
        snapshot = self.current_snapshot
        if snapshot is None or not self.is_mounted:
            return
        from neuromf_tui.plotting import compose

        options = compose.ChartOptions(
            log=None if self.log_mode == "auto" else self.log_mode == "log",
            smoothing=self.smoothing,
            zoom_last=compose.ZOOM_EPOCHS if self.zoom else None,
            zoom_end=None if self.follow else self._frozen_end,
            normalise=self.normalise,
            cursor_epoch=self.cursor_epoch,
        )
        if self.view_mode in ("overview", "grid", "finding"):
            from neuromf_tui.app.widgets.chart_grid import ChartGrid

            grids = self.query(ChartGrid)
            if not grids:
                return
            finding = next((f for f in snapshot.findings if f.id == self.focused_finding), None)
            if self.view_mode == "overview":
                specs = compose.overview_specs(snapshot, options)
            elif self.view_mode == "finding" and finding is not None:
                specs = compose.finding_specs(snapshot, finding, options)
            else:
                metrics = self.pins or ([self.metric] if self.metric else [])
                specs = compose.grid_specs(snapshot, metrics, options)
            grids.first().show(specs)
        elif self.view_mode == "inspector":
            from neuromf_tui.app.widgets.epoch_inspector import EpochInspector

            epoch = self.cursor_epoch if self.cursor_epoch is not None else snapshot.last_epoch
            inspectors = self.query(EpochInspector)
            if epoch is not None and inspectors:
                inspectors.first().show(snapshot, epoch)
        elif self.view_mode == "samples":
            from neuromf_tui.app.widgets.samples_view import SamplesView

            samples = self.query(SamplesView)
            if samples:
                samples.first().show(snapshot)
        else:
            self.query_one(MetricChart).spec = compose.chart_spec(
                self.snapshots,
                snapshot.name,
                self.metric,
                self.pins,
                self.marked if self.compare else (),
                options,
            )

    # --- messages from widgets -----------------------------------------------------------
    def on_run_browser_run_highlighted(self, message: RunBrowser.RunHighlighted) -> None:
        if message.name in self.snapshots and message.name != self.selected_run:
            self.selected_run = message.name

    def on_run_browser_marks_changed(self, message: RunBrowser.MarksChanged) -> None:
        self.marked = frozenset(message.names)
        self.root_state.marked = sorted(self.marked)
        self._refresh_chart()

    def on_metric_list_metric_highlighted(self, message: MetricList.MetricHighlighted) -> None:
        self.show_metric(message.name)

    def on_metric_list_pin_toggled(self, message: MetricList.PinToggled) -> None:
        if message.name in self.pins:
            self.pins.remove(message.name)
        else:
            self.pins.append(message.name)
        self.root_state.pins = list(self.pins)
        metrics = self._metric_list()
        if metrics is not None:
            metrics.show_pins(self.pins)
        self._refresh_chart()

    def on_metric_list_metric_selected(self, message: MetricList.MetricSelected) -> None:
        self.show_metric(message.name)
        self.query_one(MetricChart).focus()

    def on_run_browser_run_selected(self, message: RunBrowser.RunSelected) -> None:
        if message.name in self.snapshots:
            self.selected_run = message.name
            # MetricList is a container: focusing it is a no-op, its rows take the focus.
            self.query_one("#metric-rows").focus()

    def on_findings_pane_finding_selected(self, message: FindingsPane.FindingSelected) -> None:
        self.focused_finding = message.finding.id
        if self.view_mode == "finding":
            self._refresh_chart()
        self.view_mode = "finding"

    @on(MetricChart.CursorMoved)
    def _cursor_moved(self, message: MetricChart.CursorMoved) -> None:
        self.follow = False
        self.cursor_epoch = message.epoch

    def watch_follow(self, follow: bool) -> None:
        snapshot = self.current_snapshot
        self._frozen_end = None if follow or snapshot is None else snapshot.last_epoch

    def watch_cursor_epoch(self) -> None:
        if self.view_mode == "inspector":
            self._refresh_chart()

    async def watch_view_mode(self, mode: str) -> None:
        target = {"overview": "grid", "grid": "grid", "finding": "grid"}.get(mode, mode)
        switcher = self.query_one("#views", ContentSwitcher)
        if not switcher.query(f"#{target}"):
            await switcher.mount(self._make_view(target))
        switcher.current = target
        self._refresh_chart()
        focused = self.focused
        if mode == "samples":  # its keys step through the epochs at once
            switcher.query_one("#samples").focus()
        elif focused is not None and any(w.id == "samples" for w in focused.ancestors_with_self):
            if target == "chart":
                self.query_one(MetricChart).focus()
            else:
                self.set_focus(None)

    def _make_view(self, target: str) -> Widget:
        """The grid, inspector and samples views are built on first use (off the first paint)."""
        if target == "grid":
            from neuromf_tui.app.widgets.chart_grid import ChartGrid

            return ChartGrid(id="grid")
        if target == "samples":
            from neuromf_tui.app.widgets.samples_view import SamplesView

            return SamplesView(id="samples")
        from neuromf_tui.app.widgets.epoch_inspector import EpochInspector

        return EpochInspector(id="inspector")

    # --- actions -------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_filter_metrics(self) -> None:
        metrics = self._metric_list()
        if metrics is not None:
            metrics.focus_filter()

    def action_filter_runs(self) -> None:
        browser = self._browser()
        if browser is not None:
            browser.focus_filter()

    def action_compare(self) -> None:
        others = self.marked - {self.selected_run}
        if not self.compare and not others:
            self.notify("Mark another run with space to compare with.", severity="warning")
            return
        self.compare = not self.compare  # the chart title says "... across N runs"
        self.view_mode = "chart"
        self.focused_finding = None
        self._refresh_chart()

    def action_toggle_log(self) -> None:
        self.log_mode = LOG_MODES[(LOG_MODES.index(self.log_mode) + 1) % len(LOG_MODES)]
        self.notify(f"y scale: {self.log_mode}", timeout=1.5)
        self._refresh_chart()

    def action_toggle_smoothing(self) -> None:
        index = SMOOTHING_STEPS.index(self.smoothing) if self.smoothing in SMOOTHING_STEPS else 0
        self.smoothing = SMOOTHING_STEPS[(index + 1) % len(SMOOTHING_STEPS)]
        self.notify(f"smoothing: {self.smoothing or 'off'}", timeout=1.5)
        self._refresh_chart()

    def action_toggle_zoom(self) -> None:
        self.zoom = not self.zoom
        self._refresh_chart()

    def action_toggle_normalise(self) -> None:
        self.normalise = not self.normalise
        self._refresh_chart()

    def action_clear_pins(self) -> None:
        self.pins.clear()
        self.root_state.pins = []
        metrics = self._metric_list()
        if metrics is not None:
            metrics.show_pins(self.pins)
        self._refresh_chart()

    def action_toggle_grid(self) -> None:
        self.view_mode = "chart" if self.view_mode == "grid" else "grid"

    def action_overview(self) -> None:
        self.view_mode = "chart" if self.view_mode == "overview" else "overview"

    def action_toggle_inspector(self) -> None:
        self.view_mode = "chart" if self.view_mode == "inspector" else "inspector"

    def action_toggle_samples(self) -> None:
        self.view_mode = "chart" if self.view_mode == "samples" else "samples"

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        snapshot = self.current_snapshot
        if self.follow and snapshot is not None:
            self.cursor_epoch = snapshot.last_epoch
        self.notify(f"follow newest epoch: {'on' if self.follow else 'off'}", timeout=1.5)
        self._refresh_chart()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
        self.ui_state.theme = self.theme

    def action_toggle_bell(self) -> None:
        self.ui_state.bell = not self.ui_state.bell
        self.notify(f"bell on new findings: {'on' if self.ui_state.bell else 'off'}")

    def action_export(self) -> None:
        from neuromf_tui.app.screens.export import open_export

        open_export(self)

    def get_system_commands(self, screen: Screen) -> list[SystemCommand]:  # type: ignore[override]
        commands = list(super().get_system_commands(screen))
        for action in ACTIONS:
            commands.append(
                SystemCommand(
                    action.description,
                    f"{action.help} (key: {action.key_display or action.key})",
                    lambda name=action.action: self.run_action(name),
                )
            )
        return commands

    def on_unmount(self) -> None:
        if self._gc_frozen:
            import gc

            gc.unfreeze()  # what this app kept alive may be collected again
        error = save_state(self.ui_state)
        if error:
            self.log.warning(error)
