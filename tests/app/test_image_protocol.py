"""Picking the picture protocol without asking the terminal, and drawing in half-blocks."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest
from PIL import Image

from neuromf_tui.app.widgets.halfblock import UPPER_HALF, fit_pixels, halfblock_lines
from neuromf_tui.app.widgets.image_protocol import (
    IMAGES_ENV,
    detect_protocol,
    override_error,
)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230805"}, "sixel"),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "210804"}, "halfblock"),
        ({"TERM": "xterm-256color"}, "halfblock"),
        ({}, "halfblock"),
        # tmux inside kitty: the variable leaks in, the graphics do not get through
        ({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "3", "TMUX": "/tmp/t,1,0"}, "halfblock"),
        ({"TERM": "screen-256color", "TERM_PROGRAM": "WezTerm"}, "halfblock"),
        ({"TERM": "xterm-256color", IMAGES_ENV: "Sixel"}, "sixel"),
        ({"TERM": "xterm-kitty", IMAGES_ENV: "halfblock"}, "halfblock"),
        ({"TERM": "xterm-kitty", IMAGES_ENV: "png"}, "kitty"),
    ],
)
def test_protocol_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert detect_protocol(environ) == expected


def test_headless_apps_get_half_blocks_unless_overridden() -> None:
    assert detect_protocol({"TERM": "xterm-kitty"}, headless=True) == "halfblock"
    assert detect_protocol({IMAGES_ENV: "kitty"}, headless=True) == "kitty"
    assert override_error({IMAGES_ENV: "png"}) is not None
    assert override_error({IMAGES_ENV: "kitty"}) is None and override_error({}) is None


def _run_on_a_terminal(code: str) -> bytes:
    """Run ``code`` in a child whose stdin and stdout are a pseudo-terminal; what it wrote."""
    master, slave = pty.openpty()
    # 96x24 cells of 12x22 pixels: a cell size no default would give
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 96, 96 * 12, 24 * 22))
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=subprocess.PIPE
    )
    os.close(slave)
    output = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif child.poll() is not None:
            break
    child.wait(timeout=30)
    os.close(master)
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    return output


def test_loading_textual_image_sends_nothing_to_the_terminal() -> None:
    """textual-image alone queries the terminal when imported; through the loader it does not,
    and it still learns the cell size (from the window size the kernel reports)."""
    code = (
        "from neuromf_tui.app.widgets.image_protocol import load_graphics_widget\n"
        "kitty, sixel = load_graphics_widget('kitty'), load_graphics_widget('sixel')\n"
        "from textual.widget import Widget\n"
        "from textual_image._terminal import get_cell_size\n"
        "widgets = issubclass(kitty, Widget) and issubclass(sixel, Widget) and kitty is not sixel\n"
        "print('LOADED', widgets, tuple(get_cell_size()))\n"
    )
    output = _run_on_a_terminal(code)
    assert output.strip() == b"LOADED True (12, 22)"
    assert b"\x1b" not in output


def test_fit_keeps_the_aspect_ratio_two_pixels_per_cell() -> None:
    assert fit_pixels(99, 74, 60, 16) == (43, 32)  # limited by the height
    assert fit_pixels(100, 10, 40, 16) == (40, 4)  # limited by the width
    assert fit_pixels(4, 4, 80, 24) == (48, 48)  # small images are enlarged
    assert fit_pixels(10, 10, 0, 5) == (0, 0)


def test_half_blocks_put_the_upper_pixel_in_front_and_the_lower_behind() -> None:
    image = Image.new("RGB", (2, 3))
    colours = {(0, 0): (255, 0, 0), (0, 1): (0, 255, 0), (1, 0): (0, 0, 255), (1, 1): (9, 9, 9)}
    for xy, colour in colours.items():
        image.putpixel(xy, colour)
    image.putpixel((0, 2), (1, 2, 3))
    image.putpixel((1, 2), (1, 2, 3))
    lines = halfblock_lines(image, 2, 2)  # 2x3 pixels fit 2 cells x 2 rows at scale 1
    assert len(lines) == 2
    first = [(s.text, s.style.color.triplet, s.style.bgcolor.triplet) for s in lines[0]]
    assert first == [
        (UPPER_HALF, (255, 0, 0), (0, 255, 0)),
        (UPPER_HALF, (0, 0, 255), (9, 9, 9)),
    ]
    (last,) = lines[1]  # an odd pixel row: one merged run, no background colour
    assert last.text == UPPER_HALF * 2 and last.style.bgcolor is None
    assert last.style.color.triplet == (1, 2, 3)
    centred = halfblock_lines(image, 10, 2)  # fits as 3x4 pixels: 7 columns to spare
    assert centred[0][0].text == "   "
    assert sum(len(s.text) for s in centred[0]) == 3 + 3
