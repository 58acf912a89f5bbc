"""Fuzzed input to the engine: simulated runs of every scenario with columns broken at random
(NaN, infinities, 1e308, subnormals, -0.0, absurd scales, constants, sign flips, gaps in the
epochs, restarts), followed epoch by epoch as the monitor does.

Properties: no rule raises or even warns (numpy warnings are turned into errors, so a rule
that overflows shows up in ``rule_errors``), findings have the report's JSON types, and the
summary and the rendered reports never raise.
"""

from __future__ import annotations

import functools
import json
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from neuromf_tui.analysis.engine import Engine, analyse
from neuromf_tui.analysis.findings import Severity
from neuromf_tui.analysis.report import report_run
from neuromf_tui.analysis.summary import summarise
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.flatten import flatten_record
from neuromf_tui.data.table import RunTable
from neuromf_tui.output import report_markdown, report_text
from neuromf_tui.output.style import Style
from neuromf_tui.sim.model import SimConfig, simulate
from neuromf_tui.sim.scenarios import scenario_names
from tests.robustness.fuzzing import budget, dump
from tests.robustness.test_fuzz_loader import mixed_history
from tests.runfiles import run_folder

EPOCHS = 240
EDGES = np.array([1e308, -1e308, 5e-324, -0.0, 0.0, 1e-300, -1.0, np.nan, np.inf, -np.inf])
MUTATIONS = ("nan", "inf", "edges", "scale", "constant", "negate", "drop", "noise")


@functools.cache
def base_columns(scenario: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A simulated run of ``scenario`` as (epochs, columns), made once per test session."""
    rows: list[tuple[int, dict[str, float]]] = []
    for rec in simulate(SimConfig(scenario=scenario, epochs=EPOCHS, seed=1)).history:
        flat: dict[str, float] = {}
        flatten_record(rec, flat)
        rows.append((int(rec["epoch"]), flat))
    table = RunTable()
    table.load(rows)
    return table.epochs.copy(), {name: col.copy() for name, col in table.items()}


def mutate(column: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray | None:
    """``column`` broken one way over a random slice (None drops it)."""
    out = column.copy()
    n = len(out)
    lo = int(rng.integers(0, n))
    hi = int(rng.integers(lo, n + 1))
    part = slice(lo, hi)
    if kind == "drop":
        return None
    if kind == "nan":
        out[part] = np.nan
    elif kind == "inf":
        out[part] = rng.choice([np.inf, -np.inf])
    elif kind == "edges":
        out[part] = rng.choice(EDGES, size=hi - lo)
    elif kind == "scale":
        with np.errstate(all="ignore"):
            out[part] *= np.power(10.0, float(rng.integers(-320, 320)))
    elif kind == "constant":
        out[part] = float(rng.choice(EDGES[:7]))
    elif kind == "negate":
        out[part] = -out[part]
    else:
        out[part] = rng.standard_normal(hi - lo) * 10.0 ** float(rng.integers(-10, 300))
    return out


@st.composite
def broken_runs(draw: st.DrawFn) -> tuple[RunTable, list[int], bool]:
    """(table, restarts, live): a scenario's run, cut short, columns and epochs broken."""
    epochs, columns = base_columns(draw(st.sampled_from(scenario_names())))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(0, EPOCHS))
    names = sorted(columns)
    broken = dict(columns)
    for name in draw(st.lists(st.sampled_from(names), max_size=12, unique=True)):
        mutated = mutate(columns[name], draw(st.sampled_from(MUTATIONS)), rng)
        if mutated is None:
            del broken[name]
        else:
            broken[name] = mutated
    step = draw(st.integers(1, 5))
    offset = draw(st.integers(0, 10**6))
    new_epochs = offset + epochs[:n] * step
    rows = [
        (int(epoch), {name: float(col[i]) for name, col in broken.items() if not np.isnan(col[i])})
        for i, epoch in enumerate(new_epochs)
    ]
    table = RunTable()
    table.load(rows)
    restarts = sorted(draw(st.sets(st.sampled_from(new_epochs.tolist()), max_size=3))) if n else []
    return table, restarts, draw(st.booleans())


def assert_well_formed(findings: list[Any], view: RunView) -> None:
    for finding in findings:
        assert isinstance(finding.severity, Severity)
        assert type(finding.first_epoch) is int
        assert isinstance(finding.evidence, str) and finding.evidence
        if len(view):
            assert view.epochs[0] <= finding.first_epoch <= view.epochs[-1], finding
    json.dumps([f.as_json(full=True) for f in findings], allow_nan=False)


@budget(60)
@given(broken_runs(), st.lists(st.floats(0, 1), max_size=3))
def test_engine_follows_broken_runs_without_errors_or_warnings(
    run: tuple[RunTable, list[int], bool], cut_fractions: list[float]
) -> None:
    table, restarts, live = run
    now = time.time()
    engine = Engine()
    cuts = sorted(int(f * len(table)) for f in cut_fractions)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for cut in [*cuts, len(table)]:
            until = int(table.epochs[cut - 1]) if 0 < cut < len(table) else None
            view = RunView.from_table(
                "fuzz", table, until=until, restarts=restarts, live=live, last_write=now, now=now
            )
            engine.evaluate(view)
            assert engine.rule_errors == {}
            assert_well_formed(engine.findings, view)
        assert_well_formed(analyse(view), view)
        summarise(view)


@budget(40)
@given(mixed_history(), st.sampled_from(("current", "flat")))
def test_reports_of_garbage_runs_render_and_json_stays_valid(
    history: tuple[list[Any], dict[int, dict[str, Any]], list[Any]], layout: str
) -> None:
    elements, _, _ = history
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, summary, _ = run_folder(root, "run", layout)
        summary.write_text(dump(elements), encoding="utf-8")
        (ref,) = discover_runs(root)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            report = report_run(ref)
    assert report.rule_errors == {}
    payload = json.loads(json.dumps(report.as_json(), allow_nan=False))
    assert payload["epochs"] == report.epochs
    for text in (report_text.render(report, Style(False)), report_markdown.render(report)):
        assert "\x1b" not in text and "\r" not in text
