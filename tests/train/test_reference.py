"""Tests of train/reference.py: reference statistics of the training population."""

import json

import numpy as np
import pandas as pd
import pytest

from train.reference import KEY_RAW_FIELDS, reference_columns, reference_statistics


@pytest.fixture(scope="module")
def reference(small_frame):
    frame, y = small_frame
    probability = np.clip(np.random.default_rng(0).random(len(y)), 0, 1)
    return reference_statistics(frame, y, columns=["SIGNAL", "WEAK", "CODE_GENDER"], probability=probability,
                                n_bins=10, sample_size=500, seed=1)


def test_reference_is_plain_json(reference):
    assert json.loads(json.dumps(reference, allow_nan=False)) == reference


def test_histograms_count_every_present_value_by_outcome(reference, small_frame):
    frame, y = small_frame
    weak = reference["features"]["WEAK"]
    present = frame["WEAK"].notna().to_numpy()
    assert sum(weak["repaid"]) == np.sum(present & (y == 0))
    assert sum(weak["defaulted"]) == np.sum(present & (y == 1))
    assert len(weak["bin_edges"]) == len(weak["repaid"]) + 1 == 11


def test_missing_share_and_quantiles(reference, small_frame):
    frame, _ = small_frame
    weak = reference["features"]["WEAK"]
    assert weak["missing_share"] == pytest.approx(frame["WEAK"].isna().mean())
    assert weak["quantiles"]["0.5"] == pytest.approx(float(frame["WEAK"].median()), abs=1e-6)


def test_category_counts_by_level(reference, small_frame):
    frame, y = small_frame
    gender = reference["features"]["CODE_GENDER"]
    assert gender["kind"] == "category"
    m = gender["levels"].index("M")
    assert gender["defaulted"][m] == np.sum((frame["CODE_GENDER"] == "M").to_numpy() & (y == 1))


def test_sample_has_target_and_requested_size(reference):
    sample = reference["sample"]
    assert len(sample["TARGET"]) == len(sample["SIGNAL"]) == len(sample["SK_ID_CURR"]) == 500
    assert set(sample["TARGET"]) == {0, 1}
    assert any(v is None for v in sample["WEAK"])


def test_population_figures(reference, small_frame):
    _, y = small_frame
    assert reference["rows"] == len(y) and reference["default_rate"] == pytest.approx(y.mean())
    assert sum(reference["probability"]["repaid"]) + sum(reference["probability"]["defaulted"]) == len(y)


def test_unknown_column_is_rejected(small_frame):
    frame, y = small_frame
    with pytest.raises(ValueError, match="not features of the model"):
        reference_statistics(frame, y, columns=["NOPE"], probability=np.zeros(len(y)))


def test_reference_columns_take_top_features_then_key_raw_fields():
    importance = pd.Series([3.0, 2.0, 1.0], index=["A", "EXT_SOURCE_2", "B"])
    available = pd.Index(["A", "B", "EXT_SOURCE_2", "AMT_CREDIT"])
    assert reference_columns(importance, available, top=2) == ["A", "EXT_SOURCE_2", "AMT_CREDIT"]


def test_key_raw_fields_are_schema_columns():
    assert "AMT_INCOME_TOTAL" in KEY_RAW_FIELDS and "CODE_GENDER" in KEY_RAW_FIELDS
