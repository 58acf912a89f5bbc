"""The first-paint baseline: a minimal Textual app that reads one summary and draws one chart.

``bench/first_paint.py`` compares neuromf-tui's time to its first painted chart with this.
"""

from __future__ import annotations

import json
import sys

from textual.app import App, ComposeResult
from textual_plotext import PlotextPlot


class Baseline(App[None]):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield PlotextPlot()

    def on_mount(self) -> None:
        with open(self.path) as handle:
            history = json.load(handle)
        epochs = [rec["epoch"] for rec in history]
        values = [rec.get("raw_loss_mean", float("nan")) for rec in history]
        plot = self.query_one(PlotextPlot)
        plot.plt.title("raw_loss_mean")
        plot.plt.plot(epochs, values)
        plot.refresh()


if __name__ == "__main__":
    Baseline(sys.argv[1]).run()
