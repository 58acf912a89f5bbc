"""Command palette providers: "open run…" and "show metric…" with fuzzy search."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from neuromf_tui.textsafe import printable

if TYPE_CHECKING:
    from neuromf_tui.app.app import NeuroMFApp


def highlight(matcher: Matcher, label: str) -> Content:
    """``label`` with the query's letters highlighted, as plain text.

    ``Matcher.highlight`` reads its candidate as markup, so a run named
    ``[@click=app.quit]x`` would lose its brackets and become a clickable action.
    """
    content = Content(label)
    score, offsets = matcher.fuzzy_search.match(matcher.query, label)
    if not score:
        return content
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def matching(
    matcher: Matcher,
    verb: str,
    names: Iterable[str],
    action: Callable[[str], object],
    hint: str,
) -> Iterator[Hit]:
    """A hit "<verb> <name>" for every name the query matches, calling ``action(name)``."""
    for name in sorted(names):
        label = f"{verb} {printable(name)}"
        score = matcher.match(label)
        if score > 0:
            yield Hit(score, highlight(matcher, label), partial(action, name), help=hint)


class RunProvider(Provider):
    """Every run under the root, by name."""

    async def search(self, query: str) -> Hits:
        app = cast("NeuroMFApp", self.app)
        hint = "Select this run in the run browser"
        for hit in matching(self.matcher(query), "open run", app.snapshots, app.select_run, hint):
            yield hit

    async def discover(self) -> Hits:
        app = cast("NeuroMFApp", self.app)
        for name in sorted(app.snapshots):
            yield DiscoveryHit(Text(f"open run {printable(name)}"), partial(app.select_run, name))


class MetricProvider(Provider):
    """Every metric of the selected run, by dotted name."""

    async def search(self, query: str) -> Hits:
        app = cast("NeuroMFApp", self.app)
        snapshot = app.current_snapshot
        if snapshot is None:
            return
        matcher = self.matcher(query)
        for hit in matching(
            matcher, "show metric", snapshot.columns, app.show_metric, "Chart this metric"
        ):
            yield hit
