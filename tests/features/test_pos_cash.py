"""Known answers of the POS/cash loan features."""

import numpy as np
import pandas as pd
import pytest

from features import pos_cash
from features.loaders import cast_to_schema
from features.schema import table


@pytest.fixture
def features():
    """Client 1: months -3, -2, -1 with delays 0, 3, 6 (worse each month), and one old month (-30)
    with delay 40; 5 of 10 instalments left in month -1."""
    frame = pd.DataFrame({
        "SK_ID_PREV": [1] * 4, "SK_ID_CURR": [1] * 4, "MONTHS_BALANCE": [-1, -2, -3, -30],
        "SK_DPD": [6, 3, 0, 40], "SK_DPD_DEF": [0, 0, 0, 40], "CNT_INSTALMENT": [10.0] * 4,
        "CNT_INSTALMENT_FUTURE": [5.0, 6.0, 7.0, np.nan],
        "NAME_CONTRACT_STATUS": ["Active", "Active", "Active", "Completed"]})
    return pos_cash.compute({"POS_CASH_balance": cast_to_schema(frame, table("POS_CASH_balance"))}).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("POS_COUNT", 4), ("POS_SK_DPD_MAX", 40), ("POS_LATE_MEAN", 0.75), ("POS_REMAINING_SHARE_MIN", 0.5),
    ("POS_NAME_CONTRACT_STATUS_COMPLETED_SHARE", 0.25), ("POS_MONTHS_BALANCE_MIN", -30),
])
def test_whole_history(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


@pytest.mark.parametrize(("feature", "expected"), [
    ("POS_L12M_COUNT", 3), ("POS_L12M_SK_DPD_MAX", 6), ("POS_L12M_SK_DPD_MEAN", 3),
    ("POS_L12M_SK_DPD_TREND", 3), ("POS_L12M_LATE_MEAN", 2 / 3), ("POS_L12M_SK_DPD_DEF_MAX", 0),
])
def test_last_twelve_months_and_their_trend(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_columns_follow_the_descriptions(features):
    assert list(features.index) == list(pos_cash.descriptions())
