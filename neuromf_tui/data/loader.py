"""Load one run into a RunTable and keep it current as the writer adds epochs.

The aggregate file is the freshest whole history; per-epoch files fill what it lacks:
the epochs before a resume (the resumed process starts an empty history), or a newest epoch
whose per-epoch file landed before the aggregate rewrite. Per-epoch files older than the
aggregate and past its last epoch belong to a timeline a restart abandoned and are left out.

Duplicate epochs keep the later write; a resume "stub" record (epoch, global_step,
learning_rate, ema_divergence only) updates the fields it has instead of erasing the rest.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import reprlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuromf_tui.data.condition import CUT, EMPTIED, INVALID, MISSING, UNREADABLE, FileCondition
from neuromf_tui.data.discover import RunRef, epoch_file, epoch_files
from neuromf_tui.data.fieldcheck import column_problem, depth_problem, text_problem
from neuromf_tui.data.flatten import MAX_DEPTH, flatten_record
from neuromf_tui.data.status import RunStatus, classify
from neuromf_tui.data.summary_file import FileState, SummaryFile
from neuromf_tui.data.table import RunTable
from neuromf_tui.data.values import text_to_float

STUB_KEYS = frozenset({"epoch", "global_step", "learning_rate", "ema_divergence"})
MAX_PROBLEMS = 50
MAX_FIELD_PROBLEMS = 500
MAX_EPOCH = 10**9
"""Epoch numbers past this (or below 0) are not a training run's: the record is skipped."""


@dataclass(slots=True)
class Update:
    """What one ``RunSource.refresh()`` changed."""

    appended: list[int] = field(default_factory=list)
    """Epochs added past the previous last epoch, in order."""
    reset: bool = False
    """The table was rebuilt (first load, restart, file replaced): redraw everything."""
    changed: bool = False
    """Anything at all changed, including the state or a problem."""


class RunSource:
    """One run's telemetry: a RunTable kept in step with the files on disk.

    ``refresh()`` is cheap when nothing changed (one ``stat``) and costs one decoded record
    per new epoch when the writer appended; it never raises for what is in the files.
    """

    def __init__(self, ref: RunRef) -> None:
        self.ref = ref
        self.table = RunTable()
        self.problems: list[str] = []
        self.restarts: list[int] = []
        """Epochs at which the history was resumed (the aggregate restarted there)."""
        self.superseded: list[int] = []
        """Per-epoch files left out because a restart abandoned them."""
        self.texts: dict[str, str] = {}
        """Latest non-numeric string values (e.g. a prediction type), by dotted name."""
        self.field_problems: dict[str, str] = {}
        """Field (dotted name) -> what is wrong with it (wrong type, empty key, cut off). Each
        is also one line of ``problems``."""
        self.loaded = False
        self._cut: list[str] = []
        self._columns_checked = 0
        self._summary = SummaryFile(ref.summary) if ref.summary is not None else None
        self._from_epoch_files: set[int] = set()

    # --- state ---------------------------------------------------------------------------
    @property
    def state(self) -> FileState:
        """OK, being written, no epochs yet, missing, or error (what a user should be told)."""
        if self._summary is None:
            return FileState.OK if len(self.table) else FileState.EMPTY
        state = self._summary.state
        if state in (FileState.MISSING, FileState.EMPTY) and len(self.table):
            return FileState.OK
        return state

    @property
    def error(self) -> str | None:
        return self._summary.error if self._summary is not None else None

    @property
    def settle_at(self) -> float | None:
        """When to read a summary that looks mid-rewrite again (``SummaryFile.settle_at``)."""
        return self._summary.settle_at if self._summary is not None else None

    @property
    def condition(self) -> FileCondition:
        """What is wrong with the summary file now, and since when (``data.condition``).

        A summary that never existed is no trouble (a run starting, or per-epoch files only);
        one that went away, became unreadable, invalid, cut short or emptied is.
        """
        summary = self._summary
        if summary is None:
            return FileCondition()
        state, since = summary.state, summary.since
        if state is FileState.MISSING:
            return FileCondition(MISSING, since) if summary.seen else FileCondition()
        if state is FileState.UNREADABLE:
            return FileCondition(UNREADABLE, since, summary.reason)
        if state is FileState.ERROR:
            return FileCondition(INVALID, since, summary.error)
        if state is FileState.CUT:
            return FileCondition(CUT, since)
        if state is FileState.EMPTY and summary.had_records:
            return FileCondition(EMPTIED, since)
        return FileCondition()

    @property
    def last_write(self) -> float | None:
        """When the run last wrote telemetry (seconds since the epoch), if known."""
        times: list[float] = []
        if self._summary is not None and self._summary.mtime is not None:
            times.append(self._summary.mtime)
        if self.ref.epoch_root is not None and self.table.last_epoch is not None:
            with contextlib.suppress(OSError):
                times.append(
                    os.stat(epoch_file(self.ref.epoch_root, self.table.last_epoch)).st_mtime
                )
        return max(times) if times else None

    def status(
        self, planned_epochs: int | None, now: float, stale_after: float | None = None
    ) -> RunStatus:
        """Live, stale or finished, from the last write and the epochs read so far."""
        table = self.table
        return classify(
            self.last_write,
            now,
            table.get("epoch_time_sec"),
            table.last_epoch,
            planned_epochs,
            stale_after,
        )

    # --- reading -------------------------------------------------------------------------
    def refresh(self) -> Update:
        """Bring the table up to date with the files; see the class docstring."""
        with _gc_paused():
            return self._refresh()

    def _refresh(self) -> Update:
        if self._summary is None:
            return self._refresh_epoch_files_only()
        read = self._summary.read()
        self._note(read.problems)
        if not self.loaded or read.reset:
            table = self.table
            held = (int(table.epochs[0]), int(table.epochs[-1])) if len(table) else None
            seen_restarts = self.restarts
            self._rebuild(read.records)
            self._keep_restarts(seen_restarts, held, read.records)
            return Update(reset=True, changed=True, appended=[])
        update = Update(changed=read.changed)
        for record in read.records:
            self._take(record, update)
        if not read.records and self._summary.state is FileState.MISSING:
            update.appended.extend(self._probe_next_epoch_files())
            update.changed = update.changed or bool(update.appended)
        return update

    def _keep_restarts(
        self, seen: list[int], held: tuple[int, int] | None, records: list[dict[str, Any]]
    ) -> None:
        """Remember restarts seen while watching: a rewritten history starting at or before
        the last epoch we held (``held``: first and last) is a resume, even when no per-epoch
        file tells so; unless it covers all we held (the file came back, or a copy replaced
        it), which is the same history read again."""
        restarts = set(self.restarts)
        restarts.update(epoch for epoch in seen if self.table.index_of(epoch) is not None)
        epochs = [e for r in records if (e := _plain_epoch(r)) is not None]
        whole = self._summary is not None and self._summary.state is FileState.OK
        if held is not None and epochs and whole:  # a cut file is no rewritten history
            first, last = epochs[0], max(epochs)
            if first <= held[1] and (first > held[0] or last < held[1]):
                restarts.add(first)
        self.restarts = sorted(restarts)

    def _refresh_epoch_files_only(self) -> Update:
        if not self.loaded:
            self._rebuild([])
            return Update(reset=True, changed=True)
        appended = self._probe_next_epoch_files()
        return Update(appended=appended, changed=bool(appended))

    def _rebuild(self, aggregate: list[dict[str, Any]]) -> None:
        """Merge the aggregate with the per-epoch files and load the table from scratch."""
        rows: dict[int, dict[str, float]] = {}
        self.restarts = []
        self.superseded = []
        self._from_epoch_files = set()
        previous: int | None = None
        for index, record in enumerate(aggregate):
            epoch = self._epoch_of(record, f"record {index}")
            if epoch is None:
                continue
            if previous is not None and epoch <= previous:
                self.restarts.append(epoch)
            previous = epoch
            self._put(rows, epoch, record)
        if self.ref.epoch_root is not None:
            self._merge_epoch_files(rows)
        self.table.load(rows.items())
        self.loaded = True
        self._columns_checked = 0
        self._check_columns()

    def _merge_epoch_files(self, rows: dict[int, dict[str, float]]) -> None:
        files = epoch_files(self.ref.epoch_root) if self.ref.epoch_root else {}
        if not files:
            return
        first = min(rows) if rows else None
        last = max(rows) if rows else None
        summary = self._summary
        if first is not None and first > min(files):
            self.restarts.insert(0, first)
        newest = max(files)
        for epoch in sorted(files):
            if epoch in rows:
                continue
            path = files[epoch]
            if last is not None and epoch > last and summary is not None:
                try:
                    if summary.outdates(path):
                        self.superseded.append(epoch)
                        continue
                except OSError:
                    continue
            record = self._read_epoch_file(path, report=epoch != newest)
            if record is None:
                continue
            found = self._epoch_of(record, str(path))
            if found is not None:
                self._put(rows, found, record)
                self._from_epoch_files.add(found)
        if self.superseded:
            first, last_ = self.superseded[0], self.superseded[-1]
            which = f"epoch {first}" if first == last_ else f"epochs {first}–{last_}"
            self._note(
                [
                    f"per-epoch files of {which} are older than the summary and past its "
                    "last epoch (left over from before a restart): not shown"
                ]
            )

    def _probe_next_epoch_files(self) -> list[int]:
        """Without a readable aggregate, follow the per-epoch files one new epoch at a time."""
        root = self.ref.epoch_root
        if root is None:
            return []
        appended: list[int] = []
        epoch = (self.table.last_epoch + 1) if self.table.last_epoch is not None else 0
        while True:
            path = epoch_file(root, epoch)
            if not path.is_file():
                break
            record = self._read_epoch_file(path)
            if record is None:
                break
            found = self._epoch_of(record, str(path))
            if found is None:
                break
            self._apply(found, record)
            appended.append(found)
            epoch = found + 1
        return appended

    def _take(self, record: dict[str, Any], update: Update) -> None:
        epoch = self._epoch_of(record, "new record")
        if epoch is None:
            return
        last = self.table.last_epoch
        if last is not None and epoch <= last:
            # An epoch held already, and not from a per-epoch file, is written again: a
            # restart. One missing so far fills a gap (a per-epoch folder the listing missed
            # while the writer was creating the next one), which is no restart.
            held = self.table.index_of(epoch) is not None
            if held and epoch not in self._from_epoch_files:
                self.restarts.append(epoch)
            update.reset = True
        else:
            update.appended.append(epoch)
        self._apply(epoch, record)
        update.changed = True

    def _apply(self, epoch: int, record: dict[str, Any]) -> None:
        flat = self._flatten(epoch, record)
        if STUB_KEYS.issuperset(record) and self.table.index_of(epoch) is not None:
            self.table.upsert(epoch, flat, merge=True)
        else:
            self.table.append(epoch, flat)
        self._check_columns()

    def _put(self, rows: dict[int, dict[str, float]], epoch: int, record: dict[str, Any]) -> None:
        flat = self._flatten(epoch, record)
        if epoch in rows and STUB_KEYS.issuperset(record):
            rows[epoch].update(flat)
        else:
            rows[epoch] = flat

    def _flatten(self, epoch: int, record: dict[str, Any]) -> dict[str, float]:
        """The record's numbers by dotted name; its odd fields are reported, not lost."""
        flat: dict[str, float] = {}
        texts = self.texts
        seen = len(texts)
        flatten_record(record, flat, texts, self._cut)
        if len(texts) != seen:
            columns = self.table
            for name in list(texts)[seen:]:
                numeric = name in flat or name in columns
                self._field(text_problem(name, texts[name], epoch, numeric=numeric))
        if self._cut:
            for name in self._cut:
                self._field(depth_problem(name, epoch, MAX_DEPTH))
            self._cut.clear()
        return flat

    def _check_columns(self) -> None:
        """Report the columns that appeared since the last check and are not proper metrics."""
        table = self.table
        names = table.names
        if len(names) == self._columns_checked:
            return
        epochs = table.epochs
        for name in names[self._columns_checked :]:
            logged = np.flatnonzero(~np.isnan(table[name]))
            first = int(epochs[logged[0]]) if len(logged) else None
            self._field(column_problem(name, first, also_text=name in self.texts))
        self._columns_checked = len(names)

    def _field(self, problem: tuple[str, str] | None) -> None:
        """Record a field's problem once (the first epoch it showed up is the one named)."""
        if problem is None:
            return
        name, message = problem
        if name not in self.field_problems and len(self.field_problems) < MAX_FIELD_PROBLEMS:
            self.field_problems[name] = message
            self._note([message])

    def _epoch_of(self, record: dict[str, Any], where: str) -> int | None:
        value = record.get("epoch")
        if type(value) is int:
            if 0 <= value <= MAX_EPOCH:
                return value
        else:
            number = text_to_float(value) if isinstance(value, str) else value
            if isinstance(number, float) and number.is_integer() and 0 <= number <= MAX_EPOCH:
                return int(number)
        self._note([f"{where}: no usable 'epoch' field ({_shorten(value)}); record skipped"])
        return None

    def _read_epoch_file(self, path: Path, *, report: bool = False) -> dict[str, Any] | None:
        """The record in a per-epoch file, or None; ``report`` says a failure is a fault (an
        older file), not the writer being midway through the newest one."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            if report and not isinstance(exc, FileNotFoundError):
                self._note([f"{path}: cannot read ({exc.strerror or exc}); epoch skipped"])
            return None
        try:
            record = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            if report:
                why = (
                    exc.msg
                    if isinstance(exc, json.JSONDecodeError)
                    else "nested too deeply"
                    if isinstance(exc, RecursionError)
                    else "not UTF-8"
                )
                self._note([f"{path}: not valid JSON ({why}); epoch skipped"])
            return None
        if not isinstance(record, dict):
            if report:
                kind = type(record).__name__
                self._note([f"{path}: a JSON {kind}, not an epoch record; epoch skipped"])
            return None
        return record

    def _note(self, problems: list[str]) -> None:
        for problem in problems:
            if problem not in self.problems and len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a summary is parsed and flattened.

    Parsing allocates hundreds of thousands of small containers and no cycles; the collector
    would otherwise walk them again and again (a third of the load time on small runs).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_epoch(record: dict[str, Any]) -> int | None:
    value = record.get("epoch")
    return value if type(value) is int else None


def _shorten(value: Any) -> str:
    """A short repr (bounded in length and depth, whatever the writer put there)."""
    return reprlib.repr(value)


def table_from_records(records: list[dict[str, Any]]) -> RunTable:
    """A table from in-memory epoch records (simulator histories, benchmarks, tests)."""
    rows = []
    for record in records:
        flat: dict[str, float] = {}
        flatten_record(record, flat)
        rows.append((int(record["epoch"]), flat))
    table = RunTable()
    table.load(rows)
    return table


def load_run(ref: RunRef) -> RunSource:
    """Read a run once (the headless commands' entry point)."""
    source = RunSource(ref)
    source.refresh()
    return source
