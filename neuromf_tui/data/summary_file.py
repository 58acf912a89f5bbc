"""Incremental reader of one ``training_summary.json``.

It remembers the byte offset just past the last complete record, plus fingerprints of the
file's head and of the bytes before that offset. When the file has grown and both fingerprints
still match, only the new bytes are read and decoded, so one more epoch costs the same on a
50,000-epoch run as on a 50-epoch one. When the prefix changed (a restart rewrote the history)
or the file was replaced, it parses the whole file again.

A file caught mid-rewrite (empty, or a prefix of what we already hold) is never taken as the
truth: the records already read stay, and the reader reports that the file is being written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from neuromf_tui.data.jsonscan import SummaryFormatError, scan_array, scan_records

_HEAD = 4096
_TAIL = 512


class FileState(Enum):
    """What the last read of the file showed."""

    OK = "ok"
    WRITING = "being written"
    EMPTY = "no epochs yet"
    MISSING = "missing"
    ERROR = "error"


@dataclass(slots=True)
class ReadResult:
    """The outcome of one ``SummaryFile.read()``."""

    records: list[dict[str, Any]] = field(default_factory=list)
    """Records new since the last read (all records when ``reset`` is true)."""
    reset: bool = False
    """The file's history was re-read from the start: drop what came from it before."""
    changed: bool = False
    problems: list[str] = field(default_factory=list)


class SummaryFile:
    """Follows one summary file across rewrites, restarts and replacements."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state = FileState.MISSING
        self.error: str | None = None
        self.record_count = 0
        self.mtime: float | None = None
        """Modification time of the last version read (seconds since the epoch)."""
        self._stamp: tuple[int, int, int, int] | None = None
        self._end = 0
        self._head = b""
        self._tail = b""
        self._complete = False

    def read(self) -> ReadResult:
        """Take in whatever changed since the last call. Never raises for file content."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._set_missing()
        except OSError as exc:
            return self._set_error(f"cannot read {self.path}: {exc.strerror or exc}")
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self._stamp:
            return ReadResult()
        try:
            with open(self.path, "rb") as handle:
                if self._can_continue(handle, st.st_dev, st.st_ino, st.st_size):
                    result = self._continue(handle)
                else:
                    result = self._full(handle.read())
        except FileNotFoundError:
            return self._set_missing()
        except OSError as exc:
            return self._set_error(f"cannot read {self.path}: {exc.strerror or exc}")
        self._stamp = stamp
        self.mtime = st.st_mtime
        return result

    # --- internals -----------------------------------------------------------------------
    def _can_continue(self, handle: Any, dev: int, ino: int, size: int) -> bool:
        if self._stamp is None or self._end == 0 or self.state is FileState.ERROR:
            return False
        if (dev, ino) != self._stamp[:2] or size < self._end:
            return False
        if handle.read(len(self._head)) != self._head:
            return False
        handle.seek(self._end - len(self._tail))
        return handle.read(len(self._tail)) == self._tail

    def _continue(self, handle: Any) -> ReadResult:
        data = handle.read()
        text = data.decode("utf-8", errors="replace")
        scan = scan_records(text, 0, expect_comma=True, first_index=self.record_count)
        consumed = scan.end if text.isascii() else len(text[: scan.end].encode("utf-8"))
        if consumed:
            handle.seek(max(0, self._end + consumed - _TAIL))
            self._tail = handle.read(min(_TAIL, self._end + consumed))
            self._end += consumed
            if len(self._head) < _HEAD:
                handle.seek(0)
                self._head = handle.read(min(_HEAD, self._end))
        self.record_count += len(scan.records)
        self._complete = scan.complete
        self.state = FileState.WRITING if scan.truncated else FileState.OK
        self.error = None
        return ReadResult(
            records=scan.records,
            changed=bool(scan.records) or bool(scan.problems),
            problems=scan.problems,
        )

    def _full(self, data: bytes) -> ReadResult:
        if self._end and not data.strip():
            self.state = FileState.WRITING
            return ReadResult()
        text = data.decode("utf-8", errors="replace")
        try:
            scan = scan_array(text)
        except SummaryFormatError as exc:
            had = self.record_count
            self._forget()
            self._set_error(f"{self.path.name}: {exc}")
            return ReadResult(reset=had > 0, changed=True, problems=[str(exc)])
        if self._end and self._is_rewrite_in_progress(data, scan.complete):
            self.state = FileState.WRITING
            return ReadResult()
        end = scan.end if text.isascii() else len(text[: scan.end].encode("utf-8"))
        self._end = end
        self._head = data[: min(_HEAD, end)]
        self._tail = data[max(0, end - _TAIL) : end]
        self.record_count = len(scan.records)
        self._complete = scan.complete
        if not text.strip():
            self.state = FileState.EMPTY
            self._end = 0
        elif scan.truncated:
            self.state = (
                FileState.WRITING if scan.records or len(text.strip()) > 1 else FileState.EMPTY
            )
        else:
            self.state = FileState.OK if scan.records else FileState.EMPTY
        self.error = None
        return ReadResult(records=scan.records, reset=True, changed=True, problems=scan.problems)

    def _is_rewrite_in_progress(self, data: bytes, complete: bool) -> bool:
        """A cut-short prefix of the version we hold: the writer is mid-way through a rewrite.

        Decided from the parse (no closing bracket of the array), not from the last byte: a
        cut can end on the ``]`` of a nested list.
        """
        if complete or len(data) >= self._end:
            return False
        probe = min(len(data), len(self._head))
        return data[:probe] == self._head[:probe]

    def _forget(self) -> None:
        self._end = 0
        self._head = b""
        self._tail = b""
        self.record_count = 0
        self._complete = False

    def _set_missing(self) -> ReadResult:
        had = self.state is not FileState.MISSING
        self.state = FileState.MISSING
        self._stamp = None
        return ReadResult(changed=had)

    def _set_error(self, message: str) -> ReadResult:
        self.state = FileState.ERROR
        self.error = message
        self._stamp = None
        return ReadResult(changed=True, problems=[message])
