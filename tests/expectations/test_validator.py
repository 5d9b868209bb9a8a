"""Batch validation: one GX call per batch, failures mapped back to rows and fields, thread-safe."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from expectations import BatchValidator, Failure
from features.schema import DAYS_SENTINEL


def ranges_only(suite: dict) -> dict:
    return {**suite, "expectations": [e for e in suite["expectations"]
                                      if e["type"] == "expect_column_values_to_be_between"]}


@pytest.fixture(scope="module")
def validator(suite) -> BatchValidator:
    return BatchValidator(suite)


def with_values(frame: pd.DataFrame, changes: dict[tuple[int, str], object]) -> pd.DataFrame:
    frame = frame.copy()
    for (row, column), value in changes.items():
        frame.iloc[row, frame.columns.get_loc(column)] = value
    return frame


def test_plausible_batch_has_no_failures(validator, incoming):
    assert validator.validate(incoming) == []
    assert validator.last_seconds > 0


def test_failures_name_row_field_and_value(validator, incoming):
    frame = with_values(incoming, {(3, "AMT_INCOME_TOTAL"): 5e9, (7, "CNT_CHILDREN"): 25.0})
    failures = validator.validate(frame)
    assert [(f.row, f.column, f.severity) for f in failures] == [(3, "AMT_INCOME_TOTAL", "warning"),
                                                                 (7, "CNT_CHILDREN", "warning")]
    assert failures[0].message.startswith("5e+09 is outside the range seen in training (between 1 and")
    assert failures[0].message.endswith("scored all the same; check the unit and the sign")


def test_an_impossible_value_is_critical_and_outside_the_training_range_too(validator, incoming):
    failures = validator.validate(with_values(incoming, {(2, "CNT_CHILDREN"): -1.0}))
    assert [(f.row, f.column, f.severity) for f in failures] == [(2, "CNT_CHILDREN", "critical"),
                                                                 (2, "CNT_CHILDREN", "warning")]
    assert failures[0].message.startswith("-1 is not possible: it should be")


def test_rows_are_reported_by_position_whatever_the_index(validator, incoming):
    frame = with_values(incoming, {(5, "AMT_CREDIT"): 1e12}).set_index(pd.Index(range(100, 112)))
    assert [f.row for f in validator.validate(frame)] == [5]


def test_placeholder_passes_the_range_check(validator, incoming):
    assert validator.validate(with_values(incoming, {(0, "DAYS_EMPLOYED"): float(DAYS_SENTINEL)})) == []


def test_wrong_dtype_fails_every_row(validator, incoming):
    frame = incoming.assign(AMT_CREDIT=incoming["AMT_CREDIT"].astype("float64"))
    failures = validator.validate(frame)
    assert {f.row for f in failures} == set(range(len(frame)))
    assert failures[0] == Failure(0, "AMT_CREDIT", "has dtype float64, expected float32")


def test_validator_runs_exactly_the_suite_it_is_given(suite, incoming):
    validator = BatchValidator(ranges_only(suite))
    assert validator.expectation_count == len(ranges_only(suite)["expectations"]) < len(suite["expectations"])
    assert validator.validate(incoming.assign(AMT_CREDIT=incoming["AMT_CREDIT"].astype("float64"))) == []


def test_frame_without_a_checked_column_is_refused(validator, incoming):
    with pytest.raises(ValueError, match=r"cast it with features\.loaders\.cast_to_schema"):
        validator.validate(incoming.drop(columns="AMT_CREDIT"))


def test_threads_sharing_a_validator_each_get_their_own_failures(suite, incoming):
    validator = BatchValidator(ranges_only(suite))
    frames = [with_values(incoming, {(row, "AMT_CREDIT"): 1e12}) for row in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(validator.validate, frames))
    assert [[f.row for f in failures] for failures in found] == [[row] for row in range(6)]


def with_random_problems(incoming: pd.DataFrame, suite: dict, seed: int) -> pd.DataFrame:
    """`incoming` with a third of its range-checked values moved onto, just past or far past a bound,
    or set to the placeholder, missing or infinite."""
    rng = np.random.default_rng(seed)
    frame = incoming.copy()
    for expectation in ranges_only(suite)["expectations"]:
        kwargs = expectation["kwargs"]
        bound = kwargs["max_value"] if kwargs.get("max_value") is not None else kwargs["min_value"]
        column = frame.columns.get_loc(kwargs["column"])
        just_past = np.nextafter(np.float32(bound), np.float32(np.inf))
        choices = [bound, just_past, -abs(bound) - 1, 10 * abs(bound) + 1, DAYS_SENTINEL, np.nan, np.inf,
                   -np.inf]
        for row in rng.choice(len(frame), size=len(frame) // 3, replace=False):
            frame.iloc[row, column] = np.float32(rng.choice(choices))
    return frame


@pytest.mark.parametrize("seed", range(4))
def test_compiled_ranges_report_what_gx_reports_per_column(suite, incoming, seed):
    frame = with_random_problems(incoming, suite, seed)
    ranges = ranges_only(suite)
    expected = BatchValidator(ranges, compile_ranges=False).validate(frame)
    assert len({f.column for f in expected}) > 10
    assert BatchValidator(ranges).validate(frame) == expected
