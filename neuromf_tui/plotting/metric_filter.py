"""The filter syntax shared by the metric list and the epoch inspector, and the list's rows.

Researchers type a fragment ("grad"), a glob ("block_grad_norms.*") or a regex ("/^val_/",
"re:nfe_(1|10)\\."). A regex half-typed is usually invalid; rather than raising inside a key
handler, an invalid pattern falls back to a literal substring and carries the error text so
the UI can show it.

``build_rows`` turns a run's metric names into the metric list's rows: catalogue groups in
GROUPS order, natural order inside a group, and numbered families with many members (the
~200 ``sampling.*_hist_counts.N`` bins of a real run) folded into one row. No Textual or Rich.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from neuromf_tui.data.catalogue import GROUPS, describe
from neuromf_tui.textsafe import printable

Mode = Literal["all", "substring", "glob", "regex"]

_GLOB_CHARS = frozenset("*?[")
_REGEX_PREFIX = "re:"

FAMILY_MIN = 9
"""A numbered family (``name.0``, ``name.1``, ...) with this many members folds into one row."""
_NUMBERED = re.compile(r"^(.*)\.(\d+)$")
_DIGITS = re.compile(r"(\d+)")
_GROUP_INDEX = {group: i for i, group in enumerate(GROUPS)}

RowKind = Literal["header", "metric", "family"]


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """A compiled filter: call it with a metric name. ``error`` is set for an invalid regex."""

    text: str
    mode: Mode
    error: str | None = None
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _needle: str = field(default="", repr=False, compare=False)

    def __call__(self, name: str) -> bool:
        if self.mode == "all":
            return True
        if self._pattern is not None:
            return self._pattern.search(name) is not None
        folded = name.casefold()
        if self.mode == "glob":
            return fnmatch.fnmatchcase(folded, self._needle)
        return self._needle in folded

    @property
    def active(self) -> bool:
        """False when the filter lets everything through (empty text)."""
        return self.mode != "all"


def _regex_body(text: str) -> str | None:
    """The pattern inside ``/.../`` (closing slash optional while typing) or after ``re:``."""
    if text.startswith(_REGEX_PREFIX):
        return text[len(_REGEX_PREFIX) :]
    if text.startswith("/"):
        body = text[1:]
        return body[:-1] if body.endswith("/") else body
    return None


def compile_filter(text: str) -> MetricFilter:
    """Compile what the user typed; never raises.

    Substring (case-insensitive) by default; a glob (``fnmatch``, whole name, case-insensitive)
    when the text holds ``*``, ``?`` or ``[``; a regex (``re.search``, case-insensitive) when
    wrapped in ``/.../`` or prefixed ``re:``. Surrounding whitespace is ignored.
    """
    text = text.strip()
    body = _regex_body(text)
    if body is not None:
        if not body:
            return MetricFilter(text, "all")
        try:
            pattern = re.compile(body, re.IGNORECASE)
        except re.error as exc:
            return MetricFilter(
                text, "substring", error=f"invalid regex: {exc}", _needle=body.casefold()
            )
        return MetricFilter(text, "regex", _pattern=pattern)
    if not text:
        return MetricFilter(text, "all")
    if _GLOB_CHARS & set(text):
        return MetricFilter(text, "glob", _needle=text.casefold())
    return MetricFilter(text, "substring", _needle=text.casefold())


# --- rows of the metric list ----------------------------------------------------------------


def natural_key(name: str) -> tuple[object, ...]:
    """Sort ``per_channel_loss.2`` before ``per_channel_loss.10``."""
    parts = _DIGITS.split(name)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def metric_sort_key(name: str) -> tuple[int, tuple[object, ...]]:
    """Catalogue group (GROUPS order, unknown groups last), then natural name order."""
    return (_GROUP_INDEX.get(describe(name).group, len(GROUPS)), natural_key(name))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the list: a group header, a metric, or a folded numbered family."""

    kind: RowKind
    key: str
    label: str
    name: str = ""
    depth: int = 0
    count: int = 0
    folded: bool = False


def family_prefixes(names: Iterable[str]) -> dict[str, str]:
    """Metric name -> family prefix, for numbered families of at least ``FAMILY_MIN`` members."""
    members: dict[str, list[str]] = {}
    for name in names:
        if match := _NUMBERED.match(name):
            members.setdefault(match.group(1), []).append(name)
    return {
        name: prefix
        for prefix, group in members.items()
        if len(group) >= FAMILY_MIN
        for name in group
    }


def _index_range(names: list[str]) -> str:
    indices = sorted(int(_NUMBERED.match(n).group(2)) for n in names)  # type: ignore[union-attr]
    return f"{indices[0]}‥{indices[-1]}" if indices else ""


def build_rows(names: Iterable[str], keep: MetricFilter, unfolded: set[str]) -> list[Row]:
    """The rows for ``names``: catalogue GROUPS order, natural order inside a group.

    A family row stands where its first member would; its members follow only when the user
    unfolded it or a filter is active (a filter is a request to see what matches).
    """
    names = sorted(names, key=metric_sort_key)
    family_of = family_prefixes(names)
    rows: list[Row] = []
    group_rows: list[Row] = []
    current: str | None = None
    families_done: set[str] = set()

    def close_group() -> None:
        if group_rows and current is not None:
            shown = sum(1 for r in group_rows if r.kind == "metric") + sum(
                r.count for r in group_rows if r.kind == "family" and r.folded
            )
            rows.append(Row("header", f"group:{current}", f"{current} ({shown})"))
            rows.extend(group_rows)

    for name in names:
        group = describe(name).group
        if group != current:
            close_group()
            current, group_rows = group, []
        if not keep(name):
            continue
        prefix = family_of.get(name)
        if prefix is None:
            group_rows.append(Row("metric", name, printable(name), name=name))
            continue
        if prefix in families_done:
            continue
        families_done.add(prefix)
        members = [n for n in names if family_of.get(n) == prefix and keep(n)]
        folded = prefix not in unfolded and not keep.active
        span = _index_range(members)
        label = f"{printable(prefix)}.[{span}]"
        group_rows.append(
            Row("family", f"family:{prefix}", label, name=prefix, count=len(members), folded=folded)
        )
        if not folded:
            for member in members:
                short = printable(member.rsplit(".", 2)[-2] + "." + member.rsplit(".", 1)[-1])
                group_rows.append(Row("metric", member, short, name=member, depth=1))
    close_group()
    return rows
