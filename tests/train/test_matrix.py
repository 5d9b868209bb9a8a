"""Tests of train/matrix.py: the features as one float32 matrix, and the frames read back from it."""

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from train.data import synthetic_data
from train.matrix import FeatureMatrix


@pytest.fixture(scope="module")
def features():
    data = synthetic_data(300, seed=5)
    return build_features(data.applications, data.history)


def test_the_matrix_gives_the_frame_back(features):
    matrix = FeatureMatrix.from_frame(features)
    assert matrix.values.dtype == np.float32 and matrix.values.flags.c_contiguous
    pd.testing.assert_frame_equal(matrix.frame(), features)


def test_category_columns_hold_their_codes_and_missing_values_nan(features):
    matrix = FeatureMatrix.from_frame(features)
    gender = features.columns.get_loc("CODE_GENDER")
    codes = features["CODE_GENDER"].cat.codes.to_numpy()
    np.testing.assert_array_equal(matrix.values[:, gender], np.where(codes >= 0, codes, np.nan))
    assert gender in matrix.categorical
    levels = matrix.category_levels[matrix.categorical.index(gender)]
    assert levels == list(features["CODE_GENDER"].cat.categories)


def test_frames_of_some_rows_and_columns(features):
    matrix = FeatureMatrix.from_frame(features)
    rows, columns = np.array([3, 1, 250]), ["CODE_GENDER", "EXT_SOURCES_MEAN", "BURO_COUNT"]
    pd.testing.assert_frame_equal(matrix.frame(rows=rows, columns=columns), features.iloc[rows][columns])
    assert list(matrix.frame(rows=np.arange(0)).dtypes) == list(features.dtypes)
