"""What the app remembers between sessions, in the user's config directory only.

Never in the run folders: the app is read-only there. One JSON file holds a small record per
results root (selected run and metric, pins) plus global preferences (theme, bell).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_ENV = "NEUROMF_TUI_STATE"
"""Overrides the state file path (tests point it at a temporary folder)."""
MAX_ROOTS = 50


def state_path() -> Path:
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "neuromf-tui" / "state.json"


@dataclass(slots=True)
class RootState:
    run: str | None = None
    metric: str | None = None
    pins: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)


@dataclass(slots=True)
class UIState:
    theme: str = "textual-dark"
    bell: bool = False
    roots: dict[str, RootState] = field(default_factory=dict)

    def for_root(self, root: Path) -> RootState:
        key = str(root.expanduser().resolve())
        if key not in self.roots:
            self.roots[key] = RootState()
        return self.roots[key]


def load_state(path: Path | None = None) -> UIState:
    """The saved state, or defaults when the file is missing or unreadable (never raises)."""
    path = path or state_path()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UIState()
    if not isinstance(data, dict):
        return UIState()
    state = UIState(
        theme=str(data.get("theme", "textual-dark")),
        bell=bool(data.get("bell", False)),
    )
    roots = data.get("roots", {})
    if isinstance(roots, dict):
        for key, value in list(roots.items())[-MAX_ROOTS:]:
            if not isinstance(value, dict):
                continue
            state.roots[str(key)] = RootState(
                run=value.get("run") if isinstance(value.get("run"), str) else None,
                metric=value.get("metric") if isinstance(value.get("metric"), str) else None,
                pins=[p for p in value.get("pins", []) if isinstance(p, str)],
                marked=[m for m in value.get("marked", []) if isinstance(m, str)],
            )
    return state


def save_state(state: UIState, path: Path | None = None) -> str | None:
    """Write the state atomically; returns an error message instead of raising."""
    path = path or state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        return f"could not save UI state to {path}: {exc.strerror or exc}"
    return None
