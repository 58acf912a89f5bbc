"""Settings the rules judge against: training facts (from the spec, the run, or the user)
and per-rule thresholds.

Precedence, lowest first: the spec's defaults, the run's own ``hparams.yaml`` /
``resolved_config.yaml``, then the user's TOML file (``--config`` or ``neuromf-tui.toml`` in
the results root). Every value remembers where it came from so reports can show it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from neuromf_tui.data.runconfig import RunConfig

CONFIG_FILE_NAME = "neuromf-tui.toml"

SPEC_DEFAULTS: dict[str, float] = {
    "gradient_clip_norm": 1.0,
    "data_proportion": 0.75,
    "norm_eps": 1.0,
    "norm_p": 2.0,
    "logit_normal_mu": -0.4,
    "logit_normal_sigma": 1.0,
    "t_mean": 0.53,
    "t_std": 0.18,
    "h_mean": 0.06,
    "lr": 1e-4,
}
"""Training settings the spec states for the reference NeuroMF config."""

RUN_CONFIG_ALIASES: dict[str, tuple[str, ...]] = {
    "gradient_clip_norm": ("gradient_clip_norm", "gradient_clip_val", "grad_clip"),
    "data_proportion": ("data_proportion",),
    "norm_eps": ("norm_eps", "adaptive_eps"),
    "norm_p": ("norm_p", "p"),
    "logit_normal_mu": ("logit_normal_mu", "t_mu", "time_mu", "P_mean", "mu"),
    "logit_normal_sigma": ("logit_normal_sigma", "t_sigma", "time_sigma", "P_std", "sigma"),
    "lr": ("lr", "learning_rate", "base_lr"),
}
"""Keys a run's YAML may use for each setting (the first one found wins)."""


class ConfigError(ValueError):
    """The user's TOML file cannot be read or has a wrong value; names file and key."""


@dataclass(slots=True)
class Settings:
    """Training facts and rule thresholds in force for one run, with their sources."""

    training: dict[str, float] = field(default_factory=lambda: dict(SPEC_DEFAULTS))
    sources: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(SPEC_DEFAULTS, "spec default")
    )
    rule_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)
    user_file: Path | None = None

    def get(self, key: str) -> float:
        return self.training[key]

    def params(self, rule_id: str, defaults: Mapping[str, float]) -> Mapping[str, float]:
        """A rule's thresholds: its defaults with the user's overrides applied."""
        overrides = self.rule_overrides.get(rule_id)
        if not overrides:
            return MappingProxyType(dict(defaults))
        merged = dict(defaults)
        merged.update({k: v for k, v in overrides.items() if k in defaults})
        return MappingProxyType(merged)

    def for_run(self, run_config: RunConfig) -> Settings:
        """A copy where the run's own YAML fills in settings the user did not pin."""
        out = Settings(
            training=dict(self.training),
            sources=dict(self.sources),
            rule_overrides=self.rule_overrides,
            disabled=self.disabled,
            user_file=self.user_file,
        )
        for key, aliases in RUN_CONFIG_ALIASES.items():
            if out.sources.get(key, "").startswith("user"):
                continue
            for alias in aliases:
                value = run_config.number(alias)
                if value is not None and math.isfinite(value):
                    out.training[key] = value
                    path = run_config.sources.get(alias)
                    out.sources[key] = f"run config ({path.name if path else alias})"
                    break
        return out

    def describe(self) -> list[str]:
        """One line per training setting: value and where it came from."""
        return [
            f"{key} = {self.training[key]:g}  ({self.sources.get(key, '?')})"
            for key in sorted(self.training)
        ]


def load_settings(path: Path | None, root: Path | None = None) -> Settings:
    """Settings from ``path`` (``--config``), else ``neuromf-tui.toml`` in ``root``, else spec.

    Raises ConfigError with the file and key named when the file is unreadable or wrong.
    """
    settings = Settings()
    if path is None and root is not None:
        folder = root if root.is_dir() else root.parent
        candidate = folder / CONFIG_FILE_NAME
        path = candidate if candidate.is_file() else None
    if path is None:
        return settings
    import tomllib  # only when there is a file to read

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    settings.user_file = path
    _apply(settings, data, path)
    return settings


def _apply(settings: Settings, data: Mapping[str, Any], path: Path) -> None:
    training = data.get("training", {})
    if not isinstance(training, dict):
        raise ConfigError(f"{path}: [training] must be a table")
    for key, value in training.items():
        settings.training[key] = _number(value, path, f"training.{key}")
        settings.sources[key] = f"user ({path.name})"
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{path}: [rules] must be a table")
    for rule_id, table in rules.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [rules.{rule_id}] must be a table")
        overrides: dict[str, float] = {}
        for key, value in table.items():
            if key == "enabled":
                if value is False:
                    settings.disabled.add(rule_id)
                continue
            overrides[key] = _number(value, path, f"rules.{rule_id}.{key}")
        settings.rule_overrides[rule_id] = overrides


def _number(value: Any, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{path}: {key} must be a number, got {value!r}")
    return float(value)
