"""Where exported files may go, and how they are written there.

The product never writes inside a run folder: a results root is often a shared training
output that other tools (and the training job itself) own. Exports therefore check the target
against every run the command found and against any run folder above the target, and write
through a temporary file so an interrupted export never leaves half a file under the real name.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from neuromf_tui.data.discover import DiscoveryError, discover_runs
from neuromf_tui.textsafe import printable


class DestinationError(Exception):
    """The export target is not acceptable (inside a run folder, a folder, unwritable)."""


def _resolved(path: Path) -> Path:
    return path.expanduser().resolve()


def run_folder_above(path: Path) -> Path | None:
    """The run folder that contains ``path`` (or is ``path``), if any.

    Looks only at ``path`` and its ancestors (a few ``stat`` calls each), so it also catches
    run folders the export was not asked about.
    """
    for folder in (path, *path.parents):
        if not folder.is_dir():
            continue
        with contextlib.suppress(DiscoveryError, OSError):
            refs = discover_runs(folder, max_depth=0)
            if refs and refs[0].folder == folder:
                return folder
    return None


def _refusal(target: Path, run: Path) -> DestinationError:
    return DestinationError(
        f"{printable(str(target))} is in the run folder {printable(str(run))}: "
        "neuromf-tui never writes in run folders; choose a place outside it"
    )


def check_folder(
    folder: Path, run_folders: Iterable[Path] = (), *, subject: Path | None = None
) -> Path:
    """``folder`` resolved, or DestinationError if it lies in a run folder.

    ``subject`` is the file about to be written there, named in the message.
    """
    target = _resolved(folder)
    named = subject if subject is not None else target
    for run in run_folders:
        run = _resolved(run)
        if target == run or target.is_relative_to(run):
            raise _refusal(named, run)
    above = run_folder_above(target)
    if above is not None:
        raise _refusal(named, above)
    if target.exists() and not target.is_dir():
        raise DestinationError(f"{printable(str(target))} is a file, not a folder")
    return target


def check_file(path: Path, run_folders: Iterable[Path] = ()) -> Path:
    """``path`` resolved, or DestinationError if it is a folder or lies in a run folder."""
    target = _resolved(path)
    if target.is_dir():
        raise DestinationError(f"{printable(str(target))} is a folder: give a file name")
    check_folder(target.parent, run_folders, subject=target)
    return target


def write_via_temp(path: Path, write: Callable[[Path], None]) -> None:
    """Create ``path`` by calling ``write`` on a temporary sibling, then renaming it.

    Missing parent folders are created. An existing file at ``path`` is replaced only once
    the new content is complete.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_stem(text: str) -> str:
    """A file-name stem from a run or metric name ("ablations/mode_collapse" -> with "_")."""
    stem = _UNSAFE.sub("_", text).strip("._")
    return stem[:80] or "run"


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-2.suffix``… when that name is taken (never clobber
    a file the user did not name)."""
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate
