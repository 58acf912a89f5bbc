"""Simulated sample images: valid PNGs at the sample epochs, drawn from the sample statistics."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from neuromf_tui.data.samples import find_sample_images
from neuromf_tui.sim import LiveWriter, SimConfig, WriteOptions, simulate, write_run
from neuromf_tui.sim.images import TILE, encode_png, grey, viridis


def test_encoded_png_reads_back_with_the_same_pixels_and_palette() -> None:
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 256, (7, 11), dtype=np.uint8)
    data = encode_png(indices, viridis())
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "P" and image.size == (11, 7)
        assert np.array_equal(np.asarray(image), indices)
        palette = np.array(image.getpalette()[: 256 * 3]).reshape(256, 3)
    assert np.array_equal(palette, viridis())
    assert grey()[0].tolist() == [0, 0, 0] and grey()[254].tolist() == [255, 255, 255]


def _pixels(path: Path) -> np.ndarray:
    """Colour-map indices of the 1-NFE tiles (top row, grid gaps left out)."""
    with Image.open(path) as image:
        indices = np.asarray(image, dtype=np.float64)
    return np.concatenate(
        [indices[:TILE, c * (TILE + 1) : c * (TILE + 1) + TILE] for c in range(4)]
    )


def test_images_only_at_sample_epochs_and_only_when_asked(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="healthy", epochs=60, seed=3))
    write_run(tmp_path / "plain", run)
    assert find_sample_images(tmp_path / "plain").empty
    write_run(tmp_path / "latent", run, WriteOptions(images="latent", decoded=True))
    found = find_sample_images(tmp_path / "latent")
    sampled = [r["epoch"] for r in run.history if "generated_samples" in r]
    assert found.epoch_numbers() == sampled == [24, 49]
    assert {Path(i.name).name for i in found.epochs} == {"latent_channels.png"}
    assert [i.name for i in found.decoded] == [
        "decoded/epoch_0049/nfe_1.png",
        "decoded/epoch_0049/nfe_10.png",
    ]
    write_run(tmp_path / "grid", run, WriteOptions(images="grid"))
    assert {Path(i.name).name for i in find_sample_images(tmp_path / "grid").epochs} == {
        "samples_grid.png"
    }
    again = tmp_path / "again"
    write_run(again, run, WriteOptions(images="latent", decoded=True))
    for image in found.all:  # deterministic bytes
        assert (again / "samples" / image.name).read_bytes() == image.path.read_bytes()
    with pytest.raises(ValueError, match="images must be one of"):
        WriteOptions(images="jpeg").check(60)  # type: ignore[arg-type]


def test_a_collapsed_run_fades_while_a_healthy_one_keeps_its_contrast(tmp_path: Path) -> None:
    healthy = simulate(SimConfig(scenario="healthy", epochs=200, seed=2))
    collapse = simulate(SimConfig(scenario="mode-collapse", epochs=200, seed=2))
    write_run(tmp_path / "healthy", healthy, WriteOptions(images="latent"))
    write_run(tmp_path / "collapse", collapse, WriteOptions(images="latent"))
    last = "samples/epoch_0199/latent_channels.png"
    first = "samples/epoch_0024/latent_channels.png"
    healthy_std = _pixels(tmp_path / "healthy" / last).std()
    collapse_std = _pixels(tmp_path / "collapse" / last).std()
    assert collapse_std < healthy_std / 3
    early = _pixels(tmp_path / "collapse" / first).std()
    assert collapse_std < early / 3


def test_the_live_writer_adds_an_image_as_each_sample_epoch_lands(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="healthy", epochs=30, seed=1))
    writer = LiveWriter(tmp_path / "live", run, WriteOptions(images="latent"))
    for _ in range(24):
        writer.write_next()
    assert find_sample_images(tmp_path / "live").empty
    writer.write_next()  # epoch 24 collects samples
    assert find_sample_images(tmp_path / "live").epoch_numbers() == [24]
