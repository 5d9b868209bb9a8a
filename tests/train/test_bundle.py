"""Tests of train/bundle.py: writing a bundle and reading it back as a ModelBundle."""

import json

import numpy as np
import pandas as pd
import pytest

from train.bundle import BundleContents, ModelBundle, feature_spec, write_bundle
from train.calibration import PlattCalibrator
from train.scorecard import Scorecard
from train.threshold import CostMatrix


@pytest.fixture(scope="module")
def bundle_dir(small_booster, small_frame, tmp_path_factory):
    directory = tmp_path_factory.mktemp("bundle")
    contents = BundleContents(
        booster=small_booster, features=feature_spec(small_frame[0]),
        calibrator=PlattCalibrator(slope=0.8, intercept=-0.2), threshold=0.12, costs=CostMatrix(10, 1),
        scorecard=Scorecard(), explainer={"method": "exact TreeSHAP"}, metrics={"cv_auc": 0.75},
        suite={"name": "suite", "expectations": []}, reference={"rows": 3000},
        profile={"rows": 3000, "approval_rate": 0.7}, report_html="<html></html>",
        model_card="# card", version="credit_scoring:test")
    write_bundle(contents, directory)
    return directory


@pytest.fixture(scope="module")
def bundle(bundle_dir):
    return ModelBundle.load(bundle_dir)


def test_probabilities_are_the_calibrated_booster_output(bundle, small_booster, small_frame):
    frame, _ = small_frame
    margin = small_booster.predict(frame, raw_score=True)
    expected = PlattCalibrator(slope=0.8, intercept=-0.2).probability(margin)
    np.testing.assert_allclose(bundle.predict_proba(frame), expected, rtol=1e-12)


def test_contributions_add_up_to_the_calibrated_log_odds(bundle, small_frame):
    frame, _ = small_frame
    p = bundle.predict_proba(frame.iloc[:100])
    contributions, base = bundle.contributions(frame.iloc[:100])
    assert contributions.shape == (100, len(bundle.feature_names))
    np.testing.assert_allclose(base + contributions.sum(axis=1), np.log(p / (1 - p)), atol=1e-9)


def test_categories_given_as_text_score_the_same(bundle, small_frame):
    frame, _ = small_frame
    as_text = frame.iloc[:50].assign(CODE_GENDER=frame["CODE_GENDER"].iloc[:50].astype(str))
    np.testing.assert_allclose(bundle.predict_proba(as_text), bundle.predict_proba(frame.iloc[:50]))


def test_unknown_category_scores_as_missing(bundle, small_frame):
    frame, _ = small_frame
    row = frame.iloc[:1]
    unknown = row.assign(CODE_GENDER=pd.Series(["Z"], index=row.index, dtype="object"))
    missing = row.assign(CODE_GENDER=pd.Categorical([None], categories=row["CODE_GENDER"].cat.categories))
    assert bundle.predict_proba(unknown)[0] == bundle.predict_proba(missing)[0]


def test_column_order_and_extra_columns_do_not_matter(bundle, small_frame):
    frame, _ = small_frame
    shuffled = frame.iloc[:20, ::-1].assign(EXTRA=1.0)
    np.testing.assert_array_equal(bundle.predict_proba(shuffled), bundle.predict_proba(frame.iloc[:20]))


def test_missing_feature_is_named(bundle, small_frame):
    with pytest.raises(ValueError, match=r"features lack 1 model columns, e.g. \['SIGNAL'\]"):
        bundle.predict_proba(small_frame[0].drop(columns="SIGNAL"))


def test_non_frame_input_is_rejected(bundle):
    with pytest.raises(TypeError, match="features must be a pandas DataFrame, got ndarray"):
        bundle.predict_proba(np.zeros((1, 4)))


def test_decision_settings_read_back(bundle):
    assert (bundle.threshold, bundle.cost_false_negative, bundle.cost_false_positive) == (0.12, 10.0, 1.0)
    assert bundle.version == "credit_scoring:test"
    assert bundle.metrics == {"cv_auc": 0.75}


def test_documents_read_back(bundle):
    assert bundle.suite == {"name": "suite", "expectations": []}
    assert bundle.reference == {"rows": 3000}
    assert bundle.model_card == "# card"
    assert bundle.report_path.read_text() == "<html></html>"


def test_score_points_use_the_scorecard(bundle):
    np.testing.assert_array_equal(bundle.score_points([1 / 51, 1 / 101]), [600, 620])


def test_feature_spec_lists_categories(small_frame):
    spec = {f["name"]: f for f in feature_spec(small_frame[0])}
    assert spec["SIGNAL"] == {"name": "SIGNAL", "dtype": "float32"}
    assert spec["CODE_GENDER"]["categories"] == ["F", "M", "XNA"]


def test_folder_without_bundle_is_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a model saved by `python -m train`"):
        ModelBundle.load(tmp_path)


def test_other_bundle_format_is_rejected(bundle_dir, tmp_path):
    for name in ("model.txt", "bundle.json"):
        (tmp_path / name).write_text((bundle_dir / name).read_text())
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    (tmp_path / "bundle.json").write_text(json.dumps({**bundle, "bundle_format": "0"}))
    with pytest.raises(ValueError, match=r"bundle format '0' .* is not supported"):
        ModelBundle.load(tmp_path)


def test_the_profile_travels_in_the_bundle(bundle):
    assert bundle.profile == {"rows": 3000, "approval_rate": 0.7}


def test_a_bundle_saved_before_profiles_has_none(bundle_dir, tmp_path):
    import shutil

    older = shutil.copytree(bundle_dir, tmp_path / "older")
    (older / "profile.json").unlink()
    assert ModelBundle.load(older).profile is None
