"""The feature catalogue: every feature named once, described and traced to its raw columns."""

import re

import pytest

from features.descriptions import feature_description, feature_info, feature_names
from features.schema import TABLES


def test_names_are_unique():
    names = feature_names()
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", feature_names())
def test_every_feature_has_a_sentence_and_known_sources(name):
    info = feature_info(name)
    assert info.description[0].isupper() and len(info.description) > 5
    for source in info.sources:
        table_name, column = source.split(".")
        assert column in TABLES[table_name].column_names


@pytest.mark.parametrize(("name", "description"), [
    ("INSTAL_L12M_DPD_MEAN",
     "Average days past due on the instalment, over the client's instalments due in the last 365 days"),
    ("BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM",
     "Total current debt on the bureau credit, over the client's active bureau credits"),
    ("CREDIT_TO_INCOME", "Credit amount divided by annual income"),
    ("EXT_SOURCE_3", "External credit score 3 (0-1)"),
])
def test_description_examples(name, description):
    assert feature_description(name) == description


@pytest.mark.parametrize(("name", "source"), [
    ("EMPLOYED_TO_AGE", "application_train.DAYS_BIRTH"), ("CODE_GENDER", "application_train.CODE_GENDER"),
    ("BURO_BB_LATE_MEAN_MEAN", "bureau_balance.STATUS"),
])
def test_sources_trace_features_to_raw_columns(name, source):
    assert source in feature_info(name).sources


def test_unknown_feature_is_rejected_with_a_pointer_to_the_names():
    with pytest.raises(KeyError, match=r"unknown feature 'NOPE'; features.descriptions.feature_names\(\)"):
        feature_description("NOPE")


def test_descriptions_are_unique():
    descriptions = [feature_description(name) for name in feature_names()]
    assert len(descriptions) == len(set(descriptions))


def test_names_are_safe_for_lightgbm_and_json():
    unsafe = [name for name in feature_names() if not re.fullmatch(r"[A-Z0-9_]+", name)]
    assert not unsafe
