"""Known answers of the previous-application features."""

import numpy as np
import pandas as pd
import pytest

from features import previous
from features.loaders import cast_to_schema
from features.schema import DAYS_SENTINEL, table


@pytest.fixture
def features():
    """Client 1: approved (credit 100, asked 120, decided 300 days ago, still running), refused (asked
    50, decided 10 days ago) and canceled (decided 900 days ago) applications."""
    frame = pd.DataFrame({
        "SK_ID_PREV": [1, 2, 3], "SK_ID_CURR": [1, 1, 1],
        "NAME_CONTRACT_STATUS": ["Approved", "Refused", "Canceled"],
        "AMT_CREDIT": [100.0, 0.0, 0.0], "AMT_APPLICATION": [120.0, 50.0, 0.0],
        "AMT_ANNUITY": [10.0, 5.0, np.nan], "CNT_PAYMENT": [12.0, 12.0, np.nan],
        "DAYS_DECISION": [-300, -10, -900],
        "DAYS_LAST_DUE_1ST_VERSION": [60.0, DAYS_SENTINEL, DAYS_SENTINEL],
        "DAYS_TERMINATION": [DAYS_SENTINEL, DAYS_SENTINEL, -800.0],
    })
    tables = {"previous_application": cast_to_schema(frame, table("previous_application"))}
    return previous.compute(tables).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("PREV_COUNT", 3), ("PREV_APPROVED_COUNT", 1), ("PREV_REFUSED_COUNT", 1),
    ("PREV_APPROVED_APPLICATION_TO_CREDIT_MEAN", 1.2), ("PREV_REFUSED_AMT_APPLICATION_MAX", 50),
    ("PREV_NAME_CONTRACT_STATUS_REFUSED_SHARE", 1 / 3), ("PREV_INTEREST_SHARE_MAX", 0.2),
    ("PREV_CREDIT_TERM_MEAN", (10 + 0) / 2),
])
def test_all_approved_and_refused_applications(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_ratio_with_zero_credit_is_missing(features):
    assert np.isnan(features["PREV_REFUSED_APPLICATION_TO_CREDIT_MEAN"])


def test_day_placeholders_are_missing_in_aggregates(features):
    assert features["PREV_DAYS_TERMINATION_MAX"] == -800
    assert features["PREV_DAYS_LAST_DUE_1ST_VERSION_MAX"] == 60


def test_running_loans_are_approved_ones_ending_after_the_application(features):
    assert features["PREV_RUNNING_COUNT"] == 1 and features["PREV_RUNNING_AMT_ANNUITY_SUM"] == 10


@pytest.mark.parametrize(("feature", "expected"), [
    ("PREV_LAST1_NAME_CONTRACT_STATUS_REFUSED_SHARE", 1), ("PREV_LAST1_DAYS_DECISION_MEAN", -10),
    ("PREV_LAST5_DAYS_DECISION_MEAN", -1210 / 3),
])
def test_most_recent_applications_by_decision_date(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_columns_follow_the_descriptions(features):
    assert list(features.index) == list(previous.descriptions())


def test_recency_ranks_as_pandas_first_rank_from_the_latest_per_client():
    """Ties (many: dates drawn from 20 days) rank in row order; a missing date has no rank."""
    rng = np.random.default_rng(0)
    clients = rng.integers(0, 30, 500).astype(np.int32)
    days = rng.integers(-20, 0, 500).astype(np.float32)
    days[rng.random(500) < 0.1] = np.nan
    expected = pd.Series(days).groupby(clients, sort=False).rank(method="first", ascending=False)
    ranks = previous._recency(clients, days)
    np.testing.assert_array_equal(np.where(np.isinf(ranks), np.nan, ranks), expected.to_numpy())
