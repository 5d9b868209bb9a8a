"""Known answers of the instalment features."""

import numpy as np
import pandas as pd
import pytest

from features import installments
from features.loaders import cast_to_schema
from features.schema import table


@pytest.fixture
def features():
    """Client 1: instalment due day -10 paid 5 days late, half paid; due day -40 paid 5 days early in
    full; due day -400 (over a year ago) paid 20 days late in full; one not paid (payment missing)."""
    frame = pd.DataFrame({
        "SK_ID_PREV": [1] * 4, "SK_ID_CURR": [1] * 4, "NUM_INSTALMENT_NUMBER": [4, 3, 2, 5],
        "DAYS_INSTALMENT": [-10.0, -40.0, -400.0, -5.0], "DAYS_ENTRY_PAYMENT": [-5.0, -45.0, -380.0, np.nan],
        "AMT_INSTALMENT": [100.0, 100.0, 100.0, 100.0], "AMT_PAYMENT": [50.0, 100.0, 100.0, np.nan]})
    return installments.compute(
        {"installments_payments": cast_to_schema(frame, table("installments_payments"))}).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("INSTAL_COUNT", 4), ("INSTAL_DPD_MAX", 20), ("INSTAL_DPD_SUM", 25), ("INSTAL_DPD_MEAN", 25 / 3),
    ("INSTAL_DBD_MAX", 5), ("INSTAL_PAYMENT_RATIO_MIN", 0.5), ("INSTAL_PAYMENT_RATIO_MEAN", 2.5 / 3),
    ("INSTAL_PAYMENT_DIFF_SUM", 50), ("INSTAL_LATE_MEAN", 2 / 3), ("INSTAL_UNDERPAID_MEAN", 1 / 3),
    ("INSTAL_AMT_INSTALMENT_SUM", 400),
])
def test_whole_history(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


@pytest.mark.parametrize(("feature", "expected"), [
    ("INSTAL_L12M_COUNT", 3), ("INSTAL_L12M_DPD_MAX", 5), ("INSTAL_L12M_DPD_MEAN", 2.5),
    ("INSTAL_L12M_LATE_MEAN", 0.5), ("INSTAL_L12M_DPD_TREND", 5 / 30),
    ("INSTAL_L12M_PAYMENT_RATIO_TREND", -0.5 / 30),
])
def test_last_year_and_its_trend(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_columns_follow_the_descriptions(features):
    assert list(features.index) == list(installments.descriptions())
