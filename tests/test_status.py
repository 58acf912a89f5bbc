"""Run status from hand-made numbers: live, stale, finished, no epochs yet."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuromf_tui.data.status import (
    DEFAULT_STALE_SECONDS,
    MIN_STALE_SECONDS,
    RunStatus,
    classify,
    describe_age,
    stale_threshold,
)

NOW = 1_700_000_000.0
MINUTE_EPOCHS = np.array([60.0, 58.0, 62.0, 61.0])  # median 60.5 s -> stale after 181.5 s


def test_threshold_is_three_median_epochs() -> None:
    assert stale_threshold(MINUTE_EPOCHS) == pytest.approx(181.5)


def test_threshold_ignores_nan_inf_and_nonpositive_epoch_times() -> None:
    times = np.array([np.nan, 100.0, np.inf, 0.0, -5.0, 120.0, np.nan])
    assert stale_threshold(times) == pytest.approx(330.0)


@pytest.mark.parametrize(
    "times", [None, np.array([]), np.array([np.nan, np.nan]), np.array([np.inf, 0.0])]
)
def test_threshold_defaults_to_ten_minutes_without_usable_times(times: np.ndarray | None) -> None:
    assert stale_threshold(times) == DEFAULT_STALE_SECONDS == 600.0


def test_threshold_has_a_floor_for_very_fast_epochs() -> None:
    assert stale_threshold(np.array([2.0, 2.0, 3.0])) == MIN_STALE_SECONDS
    assert stale_threshold(np.array([2.0]), floor=0.0) == pytest.approx(6.0)


def test_explicit_stale_after_wins() -> None:
    assert stale_threshold(MINUTE_EPOCHS, 30.0) == 30.0
    assert stale_threshold(None, 5.0) == 5.0


def test_live_while_writes_are_recent() -> None:
    status = classify(NOW - 100.0, NOW, MINUTE_EPOCHS, last_epoch=10, planned_epochs=100)
    assert status is RunStatus.LIVE


def test_stale_after_three_median_epochs_of_silence() -> None:
    status = classify(NOW - 200.0, NOW, MINUTE_EPOCHS, last_epoch=10, planned_epochs=100)
    assert status is RunStatus.STALE


def test_without_epoch_times_stale_after_ten_minutes() -> None:
    nan_times = np.full(5, np.nan)
    assert classify(NOW - 500.0, NOW, nan_times, 4, None) is RunStatus.LIVE
    assert classify(NOW - 700.0, NOW, nan_times, 4, None) is RunStatus.STALE
    assert classify(NOW - 700.0, NOW, None, 4, None) is RunStatus.STALE
    assert classify(NOW - 500.0, NOW, np.array([]), 4, None) is RunStatus.LIVE


def test_explicit_stale_after_in_classify() -> None:
    assert classify(NOW - 40.0, NOW, MINUTE_EPOCHS, 3, None, stale_after=30.0) is RunStatus.STALE
    assert classify(NOW - 20.0, NOW, MINUTE_EPOCHS, 3, None, stale_after=30.0) is RunStatus.LIVE


def test_finished_when_planned_epochs_reached_even_if_silent() -> None:
    assert classify(NOW - 86400.0, NOW, MINUTE_EPOCHS, 99, 100) is RunStatus.FINISHED
    assert classify(NOW, NOW, MINUTE_EPOCHS, 120, 100) is RunStatus.FINISHED
    assert classify(NOW - 86400.0, NOW, MINUTE_EPOCHS, 98, 100) is RunStatus.STALE


def test_no_epochs_yet() -> None:
    assert classify(None, NOW, None, None, 100) is RunStatus.NEW
    assert classify(NOW - 10.0, NOW, None, None, 100) is RunStatus.NEW
    assert classify(NOW - 3600.0, NOW, None, None, 100) is RunStatus.STALE


def test_unknown_write_time_with_epochs_is_not_live() -> None:
    assert classify(None, NOW, MINUTE_EPOCHS, 5, 100) is RunStatus.STALE


def test_write_time_in_the_future_counts_as_live() -> None:
    assert classify(NOW + 30.0, NOW, MINUTE_EPOCHS, 5, 100) is RunStatus.LIVE


def test_status_values_are_display_strings() -> None:
    assert [s.value for s in RunStatus] == ["no epochs yet", "live", "stale", "finished"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 s"),
        (12.7, "12 s"),
        (59.9, "59 s"),
        (60.0, "1 min"),
        (4 * 60 + 59, "4 min"),
        (3 * 3600 + 10, "3 h"),
        (86399.0, "23 h"),
        (2 * 86400 + 5, "2 d"),
        (-3.0, "0 s"),
        (None, "–"),
        (math.nan, "–"),
        (math.inf, "–"),
    ],
)
def test_describe_age(seconds: float | None, text: str) -> None:
    assert describe_age(seconds) == text
