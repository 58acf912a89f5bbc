"""Follow every run under a results root as the writers add epochs.

Two layers, no Textual import:

- ``Tailer`` is a plain synchronous class that does all the reading. It keeps one
  ``RunSource`` per run, refreshes them (one ``stat`` per unchanged run), rediscovers the root
  now and then, and turns what changed into ``RunEvent`` values. It is meant to run in a worker
  thread.
- ``RunWatcher`` decides *when* to look again. File events from ``watchfiles`` are only a
  signal ("these paths changed"); the reading happens in ``Tailer.refresh_paths`` on a thread.
  Polling is a first-class mode: training runs usually live on network filesystems where a
  write made by a compute node raises no inotify event on the login node, so the watcher polls
  by itself when native watching is unavailable or unreliable, and polls slowly as a safety net
  even when it is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from watchfiles import Change, awatch

from neuromf_tui.data.condition import FileCondition
from neuromf_tui.data.discover import (
    DEFAULT_MAX_DEPTH,
    SKIPPED_DIRS,
    DiscoveryError,
    RunRef,
    discover_runs,
)
from neuromf_tui.data.loader import RunSource
from neuromf_tui.data.summary_file import FileState

FORCE_POLL_ENV = "NEUROMF_TUI_FORCE_POLL"
DEFAULT_POLL_SECONDS = 2.0
SAFETY_POLL_SECONDS = 10.0
MAX_NATIVE_FOLDERS = 20_000
"""Above this many folders under the root, the watcher polls. watchfiles adds one inotify
watch per folder while holding the GIL (about 20 µs each: 1,000 runs of 125 epochs, 130,000
folders, froze the app for 2.5 s at start) and nears the default inotify limit."""
IGNORED_DIRS = SKIPPED_DIRS - {"diagnostics"}
"""Folders whose changes never touch a summary (checkpoints, samples, logs, ...)."""
# Filesystems on which another host's writes raise no local change event.
# fmt: off
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "beegfs", "ceph", "glusterfs",
    "fuse.glusterfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.juicefs",
    "fuse.ceph-fuse", "panfs", "afs", "wekafs", "9p", "virtiofs",
})
# fmt: on


class EventKind(StrEnum):
    APPEARED = "appeared"
    VANISHED = "vanished"
    APPENDED = "appended"
    CHANGED = "changed"
    """The table was rebuilt (``reset``), or the run's state, error or problems changed."""


@dataclass(slots=True)
class RunEvent:
    """One run's change, as seen by one refresh (at most one event per run per refresh)."""

    kind: EventKind
    name: str
    source: RunSource | None
    """The run's source (None for a vanished run)."""
    epochs: list[int] = field(default_factory=list)
    """The new epochs, in order, for ``appended``."""
    reset: bool = False
    """For ``changed``: the table was rebuilt (a restart, a replaced file): redraw it whole."""


class Tailer:
    """Every run under ``root``, kept current by ``poll_once`` or ``refresh_paths``.

    With ``batch_seconds``, runs found by a discovery are read a batch at a time (newest
    summary first, about that many seconds of reading per call) instead of all in the call
    that found them: the caller gets the first runs of a 1,000-run root in a fraction of a
    second and asks for the rest with ``load_more`` (``unread`` says how many are left).

    ``poll_once``, ``refresh_paths`` and ``rescan`` are meant to run one at a time; a lock
    serialises them should two threads call at once (a watcher plus a "reload now" action).
    The tables they update must not be read while they run: ``RunWatcher`` does not call again
    until its consumer asks for the next batch, so a consumer that handles each batch before
    iterating further reads consistent tables.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        rescan_every: float = 5.0,
        min_rescan_gap: float = 1.0,
        batch_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        self.max_depth = max_depth
        self.rescan_every = rescan_every
        self.min_rescan_gap = min_rescan_gap
        """Rediscoveries triggered by unknown paths are at most this frequent (seconds)."""
        self.batch_seconds = batch_seconds
        self.error: str | None = None
        """Why the last discovery found nothing (the root is gone or holds no runs)."""
        self.failures: dict[str, str] = {}
        """Unexpected errors while refreshing a run, by run name (that run only is affected)."""
        self._clock = clock
        self._sources: dict[str, RunSource] = {}
        self._folders: dict[str, str] = {}
        self._signatures: dict[str, tuple[FileState, str | None, int, FileCondition]] = {}
        self._settling: dict[str, float] = {}
        """Runs whose summary looks mid-rewrite -> when to read it again (monotonic)."""
        self._unread: dict[str, RunRef] = {}
        """Runs discovered but not read yet (``batch_seconds``), in reading order."""
        self._scanned_at: float | None = None
        self._scan_cost = 0.0
        self._rescan_pending = False
        self._lock = threading.RLock()

    @property
    def sources(self) -> Mapping[str, RunSource]:
        """Run name -> source, for every run currently known (read-only view)."""
        return MappingProxyType(self._sources)

    def run_for_path(self, path: str | os.PathLike[str]) -> str | None:
        """The name of the run whose folder holds ``path``, or None (a few dict lookups)."""
        current = os.path.abspath(os.fspath(path))
        while True:
            name = self._folders.get(current)
            if name is not None:
                return name
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent

    @property
    def unread(self) -> int:
        """How many discovered runs are still to be read (``load_more``)."""
        return len(self._unread)

    def recheck_in(self) -> float | None:
        """Seconds until a summary held as mid-rewrite is due a second look (0 if now), None
        if none is: a file left empty or cut short is then taken as it is, not waited on."""
        if not self._settling:
            return None
        return max(0.0, min(self._settling.values()) - time.monotonic())

    def recheck(self) -> list[RunEvent]:
        """Read again the runs whose summary looked mid-rewrite and whose grace is over."""
        with self._lock:
            now = time.monotonic()
            due = [name for name, when in self._settling.items() if when <= now]
            return self._refresh_all(due, [])

    def rescan_pending_in(self) -> float | None:
        """Seconds until a deferred rediscovery may run (0 if now), None if none is pending."""
        if not self._rescan_pending or self._scanned_at is None:
            return None
        return max(0.0, self._scanned_at + self.min_rescan_gap - self._clock())

    # --- reading -------------------------------------------------------------------------
    def poll_once(self, *, rescan: bool = False) -> list[RunEvent]:
        """Refresh every run, and rediscover when due or when ``rescan`` is true.

        The first call discovers and loads everything and reports each run as appeared.
        """
        with self._lock:
            if self._scanned_at is None:
                return self._rescan()
            due = rescan or self._rescan_pending or self._rescan_due()
            events = self._rescan() if due else self._read_unread()
            return self._refresh_all(list(self._sources), events)

    def load_more(self) -> list[RunEvent]:
        """Read the next batch of discovered runs (``unread``); appeared events for them."""
        with self._lock:
            return self._read_unread()

    def refresh_paths(self, paths: Iterable[str | os.PathLike[str]]) -> list[RunEvent]:
        """Refresh only the runs owning ``paths``; rediscover if a path may belong to a new run.

        Each run is refreshed once however many of its paths are given, so a burst of file
        events becomes one event per run.
        """
        with self._lock:
            if self._scanned_at is None:
                return self.poll_once()
            names: dict[str, None] = {}
            unknown = False
            for path in paths:
                name = self.run_for_path(path)
                if name is not None:
                    names[name] = None
                elif not unknown:
                    unknown = self._may_hold_new_run(os.path.abspath(os.fspath(path)))
            events: list[RunEvent] = []
            if unknown:
                if self._clock() - (self._scanned_at or 0.0) >= self.min_rescan_gap:
                    events = self._rescan()
                else:
                    self._rescan_pending = True
            return self._refresh_all(names, events)

    def rescan(self) -> list[RunEvent]:
        """Rediscover now: appeared, vanished, and runs whose layout changed (reset)."""
        with self._lock:
            return self._rescan() if self._scanned_at is not None else self.poll_once()

    # --- internals -----------------------------------------------------------------------
    def _refresh_all(self, names: Iterable[str], events: list[RunEvent]) -> list[RunEvent]:
        """Refresh ``names`` after a rediscovery; a run it already reported is not read again."""
        done = {event.name for event in events}
        for name in names:
            if name not in done and name in self._sources and (event := self._refresh(name)):
                events.append(event)
        return events

    def _rescan_due(self) -> bool:
        if self._scanned_at is None:
            return True
        # Never spend more than about a tenth of the time walking a slow filesystem.
        gap = max(self.rescan_every, 10.0 * self._scan_cost)
        return self._clock() - self._scanned_at >= gap

    def _may_hold_new_run(self, path: str) -> bool:
        """Whether a changed path outside every known run is worth a rediscovery.

        Summaries live under a ``diagnostics`` folder; a folder created, deleted or renamed may
        be a run arriving. A busy plain file (a Slurm log in the root) is neither.
        """
        root = str(self.root)
        if path == root or root.startswith(path + os.sep):
            return True
        if not path.startswith(root + os.sep):
            return False
        if "diagnostics" in path[len(root) + 1 :].split(os.sep):
            return True
        return not os.path.isfile(path)

    def _rescan(self) -> list[RunEvent]:
        started = self._clock()
        try:
            refs = discover_runs(self.root, self.max_depth)
            self.error = None if refs else f"{self.root}: no runs found"
        except DiscoveryError as exc:
            refs = []
            self.error = str(exc)
        found: dict[str, RunRef] = {ref.name: ref for ref in refs}
        events: list[RunEvent] = []
        for name, source in list(self._sources.items()):
            # A run discovery no longer sees (summary briefly missing) stays while its folder does.
            if name not in found and not os.path.isdir(source.ref.folder):
                events.append(self._drop(name))
        for name in [name for name in self._unread if name not in found]:
            self._folders.pop(os.path.abspath(self._unread.pop(name).folder), None)
        if self.batch_seconds is not None:
            waiting = [ref for name, ref in found.items() if name not in self._sources]
            for ref in sorted(waiting, key=_newest_first):
                self._unread[ref.name] = ref  # those already waiting keep their place
                # Changes inside a run not read yet are no sign of a new run.
                self._folders[os.path.abspath(ref.folder)] = ref.name
        for name, ref in found.items():
            source = self._sources.get(name)
            if source is None:
                if self.batch_seconds is not None:
                    continue
                kind = EventKind.APPEARED
            elif source.ref != ref:
                # A layout folder appeared (e.g. per_epoch_metrics after the first epoch).
                self._drop(name)
                kind = EventKind.CHANGED
            else:
                continue
            if (event := self._add(ref, kind)) is not None:
                events.append(event)
        self._scanned_at = self._clock()
        self._scan_cost = self._scanned_at - started
        self._rescan_pending = False
        return self._read_unread(events)

    def _read_unread(self, events: list[RunEvent] | None = None) -> list[RunEvent]:
        """Read discovered runs until ``batch_seconds`` of reading is spent (at least one)."""
        events = [] if events is None else events
        if not self._unread:
            return events
        started = time.perf_counter()
        while self._unread:
            name = next(iter(self._unread))
            ref = self._unread.pop(name)
            if (event := self._add(ref, EventKind.APPEARED)) is not None:
                events.append(event)
            if time.perf_counter() - started >= (self.batch_seconds or 0.0):
                break
        return events

    def _add(self, ref: RunRef, kind: EventKind) -> RunEvent | None:
        source = RunSource(ref)
        self._sources[ref.name] = source
        self._folders[os.path.abspath(ref.folder)] = ref.name
        if self._refresh(ref.name) is not None and ref.name not in self._sources:
            return None  # deleted between discovery and the first read
        return RunEvent(kind, ref.name, source, reset=kind is EventKind.CHANGED)

    def _drop(self, name: str) -> RunEvent:
        source = self._sources.pop(name)
        self._folders.pop(os.path.abspath(source.ref.folder), None)
        self._signatures.pop(name, None)
        self._settling.pop(name, None)
        self.failures.pop(name, None)
        return RunEvent(EventKind.VANISHED, name, None)

    def _refresh(self, name: str) -> RunEvent | None:
        source = self._sources[name]
        try:
            update = source.refresh()
        except Exception as exc:  # one run's bug must not stop the others: report it on the run
            message = f"{type(exc).__name__}: {exc}"
            if self.failures.get(name) == message:
                return None
            self.failures[name] = message
            return RunEvent(EventKind.CHANGED, name, source)
        recovered = self.failures.pop(name, None) is not None
        if (settle_at := source.settle_at) is not None:
            self._settling[name] = settle_at
        else:
            self._settling.pop(name, None)
        signature = (source.state, source.error, len(source.problems), source.condition)
        moved = signature != self._signatures.get(name)
        self._signatures[name] = signature
        if (update.changed or moved) and not os.path.isdir(source.ref.folder):
            return self._drop(name)
        if update.reset:
            return RunEvent(EventKind.CHANGED, name, source, reset=True)
        if update.appended:
            return RunEvent(EventKind.APPENDED, name, source, epochs=list(update.appended))
        if update.changed or moved or recovered:
            return RunEvent(EventKind.CHANGED, name, source)
        return None


def _newest_first(ref: RunRef) -> float:
    """Sort key: the run whose summary was written last comes first (it is at the top of
    the run list, and most likely the one being watched)."""
    try:
        return -os.stat(ref.summary).st_mtime if ref.summary is not None else 0.0
    except OSError:
        return 0.0


# --- watching ----------------------------------------------------------------------------
class WatchMode(StrEnum):
    NATIVE = "native"
    POLLING = "polling"


class SummaryFilter:
    """watchfiles filter passing only paths that can change a summary or the set of runs.

    Checkpoints, samples and logs change far more often than summaries; dropping them here
    keeps each wake-up cheap. Hidden names (editor swap files, NFS ``.nfsXXXX``) are dropped too.
    """

    def __init__(self, root: Path) -> None:
        self._prefix = str(root).rstrip(os.sep) + os.sep

    def __call__(self, change: Change, path: str) -> bool:
        relative = path[len(self._prefix) :] if path.startswith(self._prefix) else path
        return not any(
            part in IGNORED_DIRS or part.startswith(".") for part in relative.split(os.sep)
        )


def count_folders(root: Path, limit: int) -> int:
    """Folders under ``root`` (itself included), counted up to just past ``limit``.

    Native watching adds one inotify watch per folder, every folder: checkpoints, samples
    and each ``epoch_NNN`` too.
    """
    count = 0
    stack = [str(root)]
    while stack and count <= limit:
        folder = stack.pop()
        count += 1
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return count


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the filesystem holding ``path`` (longest mount point), None if unknown.

    ``mounts`` is the text of ``/proc/self/mounts`` (read when not given; Linux only).
    """
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path)
    best, kind = -1, None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:
            best, kind = len(point), fields[2]
    return kind


def _force_poll_setting() -> bool | None:
    """``NEUROMF_TUI_FORCE_POLL``: true forces polling, false forces native, unset decides."""
    value = os.environ.get(FORCE_POLL_ENV, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


@dataclass(frozen=True, slots=True)
class _PumpEnded:
    error: BaseException | None


class RunWatcher:
    """Turns file events (or a clock) into batches of ``RunEvent`` from a ``Tailer``.

    Mode is decided at construction (the folder count when iteration starts) and may fall
    back once at run time:

    - ``poll`` given: polling every ``poll`` seconds;
    - ``NEUROMF_TUI_FORCE_POLL=1``, or the root on a network filesystem: polling every
      ``fallback_poll`` seconds (``NEUROMF_TUI_FORCE_POLL=0`` skips this check and the next);
    - a root of more than ``MAX_NATIVE_FOLDERS`` folders: polling too;
    - otherwise native: ``watchfiles.awatch`` signals changed paths and a slow safety poll
      (``safety_poll``) catches what the filesystem never reported. If watching fails (at start,
      e.g. the inotify watch limit, or later), the watcher switches to polling by itself.

    ``mode``, ``reason`` and ``describe()`` say what is in effect, for the UI and CLI.

    Cost of native mode: watchfiles sets up one inotify watch per folder under the root, holding
    the GIL while it does (about 1.3 s for 1,000 runs with 65 folders each); a root past the
    inotify watch limit fails at start and falls back to polling.
    """

    def __init__(
        self,
        tailer: Tailer,
        *,
        poll: float | None = None,
        debounce_ms: int = 50,
        step_ms: int = 20,
        fallback_poll: float = DEFAULT_POLL_SECONDS,
        safety_poll: float = SAFETY_POLL_SECONDS,
        stop_event: asyncio.Event | None = None,
        on_mode_change: Callable[[RunWatcher], None] | None = None,
    ) -> None:
        self.tailer = tailer
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.fallback_poll = fallback_poll
        self.safety_poll = safety_poll
        self.stop_event = stop_event if stop_event is not None else asyncio.Event()
        self.on_mode_change = on_mode_change
        self.mode = WatchMode.NATIVE
        self.reason: str | None = None
        """Why the watcher polls (None when native, or when polling was asked for)."""
        self.interval = safety_poll
        """Seconds between polls: the poll interval, or the safety poll in native mode."""
        self._count_folders = False
        """Native by default (not asked for): check the root is not too big to watch."""
        if poll is not None:
            self.mode, self.interval = WatchMode.POLLING, poll
        else:
            forced = _force_poll_setting()
            self._count_folders = forced is None
            fs_type = filesystem_type(tailer.root) if forced is None else None
            if forced:
                self._use_polling(f"native watching disabled by {FORCE_POLL_ENV}", notify=False)
            elif fs_type in NETWORK_FILESYSTEMS:
                self._use_polling(
                    f"native watching misses other hosts' writes on {fs_type}", notify=False
                )

    def describe(self) -> str:
        """One line for a status bar: "polling every 2 s (native watching unavailable: ...)"."""
        if self.mode is WatchMode.NATIVE:
            return f"watching for changes (and polling every {self.interval:g} s)"
        suffix = f" ({self.reason})" if self.reason else ""
        return f"polling every {self.interval:g} s{suffix}"

    def stop(self) -> None:
        """End the iteration of ``events()`` soon (within one watchfiles step or poll wait)."""
        self.stop_event.set()

    def __aiter__(self) -> AsyncIterator[list[RunEvent]]:
        return self.events()

    async def events(self) -> AsyncIterator[list[RunEvent]]:
        """Non-empty event batches until ``stop_event`` is set; the first batch is the load
        (its first part when the tailer reads in batches; the rest follows straight away)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[set[str] | _PumpEnded] = asyncio.Queue()
        pump_stop = _EitherEvent(self.stop_event)
        pump: asyncio.Task[None] | None = None
        try:
            if self.mode is WatchMode.NATIVE and self._count_folders:
                target, _ = self._watch_target()
                folders = await asyncio.to_thread(count_folders, target, MAX_NATIVE_FOLDERS)
                if folders > MAX_NATIVE_FOLDERS:
                    self._use_polling(
                        f"over {MAX_NATIVE_FOLDERS:,} folders to watch, too many for native "
                        "watching",
                        notify=False,
                    )
            if self.mode is WatchMode.NATIVE:
                # Start watching before the first load, so no write falls between the two;
                # one loop turn is enough for awatch to set up its watches or fail.
                pump = asyncio.create_task(self._pump(queue, pump_stop))
                await asyncio.sleep(0)
                if pump.done():
                    while not queue.empty():
                        self._pump_ended(queue.get_nowait())
            batch = await asyncio.to_thread(self.tailer.poll_once)
            deadline = loop.time() + self.interval
            if batch:
                yield batch
            while not self.stop_event.is_set():
                if self.tailer.unread:
                    # Runs discovered but not read yet come a batch at a time; file events
                    # and due polls are still served in between.
                    batch = await asyncio.to_thread(self.tailer.load_more)
                    if batch:
                        yield batch
                    busy = self.mode is WatchMode.NATIVE and not queue.empty()
                    if loop.time() < deadline and not busy:
                        continue
                if self.mode is WatchMode.POLLING:
                    batch = await self._poll_after(deadline - loop.time())
                    deadline = loop.time() + self.interval
                else:
                    batch, polled = await self._native_step(queue, deadline)
                    if polled:
                        deadline = loop.time() + self.interval
                if batch:
                    yield batch
        finally:
            pump_stop.set()
            if pump is not None:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(pump, timeout=1.0)

    # --- internals -----------------------------------------------------------------------
    def _watch_target(self) -> tuple[Path, bool]:
        root = self.tailer.root
        return (root.parent, False) if root.is_file() else (root, True)

    async def _pump(self, queue: asyncio.Queue[set[str] | _PumpEnded], stop: _EitherEvent) -> None:
        """Forward awatch's change sets to ``queue``, then how and why it ended."""
        try:
            target, recursive = self._watch_target()
            async for changes in awatch(
                target,
                watch_filter=SummaryFilter(target),
                debounce=self.debounce_ms,
                step=self.step_ms,
                stop_event=stop,
                recursive=recursive,
                ignore_permission_denied=True,
            ):
                queue.put_nowait({path for _, path in changes})
        except Exception as exc:
            queue.put_nowait(_PumpEnded(exc))
        else:
            queue.put_nowait(_PumpEnded(None))

    def _pump_ended(self, item: set[str] | _PumpEnded) -> bool:
        """Switch to polling if ``item`` says watching ended without being asked to."""
        if not isinstance(item, _PumpEnded) or self.stop_event.is_set():
            return False
        error = item.error
        reason = f"{type(error).__name__}: {error}" if error is not None else "the watcher ended"
        self._use_polling(f"native watching unavailable: {reason}")
        return True

    async def _native_step(
        self, queue: asyncio.Queue[set[str] | _PumpEnded], deadline: float
    ) -> tuple[list[RunEvent], bool]:
        """Wait for changed paths or the safety poll, then read; returns (batch, full poll)."""
        loop = asyncio.get_running_loop()
        timeout = deadline - loop.time()
        for pending in (self.tailer.rescan_pending_in(), self.tailer.recheck_in()):
            if pending is not None:
                timeout = min(timeout, pending)
        items: list[set[str] | _PumpEnded] = []
        if queue.empty() and timeout > 0:
            with contextlib.suppress(TimeoutError):
                items.append(await asyncio.wait_for(queue.get(), timeout))
        while not queue.empty():
            items.append(queue.get_nowait())
        paths: set[str] = set()
        for item in items:
            if isinstance(item, _PumpEnded):
                if not self._pump_ended(item):
                    return [], False
                return await asyncio.to_thread(self.tailer.poll_once), True
            paths |= item
        if loop.time() >= deadline:
            # The safety poll reads every run, the changed ones included.
            return await asyncio.to_thread(self.tailer.poll_once), True
        if paths:
            return await asyncio.to_thread(self.tailer.refresh_paths, paths), False
        pending = self.tailer.rescan_pending_in()
        if pending is not None and pending <= 0:
            return await asyncio.to_thread(self.tailer.rescan), False
        recheck = self.tailer.recheck_in()
        if recheck is not None and recheck <= 0:
            return await asyncio.to_thread(self.tailer.recheck), False
        return [], False

    async def _poll_after(self, delay: float) -> list[RunEvent]:
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), delay)
        if self.stop_event.is_set():
            return []
        return await asyncio.to_thread(self.tailer.poll_once)

    def _use_polling(self, reason: str, *, notify: bool = True) -> None:
        self.mode, self.reason, self.interval = WatchMode.POLLING, reason, self.fallback_poll
        if notify and self.on_mode_change is not None:
            self.on_mode_change(self)


class _EitherEvent:
    """awatch's stop signal: the caller's event, or the watcher's own teardown.

    awatch sets the event it is given when it is cancelled, and stopping this watcher (a
    consumer that breaks out early) must not set an event the caller may share with other
    tasks. ``is_set`` is polled by watchfiles from a worker thread.
    """

    def __init__(self, outer: asyncio.Event) -> None:
        self._outer = outer
        self._own = threading.Event()

    def is_set(self) -> bool:
        return self._own.is_set() or self._outer.is_set()

    def set(self) -> None:
        self._own.set()


def watch(
    tailer: Tailer,
    *,
    poll: float | None = None,
    debounce_ms: int = 50,
    stop_event: asyncio.Event | None = None,
) -> AsyncIterator[list[RunEvent]]:
    """``async for batch in watch(tailer)``: the events of a ``RunWatcher`` with defaults.

    Build a ``RunWatcher`` directly to read its ``mode`` and ``reason``.
    """
    return RunWatcher(tailer, poll=poll, debounce_ms=debounce_ms, stop_event=stop_event).events()
