"""Simulator: writes run folders the way the real NeuroMF training callback does.

`model` turns a scenario into a coherent per-epoch history, `scenarios` names the failure
modes, `writer` puts a history on disk (at once, or epoch by epoch with `LiveWriter`).
numpy and the standard library only: the simulator feeds tests and demos, not the app.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SimConfig": "model",
    "SimulatedRun": "model",
    "phase_bounds": "model",
    "simulate": "model",
    "SCENARIOS": "scenarios",
    "Effects": "scenarios",
    "Scenario": "scenarios",
    "get_scenario": "scenarios",
    "scenario_names": "scenarios",
    "LiveWriter": "writer",
    "RunFolderError": "writer",
    "RunPaths": "writer",
    "WriteOptions": "writer",
    "truncation_point": "writer",
    "write_run": "writer",
}


def __getattr__(name: str) -> Any:
    """Import the submodule on first use, so the command line does not pay for numpy."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neuromf_tui.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(f"neuromf_tui.sim.{module}"), name)


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
