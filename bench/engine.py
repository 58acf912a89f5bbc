"""Diagnostics engine cost per new epoch on long runs.

Feeds a simulated run to the engine the way the app does while a run trains (re-evaluate
after each new epoch) and prints the median and worst time per evaluation at several run
lengths, plus the slowest rules. Target (issue #3): under 20 ms per new epoch at 5,000 epochs.

Usage: ``python bench/engine.py [--sizes 500,5000] [--evaluations 30]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from neuromf_tui.analysis.engine import Engine
from neuromf_tui.analysis.rules import all_rules
from neuromf_tui.analysis.view import RunView
from neuromf_tui.data.loader import table_from_records
from neuromf_tui.data.table import RunTable
from neuromf_tui.sim.model import SimConfig, simulate


def table_for(epochs: int, scenario: str) -> RunTable:
    history = simulate(SimConfig(scenario=scenario, epochs=epochs, seed=0)).history
    return table_from_records(history)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000")
    parser.add_argument("--evaluations", type=int, default=30)
    parser.add_argument("--scenario", default="adaptive-masking")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        table = table_for(n, args.scenario)
        engine = Engine()
        engine.evaluate(RunView.from_table("bench", table, until=n - args.evaluations - 1))
        times = []
        for until in range(n - args.evaluations, n):
            view = RunView.from_table("bench", table, until=until)
            start = time.perf_counter()
            engine.evaluate(view)
            times.append(time.perf_counter() - start)
        per_rule = []
        view = RunView.from_table("bench", table)
        for rule in all_rules():
            start = time.perf_counter()
            for _ in range(3):
                rule.check(RunView.from_table("bench", table), rule.params)
            per_rule.append(((time.perf_counter() - start) / 3, rule.id))
        per_rule.sort(reverse=True)
        slowest = ", ".join(f"{rid} {t * 1e3:.1f} ms" for t, rid in per_rule[:4])
        print(
            f"{n:>6} epochs: per new epoch median {statistics.median(times) * 1e3:.1f} ms, "
            f"worst {max(times) * 1e3:.1f} ms ({len(engine.open)} open findings); "
            f"slowest rules (cold view): {slowest}"
        )
    print("target: under 20 ms per new epoch at 5,000 epochs")


if __name__ == "__main__":
    main()
