"""Parse a JSON array of epoch records that may be cut at any byte, and resume from an offset.

The writer truncates ``training_summary.json`` and rewrites it whole every epoch, so a reader
sees an empty file, a prefix cut mid-number, or the complete array. This module recovers every
complete record before a cut, tells a cut (the file is being written) from a file that is not a
JSON array at all, and can continue from the byte offset of the last complete record so that
taking in one more epoch does not re-read the whole history.

Whole files are parsed with orjson (several times faster than ``json``) when they hold no
``NaN``/``Infinity`` token, which orjson refuses; files that do go to Python's ``json``,
which accepts the bare tokens the writer emits, so no token rewriting is needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

_WS = re.compile(r"[ \t\n\r]*")
_INDENT2_RECORD_END = "\n  }"
_RECORD_START = re.compile(r"\n  \{")
_decoder = json.JSONDecoder()
_NON_FINITE_TOKENS = ("NaN", "Infinity")
TOO_DEEP = "nested too deeply to read"


def _loads(text: str) -> Any:
    """Parse a whole JSON text: orjson when it can, else the standard library.

    Raises ``json.JSONDecodeError`` (orjson's error is a subclass of it); callers then fall
    back to record-by-record decoding with the standard library. Nesting too deep for the
    standard library's recursion limit is reported the same way.
    """
    if any(token in text for token in _NON_FINITE_TOKENS):
        try:
            return json.loads(text)
        except RecursionError as exc:
            raise json.JSONDecodeError(TOO_DEEP, text, 0) from exc
    return orjson.loads(text)


class SummaryFormatError(ValueError):
    """The text is not a JSON array of records (as opposed to being cut short)."""


@dataclass(slots=True)
class ScanResult:
    """What one pass over (part of) a summary text found."""

    records: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0
    """Character offset just past the last complete record (or past ``[`` when none)."""
    complete: bool = False
    """The closing ``]`` was seen: the array is whole."""
    truncated: bool = False
    """The text stops inside a record: the file is being written."""
    problems: list[str] = field(default_factory=list)
    """Per-record problems (not an object, corrupt record skipped), for the user."""


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def scan_array(text: str) -> ScanResult:
    """Parse a whole summary text; never raises on a cut, raises SummaryFormatError on junk.

    The fast path is one ``json.loads`` of the whole text. A cut indent=2 file (what the real
    writer leaves mid-rewrite) is closed after its last complete record and parsed again in one
    call; anything else falls back to record-by-record decoding.
    """
    start = _WS.match(text).end()  # type: ignore[union-attr]
    if start == len(text):
        return ScanResult(truncated=False)
    first = text[start]
    if first != "[":
        raise SummaryFormatError(_describe_non_array(text, start))
    try:
        value = _loads(text)
    except json.JSONDecodeError:
        pass
    else:
        if isinstance(value, list):
            result = ScanResult(end=_end_of_last_record(text, start), complete=True)
            _keep_objects(value, result, 0)
            return result
    body_end = -1 if text.rstrip().endswith("]") else text.rfind(_INDENT2_RECORD_END)
    if body_end > start:
        cut = body_end + len(_INDENT2_RECORD_END)
        try:
            value = _loads(text[:cut] + "\n]")
        except json.JSONDecodeError:
            pass
        else:
            result = ScanResult(end=cut, truncated=True)
            _keep_objects(value, result, 0)
            return result
    return scan_records(text, start + 1, expect_comma=False)


def scan_records(text: str, pos: int, *, expect_comma: bool, first_index: int = 0) -> ScanResult:
    """Decode records one by one from ``pos`` (just past ``[`` or past a complete record).

    Stops at ``]`` (complete), at the end of the text, or at a record cut short (truncated).
    A corrupt record followed by more records is reported and skipped by resynchronising on
    the next indent=2 record start; without one, the rest is reported as unreadable.
    """
    result = ScanResult(end=pos)
    n = len(text)
    index = first_index
    need_comma = expect_comma
    while True:
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            result.truncated = True
            return result
        char = text[pos]
        if char == "]":
            result.complete = True
            return result
        if need_comma:
            if char != ",":
                return _corrupt(text, pos, result, index, "expected ',' or ']' between records")
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            if pos >= n:
                result.truncated = True
                return result
        try:
            value, after = _decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if _runs_to_end(text, exc):
                result.truncated = True
                return result
            return _corrupt(text, pos, result, index, exc.msg)
        except RecursionError:
            return _corrupt(text, pos, result, index, TOO_DEEP)
        if isinstance(value, dict):
            result.records.append(value)
        else:
            result.problems.append(
                f"record {index} (line {_line_of(text, pos)}) is a {type(value).__name__},"
                " not an object: skipped"
            )
        index += 1
        result.end = after
        pos = after
        need_comma = True


def _runs_to_end(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether a decode error is the text running out rather than bad content.

    A cut record has no complete indent=2 record after the error position and does not end
    with the array's closing bracket.
    """
    rest = text[exc.pos :]
    return _RECORD_START.search(rest) is None and not rest.rstrip().endswith("]")


def _corrupt(text: str, pos: int, result: ScanResult, index: int, why: str) -> ScanResult:
    line = _line_of(text, pos)
    match = _RECORD_START.search(text, pos + 1)
    if match is None:
        result.problems.append(f"unreadable from line {line} (record {index}): {why}")
        result.truncated = not text.rstrip().endswith("]")
        return result
    result.problems.append(f"record {index} (line {line}) is not valid JSON ({why}): skipped")
    rest = scan_records(text, match.start() + 1, expect_comma=False, first_index=index + 1)
    result.records.extend(rest.records)
    result.problems.extend(rest.problems)
    result.end, result.complete, result.truncated = rest.end, rest.complete, rest.truncated
    return result


def _keep_objects(values: list[Any], result: ScanResult, first_index: int) -> None:
    records = result.records
    for offset, value in enumerate(values):
        if isinstance(value, dict):
            records.append(value)
        else:
            result.problems.append(
                f"record {first_index + offset} is a {type(value).__name__}, not an object: skipped"
            )


def _end_of_last_record(text: str, start: int) -> int:
    """Offset just past the last element of a whole array (just past ``[`` when empty).

    Walks back over the closing bracket and whitespace instead of stripping, which would
    copy a text of many megabytes.
    """
    pos = len(text) - 1
    while pos > start and text[pos] in " \t\r\n":
        pos -= 1
    pos -= 1  # the closing bracket
    while pos > start and text[pos] in " \t\r\n":
        pos -= 1
    return max(pos + 1, start + 1)


def _describe_non_array(text: str, start: int) -> str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if text[start] == "{":
            return "expected a JSON array of epoch records, found a JSON object (cut short)"
        return f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    kind = "an object" if isinstance(value, dict) else f"a {type(value).__name__}"
    return f"expected a JSON array of epoch records, found {kind}"
