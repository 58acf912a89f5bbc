"""Pictures drawn with Unicode half-blocks: each cell is '▀', two pixels stacked.

The upper pixel is the foreground colour, the lower one the background, so a cell (about
twice as tall as wide) shows two square pixels. Needs only true colour, so it works in any
modern terminal, inside tmux and in screenshots. The picture is scaled to fit the widget with
its aspect ratio kept (nearest-neighbour when enlarging, so latent pixels stay crisp; area
averaging when shrinking) and centred horizontally; the drawn lines are cached per size.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from PIL.Image import Image

UPPER_HALF = "▀"


def fit_pixels(width: int, height: int, columns: int, rows: int) -> tuple[int, int]:
    """The largest (width, height) in pixels with the image's aspect that fits the cells.

    A cell holds one pixel across and two down. (0, 0) when nothing fits.
    """
    if width <= 0 or height <= 0 or columns <= 0 or rows <= 0:
        return 0, 0
    scale = min(columns / width, 2 * rows / height)
    fitted_w = min(columns, max(1, round(width * scale)))
    fitted_h = min(2 * rows, max(1, round(height * scale)))
    return fitted_w, fitted_h


def halfblock_lines(image: Image, columns: int, rows: int) -> list[list[Segment]]:
    """Segments of ``image`` scaled into ``columns`` x ``rows`` cells (lines may be shorter)."""
    from PIL import Image as PILImage

    width, height = fit_pixels(image.width, image.height, columns, rows)
    if not width or not height:
        return []
    enlarge = width >= image.width and height >= image.height
    resample = PILImage.Resampling.NEAREST if enlarge else PILImage.Resampling.BOX
    pixels = np.asarray(image.convert("RGB").resize((width, height), resample)).tolist()
    pad = Segment(" " * ((columns - width) // 2)) if columns > width else None
    styles: dict[tuple[int, ...], Style] = {}
    lines = []
    for top in range(0, height, 2):
        upper = pixels[top]
        lower = pixels[top + 1] if top + 1 < height else None
        keys = [tuple(u + v) for u, v in zip(upper, lower, strict=True)] if lower else upper
        line = [pad] if pad is not None else []
        start = 0
        for x in range(1, width + 1):
            if x == width or keys[x] != keys[start]:
                key = tuple(keys[start])
                line.append(Segment(UPPER_HALF * (x - start), _style(styles, key)))
                start = x
        lines.append(line)
    return lines


def _style(cache: dict[tuple[int, ...], Style], key: tuple[int, ...]) -> Style:
    """The style of one cell colour pair; colours are cached too (rich's are slow to make)."""
    style = cache.get(key)
    if style is None:
        upper = _colour(cache, key[:3])
        lower = _colour(cache, key[3:]) if len(key) == 6 else None
        style = cache[key] = Style.from_color(upper, lower)
    return style


def _colour(cache: dict[tuple[int, ...], Style], rgb: tuple[int, ...]) -> Color:
    style = cache.get(rgb)
    if style is None:
        style = cache[rgb] = Style.from_color(Color.from_rgb(*rgb))
    return style.color  # type: ignore[return-value]


class HalfBlockImage(Widget):
    """Shows a PIL image in half-blocks, fitted to the widget; ``image = None`` clears it.

    The cells are computed in a thread (a large colourful picture takes tens of ms); until
    they arrive the previous picture stays on screen, so stepping through images never
    flashes an empty frame.
    """

    DEFAULT_CSS = """
    HalfBlockImage {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._image: Image | None = None
        self._wanted: tuple[int, Size] | None = None
        self._drawn_for: tuple[int, Size] | None = None
        self._lines: list[Strip] = []

    @property
    def image(self) -> Image | None:
        return self._image

    @image.setter
    def image(self, image: Image | None) -> None:
        self._image = image
        self._request()

    @property
    def drawn(self) -> bool:
        """True once the cells on screen are those of the current image at the current size."""
        return self._drawn_for == (id(self._image), self.size)

    @property
    def drawn_size(self) -> tuple[int, int]:
        """Cells (columns, rows) the picture on screen covers."""
        return max((s.cell_length for s in self._lines), default=0), len(self._lines)

    def on_resize(self) -> None:
        self._request()

    def render_line(self, y: int) -> Strip:
        width, base = self.size.width, self.rich_style
        if y < len(self._lines):
            # The base style fills the padding and an odd last pixel row's missing half.
            return self._lines[y].extend_cell_length(width).crop(0, width).apply_style(base)
        return Strip.blank(width, base)

    def _request(self) -> None:
        size = self.size
        key = (id(self._image), size)
        if key in (self._drawn_for, self._wanted):
            return
        self._wanted = key
        if self._image is None or not size.area:
            self._show(key, [])
        else:
            self._draw(self._image, size, key)

    @work(thread=True, exclusive=True, group="halfblock")
    def _draw(self, image: Image, size: Size, key: tuple[int, Size]) -> None:
        lines = [Strip(line) for line in halfblock_lines(image, size.width, size.height)]
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._show, key, lines)

    def _show(self, key: tuple[int, Size], lines: list[Strip]) -> None:
        if key != self._wanted:
            return  # a newer image or size was asked for meanwhile
        self._lines, self._drawn_for = lines, key
        self.refresh()
