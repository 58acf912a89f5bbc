"""Read a run's training configuration from the YAML files Lightning and NeuroMF leave.

Only flat ``key: value`` facts are needed (``max_epochs``, ``norm_eps``, ``data_proportion``,
``prediction_type``...), so a small line reader stands in for a YAML library: nested keys are
reported by their leaf name, the latest file wins, and anything unreadable is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from neuromf_tui.data.values import text_to_float

CONFIG_GLOBS = (
    "hparams.yaml",
    "logs/*/version_*/hparams.yaml",
    "logs/*/*/version_*/hparams.yaml",
    "logs/config_snapshots/*/resolved_config.yaml",
)
_LINE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.\-]*)\s*:\s*(.*?)\s*(?:#.*)?$")
MAX_CONFIG_BYTES = 1 << 20

Scalar = float | bool | str


@dataclass(slots=True)
class RunConfig:
    """Leaf settings found in a run's config files, with where each came from."""

    values: dict[str, Scalar] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    def number(self, key: str) -> float | None:
        value = self.values.get(key)
        return value if isinstance(value, float) else None

    @property
    def planned_epochs(self) -> int | None:
        """``max_epochs`` when the run's config states it."""
        value = self.number("max_epochs")
        return int(value) if value is not None and 0 < value < 1e9 else None


def parse_scalar(text: str) -> Scalar | None:
    """A YAML scalar as float, bool or str; None for an empty value (a nested block opens)."""
    text = text.strip()
    if not text or text in ("|", ">"):
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
        number = None
    else:
        number = text_to_float(text)
    if number is not None:
        return number
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return text


def parse_yaml_leaves(text: str) -> dict[str, Scalar]:
    """Every ``key: scalar`` line of a YAML text, keyed by the leaf name (first one wins)."""
    found: dict[str, Scalar] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        value = parse_scalar(match.group(2))
        if value is not None:
            found.setdefault(match.group(1), value)
    return found


def read_run_config(folder: Path) -> RunConfig:
    """Merge the run's config files, the most recently written one taking precedence."""
    paths: list[Path] = []
    for pattern in CONFIG_GLOBS:
        try:
            paths.extend(path for path in folder.glob(pattern) if path.is_file())
        except OSError:
            continue
    config = RunConfig()

    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    for path in sorted(paths, key=mtime):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(MAX_CONFIG_BYTES)
        except OSError:
            continue
        for key, value in parse_yaml_leaves(text).items():
            config.values[key] = value
            config.sources[key] = path
    return config
