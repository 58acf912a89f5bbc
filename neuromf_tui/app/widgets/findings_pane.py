"""What the diagnostics say about the selected run: open findings worst first, resolved folded.

A run has a handful of findings, so each is a small focusable widget whose severity is a CSS
class (``-critical``, ``-warning``, ``-info``) and whose freshness is another (``-new``, which
the pane or the app clears after a few seconds). Evidence text comes from the engine but
quotes metric names from the run's files, so everything is shown as plain text.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from neuromf_tui.analysis.findings import Finding
from neuromf_tui.snapshot import RunSnapshot
from neuromf_tui.textsafe import printable

NO_FINDINGS = "No findings: nothing matches a known failure mode."
ANALYSING = "analysing…"
NEW_SECONDS = 10.0
"""How long a newly raised finding keeps its highlight (None in the constructor: until cleared)."""

SEVERITY_WORDS = {"critical": "CRITICAL", "warning": "WARNING", "info": "INFO"}


def finding_signature(finding: Finding) -> tuple[object, ...]:
    """What, when changed, needs the finding redrawn."""
    return (
        finding.id,
        finding.severity,
        finding.title,
        finding.first_epoch,
        finding.evidence,
        finding.suggestion,
        finding.resolved_epoch,
    )


class FindingItem(Vertical, can_focus=True):
    """One open finding: severity and title, onset epoch, evidence and suggestion."""

    DEFAULT_CSS = """
    FindingItem {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
        border-left: outer $foreground 30%;
        & > .finding-title { text-style: bold; }
        & > .finding-evidence { color: $text; }
        & > .finding-suggestion { color: $text-muted; }
        &.-critical { border-left: outer $error; }
        &.-critical > .finding-title { color: $error; }
        &.-warning { border-left: outer $warning; }
        &.-warning > .finding-title { color: $warning; }
        &.-info { border-left: outer $primary; }
        &.-info > .finding-title { color: $primary; }
        &.-new { background: $boost; }
        &:focus { background: $block-cursor-blurred-background; }
    }
    """

    def __init__(self, finding: Finding, *, new: bool = False) -> None:
        severity = finding.severity.value
        super().__init__(classes=f"-{severity}" + (" -new" if new else ""))
        self.finding = finding
        self.signature = finding_signature(finding)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="finding-title", markup=False)
        yield Static(printable(self.finding.evidence), classes="finding-evidence", markup=False)
        if self.finding.suggestion:
            yield Static(
                "→ " + printable(self.finding.suggestion),
                classes="finding-suggestion",
                markup=False,
            )

    def _title(self) -> str:
        finding = self.finding
        word = SEVERITY_WORDS.get(finding.severity.value, finding.severity.value.upper())
        return f"{word} {printable(finding.title)} · from epoch {finding.first_epoch}"

    def update_finding(self, finding: Finding) -> None:
        """Refresh the text in place (same id, new numbers) without remounting."""
        self.finding = finding
        self.signature = finding_signature(finding)
        self.query_one(".finding-title", Static).update(self._title())
        self.query_one(".finding-evidence", Static).update(printable(finding.evidence))
        suggestion = self.query(".finding-suggestion")
        if suggestion and finding.suggestion:
            suggestion.first(Static).update("→ " + printable(finding.suggestion))

    def on_click(self) -> None:
        self.focus()
        self.post_message(FindingsPane.FindingChosen(self.finding))


class _FindingsScroll(VerticalScroll, can_focus=False):
    """Scrolls the findings; the findings themselves take focus, not the scroll area."""


class FindingsPane(Widget):
    """Open findings of one run, worst first, and the resolved ones in a folded section."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "next", "Next finding", show=False),
        Binding("k,up", "previous", "Previous finding", show=False),
        Binding("enter", "choose", "Plot finding", show=False),
    ]

    DEFAULT_CSS = """
    FindingsPane {
        layout: vertical;
        height: 1fr;
        & > #findings-scroll { height: 1fr; }
        & #findings-state { color: $text-muted; padding: 0 1; }
        & #findings-state.-error { color: $error; }
        & #findings-open, & #findings-resolved-list { height: auto; }
        & #findings-resolved { padding: 0; border: none; }
        & .finding-resolved { color: $text-muted; padding: 0 1; }
        & #findings-notes { padding: 0; border: none; }
        & #findings-notes-list { height: auto; }
        & .finding-note { color: $text-warning; padding: 0 1; }
    }
    """

    class FindingSelected(Message):
        """The user chose a finding (enter or click): the app plots its metrics at the onset."""

        def __init__(self, pane: FindingsPane, finding: Finding) -> None:
            super().__init__()
            self.pane = pane
            self.finding = finding

        @property
        def control(self) -> FindingsPane:
            return self.pane

    class FindingChosen(Message):
        """Internal: an item was clicked (re-posted as ``FindingSelected`` by the pane)."""

        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(
        self,
        *,
        new_seconds: float | None = NEW_SECONDS,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.new_seconds = new_seconds
        self.snapshot: RunSnapshot | None = None
        self._seen: dict[str, set[str]] = {}
        self._versions: dict[str, int] = {}
        self._resolved_signature: tuple[object, ...] = ()
        self._notes: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        with _FindingsScroll(id="findings-scroll"):
            yield Static(ANALYSING, id="findings-state", markup=False)
            yield Vertical(id="findings-open")
            with Collapsible(title="0 resolved", collapsed=True, id="findings-resolved"):
                yield Vertical(id="findings-resolved-list")
            with Collapsible(title="0 file notes", collapsed=True, id="findings-notes"):
                yield Vertical(id="findings-notes-list")

    def on_mount(self) -> None:
        self.query_one("#findings-resolved", Collapsible).display = False
        self.query_one("#findings-notes", Collapsible).display = False

    # --- public API ----------------------------------------------------------------------
    @property
    def items(self) -> list[FindingItem]:
        return list(self.query(FindingItem))

    def show(self, snapshot: RunSnapshot | None) -> None:
        """Show the findings of ``snapshot`` (None: still analysing)."""
        self.snapshot = snapshot
        state = self.query_one("#findings-state", Static)
        state.remove_class("-error")
        if snapshot is None:
            state.update(ANALYSING)
            state.display = True
            self._show_open([], set())
            self._show_resolved([])
            self._show_notes(())
            return
        seen = self._seen.get(snapshot.name)
        current = {f.id for f in snapshot.findings}
        # A snapshot's new_ids count once: showing the same version again (switching back to
        # the run) must not light its findings up a second time.
        fresh_version = self._versions.get(snapshot.name) != snapshot.version
        new = set(snapshot.new_ids) if fresh_version else set()
        if seen is not None:
            new |= current - seen
        self._seen[snapshot.name] = current
        self._versions[snapshot.name] = snapshot.version
        state.display = not snapshot.findings
        if snapshot.error and not snapshot.findings:
            state.update(f"Cannot analyse this run: {printable(snapshot.error)}")
            state.add_class("-error")
        elif snapshot.last_epoch is None and not snapshot.findings:
            state.update("No epochs yet: nothing to analyse.")
        else:
            state.update(NO_FINDINGS)
        self._show_open(list(snapshot.findings), new)
        self._show_resolved(list(snapshot.resolved))
        self._show_notes(snapshot.problems)

    def clear_new(self) -> None:
        """Drop the "just raised" highlight from every finding."""
        for item in self.items:
            item.remove_class("-new")

    # --- internals -----------------------------------------------------------------------
    def _show_open(self, findings: list[Finding], new: set[str]) -> None:
        container = self.query_one("#findings-open", Vertical)
        items = list(container.query_children(FindingItem))
        if [i.finding.id for i in items] == [f.id for f in findings]:
            for item, finding in zip(items, findings, strict=True):
                if item.signature != finding_signature(finding):
                    item.update_finding(finding)
                if finding.id in new:
                    item.add_class("-new")
        else:
            focused = self.app.focused
            focused_id = focused.finding.id if isinstance(focused, FindingItem) else None
            # Findings still highlighted from an earlier update stay highlighted until cleared.
            new = new | {i.finding.id for i in items if i.has_class("-new")}
            container.remove_children()
            fresh = [FindingItem(f, new=f.id in new) for f in findings]
            container.mount_all(fresh)
            if focused_id is not None:
                target = next((i for i in fresh if i.finding.id == focused_id), None)
                if target is not None:
                    self.call_after_refresh(target.focus)
        if new & {f.id for f in findings} and self.new_seconds is not None:
            self.set_timer(self.new_seconds, self.clear_new)

    def _show_resolved(self, resolved: list[Finding]) -> None:
        collapsible = self.query_one("#findings-resolved", Collapsible)
        collapsible.display = bool(resolved)
        signature = tuple(finding_signature(f) for f in resolved)
        if signature == self._resolved_signature:
            return
        self._resolved_signature = signature
        collapsible.title = f"{len(resolved)} resolved"
        body = self.query_one("#findings-resolved-list", Vertical)
        body.remove_children()
        body.mount_all(
            Static(self._resolved_line(f), classes="finding-resolved", markup=False)
            for f in resolved
        )

    def _show_notes(self, problems: tuple[str, ...]) -> None:
        """What the loader could not read in the run's files (bad records, wrong-typed
        fields), one line each, folded away: the user learns why a metric or epoch is missing."""
        collapsible = self.query_one("#findings-notes", Collapsible)
        collapsible.display = bool(problems)
        if problems == self._notes:
            return
        self._notes = problems
        collapsible.title = f"{len(problems)} file note{'s' if len(problems) != 1 else ''}"
        body = self.query_one("#findings-notes-list", Vertical)
        body.remove_children()
        body.mount_all(
            Static(printable(problem), classes="finding-note", markup=False) for problem in problems
        )

    @staticmethod
    def _resolved_line(finding: Finding) -> str:
        until = f"–{finding.resolved_epoch}" if finding.resolved_epoch is not None else ""
        return (
            f"✓ {printable(finding.title)} (epochs {finding.first_epoch}{until}, "
            f"{finding.severity.value})"
        )

    def _focus_step(self, step: int) -> None:
        items = self.items
        if not items:
            return
        focused = self.app.focused
        index = (
            items.index(focused) if isinstance(focused, FindingItem) and focused in items else -1
        )
        index = max(0, min(len(items) - 1, index + step)) if index >= 0 else 0
        items[index].focus()
        items[index].scroll_visible(animate=False)

    def action_next(self) -> None:
        self._focus_step(1)

    def action_previous(self) -> None:
        self._focus_step(-1)

    def action_choose(self) -> None:
        focused = self.app.focused
        if isinstance(focused, FindingItem):
            self.post_message(self.FindingSelected(self, focused.finding))

    @on(FindingChosen)
    def _chosen(self, event: FindingChosen) -> None:
        event.stop()
        self.post_message(self.FindingSelected(self, event.finding))
