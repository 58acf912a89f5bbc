"""Load benchmark: full load and one appended epoch, next to plain ``json.loads``.

For simulated runs of 500, 5,000 and 50,000 epochs (a real-shaped ``training_summary.json``
written with ``indent=2``), prints:

- ``json.loads``: plain parse of the same bytes (the floor any loader pays);
- full load: read + tolerant parse + flatten into the columnar table (``RunSource.refresh``);
- one appended epoch: the file rewritten with one more epoch, as the real writer does, then
  the time ``RunSource.refresh`` takes to take it in (incremental read from the remembered
  offset).

Targets (issue #2): full load within 2x of ``json.loads`` at every size; one appended epoch
under 1 ms, flat (within 2x) from 500 to 50,000 epochs. Measurements alternate between the
two loaders and report medians, so load on the machine hits both alike.

Usage: ``python bench/load.py [--sizes 500,5000,50000] [--repeats 5] [--appends 20]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import RunSource
from neuromf_tui.sim.model import SimConfig, simulate


def make_history(epochs: int) -> list[dict]:
    return simulate(SimConfig(scenario="healthy", epochs=epochs, seed=0)).history


def encode(history: list[dict]) -> bytes:
    return json.dumps(history, indent=2, default=str).encode()


def bench_size(root: Path, history: list[dict], n: int, repeats: int, appends: int) -> dict:
    folder = root / f"run_{n}" / "diagnostics" / "aggregate_results"
    folder.mkdir(parents=True)
    path = folder / "training_summary.json"
    data = encode(history[:n])
    path.write_bytes(data)
    (ref,) = discover_runs(folder.parent.parent)

    loads, fulls = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        json.loads(data)
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        source = RunSource(ref)
        source.refresh()
        fulls.append(time.perf_counter() - start)
        assert len(source.table) == n

    source = RunSource(ref)
    source.refresh()
    steps = []
    for i in range(1, appends + 1):
        path.write_bytes(encode(history[: n + i]))
        start = time.perf_counter()
        update = source.refresh()
        steps.append(time.perf_counter() - start)
        assert update.appended == [n + i - 1], update
    return {
        "epochs": n,
        "mb": len(data) / 1e6,
        "loads": statistics.median(loads),
        "full": statistics.median(fulls),
        "append": statistics.median(steps),
        "append_max": max(steps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000,50000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--appends", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"generating a {max(sizes) + args.appends}-epoch healthy run...", flush=True)
    history = make_history(max(sizes) + args.appends)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rows.append(bench_size(Path(tmp), history, n, args.repeats, args.appends))
            r = rows[-1]
            print(f"  {n} epochs done ({r['mb']:.1f} MB)", flush=True)
    base = rows[0]["append"]
    print()
    header = (
        f"{'epochs':>7} {'MB':>7} {'json.loads':>11} {'full load':>10} {'ratio':>6} "
        f"{'append':>9} {'append max':>11} {'vs first':>9}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['epochs']:>7} {r['mb']:>7.1f} {r['loads'] * 1e3:>9.1f}ms "
            f"{r['full'] * 1e3:>8.1f}ms "
            f"{r['full'] / r['loads']:>5.2f}x {r['append'] * 1e3:>7.3f}ms "
            f"{r['append_max'] * 1e3:>9.3f}ms {r['append'] / base:>8.2f}x"
        )
    worst_ratio = max(r["full"] / r["loads"] for r in rows)
    worst_append = max(r["append"] for r in rows)
    flat = max(r["append"] for r in rows) / min(r["append"] for r in rows)
    print()
    print(f"full load / json.loads, worst: {worst_ratio:.2f}x (target <= 2x)")
    print(f"one appended epoch, worst median: {worst_append * 1e3:.3f} ms (target < 1 ms)")
    print(f"append flatness across sizes: {flat:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
