"""The tolerant summary parser: cuts at any byte, junk, bad records, NaN tokens."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromf_tui.data.jsonscan import SummaryFormatError, scan_array, scan_records
from tests.runfiles import dump, history

TWENTY = dump(history(20))
ENDS = [TWENTY.index("\n  }", 0) + 4]
while (nxt := TWENTY.find("\n  }", ENDS[-1])) != -1:
    ENDS.append(nxt + 4)


def complete_before(cut: int) -> int:
    """How many records end (closing brace included) within the first ``cut`` characters."""
    return sum(1 for end in ENDS if end <= cut)


def test_every_truncation_prefix_of_a_20_epoch_file_yields_the_complete_epochs() -> None:
    assert len(ENDS) == 20
    for cut in range(len(TWENTY) + 1):
        result = scan_array(TWENTY[:cut])
        epochs = [rec["epoch"] for rec in result.records]
        expected = complete_before(cut)
        assert epochs == list(range(expected)), f"cut at byte {cut}"
        if cut < len(TWENTY):
            assert not result.complete
            assert result.truncated or not TWENTY[:cut].strip(), f"cut at byte {cut}"
        else:
            assert result.complete and not result.truncated
        assert result.problems == []


def test_compact_json_truncated_anywhere_yields_complete_records() -> None:
    text = json.dumps(history(6), separators=(",", ":"))
    boundaries = []
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 1 and ch == "}":
                boundaries.append(i + 1)
    for cut in range(len(text) + 1):
        result = scan_array(text[:cut])
        assert len(result.records) == sum(1 for b in boundaries if b <= cut)


def test_bare_nan_and_infinity_tokens_parse() -> None:
    text = dump([{"epoch": 0, "a": math.nan, "b": math.inf, "c": -math.inf}])
    assert "NaN" in text and "Infinity" in text
    (rec,) = scan_array(text).records
    assert math.isnan(rec["a"]) and rec["b"] == math.inf and rec["c"] == -math.inf


def test_empty_and_whitespace_files_are_no_epochs_not_errors() -> None:
    for text in ("", "   \n", "["):
        result = scan_array(text)
        assert result.records == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"epoch": 0}', "found an object"),
        ("42", "found a int"),
        ("hello world", "not JSON"),
        ('"just a string"', "found a str"),
    ],
)
def test_not_an_array_is_a_named_error(text: str, fragment: str) -> None:
    with pytest.raises(SummaryFormatError, match=fragment):
        scan_array(text)


def test_non_object_elements_are_reported_and_skipped() -> None:
    result = scan_array('[{"epoch": 0}, 3, "x", {"epoch": 1}]')
    assert [r["epoch"] for r in result.records] == [0, 1]
    assert len(result.problems) == 2 and "record 1" in result.problems[0]


def test_corrupt_record_in_the_middle_is_skipped_and_later_records_kept() -> None:
    text = dump(history(5))
    start = text.index('"epoch": 2')
    broken = text[:start] + '"epoch": 2,, "oops' + text[start + 10 :]
    result = scan_array(broken)
    assert [r["epoch"] for r in result.records] == [0, 1, 3, 4]
    assert result.complete
    assert any("not valid JSON" in p for p in result.problems)


def test_resume_from_offset_reads_only_new_records() -> None:
    old = dump(history(3))
    first = scan_array(old)
    new = dump(history(5))
    assert new.startswith(old[: first.end])
    more = scan_records(new, first.end, expect_comma=True, first_index=3)
    assert [r["epoch"] for r in more.records] == [3, 4]
    assert more.complete


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_a_format_error(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        result = scan_array(text)
    except SummaryFormatError:
        return
    assert all(isinstance(r, dict) for r in result.records)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(TWENTY)), st.binary(min_size=1, max_size=4))
def test_byte_corruption_keeps_records_before_it(position: int, junk: bytes) -> None:
    text = TWENTY[:position] + junk.decode("latin-1") + TWENTY[position + len(junk) :]
    try:
        result = scan_array(text)
    except SummaryFormatError:
        assert position < 3
        return
    kept = [r["epoch"] for r in result.records if isinstance(r.get("epoch"), int)]
    assert set(range(complete_before(position))) <= set(kept) | {None}


def test_what_the_fast_parser_refuses_still_loads() -> None:
    """orjson refuses bare NaN/Infinity (json takes them); huge integers load either way."""
    big = scan_array('[{"epoch": 0, "x": 123456789012345678901234567890}]')
    assert float(big.records[0]["x"]) == 1.2345678901234568e29 and big.complete
    nan = scan_array('[{"epoch": 0, "x": NaN, "y": -Infinity}]')
    assert math.isnan(nan.records[0]["x"]) and nan.records[0]["y"] == -math.inf
    text_only = scan_array('[{"epoch": 0, "note": "NaN appears only in a string"}]')
    assert text_only.records[0]["note"].startswith("NaN")
