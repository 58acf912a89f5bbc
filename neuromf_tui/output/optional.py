"""Optional packages behind some exports: a clear "install this extra" instead of a traceback.

PNG figures need matplotlib, Parquet tables pyarrow and browser mode textual-serve; the core
install stays small, and each feature names the pip extra that brings what it lacks.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS: dict[str, tuple[str, str]] = {
    "matplotlib": ("png", "PNG export"),
    "pyarrow": ("parquet", "Parquet export"),
    "textual_serve": ("serve", "browser mode (serve)"),
}
"""Importable module -> (pip extra of neuromf-tui, the feature that needs it)."""


class MissingExtra(Exception):
    """An optional package is not installed; the message says how to install it."""


def require(module: str) -> ModuleType:
    """Import ``module`` or raise MissingExtra naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra, feature = EXTRAS.get(module, (None, module))
        package = module.replace("_", "-")
        how = (
            f"pip install 'neuromf-tui[{extra}]' (or pip install {package})"
            if extra
            else f"pip install {package}"
        )
        raise MissingExtra(f"{feature} needs {package}, which is not installed: {how}") from exc
