"""What the analysis commands share: finding runs and settings, and failing cleanly."""

from __future__ import annotations

import argparse
from pathlib import Path

from neuromf_tui.analysis.config import ConfigError, Settings, load_settings
from neuromf_tui.data.discover import DiscoveryError, RunRef, discover_runs


class InputError(Exception):
    """Unreadable input or a usage problem: print the message, exit 2."""


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=None,
        help="TOML file with [training] settings and [rules.<id>] thresholds "
        "(default: neuromf-tui.toml in PATH, if present)",
    )


def add_path_argument(parser: argparse.ArgumentParser) -> None:
    """The optional PATH of the commands that open the app (open, serve)."""
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        help="results root, run folder or training_summary.json (default: current folder)",
    )


def add_poll_option(parser: argparse.ArgumentParser) -> None:
    """``--poll SECONDS`` for the commands that follow files (the app, serve)."""
    parser.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        default=None,
        help="poll files every SECONDS instead of native file watching (use on NFS/Lustre/GPFS)",
    )


def find_runs(path: Path) -> tuple[list[RunRef], bool]:
    """The runs under ``path`` and whether ``path`` named a single run (not a results root)."""
    try:
        refs = discover_runs(path)
    except DiscoveryError as exc:
        raise InputError(str(exc)) from exc
    if not refs:
        raise InputError(f"{path}: no NeuroMF runs found (looked for diagnostics/ folders)")
    resolved = path.expanduser().resolve()
    single = len(refs) == 1 and (
        resolved.is_file() or resolved in (refs[0].folder, refs[0].folder / "diagnostics")
    )
    return refs, single


def settings_for(path: Path, config: Path | None) -> Settings:
    try:
        return load_settings(config, path.expanduser())
    except ConfigError as exc:
        raise InputError(str(exc)) from exc
