"""What is wrong with a run's summary file right now, in words a user can act on.

A monitor left open for days meets files that vanish, turn unreadable, get emptied or stay cut
short. Each of those keeps the epochs already read on screen, so the screen must say that they
are not what the file holds now, and since when: "summary missing since 14:02; showing the
120 epochs read before". ``FileCondition`` is that statement; ``tag`` is its short form for a
list row, ``sentence`` the whole of it for a header or a log line. No I/O, no UI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

OK = "ok"
MISSING = "missing"
UNREADABLE = "unreadable"
INVALID = "not JSON"
CUT = "cut short"
EMPTIED = "emptied"


@dataclass(frozen=True, slots=True)
class FileCondition:
    """The summary file's trouble (``kind``), since when (wall clock), and why."""

    kind: str = OK
    since: float | None = None
    reason: str | None = None
    """Why, for an unreadable or invalid file ("permission denied")."""

    @property
    def ok(self) -> bool:
        return self.kind == OK

    def tag(self) -> str | None:
        """A few words for a run list row ("missing 14:02"), None when all is well."""
        if self.ok:
            return None
        if self.kind == MISSING:
            return f"missing {clock_time(self.since)}" if self.since else MISSING
        return self.kind

    def sentence(self, epochs: int, restarts: tuple[int, ...] | list[int] = ()) -> str | None:
        """One line on the file and the history ("summary missing since 14:02:05; showing the
        120 epochs read before"), None when there is nothing to say."""
        parts: list[str] = []
        if not self.ok:
            since = f" since {clock_time(self.since, seconds=True)}" if self.since else ""
            head = {
                MISSING: f"summary missing{since}",
                UNREADABLE: f"summary unreadable{since}: {self.reason or 'cannot read'}",
                INVALID: f"summary not a JSON array of epochs{since}: {self.reason or ''}",
                CUT: f"summary cut short{since} (the writer stopped mid-write)",
                EMPTIED: f"summary emptied{since}",
            }.get(self.kind, f"summary {self.kind}{since}")
            parts.append(head.rstrip(": "))
            if self.kind in (MISSING, UNREADABLE):
                parts.append(f"showing the {_epochs(epochs)} read before" if epochs else "")
            elif epochs:
                parts.append(f"showing the {_epochs(epochs)} still on disk")
        if restarts:
            parts.append(f"restarted at epoch {restarts[-1]}")
        text = "; ".join(p for p in parts if p)
        return text or None


def clock_time(when: float | None, *, seconds: bool = False, now: float | None = None) -> str:
    """Local time of day ("14:02"), with the date when it is not today ("Mar 03 14:02")."""
    if when is None:
        return "–"
    moment = time.localtime(when)
    today = time.localtime(time.time() if now is None else now)
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    if (moment.tm_year, moment.tm_yday) != (today.tm_year, today.tm_yday):
        fmt = "%b %d " + fmt
    return time.strftime(fmt, moment)


def _epochs(count: int) -> str:
    return "1 epoch" if count == 1 else f"{count} epochs"
