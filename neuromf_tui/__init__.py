"""neuromf-tui: watch and diagnose NeuroMF training runs from a terminal."""

from __future__ import annotations

__version__ = "0.1.0"
