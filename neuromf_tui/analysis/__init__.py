"""Diagnostics: pure functions over a run's columns that return quantified findings.

Nothing here imports Textual or Rich; the app, ``report``, ``check`` and ``watch`` all call
the same engine.
"""
