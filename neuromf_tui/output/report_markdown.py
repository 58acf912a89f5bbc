"""``report --format markdown``: for pasting into lab notes and issues."""

from __future__ import annotations

import re

from neuromf_tui.analysis.report import RunReport
from neuromf_tui.analysis.stats import fmt
from neuromf_tui.textsafe import printable

ICONS = {"critical": "🔴", "warning": "🟠", "info": "🔵", "ok": "🟢"}


_ACTIVE = str.maketrans({ch: "\\" + ch for ch in "\\`*[]<|"})
"""Characters with which untrusted text could open a link, an image, an HTML tag, a code
span or emphasis, or end a table cell."""


def _cell(text: str) -> str:
    """Untrusted text as literal markdown: control characters removed, markup escaped."""
    return printable(text).translate(_ACTIVE)


def _code(text: str) -> str:
    """Text in a code span fenced by more backticks than it holds (no escapes apply there)."""
    text = printable(text)
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(report: RunReport) -> str:
    out: list[str] = [f"## {_cell(report.run)} — {ICONS[report.status]} {report.status}", ""]
    facts = [f"**Epochs:** {report.epochs} (last {report.last_epoch})"]
    if report.until is not None:
        facts.append(f"**Analysed up to epoch:** {report.until}")
    facts.append(f"**Phase:** {report.phase or 'unknown'}")
    summary = report.summary
    if summary.best_epoch is not None and summary.best_raw_loss is not None:
        facts.append(
            f"**Best epoch:** {summary.best_epoch} (raw loss {fmt(summary.best_raw_loss)})"
        )
    facts.append(f"**Source:** {_code(report.source)}")
    if report.state != "ok":
        facts.append(f"**State:** {_cell(report.state)}")
    facts.extend(f"note: {_cell(problem)}" for problem in report.problems)
    out.extend(f"- {fact}" for fact in facts)
    out.append("")
    if report.findings:
        out.extend(["| severity | finding | from epoch | evidence |", "|---|---|---|---|"])
        for f in report.findings:
            out.append(
                f"| {ICONS[f.severity.value]} {f.severity.value} | `{f.id}`: {_cell(f.title)} | "
                f"{f.first_epoch} | {_cell(f.evidence)} |"
            )
        suggestions = [f for f in report.findings if f.suggestion]
        if suggestions:
            out.append("")
            out.extend(f"- `{f.id}`: {_cell(f.suggestion)}" for f in suggestions)
    else:
        out.append("No findings: nothing in this run matches a known failure mode.")
    if summary.moves:
        out.extend(["", "| metric | start | end | end/start | trend |", "|---|---|---|---|---|"])
        for m in summary.moves:
            out.append(
                f"| `{m.name}` | {fmt(m.start)} | {fmt(m.end)} | {fmt(m.ratio)} | {m.trend} |"
            )
    if summary.correlations:
        out.extend(["", "| correlation | r | epochs | reading |", "|---|---|---|---|"])
        for c in summary.correlations:
            out.append(
                f"| `{c.a}` ~ `{c.b}` | {c.r:+.2f} | {c.epochs[0]}–{c.epochs[1]} (n={c.n}) | "
                f"{c.meaning} |"
            )
    return "\n".join(out) + "\n"
