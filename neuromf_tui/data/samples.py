"""Sample images a run wrote beside its diagnostics: where they are, and their pixels.

Training writes ``RUN/samples/epoch_NNNN/latent_channels.png`` at every sample epoch (runs
before v3: ``samples_grid.png`` in the same folder), and ``decode_samples.py`` writes
post-training VAE decodes somewhere under ``RUN/samples/decoded/``. Folder names are matched
loosely (``epoch_0024``, ``epoch_24``, ``Epoch-24``), so a renamed or hand-copied folder is
still found. Everything here only reads: listing never raises (a folder that cannot be read
becomes a problem string) and reading an image raises one ``SampleImageError`` that names
the file. Pillow is imported only when pixels are read.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

SAMPLES_DIR = "samples"
DECODED_DIR = "decoded"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
PREFERRED_NAMES = ("latent_channels", "samples_grid")
"""Within one epoch folder these come first, in this order; other images follow by name."""
EPOCH_DIR = re.compile(r"^epoch[_-]?(\d{1,7})(?!\d)", re.IGNORECASE)
EPOCH_IN_NAME = re.compile(r"epoch[_-]?(\d{1,7})(?!\d)", re.IGNORECASE)
MAX_IMAGES = 5000
"""A folder holding more images than this is cut (and says so): listing stays fast."""
DECODED_DEPTH = 3
MAX_SIDE = 1024
"""Read images are scaled down to this many pixels on the long side: a terminal never shows
more, and a big decode would otherwise hold tens of MB per cached image."""
MAX_PIXELS = 64_000_000
"""Images larger than this are refused unread (a corrupt or hostile header)."""


@dataclass(frozen=True, slots=True)
class SampleImage:
    """One image file: its epoch (None when its path names none) and what identifies it."""

    path: Path
    name: str
    """Path relative to the samples folder, with forward slashes (for display)."""
    epoch: int | None
    mtime_ns: int
    size: int


@dataclass(frozen=True, slots=True)
class SampleImages:
    """What ``find_sample_images`` found: epoch images sorted by epoch, decodes apart."""

    folder: Path
    """``RUN/samples`` (it may not exist)."""
    epochs: tuple[SampleImage, ...] = ()
    """Images of training-time sample epochs, by epoch, preferred names first."""
    decoded: tuple[SampleImage, ...] = ()
    """Post-training decodes under ``samples/decoded``, by epoch (unnumbered last), then name."""
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.epochs and not self.decoded

    @property
    def all(self) -> tuple[SampleImage, ...]:
        """Epoch images, then decodes: the order a viewer steps through them."""
        return self.epochs + self.decoded

    def epoch_numbers(self) -> list[int]:
        """Sorted distinct epochs with at least one image."""
        return sorted({i.epoch for i in self.epochs if i.epoch is not None})


def find_sample_images(run_folder: Path, *, limit: int = MAX_IMAGES) -> SampleImages:
    """Every sample image of the run in ``run_folder``; never raises, only reads listings."""
    folder = Path(run_folder) / SAMPLES_DIR
    found = _Found(limit)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return SampleImages(folder)
    except NotADirectoryError:
        return SampleImages(folder, problems=(f"{folder}: not a folder",))
    except OSError as exc:
        return SampleImages(folder, problems=(f"{folder}: cannot list ({_reason(exc)})",))
    for entry in entries:
        if not found.room():
            break
        if _is_dir(entry):
            if entry.name == DECODED_DIR:
                _walk_decoded(Path(entry.path), folder, DECODED_DEPTH, found)
                continue
            match = EPOCH_DIR.match(entry.name)
            if match:
                _list_epoch_dir(Path(entry.path), folder, int(match.group(1)), found)
        elif _is_image(entry.name):
            # A loose image is an epoch image only when its name carries the epoch.
            match = EPOCH_IN_NAME.search(entry.name)
            if match:
                found.add_epoch(_image(entry, folder, int(match.group(1))))
    epochs = sorted(found.epochs, key=_epoch_order)
    decoded = sorted(found.decoded, key=lambda i: (i.epoch is None, i.epoch or 0, i.name))
    return SampleImages(folder, tuple(epochs), tuple(decoded), tuple(found.problems))


class SampleImageError(Exception):
    """An image could not be read; the message names the file and the reason."""


def read_image(path: Path, *, max_side: int = MAX_SIDE) -> Image:
    """The image at ``path`` as RGB pixels, at most ``max_side`` pixels on its long side.

    Transparent pixels are composited onto black; animations give their first frame. A file
    caught mid-write (truncated) or not an image raises ``SampleImageError``.
    """
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise SampleImageError(f"{path}: {width}x{height} pixels is too large to show")
            opened.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced size
            image = opened.convert("RGBA")
    except SampleImageError:
        raise
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as exc:
        raise SampleImageError(f"{path}: cannot read image ({_reason(exc)})") from None
    background = PILImage.new("RGBA", image.size, (0, 0, 0, 255))
    rgb = PILImage.alpha_composite(background, image).convert("RGB")
    if max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), PILImage.Resampling.BOX)
    return rgb


class ImageCache:
    """Read images kept by path, modification time and size: a rewritten file is read again.

    Safe to share between worker threads; holds at most ``capacity`` images.
    """

    def __init__(self, capacity: int = 32) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, int, int], Image] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0
        """Files actually decoded (cache misses), for tests."""

    def get(self, path: Path) -> Image:
        """The image at ``path``, from the cache while the file is unchanged."""
        try:
            stat = os.stat(path)
        except OSError as exc:
            raise SampleImageError(f"{path}: cannot read image ({_reason(exc)})") from None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        image = read_image(path)
        with self._lock:
            self.reads += 1
            self._items[key] = image
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return image


# --- internals ---------------------------------------------------------------------------


class _Found:
    """What a listing collected so far, with the cap on how many images it keeps."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.epochs: list[SampleImage] = []
        self.decoded: list[SampleImage] = []
        self.problems: list[str] = []

    def room(self) -> bool:
        """True while another image may be kept; records the cut once when not."""
        if len(self.epochs) + len(self.decoded) < self.limit:
            return True
        message = f"more than {self.limit} images: only the first {self.limit} are listed"
        if message not in self.problems:
            self.problems.append(message)
        return False

    def add_epoch(self, image: SampleImage | None) -> None:
        if image is not None and self.room():
            self.epochs.append(image)

    def add_decoded(self, image: SampleImage | None) -> None:
        if image is not None and self.room():
            self.decoded.append(image)


def _listing(path: Path, found: _Found) -> list[os.DirEntry[str]]:
    """A folder's entries by name; one that cannot be listed is noted and yields none."""
    try:
        return sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        found.problems.append(f"{path}: cannot list ({_reason(exc)})")
        return []


def _list_epoch_dir(path: Path, samples: Path, epoch: int, found: _Found) -> None:
    for entry in _listing(path, found):
        if _is_image(entry.name) and not _is_dir(entry):
            found.add_epoch(_image(entry, samples, epoch))


def _walk_decoded(path: Path, samples: Path, depth: int, found: _Found) -> None:
    for entry in _listing(path, found):
        if not found.room():
            return
        if _is_dir(entry):
            if depth > 1:
                _walk_decoded(Path(entry.path), samples, depth - 1, found)
        elif _is_image(entry.name):
            relative = Path(entry.path).relative_to(samples).as_posix()
            match = EPOCH_IN_NAME.search(relative)
            found.add_decoded(_image(entry, samples, int(match.group(1)) if match else None))


def _image(entry: os.DirEntry[str], samples: Path, epoch: int | None) -> SampleImage | None:
    """A SampleImage for ``entry``, or None when it vanished or is not a regular file."""
    try:
        stat = entry.stat()
    except OSError:
        return None
    if not entry.is_file():
        return None
    path = Path(entry.path)
    return SampleImage(
        path=path,
        name=path.relative_to(samples).as_posix(),
        epoch=epoch,
        mtime_ns=stat.st_mtime_ns,
        size=stat.st_size,
    )


def _epoch_order(image: SampleImage) -> tuple[int, int, str]:
    stem = image.path.stem.lower()
    rank = PREFERRED_NAMES.index(stem) if stem in PREFERRED_NAMES else len(PREFERRED_NAMES)
    return (image.epoch or 0, rank, image.name)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_image(name: str) -> bool:
    return not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
