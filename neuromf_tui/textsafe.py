"""Make untrusted text (run folder names, metric keys, string values) safe to print.

Run folders and metric keys come from other people's code and file systems; an ANSI escape
or a carriage return in them must not repaint the user's terminal.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, DEL, and the bidirectional overrides and isolates, which make a
terminal show the following text reversed or reordered ("Trojan Source" names)."""
_BREAKS = str.maketrans({"\t": " ", "\n": " ", "\u2028": " ", "\u2029": " "})


def printable(text: str) -> str:
    """``text`` with control characters removed (tabs and line breaks become spaces).

    Removing ESC defuses an ANSI sequence while leaving the rest of it visible, so a folder
    named with one can still be recognised.
    """
    return _CONTROL.sub("", text.translate(_BREAKS))
