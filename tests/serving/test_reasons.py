"""Reason codes: strongest features first, in words, never a protected attribute."""

import numpy as np
import pytest

from features.descriptions import feature_description, feature_names
from serving.reasons import MAX_REASONS, PROTECTED_SOURCES, ReasonWriter, is_protected, value_text

PROTECTED_RAW = [source.split(".")[1] for source in sorted(PROTECTED_SOURCES)]


@pytest.mark.parametrize("name", [*PROTECTED_RAW, "EMPLOYED_TO_AGE", "INCOME_PER_FAMILY_MEMBER"])
def test_protected_attributes_and_features_derived_from_them_are_protected(name):
    assert is_protected(name)


@pytest.mark.parametrize("name", ["EXT_SOURCE_3", "AMT_CREDIT", "CREDIT_TO_INCOME", "NAME_INCOME_TYPE"])
def test_other_features_are_not_protected(name):
    assert not is_protected(name)


@pytest.fixture(scope="module")
def writer() -> ReasonWriter:
    names = feature_names()
    return ReasonWriter(names, {n: feature_description(n) for n in names}, medians={"EXT_SOURCE_3": 0.53})


def test_protected_features_are_never_reasons_even_when_strongest(writer):
    names = feature_names()
    shap = np.zeros(len(names))
    for rank, name in enumerate(["CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS", "EMPLOYED_TO_AGE"]):
        shap[names.index(name)] = 5.0 - rank if rank % 2 else -(5.0 - rank)
    shap[names.index("EXT_SOURCE_3")] = 0.3
    shap[names.index("AMT_CREDIT")] = -0.2
    against, favour = writer.reasons(shap, [1.0] * len(names))
    assert against == [f"{feature_description('EXT_SOURCE_3')}: 1 (typical: 0.53)"]
    assert favour == [f"{feature_description('AMT_CREDIT')}: 1"]


def test_at_most_four_reasons_each_way_strongest_first(writer):
    names = feature_names()
    shap = np.linspace(-1, 1, len(names))
    values = [float(i) for i in range(len(names))]
    against, favour = writer.reasons(shap, values)
    assert len(against) == len(favour) == MAX_REASONS
    eligible = [i for i, n in enumerate(names) if not is_protected(n)]
    strongest = sorted(eligible, key=lambda i: -shap[i])[:MAX_REASONS]
    assert against == [f"{feature_description(names[i])}: {value_text(values[i])}" for i in strongest]


@pytest.mark.parametrize(("value", "text"), [(None, "not given"), (float("nan"), "not given"),
                                             ("Working", "Working"), (3.0, "3"), (1234567.0, "1,234,567"),
                                             (0.12345, "0.123"), (-1340.6, "-1,341"), (12.345, "12.3"),
                                             (0.00012, "0.00012")])
def test_values_read_as_an_advisor_says_them(value, text):
    assert value_text(value) == text
