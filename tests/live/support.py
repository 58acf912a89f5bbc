"""Faults a filesystem (or a person) inflicts on a run while it trains, and ways to wait.

``FaultyRun`` wraps the simulator's ``LiveWriter`` (which writes like the real callback) and
adds what goes wrong around it: the summary deleted, replaced by rename, truncated to zero,
made unreadable, the run folder removed and made again. Tests drive these while the app or
``watch`` follows the root, and wait on conditions with deadlines, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import neuromf_tui.data.summary_file as summary_file_module
from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.loader import RunSource, load_run
from neuromf_tui.sim import LiveWriter, SimConfig, WriteOptions, simulate
from neuromf_tui.sim.fleet import write_fleet

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
"""Root reads a chmod-000 file anyway: the reader's ``open`` is then made to fail instead."""


class FaultyRun:
    """One run written epoch by epoch, and the faults that can hit it."""

    def __init__(self, root: Path, name: str, run_config: SimConfig, **options: Any) -> None:
        self.root = root
        self.name = name
        self.folder = root / name
        self.writer = LiveWriter(self.folder, simulate(run_config), WriteOptions(**options))

    @property
    def summary(self) -> Path:
        return self.writer.paths.aggregate

    def write(self, count: int = 1) -> int:
        """Write ``count`` epochs as training would; the last epoch written."""
        epoch = None
        for _ in range(count):
            epoch = self.writer.write_next()
        assert epoch is not None, "the simulated run ended early"
        return epoch

    def delete(self) -> None:
        self.summary.unlink()

    def replace(self, records: list[dict[str, Any]]) -> None:
        """Atomic replace: a new file (new inode) renamed over the summary."""
        spare = self.summary.with_name(".training_summary.json.tmp")
        spare.write_text(json.dumps(records, indent=2))
        os.replace(spare, self.summary)

    def truncate(self) -> None:
        with open(self.summary, "w"):
            pass

    @contextmanager
    def unreadable(self) -> Iterator[None]:
        """chmod 000 on the summary; as root, the reader's ``open`` of it fails too."""
        path = str(self.summary)
        real_open = open

        def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(file) == path:
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real_open(file, *args, **kwargs)

        os.chmod(path, 0)
        if AS_ROOT:
            summary_file_module.open = guarded_open  # type: ignore[attr-defined]
        try:
            yield
        finally:
            if AS_ROOT:
                del summary_file_module.open  # type: ignore[attr-defined]
            os.chmod(path, 0o644)

    def remove_folder(self) -> None:
        shutil.rmtree(self.folder)

    def recreate(self, run_config: SimConfig, epochs: int) -> int:
        """A new run in the same folder (another job reusing the name); its last epoch."""
        self.writer = LiveWriter(self.folder, simulate(run_config))
        return self.write(epochs)


def stage_runs(staging: Path, count: int) -> list[Path]:
    """``count`` finished runs written under ``staging``, ready to be moved in at once."""
    return write_fleet(staging, count, distinct=4, epoch_files=False)


def move_in(folders: list[Path], root: Path, prefix: str = "added") -> list[str]:
    """Rename every folder into ``root`` (same filesystem: all within milliseconds)."""
    names = [f"{prefix}_{i:03d}" for i in range(len(folders))]
    for folder, name in zip(folders, names, strict=True):
        os.rename(folder, root / name)
    return names


def read_fresh(root: Path, name: str) -> RunSource:
    """The run as a fresh load reads it from disk now (what ``report`` would see)."""
    (ref,) = [ref for ref in discover_runs(root) if ref.name == name]
    return load_run(ref)


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> float:
    """Seconds until ``condition()`` holds; fails with ``what`` after ``timeout`` seconds."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)
    took = time.perf_counter() - start
    print(f"{what}: {took:.2f} s")
    return took


def rss_mb() -> float:
    """Resident memory of this process now, in MiB (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
