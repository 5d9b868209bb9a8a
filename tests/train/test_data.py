"""Tests of train/data.py: where the training tables come from."""

import pytest

from synthetic import generate_tables
from train.data import folder_data, synthetic_data


def test_application_only_data_drops_the_history():
    data = synthetic_data(200, seed=1)
    only = data.application_only()
    assert only.history == {} and data.history
    assert "application table only" in only.source


def test_too_few_clients_are_rejected():
    with pytest.raises(ValueError, match="--clients must be at least 100"):
        synthetic_data(50, seed=1)


def test_generated_tables_are_what_the_pipeline_trains_on():
    tables = generate_tables(200, seed=3)
    data = synthetic_data(200, seed=3)
    assert data.applications.equals(tables["application_train"])


def test_folder_data_keeps_only_training_and_history_tables(real_samples):
    data = folder_data(real_samples / "linked_872", progress=False)
    assert data.row_counts == {"application_train": 872, "previous_application": 4754}
    assert data.source.startswith("Kaggle-format folder linked_872/")
