"""Time from process start to the first painted chart, in a real terminal (tmux).

(a) ``neuromf-tui sample_runs/`` and (b) a bare baseline (``bench/baseline_app.py``: a
minimal Textual app that reads the same summary file and draws one PlotextPlot), measured
alternately in one run. A chart counts as painted when the captured pane shows plotext's
y- and x-axis ticks. Target (issue #4): median (a) within 1.5x of median (b).

Usage: ``python bench/first_paint.py [--runs 7] [--root sample_runs]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKERS = ("┤", "┬")
SESSION = "neuromf_first_paint"
TMUX = ["tmux", "-L", SESSION]
"""A tmux server of its own: other tmux users on the machine cannot disturb the timing."""


def pane_text() -> str:
    out = subprocess.run(
        [*TMUX, "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
    )
    return out.stdout


def time_to_chart(command: list[str], env: dict[str, str], timeout: float = 30.0) -> float:
    subprocess.run([*TMUX, "kill-session", "-t", SESSION], capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48", *command],
        check=True,
        env=env,
    )
    try:
        while time.perf_counter() - start < timeout:
            text = pane_text()
            if all(text.count(marker) >= 2 for marker in MARKERS):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise TimeoutError(f"no chart painted within {timeout} s: {' '.join(command)}")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", SESSION], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path, default=HERE.parent / "sample_runs")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed: apt-get install tmux")
    summary = next(args.root.glob("**/aggregate_results/training_summary.json"))
    state = tempfile.mkdtemp()
    env = {
        **os.environ,
        "NEUROMF_TUI_STATE": str(Path(state) / "state.json"),
        "TERM": "xterm-256color",
    }
    exe = sys.executable
    # Installed packages carry their bytecode; with PYTHONDONTWRITEBYTECODE set, an editable
    # checkout would recompile every changed module at each start and measure the compiler.
    subprocess.run(
        [exe, "-m", "compileall", "-q", str(HERE.parent / "neuromf_tui"), str(HERE)], check=True
    )
    ours = [exe, "-m", "neuromf_tui", str(args.root)]
    base = [exe, str(HERE / "baseline_app.py"), str(summary)]
    a_times: list[float] = []
    b_times: list[float] = []
    # An idle session keeps the server up between runs: a server shutting down as the last
    # session ends would refuse the next run's session.
    subprocess.run([*TMUX, "new-session", "-d", "-s", "idle", "sleep", "1d"], check=True)
    try:
        time_to_chart(base, env)  # warm the file cache and bytecode
        time_to_chart(ours, env)
        for i in range(args.runs):
            b_times.append(time_to_chart(base, env))
            a_times.append(time_to_chart(ours, env))
            print(f"run {i + 1}: neuromf-tui {a_times[-1]:.3f} s, baseline {b_times[-1]:.3f} s")
    finally:
        subprocess.run([*TMUX, "kill-server"], capture_output=True)
    a, b = statistics.median(a_times), statistics.median(b_times)
    print()
    print(f"median first chart: neuromf-tui {a:.3f} s, baseline {b:.3f} s, ratio {a / b:.2f}x")
    print("target: ratio <= 1.5x")


if __name__ == "__main__":
    main()
