"""The samples view: a run's sample images epoch by epoch, beside that epoch's sample stats.

Researchers judge a generative model by its samples as much as by its curves. The view lists
the epochs that have images (``samples/epoch_NNNN/…``, then post-training decodes), shows the
selected one in the best picture protocol the terminal supports (``image_protocol``), the
``generated_samples`` statistics logged at the same epoch, and below them the sample
statistics across every sample epoch with the selected one marked. ``←``/``→`` (or ``[``/``]``,
``j``/``k``) step through the epochs. Folders are listed and images decoded in threads, never
on the UI thread; decoded images are cached by path, modification time and size.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from neuromf_tui.app.widgets.chart_grid import ChartGrid
from neuromf_tui.app.widgets.halfblock import HalfBlockImage
from neuromf_tui.app.widgets.image_protocol import (
    NAMES,
    Protocol,
    detect_protocol,
    load_graphics_widget,
    override_error,
)
from neuromf_tui.data.samples import ImageCache, SampleImage, SampleImageError, SampleImages
from neuromf_tui.plotting.samples import (
    EMPTY_TEXT,
    PREFIX,
    EpochSampleStats,
    epoch_sample_stats,
    sample_epochs,
    sample_specs,
)
from neuromf_tui.plotting.sparkline import format_value
from neuromf_tui.snapshot import RunSnapshot
from neuromf_tui.textsafe import printable

if TYPE_CHECKING:
    from PIL.Image import Image

CACHE = ImageCache()
"""Decoded images, shared by every samples view of the process."""
GRAPHICS_MIN_SIDE = 512
"""Small images are enlarged (nearest-neighbour) to this many pixels before a graphics
protocol scales them, so latent pixels stay sharp instead of being smoothed by the terminal."""
SHORT_HEIGHT = 20
"""Below this many rows the statistics charts are hidden: the picture needs the room."""
NARROW_WIDTH = 64
"""Below this many columns the epoch list is hidden (the title says which epoch is shown)."""


class SampleCharts(ChartGrid):
    """The sample-statistics panels: four side by side when there is room, else two by two."""

    DEFAULT_CSS = """
    SampleCharts { grid-size: 4; }
    SampleCharts.-narrow { grid-size: 2; }
    """
    WIDE = 96

    @property
    def columns(self) -> int:
        return 2 if self.has_class("-narrow") else 4

    def on_resize(self, event: Resize) -> None:
        event.prevent_default()  # ChartGrid's own threshold is for two columns
        self.set_class(event.size.width < self.WIDE, "-narrow")
        self._fit_rows()


class SamplesView(Widget, can_focus=True):
    """Sample images of one run with their epoch's statistics; ``show(snapshot)`` to fill it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,j,right_square_bracket", "step(1)", "Later sample", key_display="→"),
        Binding("left,k,left_square_bracket", "step(-1)", "Earlier sample", key_display="←"),
        Binding("home", "step_to('first')", "First sample", show=False),
        Binding("end", "step_to('last')", "Last sample", show=False),
    ]

    DEFAULT_CSS = """
    SamplesView {
        layout: vertical;
        height: 1fr;
        & > #samples-title { height: 1; padding: 0 1; text-style: bold; }
        & > #samples-top { height: 1fr; min-height: 4; }
        & #samples-list {
            width: 15; height: 1fr; border: none; padding: 0; background: transparent;
            scrollbar-size-vertical: 1;
        }
        & #samples-picture { width: 1fr; height: 1fr; }
        & #samples-message { height: auto; padding: 0 1; color: $text-muted; display: none; }
        & #samples-message.-shown { display: block; }
        & #samples-message.-error { color: $text-error; }
        & #samples-graphics { width: auto; height: auto; max-height: 100%; }
        & #samples-stats { width: 21; height: 1fr; padding: 0 1; }
        & > #samples-charts { height: 14; }
        &.-short > #samples-charts { display: none; }
        &.-narrow #samples-list { display: none; }
        &.-empty #samples-list, &.-empty #samples-stats { display: none; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: RunSnapshot | None = None
        self.found: SampleImages | None = None
        self.index: int | None = None
        self.protocol: Protocol = "halfblock"
        self.problem: str | None = None
        """Why the picture is missing: no images, a listing problem, an unreadable file."""
        self._scan_key: tuple[object, ...] | None = None
        self._charts_key: tuple[object, ...] | None = None
        self._graphics: type[Widget] | None = None
        self.note: str | None = None
        """Why the pictures are not drawn as detected (a bad override, a failed import)."""
        self.shown_path: Path | None = None
        """The image on screen (set once decoded), for tests."""

    def compose(self) -> ComposeResult:
        yield Static("", id="samples-title", markup=False)
        with Horizontal(id="samples-top"):
            yield OptionList(id="samples-list")
            with Vertical(id="samples-picture"):
                yield Static("", id="samples-message", markup=False)
                yield HalfBlockImage(id="samples-image")
            yield Static("", id="samples-stats", markup=False)
        yield SampleCharts(empty_text=EMPTY_TEXT, id="samples-charts")

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = False  # the view takes the keys, the list clicks
        app = self.app
        self.protocol = detect_protocol(os.environ, headless=app.is_headless or app.is_web)
        self.note = override_error(os.environ)
        self._refresh()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    # --- public API ----------------------------------------------------------------------
    @property
    def images(self) -> tuple[SampleImage, ...]:
        """Every listed image in stepping order (epoch images by epoch, then decodes)."""
        return self.found.all if self.found is not None else ()

    @property
    def selected(self) -> SampleImage | None:
        images = self.images
        return images[self.index] if self.index is not None and self.index < len(images) else None

    @property
    def stats(self) -> EpochSampleStats | None:
        """The statistics shown beside the picture (None when nothing is logged for it)."""
        snapshot, image = self.snapshot, self.selected
        if snapshot is None or image is None or image.epoch is None:
            return None
        return _stats_near(snapshot, image.epoch)

    @property
    def settled(self) -> bool:
        """The selected image is on screen, or there is none, or it failed to read."""
        image = self.selected
        if self.found is None:
            return False
        if image is None or self.problem is not None:
            return True
        halfblock = self.query_one(HalfBlockImage)
        return self.shown_path == image.path and (not halfblock.display or halfblock.drawn)

    def show(self, snapshot: RunSnapshot) -> None:
        """Show ``snapshot``'s run; its samples folder is listed again when the run changed."""
        previous = self.snapshot
        self.snapshot = snapshot
        if previous is None or previous.folder != snapshot.folder:
            self.found, self.index, self.problem, self.shown_path = None, None, None, None
            self.query_one(HalfBlockImage).image = None
        key = (snapshot.folder, snapshot.version, snapshot.last_write)
        if key != self._scan_key:
            self._scan_key = key
            self._scan(snapshot.folder)
        self._refresh()

    def action_step(self, delta: int) -> None:
        images = self.images
        if not images:
            return
        index = 0 if self.index is None else self.index + delta
        self._select(max(0, min(len(images) - 1, index)))

    def action_step_to(self, where: str) -> None:
        if self.images:
            self._select(0 if where == "first" else len(self.images) - 1)

    @on(OptionList.OptionHighlighted, "#samples-list")
    def _clicked(self, event: OptionList.OptionHighlighted) -> None:
        """A click in the list; stale highlights from refilling it are ignored."""
        event.stop()
        if event.option_index == event.option_list.highlighted != self.index:
            self._select(event.option_index)

    # --- listing and decoding (threads) --------------------------------------------------
    @work(thread=True, exclusive=True, group="samples-scan")
    def _scan(self, folder: Path) -> None:
        from neuromf_tui.data.samples import find_sample_images

        found = find_sample_images(folder)
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._listed, folder, found)

    def _listed(self, folder: Path, found: SampleImages) -> None:
        if self.snapshot is None or self.snapshot.folder != folder:
            return  # another run was selected meanwhile
        previous = self.selected
        newest = len(self.found.epochs) - 1 if self.found is not None else -1
        was_newest = self.index is None or self.index == newest
        self.found = found
        images = found.all
        listing = self.query_one(OptionList)
        listing.set_options(Option(_label(image), id=str(i)) for i, image in enumerate(images))
        paths = [image.path for image in images]
        if not images:
            index = None
        elif previous is not None and previous.path in paths and not was_newest:
            index = paths.index(previous.path)
        else:
            index = max(0, len(found.epochs) - 1)  # the newest epoch: what training made last
        self._select(index, reload=index is not None and images[index] != previous)

    @work(thread=True, exclusive=True, group="samples-decode")
    def _decode(self, image: SampleImage) -> None:
        try:
            picture: Image | None = CACHE.get(image.path)
            error = None
        except SampleImageError as exc:
            picture, error = None, str(exc)
        graphics, note = self._graphics, None
        if picture is not None and self.protocol != "halfblock":
            if graphics is None:
                try:
                    graphics = load_graphics_widget(self.protocol)
                except Exception as exc:  # a missing or changed textual-image: fall back
                    note = f"{NAMES[self.protocol]} unavailable: {exc}"
            if graphics is not None:
                picture = _enlarged(picture)
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._decoded, image, picture, error, graphics, note)

    def _decoded(
        self,
        image: SampleImage,
        picture: Image | None,
        error: str | None,
        graphics: type[Widget] | None,
        note: str | None,
    ) -> None:
        if note is not None:
            self.note, self.protocol = note, "halfblock"
        self._graphics = graphics
        selected = self.selected
        if selected is None or selected.path != image.path:
            return
        self.problem = error
        halfblock = self.query_one(HalfBlockImage)
        if graphics is not None and picture is not None and self.protocol != "halfblock":
            existing = self.query("#samples-graphics")
            if existing:
                existing.first().image = picture  # type: ignore[attr-defined]
            else:
                self.query_one("#samples-picture").mount(graphics(picture, id="samples-graphics"))
        else:
            halfblock.image = picture
        self.shown_path = image.path if picture is not None else None
        self._refresh()

    # --- drawing -------------------------------------------------------------------------
    def _select(self, index: int | None, *, reload: bool = True) -> None:
        self.index = index
        listing = self.query_one(OptionList)
        if index is not None and listing.highlighted != index:
            listing.highlighted = index
        image = self.selected
        if image is not None and reload:
            self.problem = None
            self._decode(image)
        self._refresh()

    def _refresh(self) -> None:
        if not self.is_mounted:
            return
        snapshot, image, found = self.snapshot, self.selected, self.found
        self.set_class(found is not None and found.empty, "-empty")
        self.query_one("#samples-title", Static).update(self._title())
        self.query_one("#samples-stats", Static).update(self._stats_text())
        message = self.query_one("#samples-message", Static)
        text = self._message()
        message.update(text or "")
        message.set_class(bool(text), "-shown")
        message.set_class(self.problem is not None and image is not None, "-error")
        showing = image is not None and self.problem is None
        graphics = self.query("#samples-graphics")
        self.query_one(HalfBlockImage).display = showing and not graphics
        if graphics:
            graphics.first().display = showing
        if snapshot is not None:
            self._refresh_charts(snapshot, image.epoch if image is not None else None)

    def _refresh_charts(self, snapshot: RunSnapshot, epoch: int | None) -> None:
        key = (id(snapshot), epoch)
        if key == self._charts_key:
            return
        self._charts_key = key
        cited = (f for f in snapshot.findings if any(m.startswith(PREFIX) for m in f.metrics))
        marks = sorted({f.first_epoch for f in cited})
        specs = sample_specs(snapshot.epochs, snapshot.columns, cursor_epoch=epoch, marks=marks)
        self.query_one(SampleCharts).show(specs)

    def _title(self) -> Text:
        snapshot, image = self.snapshot, self.selected
        if snapshot is None:
            return Text("No run selected.")
        parts = [printable(snapshot.name)]
        if image is not None:
            where = f"epoch {image.epoch}" if image.epoch is not None else "no epoch"
            parts += [f"{where} ({self.index + 1}/{len(self.images)})", printable(image.name)]  # type: ignore[operator]
        elif self.found is None:
            parts.append("listing samples…")
        name = NAMES[self.protocol]
        parts.append(f"{name} ({self.note})" if self.note else name)
        return Text(" · ".join(parts))

    def _message(self) -> str | None:
        snapshot, found = self.snapshot, self.found
        if snapshot is None or found is None:
            return None
        if found.empty:
            lines = [f"no sample images in {printable(snapshot.name)}/samples"]
            lines += [printable(p) for p in found.problems]
            return "\n".join(lines)
        if self.problem is not None:
            return printable(self.problem)
        return None

    def _stats_text(self) -> Text:
        snapshot, image = self.snapshot, self.selected
        if snapshot is None or image is None:
            return Text("")
        if image.epoch is None:
            return Text("no epoch in this\nimage's path", style="dim")
        stats = self.stats
        if stats is None:
            return Text(f"no sample statistics\nlogged at epoch {image.epoch}", style="dim")
        return stats_text(stats, image.epoch)


def stats_text(stats: EpochSampleStats, epoch: int) -> Text:
    """The readout: 1-NFE mean and std per channel, then mse and cosine per NFE pair."""
    text = Text()
    title = f"epoch {stats.epoch}" + (f" (image {epoch})" if stats.epoch != epoch else "")
    text.append(title + "\n", style="bold")
    if stats.means or stats.stds:
        text.append(f"{'1-NFE':<5}{'mean':>7} {'std':>6}\n", style="dim")
        for channel in range(max(len(stats.means), len(stats.stds))):
            mean = stats.means[channel] if channel < len(stats.means) else math.nan
            std = stats.stds[channel] if channel < len(stats.stds) else math.nan
            text.append(f"{'ch' + str(channel):<5}{_signed(mean):>7} {format_value(std):>6}\n")
        text.append(f"{'want':<5}{'≈0':>7} {'≈1':>6}\n", style="dim")
    if stats.consistency:
        text.append(f"{'NFE':<5}{'mse':>7} {'cos':>6}\n", style="dim")
        for label, mse, cosine in stats.consistency:
            short = label.replace(" vs ", "v")
            text.append(f"{short:<5}{format_value(mse):>7} {format_value(cosine):>6}\n")
    return text


def _signed(value: float) -> str:
    if not math.isfinite(value):
        return format_value(value)
    return f"{value:+.3f}" if abs(value) < 100 else format_value(value)


def _stats_near(snapshot: RunSnapshot, epoch: int) -> EpochSampleStats | None:
    """Statistics at ``epoch``, else at a sample epoch one off (folder names may be 1-based)."""
    stats = epoch_sample_stats(snapshot.row(epoch), epoch)
    if not stats.empty:
        return stats
    logged = sample_epochs(snapshot.epochs, snapshot.columns)
    for near in (epoch - 1, epoch + 1):
        if near in logged:
            stats = epoch_sample_stats(snapshot.row(near), near)
            if not stats.empty:
                return stats
    return None


def _label(image: SampleImage) -> Text:
    stem = printable(Path(image.name).stem)
    if image.name.startswith("decoded/"):
        return Text(f"decoded {stem}" if image.epoch is None else f"dec {image.epoch} {stem}")
    if stem.lower() in ("latent_channels", "samples_grid"):
        return Text(f"epoch {image.epoch}")
    return Text(f"epoch {image.epoch} {stem}")


def _enlarged(picture: Image) -> Image:
    """``picture`` scaled up by a whole factor (nearest) until its long side is 512+ px."""
    from PIL import Image as PILImage

    side = max(picture.size)
    factor = math.ceil(GRAPHICS_MIN_SIDE / side) if side else 1
    if factor <= 1:
        return picture
    size = (picture.width * factor, picture.height * factor)
    return picture.resize(size, PILImage.Resampling.NEAREST)
