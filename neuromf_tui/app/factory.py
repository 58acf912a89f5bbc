"""One way to build the app, shared by the command line, the tests and the screenshots."""

from __future__ import annotations

from pathlib import Path

from neuromf_tui.analysis.config import load_settings
from neuromf_tui.app.app import NeuroMFApp
from neuromf_tui.app.state import UIState, load_state


def create_app(
    path: Path,
    *,
    poll: float | None = None,
    config: Path | None = None,
    state: UIState | None = None,
    watch_files: bool = True,
) -> NeuroMFApp:
    """The app on ``path``; raises ConfigError for a bad settings file (the CLI reports it)."""
    settings = load_settings(config, path.expanduser())
    return NeuroMFApp(
        path,
        poll=poll,
        settings=settings,
        state=state if state is not None else load_state(),
        watch_files=watch_files,
    )
