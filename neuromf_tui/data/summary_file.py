"""Incremental reader of one ``training_summary.json``.

It remembers the byte offset just past the last complete record, plus fingerprints of the
file's head and of the bytes before that offset. When the file has grown and both fingerprints
still match, only the new bytes are read and decoded, so one more epoch costs the same on a
50,000-epoch run as on a 50-epoch one. When the prefix changed (a restart rewrote the history)
or the file was replaced, it parses the whole file again.

A file caught mid-rewrite (empty, or a prefix of what we already hold) is not taken as the
truth at once: the records already read stay, and the reader reports that the file is being
written. A rewrite takes milliseconds; a file still cut short or empty ``REWRITE_GRACE`` seconds
later was left that way (a crash mid-write, a truncation by hand), and is then read as it is,
so the epochs shown follow the file. ``since`` says when the current trouble (missing,
unreadable, cut short) began, for "missing since 14:02".
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from neuromf_tui.data.jsonscan import SummaryFormatError, scan_array, scan_records

_Stamp = tuple[int, int, int, int, int]
_HEAD = 4096
_TAIL = 512
REWRITE_GRACE = 5.0
"""Seconds a file may stay empty or cut short before that is taken as what it holds."""


class FileState(Enum):
    """What the last read of the file showed."""

    OK = "ok"
    WRITING = "being written"
    EMPTY = "no epochs yet"
    MISSING = "missing"
    ERROR = "error"
    """Not a JSON array of records."""
    UNREADABLE = "unreadable"
    """The file exists but cannot be read (permission denied, I/O error)."""
    CUT = "cut short"
    """A cut-short file that stayed so past the grace period: the writer stopped mid-write."""


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
        self.seen = False
        """The file existed at some read: "missing" then means it went away."""
        self.since: float | None = None
        """When (wall clock) the state last changed from OK to what it is now."""
        self.reason: str | None = None
        """Why the file cannot be read, in a few words ("permission denied")."""
        self.had_records = False
        """Some read found epochs: an empty file then means it was emptied."""
        self._pending: tuple[_Stamp, float] | None = None
        """The version of the file that looks mid-rewrite, and since when (monotonic)."""
        self._stamp: _Stamp | None = None
        self._end = 0
        self._head = b""
        self._tail = b""
        self._complete = False

    def outdates(self, path: Path) -> bool:
        """Whether a per-epoch file past this summary's last epoch is older than the summary,
        hence left over from before a restart. A summary cut short says nothing about later
        epochs. Raises OSError when ``path`` cannot be looked at."""
        if self.state in (FileState.WRITING, FileState.CUT) or self.mtime is None:
            return False
        return os.stat(path).st_mtime < self.mtime

    def read(self) -> ReadResult:
        """Take in whatever changed since the last call. Never raises for file content."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._set_missing()
        except OSError as exc:
            return self._set_unreadable(exc)
        # ctime too: a chmod or chown changes nothing else, yet may make the file unreadable.
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        pending = self._pending
        settle = (
            pending is not None
            and pending[0] == stamp
            and time.monotonic() - pending[1] > REWRITE_GRACE
        )
        if stamp == self._stamp and not settle:
            return ReadResult()
        before = self.state
        try:
            with open(self.path, "rb") as handle:
                if settle:
                    result = self._settle(handle.read())
                elif self._can_continue(handle, st.st_dev, st.st_ino, st.st_size):
                    result = self._continue(handle)
                else:
                    handle.seek(0)  # _can_continue may have read the head
                    result = self._full(handle.read(), old=time.time() - st.st_mtime)
        except FileNotFoundError:
            return self._set_missing()
        except OSError as exc:
            return self._set_unreadable(exc)
        self._stamp = stamp
        self.mtime = st.st_mtime
        self.seen = True
        self.reason = None
        self.had_records = self.had_records or self.record_count > 0
        if self.state is not FileState.WRITING:
            self._pending = None
        elif pending is None or pending[0] != stamp:
            self._pending = (stamp, time.monotonic())
        self._note_change(before)
        return result

    @property
    def settle_at(self) -> float | None:
        """When (``time.monotonic``) a file that looks mid-rewrite is to be read again and,
        unchanged, taken as it is; None when no such file is held back."""
        return None if self._pending is None else self._pending[1] + REWRITE_GRACE

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
        # Past ``[`` alone (an empty array, or one caught before its first record) no comma
        # comes before the first new record.
        expect_comma = not self._tail.rstrip().endswith(b"[")
        scan = scan_records(text, 0, expect_comma=expect_comma, first_index=self.record_count)
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

    def _settle(self, data: bytes) -> ReadResult:
        """The file stayed cut or empty past the grace period: read it as it is."""
        had = self.record_count
        self._forget()
        result = self._full(data, old=REWRITE_GRACE + 1.0)
        result.reset = result.reset or had > 0
        result.changed = True
        return result

    def _full(self, data: bytes, *, old: float = 0.0) -> ReadResult:
        """Parse the whole file; ``old`` is its age in seconds (a cut file this old is cut
        short for good, not being rewritten)."""
        if self._end and not data.strip():
            self._hold()
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
            self._hold()
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
            if not scan.records and len(text.strip()) <= 1:
                self.state = FileState.EMPTY
            else:
                self.state = FileState.CUT if old > REWRITE_GRACE else FileState.WRITING
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

    def _hold(self) -> None:
        """Keep the records held while the file looks mid-rewrite (for the grace period)."""
        self.state = FileState.WRITING

    def _note_change(self, before: FileState) -> None:
        """Date a new trouble: a cut or empty file has been so since it was last written."""
        if self.state is FileState.OK:
            self.since = None
        elif self.state is not before and self.state is not FileState.WRITING:
            dated = self.state in (FileState.CUT, FileState.EMPTY) and self.mtime is not None
            self.since = self.mtime if dated else time.time()

    def _forget(self) -> None:
        self._end = 0
        self._head = b""
        self._tail = b""
        self.record_count = 0
        self._complete = False

    def _set_missing(self) -> ReadResult:
        had = self.state is not FileState.MISSING
        if had:
            self.since = time.time()
        self.state = FileState.MISSING
        self.error = None
        self._stamp = None
        self._pending = None
        return ReadResult(changed=had)

    def _set_unreadable(self, exc: OSError) -> ReadResult:
        """The file is there but cannot be read: keep what was read, say why, retry later.

        Not a problem of the run's data, so nothing is added to the problems list.
        """
        reason = (exc.strerror or str(exc)).lower()
        new = self._set_error(f"cannot read {self.path}: {reason}", FileState.UNREADABLE)
        self.reason = reason
        return ReadResult(changed=new.changed)

    def _set_error(self, message: str, state: FileState = FileState.ERROR) -> ReadResult:
        """Enter an error state; ``changed`` only when the state or message is new."""
        new = self.state is not state or self.error != message
        if new:
            self.since = time.time()
        self.state = state
        self.error = message
        self._stamp = None
        self._pending = None
        return ReadResult(changed=new, problems=[message])
