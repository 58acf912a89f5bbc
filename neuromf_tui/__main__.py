"""``python -m neuromf_tui`` runs the same command line as ``neuromf-tui``."""

from __future__ import annotations

from neuromf_tui.cli import main

raise SystemExit(main())
