"""Finding and reading sample images: both file names, decodes, odd names, bad folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from neuromf_tui.data.samples import (
    ImageCache,
    SampleImageError,
    find_sample_images,
    read_image,
)

SAMPLE_RUNS = Path(__file__).resolve().parents[1] / "sample_runs"


def png(
    path: Path, size: tuple[int, int] = (8, 6), colour: tuple[int, ...] = (200, 10, 10)
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "RGBA" if len(colour) == 4 else "RGB"
    Image.new(mode, size, colour).save(path)
    return path


def names(images: tuple) -> list[str]:
    return [image.name for image in images]


def test_epoch_images_sorted_by_epoch_with_both_file_names(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    png(samples / "epoch_0049" / "latent_channels.png")
    png(samples / "epoch_0024" / "latent_channels.png")
    png(samples / "epoch_1000" / "latent_channels.png")
    png(samples / "epoch_0099" / "samples_grid.png")  # a run before v3
    png(samples / "epoch_0099" / "latent_channels.png")
    found = find_sample_images(tmp_path)
    assert names(found.epochs) == [
        "epoch_0024/latent_channels.png",
        "epoch_0049/latent_channels.png",
        "epoch_0099/latent_channels.png",
        "epoch_0099/samples_grid.png",
        "epoch_1000/latent_channels.png",
    ]
    assert [i.epoch for i in found.epochs] == [24, 49, 99, 99, 1000]
    assert found.epoch_numbers() == [24, 49, 99, 1000]
    assert found.decoded == () and found.problems == () and not found.empty


def test_decodes_are_listed_apart_with_epochs_from_their_paths(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    png(samples / "epoch_0024" / "latent_channels.png")
    png(samples / "decoded" / "epoch_0399" / "nfe_10.png")
    png(samples / "decoded" / "epoch_0399" / "nfe_1.png")
    png(samples / "decoded" / "final_grid.png")
    png(samples / "decoded" / "sample_epoch-49_axial.jpg")
    found = find_sample_images(tmp_path)
    assert names(found.epochs) == ["epoch_0024/latent_channels.png"]
    assert names(found.decoded) == [
        "decoded/sample_epoch-49_axial.jpg",
        "decoded/epoch_0399/nfe_1.png",
        "decoded/epoch_0399/nfe_10.png",
        "decoded/final_grid.png",
    ]
    assert [i.epoch for i in found.decoded] == [49, 399, 399, None]
    assert found.all == found.epochs + found.decoded


def test_odd_names_are_tolerated_and_non_images_ignored(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    png(samples / "Epoch-7" / "latent_channels.PNG")
    png(samples / "epoch_12_rerun" / "latent_channels.png")
    png(samples / "epoch_0030.png")  # loose file naming its epoch
    png(samples / "overview.png")  # loose, no epoch: not an epoch image
    png(samples / "epoch_0040" / ".hidden.png")
    (samples / "epoch_0040" / "notes.txt").write_text("not an image")
    (samples / "generated_samples").mkdir()
    (samples / "generated_samples" / "epoch_0024.pt").write_bytes(b"\0")
    (samples / "epoch_0050" / "sub.png").mkdir(parents=True)  # a folder named like an image
    (samples / "epochs").mkdir()
    found = find_sample_images(tmp_path)
    assert [(i.name, i.epoch) for i in found.epochs] == [
        ("Epoch-7/latent_channels.PNG", 7),
        ("epoch_12_rerun/latent_channels.png", 12),
        ("epoch_0030.png", 30),
    ]


def test_missing_or_broken_samples_folders_never_raise(tmp_path: Path) -> None:
    assert find_sample_images(tmp_path / "no_such_run").empty
    empty = find_sample_images(tmp_path)
    assert empty.empty and empty.problems == ()
    assert empty.folder == tmp_path / "samples"

    file_run = tmp_path / "file_run"
    file_run.mkdir()
    (file_run / "samples").write_text("a file where a folder should be")
    found = find_sample_images(file_run)
    assert found.empty and found.problems == (f"{file_run / 'samples'}: not a folder",)

    linked = tmp_path / "linked"
    (linked / "samples" / "epoch_0001").mkdir(parents=True)
    (linked / "samples" / "epoch_0001" / "latent_channels.png").symlink_to(tmp_path / "gone.png")
    assert find_sample_images(linked).empty  # a dangling link is skipped


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_an_unreadable_epoch_folder_is_reported_and_the_rest_listed(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    png(samples / "epoch_0001" / "latent_channels.png")
    locked = samples / "epoch_0002"
    png(locked / "latent_channels.png")
    locked.chmod(0)
    try:
        found = find_sample_images(tmp_path)
    finally:
        locked.chmod(0o755)
    assert names(found.epochs) == ["epoch_0001/latent_channels.png"]
    assert len(found.problems) == 1 and str(locked) in found.problems[0]


def test_a_huge_folder_is_cut_at_the_limit_and_says_so(tmp_path: Path) -> None:
    for epoch in range(6):
        png(tmp_path / "samples" / f"epoch_{epoch:04d}" / "latent_channels.png")
    found = find_sample_images(tmp_path, limit=4)
    assert [i.epoch for i in found.epochs] == [0, 1, 2, 3]
    assert found.problems == ("more than 4 images: only the first 4 are listed",)


def test_read_image_gives_rgb_within_the_size_cap(tmp_path: Path) -> None:
    rgba = read_image(png(tmp_path / "a.png", (4, 2), (255, 0, 0, 0)))
    assert rgba.mode == "RGB" and rgba.size == (4, 2)
    assert rgba.getpixel((0, 0)) == (0, 0, 0)  # transparent shows as black
    big = read_image(png(tmp_path / "big.png", (3000, 1500)), max_side=600)
    assert big.size == (600, 300)


def test_unreadable_images_raise_one_error_naming_the_file(tmp_path: Path) -> None:
    whole = png(tmp_path / "whole.png", (64, 64)).read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])  # caught mid-write
    text = tmp_path / "text.png"
    text.write_text("not a png")
    for path in (cut, text, tmp_path / "missing.png"):
        with pytest.raises(SampleImageError, match=str(path)):
            read_image(path)
    with pytest.raises(SampleImageError, match=r"missing\.png"):
        ImageCache().get(tmp_path / "missing.png")


def test_cache_reads_a_file_again_only_when_it_changed(tmp_path: Path) -> None:
    path = png(tmp_path / "a.png", colour=(10, 20, 30))
    cache = ImageCache(capacity=2)
    first = cache.get(path)
    assert cache.get(path) is first and cache.reads == 1
    png(path, colour=(200, 200, 200))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = cache.get(path)
    assert cache.reads == 2 and second.getpixel((0, 0)) == (200, 200, 200)
    for name in ("b.png", "c.png"):
        cache.get(png(tmp_path / name))
    cache.get(path)  # evicted by the two newer ones
    assert cache.reads == 5


def test_listing_and_reading_leave_the_run_folder_untouched(tmp_path: Path) -> None:
    path = png(tmp_path / "samples" / "epoch_0001" / "latent_channels.png")
    before = sorted((str(p), p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    found = find_sample_images(tmp_path)
    ImageCache().get(found.epochs[0].path)
    assert found.epochs[0].path == path
    assert sorted((str(p), p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_the_sample_runs_carry_images_in_both_names_and_one_has_none() -> None:
    baseline = find_sample_images(SAMPLE_RUNS / "imf_baseline")
    assert baseline.epoch_numbers() == list(range(24, 400, 25))
    assert {Path(i.name).name for i in baseline.epochs} == {"latent_channels.png"}
    assert names(baseline.decoded) == [
        "decoded/epoch_0399/nfe_1.png",
        "decoded/epoch_0399/nfe_10.png",
    ]
    legacy = find_sample_images(SAMPLE_RUNS / "legacy_v1_warmup")
    assert {Path(i.name).name for i in legacy.epochs} == {"samples_grid.png"}
    assert find_sample_images(SAMPLE_RUNS / "ablations" / "dead_deep_blocks").empty
