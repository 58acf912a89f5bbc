"""Runs whose names, metric keys and values are hostile: markup, escapes, control characters.

Folder names carry what a Linux file name can (everything but ``/`` and NUL); metric keys and
string values carry the rest (NUL and the other C0 controls) through JSON escapes. A NaN in a
hostile metric makes the engine raise a finding whose evidence and metrics name it, and a
hostile text in ``raw_loss_mean`` makes the loader report that field, so the hostile strings
reach every place the app and the commands show text: run lists, metric lists, charts,
findings, notes and the epoch inspector.
"""

from __future__ import annotations

import json
from pathlib import Path

from neuromf_tui.textsafe import printable
from tests.runfiles import record, write_run

RUN_NAMES = (
    "run[bold red]x[/]",
    "[@click=app.quit]quit",
    "esc\x1b[31mred\x1b[0m",
    "title\x1b]0;pwned\x07bell",
    "clear\x1b[2Jscreen",
    "cr\rover\bback",
    "bidi\u202egnp.exe",
    "[link=https:e.x]l[/link]",
)
METRIC_KEYS = (
    "[bold red]metric[/]",
    "[@click=app.quit]metric",
    "esc\x1b[31mmetric",
    "ctl\x00\x01\x1f\x7fmetric",
    "cr\rmetric",
    "bidi\u202emetric",
)
NAN_KEY = "[@click=app.quit]metric"
"""The hostile metric logged as NaN: the integrity finding names it."""
TEXT_VALUE = "[@click=app.quit]value\x1b[2J\r[/]"
EPOCHS = 40
FORBIDDEN = ("\x1b", "\r", "\b", "\x00", "\x07", "\x7f", "\u202e")
"""Characters that must never reach the terminal from untrusted text."""


def hostile_record(epoch: int) -> dict[str, object]:
    extra: dict[str, object] = {key: 0.5 + 0.01 * epoch for key in METRIC_KEYS}
    extra["notes"] = {"[bold]free text[/]": TEXT_VALUE}
    if epoch == EPOCHS - 5:
        extra[NAN_KEY] = float("nan")
    if epoch == 3:
        extra["raw_loss_mean"] = TEXT_VALUE
    return record(epoch, **extra)


def write_hostile_root(root: Path, names: tuple[str, ...] = RUN_NAMES) -> Path:
    """A results root with one hostile run per name (current layout, per-epoch files too)."""
    records = [hostile_record(epoch) for epoch in range(EPOCHS)]
    for name in names:
        write_run(root, name, records)
    config = root / names[0] / "hparams.yaml"
    config.write_text(f"max_epochs: {EPOCHS}\nnote: {json.dumps(TEXT_VALUE)}\n", encoding="utf-8")
    return root


def shown(text: str) -> str:
    """What a safe display of ``text`` holds: the text with control characters removed."""
    return printable(text)


def assert_clean(output: str) -> None:
    """No escape, carriage return, backspace, NUL, bell, DEL or bidi override got through."""
    leaked = [repr(ch) for ch in FORBIDDEN if ch in output]
    assert not leaked, f"control characters leaked: {leaked}"
