"""Sample images for simulated runs, drawn from the run's own sample statistics.

Real runs write ``samples/epoch_NNNN/latent_channels.png`` (a 4x3 grid of latent channels, no
VAE) at every sample epoch; runs before v3 wrote ``samples_grid.png`` there instead, and
``decode_samples.py`` adds VAE decodes under ``samples/decoded/`` after training. Here each
grid has one column per latent channel and one row per NFE (1, 5, 10): a fixed brain-like
structure per channel mixed with noise, scaled to the per-channel mean and std that the
epoch's ``generated_samples`` record logs, and sharper where ``nfe_consistency`` says 1-NFE
agrees with 10-step sampling. So a healthy run shows noise turning into structure, and a
collapsed run fades to a flat colour, in step with its charts.

PNG files are encoded here with zlib (palette images, a few KB each) rather than with Pillow:
the simulator stays numpy-only and the bytes never change with a library version.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np

ImageStyle = Literal["none", "latent", "grid"]
IMAGE_STYLES: tuple[ImageStyle, ...] = ("none", "latent", "grid")
FILE_NAMES = {"latent": "latent_channels.png", "grid": "samples_grid.png"}
NFE_ROWS = (1, 5, 10)
CHANNELS = 4
TILE = 24
GAP = 1
VALUE_RANGE = 3.0
"""Latent values from -3 to +3 span the colour map; beyond are clipped."""
DECODED_TILE = 40
GAP_INDEX = 255


def epoch_dir(root: Path, epoch: int) -> Path:
    """``RUN/samples/epoch_NNNN``: sample folders are zero-padded to four digits."""
    return root / "samples" / f"epoch_{epoch:04d}"


def write_epoch_image(
    root: Path, record: dict[str, Any], style: ImageStyle, seed: int
) -> Path | None:
    """Write the image of one epoch record; None when the epoch collected no samples."""
    if style == "none" or not isinstance(record.get("generated_samples"), dict):
        return None
    epoch = int(record["epoch"])
    pixels = sample_grid(record["generated_samples"], seed, epoch)
    palette = viridis() if style == "latent" else grey()
    path = epoch_dir(root, epoch) / FILE_NAMES[style]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_png(pixels, palette))
    return path


def write_decoded(root: Path, record: dict[str, Any], seed: int) -> list[Path]:
    """Post-training decodes of the last sample epoch: three planes, 1-NFE and 10-NFE."""
    samples = record.get("generated_samples")
    if not isinstance(samples, dict):
        return []
    epoch = int(record["epoch"])
    folder = root / "samples" / "decoded" / f"epoch_{epoch:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    weight = _structure(samples)
    paths = []
    for nfe in (1, 10):
        rng = np.random.default_rng([seed, epoch, nfe, zlib.crc32(b"decoded")])
        tiles = []
        for plane in range(3):
            base = _brain(DECODED_TILE, seed * 7 + plane)
            noise = _smooth(rng.standard_normal((DECODED_TILE, DECODED_TILE)))
            w = weight[nfe]
            tiles.append(w * base + np.sqrt(max(0.0, 1 - w * w)) * noise)
        indices = _tile_grid([tiles], DECODED_TILE)
        path = folder / f"nfe_{nfe}.png"
        path.write_bytes(encode_png(indices, grey()))
        paths.append(path)
    return paths


def sample_grid(samples: dict[str, Any], seed: int, epoch: int) -> np.ndarray:
    """Palette indices of the 4-channel x 3-NFE grid for one ``generated_samples`` record."""
    stats = samples.get("stats", {})
    weight = _structure(samples)
    rng = np.random.default_rng([seed, epoch, zlib.crc32(b"sample-images")])
    rows = []
    for nfe in NFE_ROWS:
        entry = stats.get(f"nfe_{nfe}", {})
        means = _floats(entry.get("mean"), 0.0)
        stds = _floats(entry.get("std"), 1.0)
        row = []
        for channel in range(CHANNELS):
            base = _brain(TILE, seed * 31 + channel)
            noise = _smooth(rng.standard_normal((TILE, TILE)))
            w = weight[nfe]
            mixed = w * base + np.sqrt(max(0.0, 1 - w * w)) * noise
            mixed = (mixed - mixed.mean()) / (mixed.std() or 1.0)
            row.append(means[channel] + stds[channel] * mixed)
        rows.append(row)
    return _tile_grid(rows, TILE)


def encode_png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG of ``indices`` (H x W uint8) with ``palette`` (256 x 3 uint8)."""
    height, width = indices.shape
    raw = b"".join(b"\x00" + bytes(row) for row in indices.astype(np.uint8))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette.astype(np.uint8).tobytes())
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def viridis() -> np.ndarray:
    """A 256-entry viridis-like palette (index 255 is the dark grid gap)."""
    anchors = np.array(
        [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float
    )
    return _ramp(anchors)


def grey() -> np.ndarray:
    """A 256-entry grey ramp (index 255 is the dark grid gap)."""
    return _ramp(np.array([[0, 0, 0], [255, 255, 255]], float))


# --- internals ---------------------------------------------------------------------------


def _structure(samples: dict[str, Any]) -> dict[int, float]:
    """How much of each NFE's image is structure rather than noise, from the consistency."""
    consistency = samples.get("nfe_consistency", {})
    mse = _float(consistency.get("mse_1vs10"), 1.0)
    cosine = _float(consistency.get("cosine_1vs10"), 0.0)
    w10 = float(np.clip(1.0 - mse, 0.15, 0.97))
    w1 = float(np.clip(w10 * cosine, 0.05, 0.97))
    return {1: w1, 5: (w1 + w10) / 2, 10: w10}


def _brain(size: int, seed: int) -> np.ndarray:
    """A fixed smooth pattern inside an ellipse, zero mean and unit std (one per channel)."""
    rng = np.random.default_rng([seed, zlib.crc32(b"brain")])
    y, x = np.mgrid[0:size, 0:size] / (size - 1) * 2 - 1
    inside = (x / 0.82) ** 2 + (y / 0.94) ** 2 <= 1
    radius = np.hypot(x, y)
    field = 1.5 * np.cos(np.pi * radius * rng.uniform(1.5, 3.0))
    for _ in range(3):
        fx, fy = rng.uniform(-2.5, 2.5, 2)
        phase = rng.uniform(0, 2 * np.pi)
        field += np.sin(np.pi * (fx * x + fy * y) + phase)
    field = np.where(inside, field, -2.5)
    return (field - field.mean()) / (field.std() or 1.0)


def _smooth(noise: np.ndarray) -> np.ndarray:
    """A 3x3 box blur (wrapping), rescaled to unit std: latent noise is not pixel-white."""
    out = sum(np.roll(np.roll(noise, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return out / (out.std() or 1.0)


def _tile_grid(rows: list[list[np.ndarray]], tile: int) -> np.ndarray:
    height = len(rows) * tile + (len(rows) - 1) * GAP
    width = len(rows[0]) * tile + (len(rows[0]) - 1) * GAP
    out = np.full((height, width), GAP_INDEX, dtype=np.uint8)
    for r, row in enumerate(rows):
        for c, values in enumerate(row):
            scaled = (np.clip(values, -VALUE_RANGE, VALUE_RANGE) + VALUE_RANGE) / (2 * VALUE_RANGE)
            top, left = r * (tile + GAP), c * (tile + GAP)
            out[top : top + tile, left : left + tile] = np.round(scaled * 254).astype(np.uint8)
    return out


def _ramp(anchors: np.ndarray) -> np.ndarray:
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, 255)
    colours = np.stack([np.interp(steps, positions, anchors[:, k]) for k in range(3)], axis=1)
    return np.vstack([np.round(colours), [[24, 24, 24]]]).astype(np.uint8)


def _floats(values: object, default: float) -> list[float]:
    out = [default] * CHANNELS
    if isinstance(values, list):
        for i, value in enumerate(values[:CHANNELS]):
            out[i] = _float(value, default)
    return out


def _float(value: object, default: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) else default


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
