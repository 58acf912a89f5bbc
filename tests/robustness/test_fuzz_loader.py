"""Fuzzed input to the loader: whatever a writer leaves, nothing raises, good epochs are kept
with their exact values, and each bad part is reported for its run and its field.

Good records get epochs below 1000; garbage records with a usable epoch get their own epochs
from 5000 up, so the expected content of every good row is known exactly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from neuromf_tui.data.discover import discover_runs
from neuromf_tui.data.fieldcheck import has_empty_key
from neuromf_tui.data.loader import MAX_PROBLEMS, RunSource, load_run
from neuromf_tui.data.summary_file import FileState
from tests.robustness.fuzzing import (
    KNOWN_SCALARS,
    budget,
    dump,
    flat,
    garbage_record,
    has_leaf,
    is_nonfinite,
    is_text,
    values,
)
from tests.runfiles import record, run_folder, write_epoch_file

GARBAGE_EPOCHS = 5000


@st.composite
def mixed_history(draw: st.DrawFn) -> tuple[list[Any], dict[int, dict[str, Any]], list[Any]]:
    """(elements in file order, last good record per good epoch, garbage records with flags).

    Good epochs may repeat (a restart rewrote them: the later write wins).
    """
    good_epochs = draw(st.lists(st.integers(0, 999), max_size=12))
    goods = [
        record(epoch, raw_loss_mean=float(index + 1), note=f"write {index}")
        for index, epoch in enumerate(good_epochs)
    ]
    garbage: list[tuple[Any, bool | None]] = []
    for index in range(draw(st.integers(0, 10))):
        if draw(st.booleans()):
            garbage.append(draw(garbage_record(GARBAGE_EPOCHS + index)))
        else:
            garbage.append((draw(values.filter(lambda v: not isinstance(v, dict))), None))
    elements: list[Any] = list(goods)
    for item, _ in garbage:
        elements.insert(draw(st.integers(0, len(elements))), item)
    last_good = {rec["epoch"]: rec for rec in goods}
    return elements, last_good, garbage


def only_source(root: Path) -> RunSource:
    (ref,) = discover_runs(root)
    return load_run(ref)


def assert_good_rows(source: RunSource, last_good: dict[int, dict[str, Any]]) -> None:
    for epoch, rec in last_good.items():
        assert source.table.row(epoch) == flat(rec), f"epoch {epoch} lost or changed"


def assert_fields_reported(source: RunSource, garbage: list[tuple[Any, bool | None]]) -> None:
    """Every wrong-typed known field of a kept record is named; logged NaN/inf is kept as such."""
    for index, (rec, usable) in enumerate(garbage):
        if not usable:
            continue
        epoch = GARBAGE_EPOCHS + index
        for key, value in rec.items():
            if key == "":
                if has_leaf(value):
                    assert any(map(has_empty_key, source.field_problems)), source.field_problems
                continue
            if key not in KNOWN_SCALARS:
                continue
            if is_text(value) or (isinstance(value, list | dict) and has_leaf(value)):
                assert key in source.field_problems, (key, value, source.field_problems)
            elif is_nonfinite(value) and key in source.table:
                assert epoch in source.table.nonfinite.get(key, []), (key, value)


def assert_records_reported(source: RunSource, garbage: list[tuple[Any, bool | None]]) -> None:
    if len(source.problems) >= MAX_PROBLEMS:
        return
    skipped = sum(1 for _, usable in garbage if usable is False)
    not_objects = sum(1 for _, usable in garbage if usable is None)
    assert sum("no usable 'epoch'" in p for p in source.problems) == skipped, source.problems
    assert sum("not an object" in p for p in source.problems) == not_objects, source.problems


@budget(120)
@given(mixed_history(), st.sampled_from(("current", "flat")), st.booleans())
def test_garbage_among_good_epochs_is_reported_and_good_epochs_kept(
    history: tuple[list[Any], dict[int, dict[str, Any]], list[Any]],
    layout: str,
    per_epoch: bool,
) -> None:
    elements, last_good, garbage = history
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, summary, epoch_root = run_folder(root, "run", layout)
        if per_epoch:
            for rec in last_good.values():
                write_epoch_file(epoch_root, rec)
        summary.write_text(dump(elements), encoding="utf-8")
        source = only_source(root)
    assert source.state in (FileState.OK, FileState.EMPTY)
    assert_good_rows(source, last_good)
    assert_fields_reported(source, garbage)
    assert_records_reported(source, garbage)
    kept = {GARBAGE_EPOCHS + i for i, (_, usable) in enumerate(garbage) if usable}
    assert set(source.table.epochs.tolist()) == set(last_good) | kept


@st.composite
def epoch_file_contents(draw: st.DrawFn, epoch: int) -> tuple[bytes, bool]:
    """(file bytes, readable): random bytes, JSON that is not an object, or a garbage record."""
    kind = draw(st.sampled_from(("bytes", "not-object", "record")))
    if kind == "bytes":
        data = draw(st.binary(max_size=60))
        return data, False
    if kind == "not-object":
        value = draw(values.filter(lambda v: not isinstance(v, dict)))
        return dump(value).encode(), False
    rec, usable = draw(garbage_record(epoch))
    return dump(rec).encode(), usable


@budget(80)
@given(
    st.sets(st.integers(0, 299), min_size=1, max_size=10),
    st.lists(st.integers(300, 399), max_size=8, unique=True),
    st.data(),
)
def test_per_epoch_files_alone_survive_bad_files(
    good: set[int], bad: list[int], data: st.DataObject
) -> None:
    contents = {epoch: data.draw(epoch_file_contents(epoch)) for epoch in bad}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, _, epoch_root = run_folder(root, "run", data.draw(st.sampled_from(("current", "flat"))))
        for epoch in good:
            write_epoch_file(epoch_root, record(epoch))
        for epoch, (raw, _) in contents.items():
            path = epoch_root / f"epoch_{epoch:03d}" / "summary.json"
            path.parent.mkdir(parents=True)
            path.write_bytes(raw)
        source = only_source(root)
    assert_good_rows(source, {epoch: record(epoch) for epoch in good})
    newest = max([*good, *bad], default=None)
    for epoch, (raw, readable) in contents.items():
        if readable:
            assert epoch in source.table.epochs
        elif epoch != newest and len(source.problems) < MAX_PROBLEMS:
            where = f"epoch_{epoch:03d}{os.sep}summary.json"
            assert any(where in p for p in source.problems), (raw, source.problems)


TWENTY = dump([record(epoch) for epoch in range(20)])
RECORD_ENDS = [i + 4 for i in range(len(TWENTY)) if TWENTY.startswith("\n  }", i)]
"""Offset just past each record of ``TWENTY``."""


def complete_before(position: int) -> int:
    return sum(1 for end in RECORD_ENDS if end <= position)


@budget(100)
@given(st.integers(0, len(TWENTY)), st.sampled_from(("current", "flat")))
def test_truncation_keeps_every_complete_epoch_and_is_not_a_fault(cut: int, layout: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _, summary, _ = run_folder(Path(tmp), "run", layout)
        summary.write_text(TWENTY[:cut], encoding="utf-8")
        source = only_source(Path(tmp))
    kept = complete_before(cut)
    assert source.table.epochs.tolist() == list(range(kept))
    assert_good_rows(source, {epoch: record(epoch) for epoch in range(kept)})
    assert source.problems == []  # a cut is the writer at work, not a broken file
    if cut < len(TWENTY):
        assert source.state in (FileState.WRITING, FileState.EMPTY)


JUNK = st.binary(min_size=1, max_size=6).map(
    lambda raw: bytes(b for b in raw if not (48 <= b <= 57 or b in b" \t\r\n")) or b"#"
)
"""Corruption without digits or whitespace, so it cannot turn into another valid epoch."""


@budget(100)
@given(st.integers(0, len(TWENTY) - 1), JUNK, st.booleans())
def test_byte_corruption_keeps_the_epochs_before_it(
    position: int, junk: bytes, replace: bool
) -> None:
    raw = TWENTY.encode()
    end = position + len(junk) if replace else position
    corrupted = raw[:position] + junk + raw[end:]
    with tempfile.TemporaryDirectory() as tmp:
        _, summary, _ = run_folder(Path(tmp), "run")
        summary.write_bytes(corrupted)
        source = only_source(Path(tmp))
    intact = complete_before(position)
    assert_good_rows(source, {epoch: record(epoch) for epoch in range(intact)})
    assert source.error is None or intact == 0


@budget(60)
@given(mixed_history(), st.lists(st.integers(0, 10_000), max_size=5), st.data())
def test_following_a_growing_file_ends_where_a_fresh_load_does(
    history: tuple[list[Any], dict[int, dict[str, Any]], list[Any]],
    cuts: list[int],
    data: st.DataObject,
) -> None:
    """RunSource.refresh over successive rewrites (some caught mid-write) equals one load."""
    elements, _, _ = history
    steps = sorted(data.draw(st.lists(st.integers(0, len(elements)), max_size=4)))
    versions = [dump(elements[:n]) for n in steps]
    for index, cut in enumerate(cuts[: len(versions)]):
        versions[index] = versions[index][: cut % (len(versions[index]) + 1)]
    versions.append(dump(elements))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, summary, _ = run_folder(root, "run")
        summary.write_text("", encoding="utf-8")
        (ref,) = discover_runs(root)
        follower = RunSource(ref)
        for index, text in enumerate(versions):
            summary.write_text(text, encoding="utf-8")
            stamp = 1_700_000_000_000_000_000 + index * 1_000_000_000
            os.utime(summary, ns=(stamp, stamp))
            follower.refresh()
        fresh = load_run(ref)
    assert follower.table.epochs.tolist() == fresh.table.epochs.tolist()
    names = set(follower.table.names) | set(fresh.table.names)
    empty = np.full(len(fresh.table), np.nan)
    for name in names:
        mine = follower.table.get(name)
        theirs = fresh.table.get(name)
        mine = empty if mine is None else mine
        theirs = empty if theirs is None else theirs
        assert np.array_equal(mine, theirs, equal_nan=True), name
