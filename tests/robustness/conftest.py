"""Hypothesis profiles for the robustness suite.

CI runs every property with the moderate budget written next to it. ``--hypothesis-profile=soak``
(or ``NEUROMF_TUI_SOAK=1``) multiplies every budget by ``SOAK_FACTOR`` for a long local run::

    .venv/bin/python -m pytest tests/robustness --hypothesis-profile=soak
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "soak",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
