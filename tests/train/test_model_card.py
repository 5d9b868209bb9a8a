"""Tests of train/model_card.py: the Markdown model card."""

import pytest

from train.model_card import build_model_card
from train.scorecard import Scorecard


@pytest.fixture(scope="module")
def metrics(small_run):
    return small_run[0].contents.metrics


@pytest.mark.parametrize("section", ["## Intended use", "## Data", "## Model", "## Metrics (out-of-fold)",
                                     "## Score in points", "## Fairness", "## Limits"])
def test_card_has_each_section(metrics, section):
    assert section in build_model_card(metrics, scorecard=Scorecard(), model_name="m")


def test_card_states_the_headline_numbers(metrics):
    card = build_model_card(metrics, scorecard=Scorecard(), model_name="m")
    assert f"| CV AUC, tuned | {metrics['cv_auc']:.4f}" in card
    assert f"| Decision threshold | {metrics['threshold']:.4f} |" in card


def test_card_warns_when_trained_on_generated_data(metrics):
    assert "Trained on generated data" in build_model_card(metrics, scorecard=Scorecard(), model_name="m")


def test_card_has_no_warning_for_real_files(metrics):
    real = {**metrics, "data_source": "Kaggle-format folder home-credit/ (application_train)"}
    assert "Trained on generated data" not in build_model_card(real, scorecard=Scorecard(), model_name="m")


def test_card_documents_the_scorecard_constants(metrics):
    scorecard = Scorecard(base_points=500, base_odds=30, points_to_double_odds=25)
    card = build_model_card(metrics, scorecard=scorecard, model_name="m")
    assert "500 points at\nodds 30:1, 25 more points" in card
