"""The layer rule: data, simulator and headless commands never import the UI stack."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import neuromf_tui.data

UI_MODULES = ("textual", "rich", "textual_plotext", "plotext")


def _loaded_after(imports: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in imports)
        + ("print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def data_modules() -> list[str]:
    return [
        f"neuromf_tui.data.{info.name}" for info in pkgutil.iter_modules(neuromf_tui.data.__path__)
    ]


def test_data_layer_imports_no_ui_and_no_pandas() -> None:
    modules = data_modules()
    assert "neuromf_tui.data.loader" in modules
    loaded = _loaded_after(modules)
    assert not loaded & set(UI_MODULES)
    assert "pandas" not in loaded, "pandas stays off the path to the first chart"


def test_analysis_imports_no_ui() -> None:
    import neuromf_tui.analysis

    modules = [
        f"neuromf_tui.analysis.{info.name}"
        for info in pkgutil.iter_modules(neuromf_tui.analysis.__path__)
    ]
    loaded = _loaded_after([*modules, "neuromf_tui.monitor"])
    code = "from neuromf_tui.analysis.rules import all_rules; all_rules()"
    out = subprocess.run(
        [sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not (loaded | {m.split(".")[0] for m in out}) & set(UI_MODULES)


def test_simulator_and_headless_commands_import_no_ui() -> None:
    loaded = _loaded_after(
        [
            "neuromf_tui.sim.model",
            "neuromf_tui.sim.writer",
            "neuromf_tui.commands.runs",
            "neuromf_tui.cli",
        ]
    )
    assert not loaded & set(UI_MODULES)


def test_the_app_does_not_import_pandas_before_its_first_chart() -> None:
    loaded = _loaded_after(["neuromf_tui.app.factory", "neuromf_tui.cli"])
    assert "pandas" not in loaded


def test_the_first_chart_is_drawn_before_numpy_loads() -> None:
    """numpy costs ~0.1 s to import: the app's first frame (glance read and plan, chart widget)
    must not need it (bench/first_paint.py measures the effect)."""
    loaded = _loaded_after(
        [
            "neuromf_tui.cli",
            "neuromf_tui.app.factory",
            "neuromf_tui.data.glance",
            "neuromf_tui.plotting.glance",
        ]
    )
    assert "numpy" not in loaded and "pandas" not in loaded
