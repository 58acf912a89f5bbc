"""Minimal ANSI styling for terminal output: colour only when writing to a terminal."""

from __future__ import annotations

import os
from typing import TextIO

CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "yellow": "33",
    "green": "32",
    "cyan": "36",
    "critical": "1;31",
    "warning": "1;33",
    "info": "36",
    "ok": "1;32",
}


class Style:
    """Wraps text in ANSI codes when enabled; NO_COLOR and non-TTYs turn it off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        isatty = getattr(stream, "isatty", lambda: False)()
        return cls(bool(isatty) and "NO_COLOR" not in os.environ)

    def __call__(self, text: str, style: str) -> str:
        code = CODES.get(style)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"
