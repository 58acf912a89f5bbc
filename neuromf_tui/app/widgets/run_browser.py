"""The left pane: every run, most recently active first, with its state at a glance.

One line per run: comparison mark, live/stale/finished, health (worst open finding), name,
epochs done of planned, training phase and the age of the last write. Runs update, appear and
vanish while the user browses, so every refresh keeps the highlighted run and the scroll
position. Colours are component classes (``run-browser--critical``...), and run names are
shown as plain text: a folder named ``[@click=app.quit]`` is just a folder.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from neuromf_tui.app.widgets.metric_list import FilterBar, fit, text_style
from neuromf_tui.data.status import RunStatus, describe_age
from neuromf_tui.plotting.metric_filter import MetricFilter, compile_filter
from neuromf_tui.snapshot import RunSnapshot
from neuromf_tui.textsafe import printable

MARK = "◆"
STATUS_MARKS: dict[RunStatus, str] = {
    RunStatus.LIVE: "●",
    RunStatus.STALE: "◌",
    RunStatus.FINISHED: "✓",
    RunStatus.NEW: "○",
}
HEALTH_MARKS: dict[str, str] = {"critical": "✖", "warning": "▲", "info": "•", "ok": " "}
AGE_REFRESH_SECONDS = 10.0
NAME_KEPT = 12
"""Cells of a run's name kept beside a file-trouble tag; with less room a "!" stands in."""
WIDE_MIN_WIDTH = 44
"""Below this many cells the phase and the planned epochs are dropped to leave room for names."""

_STATUS_CLASS = {
    RunStatus.LIVE: "live",
    RunStatus.STALE: "stale",
    RunStatus.FINISHED: "finished",
    RunStatus.NEW: "new",
}


def activity_order(snapshots: Iterable[RunSnapshot]) -> list[RunSnapshot]:
    """Most recent write first; runs that never wrote last, then by name for stability."""
    return sorted(
        snapshots,
        key=lambda s: (-(s.last_write if s.last_write is not None else -math.inf), s.name),
    )


def epochs_text(snapshot: RunSnapshot, *, planned: bool = True) -> str:
    """Epochs done (last epoch + 1, which counts a resumed run correctly) of planned."""
    done = "–" if snapshot.last_epoch is None else str(snapshot.last_epoch + 1)
    return f"{done}/{snapshot.planned_epochs}" if planned and snapshot.planned_epochs else done


class RunBrowser(Widget):
    """Lists runs; posts highlight, selection and comparison-mark changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("space", "toggle_mark", "Mark"),
        Binding("ctrl+f", "focus_filter", "Find run", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    _COLOURED: ClassVar[tuple[str, ...]] = (
        "run-browser--mark",
        "run-browser--live",
        "run-browser--stale",
        "run-browser--finished",
        "run-browser--new",
        "run-browser--critical",
        "run-browser--warning",
        "run-browser--info",
        "run-browser--ok",
        "run-browser--detail",
        "run-browser--notice",
    )
    COMPONENT_CLASSES: ClassVar[set[str]] = set(_COLOURED)

    DEFAULT_CSS = """
    RunBrowser {
        layout: vertical;
        height: 1fr;
        & > FilterBar { dock: top; }
        & > #run-list {
            height: 1fr;
            max-height: 100%;
            border: none;
            padding: 0;
            scrollbar-size-vertical: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & > #run-empty { color: $text-muted; padding: 0 1; display: none; }
        & > #run-empty.-shown { display: block; }
        & > .run-browser--mark { color: $text-accent; text-style: bold; }
        & > .run-browser--live { color: $text-success; }
        & > .run-browser--stale { color: $text-warning; }
        & > .run-browser--finished { color: $text-muted; }
        & > .run-browser--new { color: $text-muted; }
        & > .run-browser--critical { color: $text-error; text-style: bold; }
        & > .run-browser--warning { color: $text-warning; }
        & > .run-browser--info { color: $text-primary; }
        & > .run-browser--ok { color: $text-success; }
        & > .run-browser--detail { color: $text-muted; }
        & > .run-browser--notice { color: $text-warning; text-style: italic; }
    }
    """

    class _RunMessage(Message):
        """Shared shape of the browser's messages (not posted itself)."""

        def __init__(self, browser: RunBrowser, name: str) -> None:
            super().__init__()
            self.browser = browser
            self.name = name

        @property
        def control(self) -> RunBrowser:
            return self.browser

    class RunHighlighted(_RunMessage):
        """The highlight moved to another run (by the user, or because a run vanished)."""

    class RunSelected(_RunMessage):
        """The user pressed enter on (or clicked) a run."""

    class MarksChanged(Message):
        """The set of runs marked for comparison changed."""

        def __init__(self, browser: RunBrowser, names: frozenset[str]) -> None:
            super().__init__()
            self.browser = browser
            self.names = names

        @property
        def control(self) -> RunBrowser:
            return self.browser

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.clock = clock
        self.snapshots: dict[str, RunSnapshot] = {}
        self.marks: frozenset[str] = frozenset()
        self.filter: MetricFilter = compile_filter("")
        self._highlighted: str | None = None
        self._wanted: str | None = None
        self._shown: list[tuple[str, Text]] = []
        self._palette: tuple[Style, ...] = ()

    def compose(self) -> ComposeResult:
        # The list comes first so an app's auto-focus lands on it; the filter is docked on top.
        yield OptionList(id="run-list", markup=False, compact=True)
        yield Static("No runs yet.", id="run-empty", markup=False)
        with FilterBar():
            yield Input(placeholder="find run (ctrl+f)", id="run-filter", compact=True)

    def on_mount(self) -> None:
        self.set_interval(AGE_REFRESH_SECONDS, self._render_options)

    @property
    def _list(self) -> OptionList:
        return self.query_one("#run-list", OptionList)

    # --- public API ----------------------------------------------------------------------
    @property
    def highlighted(self) -> str | None:
        return self._highlighted

    @property
    def visible_runs(self) -> list[str]:
        """Run names in display order (after the filter)."""
        return [name for name, _ in self._shown]

    def update_runs(self, snapshots: Mapping[str, RunSnapshot]) -> None:
        """Show these runs; the highlighted run and the scroll position survive."""
        self.snapshots = dict(snapshots)
        kept = frozenset(name for name in self.marks if name in self.snapshots)
        if kept != self.marks:
            self.marks = kept
            self.post_message(self.MarksChanged(self, kept))
        self._render_options()

    def select(self, name: str) -> None:
        """Highlight ``name`` (clearing a filter that hides it) without posting a message.

        A run not listed yet is highlighted when an update brings it.
        """
        if name not in self.snapshots:
            self._wanted = name
            return
        self._wanted = None
        self._highlighted = name
        if not self.filter(name):
            self.query_one("#run-filter", Input).value = ""
            self.filter = compile_filter("")
        self._render_options(force=True)

    def set_marks(self, names: Iterable[str]) -> None:
        """Restore comparison marks (e.g. from the saved state) without posting a message."""
        self.marks = frozenset(names)
        self._render_options()

    def focus_filter(self) -> None:
        self.query_one("#run-filter", Input).focus()

    # --- drawing -------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Focus and hover changes land here too; only a new theme needs the rows recoloured.
        if not self.is_mounted:
            return
        palette = tuple(self._style(n.removeprefix("run-browser--")) for n in self._COLOURED)
        if palette != self._palette:
            self._palette = palette
            self._render_options(force=True)

    def on_resize(self) -> None:
        self._render_options(force=True)

    def _style(self, name: str) -> Style:
        return text_style(self, f"run-browser--{name}")

    def _prompts(self, runs: list[RunSnapshot], width: int) -> list[tuple[str, Text]]:
        now = self.clock()
        wide = width >= WIDE_MIN_WIDTH
        epochs = [epochs_text(s, planned=wide) for s in runs]
        ages = [describe_age(None if s.last_write is None else now - s.last_write) for s in runs]
        epoch_w = max((len(e) for e in epochs), default=0)
        age_w = max((len(a) for a in ages), default=0)
        phase_w = 5 if wide else 0
        name_w = max(4, width - 5 - (epoch_w + 1) - (phase_w + 1 if phase_w else 0) - (age_w + 1))
        detail = self._style("detail")
        out = []
        for snapshot, epoch, age in zip(runs, epochs, ages, strict=True):
            text = Text(no_wrap=True, overflow="ellipsis")
            marked = snapshot.name in self.marks
            text.append(MARK if marked else " ", self._style("mark") if marked else Style())
            status = snapshot.status
            text.append(
                STATUS_MARKS.get(status, "?"), self._style(_STATUS_CLASS.get(status, "new"))
            )
            text.append(" ")
            health = snapshot.health
            text.append(HEALTH_MARKS.get(health, "?"), self._style(health))
            text.append(" ")
            # The summary's trouble ("missing 14:02") shares the name's room; where the name
            # would be cut short for it, a "!" stands for it (the header says it in full).
            name, tag = printable(snapshot.name), snapshot.notice_tag
            room = name_w - cell_len(tag) - 1 if tag else name_w
            if tag and room >= min(cell_len(name), NAME_KEPT):
                text.append(fit(name, room, keep="tail"))
                text.append(" " + tag, self._style("notice"))
            elif tag and name_w >= 3:
                text.append(fit(name, name_w - 2, keep="tail"))
                text.append(" !", self._style("notice"))
            else:
                text.append(fit(name, name_w, keep="tail"))
            text.append(" " + epoch.rjust(epoch_w), detail)
            if wide:
                text.append(" " + fit(snapshot.phase or "", phase_w), detail)
            text.append(" " + age.rjust(age_w), detail)
            out.append((snapshot.name, text))
        return out

    def _render_options(self, *, force: bool = False) -> None:
        if not self.is_mounted:
            return
        option_list = self._list
        runs = [s for s in activity_order(self.snapshots.values()) if self.filter(s.name)]
        # One cell stays free for the scrollbar, so a long list never wraps its rows.
        width = (option_list.size.width or self.size.width) - 1
        shown = self._prompts(runs, width)
        empty = self.query_one("#run-empty", Static)
        empty.update("No run matches the filter." if self.snapshots else "No runs yet.")
        empty.set_class(not shown, "-shown")
        names = [name for name, _ in shown]
        if self._wanted in names:
            self._highlighted, self._wanted = self._wanted, None
            force = True
        if shown == self._shown and not force:
            return
        previous = self._highlighted
        old_index = option_list.highlighted or 0
        scroll = option_list.scroll_y
        with option_list.prevent(OptionList.OptionHighlighted):
            option_list.set_options(Option(text, id=name) for name, text in shown)
            option_list.scroll_y = scroll
            if names:
                index = (
                    names.index(previous) if previous in names else min(old_index, len(names) - 1)
                )
                option_list.highlighted = index
        self._shown = shown
        current = (
            names[option_list.highlighted]
            if names and option_list.highlighted is not None
            else None
        )
        self._highlighted = current if current is not None else previous
        if current is not None and current != previous:
            self.post_message(self.RunHighlighted(self, current))

    # --- events and actions --------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#run-list")
    def _option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        name = event.option.id
        if name is not None and name != self._highlighted:
            self._highlighted = name
            self.post_message(self.RunHighlighted(self, name))

    @on(OptionList.OptionSelected, "#run-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._highlighted = event.option.id
            self.post_message(self.RunSelected(self, event.option.id))

    @on(Input.Changed, "#run-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter = compile_filter(event.value)
        self._render_options()

    @on(Input.Submitted, "#run-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._list.focus()

    def action_cursor_down(self) -> None:
        self._list.action_cursor_down()

    def action_cursor_up(self) -> None:
        self._list.action_cursor_up()

    def action_toggle_mark(self) -> None:
        name = self._highlighted
        if name is None or name not in self.snapshots:
            return
        self.marks = self.marks - {name} if name in self.marks else self.marks | {name}
        self._render_options()
        self.post_message(self.MarksChanged(self, self.marks))

    def action_focus_filter(self) -> None:
        self.focus_filter()

    def action_clear_filter(self) -> None:
        """Escape clears the filter and returns to the list; otherwise it is not ours."""
        field = self.query_one("#run-filter", Input)
        if not field.value and not field.has_focus:
            raise SkipAction()
        field.value = ""
        self._list.focus()
