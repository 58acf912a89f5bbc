"""Cost of the samples view's steps: listing a samples folder, reading an image, half-blocks.

Listing and reading run in threads and half-blocks are computed in a thread too; these
numbers say how long a step through the epochs waits for its picture. Prints the median of
``--repeats`` runs for the baseline sample run's images and for a large colourful picture
(the worst case for half-blocks: nearly every cell a new colour pair).

Usage: ``python bench/sample_images.py [--repeats 20]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from neuromf_tui.app.widgets.halfblock import halfblock_lines
from neuromf_tui.data.samples import find_sample_images, read_image

RUN = Path(__file__).resolve().parent.parent / "sample_runs" / "imf_baseline"
SIZES = ((43, 16), (150, 45))
"""Picture cells at 160x48 and in a full 200x50 terminal."""


def median_ms(repeats: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    found = find_sample_images(RUN)
    listing = median_ms(args.repeats, lambda: find_sample_images(RUN))
    print(f"list {RUN.name}/samples ({len(found.all)} images): {listing:.2f} ms")
    path = found.epochs[-1].path
    picture = read_image(path)
    reading = median_ms(args.repeats, lambda: read_image(path))
    print(f"read {path.name} ({picture.width}x{picture.height} px): {reading:.2f} ms")
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8))
    for columns, rows in SIZES:
        for name, image in (("latent grid", picture), ("1024 px RGB noise", noise)):
            cost = median_ms(
                args.repeats, lambda i=image, c=columns, r=rows: halfblock_lines(i, c, r)
            )
            print(f"half-blocks {name} into {columns}x{rows} cells: {cost:.1f} ms")


if __name__ == "__main__":
    main()
