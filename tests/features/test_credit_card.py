"""Known answers of the credit card features."""

import pandas as pd
import pytest

from features import credit_card
from features.loaders import cast_to_schema
from features.schema import table


@pytest.fixture
def features():
    """Client 1: limit 1000; balances 500 (month -1), 250 (-2), 0 (-20); drew 100 in month -1; paid
    20 against a minimum of 50 in month -1; 3 days past due in month -2."""
    frame = pd.DataFrame({
        "SK_ID_PREV": [1] * 3, "SK_ID_CURR": [1] * 3, "MONTHS_BALANCE": [-1, -2, -20],
        "AMT_BALANCE": [500.0, 250.0, 0.0], "AMT_CREDIT_LIMIT_ACTUAL": [1000, 1000, 1000],
        "AMT_DRAWINGS_CURRENT": [100.0, 0.0, 0.0], "AMT_PAYMENT_TOTAL_CURRENT": [20.0, 50.0, 0.0],
        "AMT_INST_MIN_REGULARITY": [50.0, 50.0, 0.0], "SK_DPD": [0, 3, 0],
        "NAME_CONTRACT_STATUS": ["Active", "Active", "Completed"]})
    return credit_card.compute(
        {"credit_card_balance": cast_to_schema(frame, table("credit_card_balance"))}).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("CC_COUNT", 3), ("CC_UTILISATION_MAX", 0.5), ("CC_UTILISATION_MEAN", 0.25), ("CC_AMT_BALANCE_SUM", 750),
    ("CC_DRAWINGS_TO_LIMIT_MAX", 0.1), ("CC_PAYMENT_TO_MINIMUM_MIN", 0.4), ("CC_MISSED_MINIMUM_MEAN", 1 / 3),
    ("CC_SK_DPD_MAX", 3), ("CC_LATE_MEAN", 1 / 3), ("CC_NAME_CONTRACT_STATUS_COMPLETED_SHARE", 1 / 3),
])
def test_whole_history(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


@pytest.mark.parametrize(("feature", "expected"), [
    ("CC_L12M_COUNT", 2), ("CC_L12M_UTILISATION_MEAN", 0.375), ("CC_L12M_UTILISATION_TREND", 0.25),
    ("CC_L12M_AMT_DRAWINGS_CURRENT_SUM", 100), ("CC_L12M_MISSED_MINIMUM_MEAN", 0.5),
])
def test_last_twelve_months_and_utilisation_trend(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_columns_follow_the_descriptions(features):
    assert list(features.index) == list(credit_card.descriptions())
