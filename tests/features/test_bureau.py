"""Known answers of the bureau features (bureau credits with their monthly statuses)."""

import numpy as np
import pandas as pd
import pytest

from features import bureau
from features.loaders import cast_to_schema
from features.schema import table


def _compute(credits, statuses=None):
    statuses = statuses if statuses is not None else {"SK_ID_BUREAU": np.empty(0, dtype=np.int32)}
    return bureau.compute({"bureau": cast_to_schema(pd.DataFrame(credits), table("bureau")),
                           "bureau_balance": cast_to_schema(pd.DataFrame(statuses), table("bureau_balance"))})


@pytest.fixture
def features():
    """Client 1: an active credit (debt 50 of 100, statuses 0, 1, X) and a closed one (300, status C)."""
    credits = {"SK_ID_CURR": [1, 1], "SK_ID_BUREAU": [10, 11], "CREDIT_ACTIVE": ["Active", "Closed"],
               "AMT_CREDIT_SUM": [100.0, 300.0], "AMT_CREDIT_SUM_DEBT": [50.0, 0.0],
               "DAYS_CREDIT": [-100, -1000], "CREDIT_TYPE": ["Consumer credit", "Car loan"]}
    statuses = {"SK_ID_BUREAU": [10, 10, 10, 11], "MONTHS_BALANCE": [0, -1, -20, 0],
                "STATUS": ["0", "1", "X", "C"]}
    return _compute(credits, statuses).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("BURO_COUNT", 2), ("BURO_AMT_CREDIT_SUM_SUM", 400), ("BURO_AMT_CREDIT_SUM_MEAN", 200),
    ("BURO_DEBT_TO_CREDIT_MAX", 0.5), ("BURO_DAYS_CREDIT_MIN", -1000),
    ("BURO_CREDIT_ACTIVE_ACTIVE_SHARE", 0.5), ("BURO_CREDIT_TYPE_CAR_LOAN_SHARE", 0.5),
])
def test_all_credits(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


@pytest.mark.parametrize(("feature", "expected"), [
    ("BURO_ACTIVE_COUNT", 1), ("BURO_ACTIVE_AMT_CREDIT_SUM_SUM", 100),
    ("BURO_CLOSED_AMT_CREDIT_SUM_SUM", 300),
    ("BURO_RECENT_COUNT", 1), ("BURO_RECENT_AMT_CREDIT_SUM_SUM", 100),
])
def test_active_closed_and_recent_credits_are_summarised_apart(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


@pytest.mark.parametrize(("feature", "expected"), [
    # Credit 10: 3 months, worst level 1, late in 1 of its 2 known months (X is unknown), and in 1 of
    # its 2 recent months; credit 11: 1 month, closed (level unknown, not late).
    ("BURO_BB_COUNT_SUM", 4), ("BURO_BB_DPD_LEVEL_MAX_MAX", 1), ("BURO_BB_LATE_MEAN_MEAN", 0.25),
    ("BURO_ACTIVE_BB_LATE_RECENT_MEAN_MAX", 0.5), ("BURO_BB_MONTHS_BALANCE_MIN_MIN", -20),
    ("BURO_BB_STATUS_C_SHARE_MEAN", 0.5), ("BURO_BB_STATUS_X_SHARE_MEAN", 1 / 6),
])
def test_monthly_statuses_summarised_per_credit_then_per_client(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_credit_without_statuses_has_missing_status_summary():
    out = _compute({"SK_ID_CURR": [1], "SK_ID_BUREAU": [10], "CREDIT_ACTIVE": ["Active"]}).loc[1]
    assert out["BURO_COUNT"] == 1 and np.isnan(out["BURO_BB_COUNT_MEAN"])


def test_closed_features_missing_for_client_with_only_active_credits():
    out = _compute({"SK_ID_CURR": [1], "SK_ID_BUREAU": [10], "CREDIT_ACTIVE": ["Active"]}).loc[1]
    assert np.isnan(out["BURO_CLOSED_COUNT"])


def test_columns_follow_the_descriptions(features):
    assert list(features.index) == list(bureau.descriptions())
