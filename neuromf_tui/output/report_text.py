"""``report --format text``: a run's findings and summary for a terminal or a log."""

from __future__ import annotations

import textwrap

from neuromf_tui.analysis.report import RunReport
from neuromf_tui.analysis.stats import fmt
from neuromf_tui.output.style import Style
from neuromf_tui.textsafe import printable

WIDTH = 100


def render(report: RunReport, style: Style) -> str:
    lines: list[str] = []
    status = report.status.upper()
    head = f"{style(printable(report.run), 'bold')}  {style(status, report.status)}"
    lines.append(head)
    lines.append(f"  {_overview(report)}")
    lines.append(f"  source: {printable(report.source)}")
    if report.state != "ok":
        lines.append(f"  state: {printable(report.state)}")
    for problem in report.problems:
        lines.append(style(f"  note: {printable(problem)}", "dim"))
    lines.append("")
    if report.findings:
        lines.append(style("Findings", "bold"))
        for finding in report.findings:
            sev = finding.severity.value
            lines.append(
                f"  {style(f'{sev.upper():<8}', sev)} {finding.id}  (from epoch "
                f"{finding.first_epoch}): {finding.title}"
            )
            lines.extend(_wrap(printable(finding.evidence), "             "))
            if finding.suggestion:
                lines.extend(_wrap("→ " + finding.suggestion, "             ", "dim", style))
    else:
        lines.append(style("No findings: nothing in this run matches a known failure mode.", "ok"))
    summary = report.summary
    if summary.moves:
        lines.append("")
        lines.append(style("Key metrics (start → end, trend over the last 200 epochs)", "bold"))
        for move in summary.moves:
            ratio = f"x{fmt(move.ratio, 3)}" if move.ratio == move.ratio else "-"
            lines.append(
                f"  {move.name:<32} {fmt(move.start):>10} → {fmt(move.end):<10} {ratio:>10}  "
                f"{move.trend}"
            )
    if summary.correlations:
        lines.append("")
        lines.append(
            style("Correlations (Pearson r over the epochs where both are logged)", "bold")
        )
        for corr in summary.correlations:
            lines.append(
                f"  r({corr.a}, {corr.b}) = {corr.r:+.2f}  epochs {corr.epochs[0]}–{corr.epochs[1]}"
                f" (n={corr.n}): {corr.meaning}"
            )
    if report.settings:
        lines.append("")
        lines.append(style("Settings used", "bold"))
        lines.extend(f"  {line}" for line in report.settings)
    for rule_id, error in report.rule_errors.items():
        lines.append(style(f"  rule {rule_id} failed on this run: {printable(error)}", "dim"))
    return "\n".join(lines)


def _overview(report: RunReport) -> str:
    parts = [f"{report.epochs} epochs"]
    if report.last_epoch is not None:
        parts[0] += f" (last {report.last_epoch})"
    if report.until is not None:
        parts.append(f"analysed up to epoch {report.until}")
    if report.phase:
        parts.append(f"{report.phase} phase")
    summary = report.summary
    if summary.best_epoch is not None and summary.best_raw_loss is not None:
        parts.append(f"best epoch {summary.best_epoch} (raw loss {fmt(summary.best_raw_loss)})")
    if summary.best_val_epoch is not None and summary.best_val_raw_loss is not None:
        parts.append(
            f"best validation epoch {summary.best_val_epoch} "
            f"(val raw loss {fmt(summary.best_val_raw_loss)})"
        )
    return ", ".join(parts)


def _wrap(text: str, indent: str, tone: str = "", style: Style | None = None) -> list[str]:
    wrapped = textwrap.wrap(text, WIDTH - len(indent)) or [""]
    if style is not None and tone:
        return [indent + style(line, tone) for line in wrapped]
    return [indent + line for line in wrapped]
