"""How this terminal can show pictures: Kitty graphics, Sixel, or Unicode half-blocks.

textual-image draws Kitty (TGP) and Sixel images inside Textual, but it picks the protocol by
writing escape sequences to the terminal and reading the answer from stdin when it is first
imported. Inside a running Textual app those reads race the app's own input thread (the
answer can arrive as key presses, or a key press can be eaten), and every unanswered query
costs a 0.1 s timeout. So the protocol is chosen here from the environment alone, and
textual-image is imported with its queries switched off (``load_graphics_widget``).

Half-blocks ('▀' with a foreground and a background colour: two pixels per cell) work in every
terminal with true colour, in tmux and over any SSH hop, and are what tests and headless or
browser runs use. ``NEUROMF_TUI_IMAGES=kitty|sixel|halfblock`` overrides the choice, e.g. for
WezTerm over SSH, where the variables that identify the terminal are not forwarded.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from textual.widget import Widget

Protocol = Literal["kitty", "sixel", "halfblock"]
PROTOCOLS: tuple[Protocol, ...] = ("kitty", "sixel", "halfblock")
IMAGES_ENV = "NEUROMF_TUI_IMAGES"
NAMES: dict[str, str] = {"kitty": "Kitty graphics", "sixel": "Sixel", "halfblock": "half-blocks"}
SIXEL_PROGRAMS = frozenset({"wezterm", "iterm.app", "mlterm", "contour", "mintty"})
SIXEL_TERMS = ("foot", "mlterm", "contour", "yaft", "wezterm")
DEFAULT_CELL = (10, 20)
"""Cell size in pixels when the terminal does not report one (textual-image's default)."""

_lock = threading.Lock()


def detect_protocol(environ: Mapping[str, str], *, headless: bool = False) -> Protocol:
    """The best protocol this terminal is known to support, from environment variables only.

    The override wins; then headless and browser apps get half-blocks; so do tmux and screen
    (they pass graphics through only when configured to, and lose them on redraw); then the
    terminals that identify themselves: Kitty, and the Sixel terminals. Anything else gets
    half-blocks, which never fail.
    """
    override = environ.get(IMAGES_ENV, "").strip().lower()
    if override in PROTOCOLS:
        return override  # type: ignore[return-value]
    if headless:
        return "halfblock"
    term = environ.get("TERM", "").lower()
    if environ.get("TMUX") or environ.get("STY") or term.startswith(("screen", "tmux")):
        return "halfblock"
    if term == "xterm-kitty" or environ.get("KITTY_WINDOW_ID"):
        return "kitty"
    program = environ.get("TERM_PROGRAM", "").lower()
    if program in SIXEL_PROGRAMS or term.startswith(SIXEL_TERMS):
        return "sixel"
    if _konsole_with_sixel(environ.get("KONSOLE_VERSION", "")):
        return "sixel"
    return "halfblock"


def override_error(environ: Mapping[str, str]) -> str | None:
    """A message when the override variable is set to something unknown (it is ignored)."""
    value = environ.get(IMAGES_ENV, "").strip()
    if value and value.lower() not in PROTOCOLS:
        return f"{IMAGES_ENV}={value!r} is not one of {', '.join(PROTOCOLS)}; ignored"
    return None


def load_graphics_widget(protocol: Protocol) -> type[Widget]:
    """textual-image's widget class for ``kitty`` or ``sixel``, imported without its queries.

    While its modules load, ``sys.__stdout__`` reads as "not a terminal" (so its import-time
    protocol queries are skipped) and its cell-size cache is filled from the window size the
    kernel reports (an ioctl: no escape sequence, no read). Raises ImportError when
    textual-image is missing and ValueError for ``halfblock``.
    """
    if protocol not in ("kitty", "sixel"):
        raise ValueError(f"no graphics widget for {protocol!r}")
    with _lock:
        real = sys.__stdout__
        cell = cell_size()
        try:
            sys.__stdout__ = io.StringIO()  # isatty() is False
            from textual_image import _terminal

            if not hasattr(_terminal.get_cell_size, "_result"):
                _terminal.get_cell_size._result = _terminal.CellSize(*cell)  # type: ignore[attr-defined]
            from textual_image.widget import SixelImage, TGPImage
        finally:
            sys.__stdout__ = real
    return TGPImage if protocol == "kitty" else SixelImage


def cell_size() -> tuple[int, int]:
    """Pixels per cell (width, height) from the terminal's window size, else a default."""
    width, height = (os.environ.get(f"TEXTUAL_CELL_{k}", "") for k in ("WIDTH", "HEIGHT"))
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        return int(width), int(height)
    try:
        import fcntl
        import termios
    except ImportError:  # Windows
        return DEFAULT_CELL
    for stream in (sys.__stdout__, sys.__stderr__, sys.__stdin__):
        try:
            packed = fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            continue
        rows, columns, x_pixels, y_pixels = struct.unpack("HHHH", packed)
        if rows and columns and x_pixels and y_pixels:
            return max(1, x_pixels // columns), max(1, y_pixels // rows)
    return DEFAULT_CELL


def _konsole_with_sixel(version: str) -> bool:
    """Konsole draws Sixel from 22.04 (KONSOLE_VERSION 220400)."""
    return version.isdigit() and int(version) >= 220400
