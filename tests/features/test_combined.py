"""Known answers of the features that set history against the application."""

import numpy as np
import pytest

from features.build import build_features_from_records, feature_info


@pytest.fixture
def features():
    """Income 1000, credit 2000, annuity 100; an active bureau credit with debt 500 and a closed one
    with debt 300; a running Home Credit loan with annuity 50; one instalment of 40 paid last month."""
    record = {
        "SK_ID_CURR": 1, "AMT_INCOME_TOTAL": 1000.0, "AMT_CREDIT": 2000.0, "AMT_ANNUITY": 100.0,
        "bureau": [{"CREDIT_ACTIVE": "Active", "AMT_CREDIT_SUM_DEBT": 500.0},
                   {"CREDIT_ACTIVE": "Closed", "AMT_CREDIT_SUM_DEBT": 300.0}],
        "previous_application": [{"NAME_CONTRACT_STATUS": "Approved", "AMT_ANNUITY": 50.0,
                                  "AMT_CREDIT": 400.0, "DAYS_LAST_DUE_1ST_VERSION": 100.0,
                                  "DAYS_DECISION": -200}],
        "installments_payments": [{"DAYS_INSTALMENT": -30.0, "AMT_PAYMENT": 40.0}],
    }
    return build_features_from_records([record]).loc[1]


@pytest.mark.parametrize(("feature", "expected"), [
    ("BUREAU_DEBT_TO_INCOME", 0.5), ("BUREAU_DEBT_TO_CREDIT", 0.25), ("RUNNING_ANNUITY_TO_INCOME", 0.15),
    ("CREDIT_TO_PREVIOUS_CREDIT", 5.0), ("ANNUITY_TO_LAST_YEAR_PAYMENTS", 2.5),
])
def test_history_against_application(features, feature, expected):
    assert features[feature] == pytest.approx(expected)


def test_missing_history_gives_missing_ratio(features):
    assert np.isnan(features["CARD_BALANCE_TO_INCOME"])


def test_application_alone_still_gives_its_share_of_a_sum():
    row = build_features_from_records([{"SK_ID_CURR": 1, "AMT_INCOME_TOTAL": 1000.0, "AMT_ANNUITY": 100.0}])
    assert row.loc[1, "RUNNING_ANNUITY_TO_INCOME"] == pytest.approx(0.1)


def test_sources_are_inherited_from_the_combined_features():
    assert set(feature_info("BUREAU_DEBT_TO_INCOME").sources) == {
        "bureau.AMT_CREDIT_SUM_DEBT", "application_train.AMT_INCOME_TOTAL"}
    assert "credit_card_balance.AMT_BALANCE" in feature_info("CARD_BALANCE_TO_INCOME").sources
