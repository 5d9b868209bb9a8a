"""Known answers of the application features."""

import numpy as np
import pandas as pd
import pytest

from features.application import application_features, descriptions
from features.loaders import cast_to_schema
from features.schema import DAYS_SENTINEL, table

APPLICATION = table("application_test")


def _features(**fields):
    frame = pd.DataFrame({"SK_ID_CURR": [1], **{k: [v] for k, v in fields.items()}})
    return application_features(cast_to_schema(frame, APPLICATION)).loc[1]


def test_days_placeholder_becomes_missing_with_a_flag():
    row = _features(DAYS_EMPLOYED=DAYS_SENTINEL)
    assert np.isnan(row["DAYS_EMPLOYED"]) and row["DAYS_EMPLOYED_IS_PLACEHOLDER"] == 1


def test_real_days_employed_is_kept_without_flag():
    row = _features(DAYS_EMPLOYED=-1000, DAYS_BIRTH=-10000)
    assert row["DAYS_EMPLOYED"] == -1000 and row["DAYS_EMPLOYED_IS_PLACEHOLDER"] == 0
    assert row["EMPLOYED_TO_AGE"] == pytest.approx(0.1)


@pytest.mark.parametrize(("feature", "expected"), [
    ("CREDIT_TO_INCOME", 3.0), ("ANNUITY_TO_INCOME", 0.3), ("ANNUITY_TO_CREDIT", 0.1),
    ("CREDIT_TERM_YEARS", 10.0), ("GOODS_TO_CREDIT", 0.9), ("INCOME_PER_FAMILY_MEMBER", 50.0),
])
def test_credit_ratios(feature, expected):
    row = _features(AMT_INCOME_TOTAL=100.0, AMT_CREDIT=300.0, AMT_ANNUITY=30.0, AMT_GOODS_PRICE=270.0,
                    CNT_FAM_MEMBERS=2.0)
    assert row[feature] == pytest.approx(expected)


def test_ratio_with_zero_income_is_missing():
    assert np.isnan(_features(AMT_INCOME_TOTAL=0.0, AMT_CREDIT=300.0)["CREDIT_TO_INCOME"])


@pytest.mark.parametrize(("feature", "expected"), [
    ("EXT_SOURCES_MEAN", 0.3), ("EXT_SOURCES_MIN", 0.2), ("EXT_SOURCES_MAX", 0.4), ("EXT_SOURCES_STD", 0.1),
    ("EXT_SOURCES_PROD", np.nan), ("EXT_SOURCES_WEIGHTED", (2 * 0.2 + 0.4) / 3), ("EXT_SOURCES_MISSING", 1),
])
def test_external_score_combinations_with_one_score_missing(feature, expected):
    row = _features(EXT_SOURCE_1=0.2, EXT_SOURCE_2=0.4)
    np.testing.assert_allclose(row[feature], expected, rtol=1e-6)


def test_external_score_product_and_weights_with_all_scores():
    row = _features(EXT_SOURCE_1=0.5, EXT_SOURCE_2=0.4, EXT_SOURCE_3=0.2)
    assert row["EXT_SOURCES_PROD"] == pytest.approx(0.04)
    assert row["EXT_SOURCES_WEIGHTED"] == pytest.approx((1.0 + 0.4 + 0.6) / 6)


def test_flag_counts():
    row = _features(FLAG_DOCUMENT_3=1, FLAG_DOCUMENT_8=1, FLAG_DOCUMENT_5=0, FLAG_MOBIL=1, FLAG_EMAIL=1,
                    FLAG_PHONE=0, REG_CITY_NOT_WORK_CITY=1, AMT_REQ_CREDIT_BUREAU_YEAR=2.0,
                    AMT_REQ_CREDIT_BUREAU_MON=1.0)
    assert (row["DOCUMENT_COUNT"], row["CONTACT_COUNT"], row["REGION_MISMATCH_COUNT"],
            row["BUREAU_ENQUIRIES_TOTAL"]) == (2, 2, 1, 3)


def test_counts_are_missing_when_no_flag_is_known():
    row = _features()
    assert np.isnan(row["DOCUMENT_COUNT"]) and row["BUILDING_MISSING_COUNT"] == 43


def test_categories_stay_categoricals_with_schema_levels():
    out = application_features(cast_to_schema(pd.DataFrame({"SK_ID_CURR": [1], "CODE_GENDER": ["F"]}),
                                               APPLICATION))
    assert out["CODE_GENDER"].iloc[0] == "F"
    assert list(out["CODE_GENDER"].cat.categories) == list(APPLICATION.column("CODE_GENDER").categories)


def test_every_feature_is_described_in_output_order():
    out = application_features(cast_to_schema(pd.DataFrame({"SK_ID_CURR": [1]}), APPLICATION))
    assert list(out.columns) == list(descriptions())
    assert "TARGET" not in out.columns
