"""Simulator: writes run folders the way the real NeuroMF training callback does.

`model` turns a scenario into a coherent per-epoch history, `scenarios` names the failure
modes, `writer` puts a history on disk (at once, or epoch by epoch with `LiveWriter`).
numpy and the standard library only: the simulator feeds tests and demos, not the app.
"""

from __future__ import annotations

from neuromf_tui.sim.model import SimConfig, SimulatedRun, phase_bounds, simulate
from neuromf_tui.sim.scenarios import SCENARIOS, Effects, Scenario, get_scenario, scenario_names
from neuromf_tui.sim.writer import (
    LiveWriter,
    RunFolderError,
    RunPaths,
    WriteOptions,
    truncation_point,
    write_run,
)

__all__ = [
    "SCENARIOS",
    "Effects",
    "LiveWriter",
    "RunFolderError",
    "RunPaths",
    "Scenario",
    "SimConfig",
    "SimulatedRun",
    "WriteOptions",
    "get_scenario",
    "phase_bounds",
    "scenario_names",
    "simulate",
    "truncation_point",
    "write_run",
]
