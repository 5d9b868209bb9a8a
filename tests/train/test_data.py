"""Tests of train/data.py: where the training tables come from, and what identifies them."""

import pandas as pd
import pytest

from synthetic import generate_tables, write_tables
from train.data import folder_data, synthetic_data


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kaggle")
    write_tables(generate_tables(300, seed=4), folder)
    return folder


def test_application_only_data_drops_the_history(written):
    for data in (synthetic_data(200, seed=1), folder_data(written, progress=False)):
        only = data.application_only()
        assert only.tables == () and data.tables
        assert "application table only" in only.source
        assert only.build_features(progress=False)[1] == {"application_train": len(data.applications)}


def test_too_few_clients_are_rejected():
    with pytest.raises(ValueError, match="--clients must be at least 100"):
        synthetic_data(50, seed=1)


def test_generated_tables_are_what_the_pipeline_trains_on():
    tables = generate_tables(200, seed=3)
    data = synthetic_data(200, seed=3)
    assert data.applications.equals(tables["application_train"])


def test_a_folder_and_the_same_tables_in_memory_give_the_same_features_and_fingerprint(written):
    from_folder, in_memory = folder_data(written, progress=False), synthetic_data(300, seed=4)
    assert from_folder.fingerprint == in_memory.fingerprint
    features, rows = from_folder.build_features(progress=False)
    expected, expected_rows = in_memory.build_features(progress=False)
    pd.testing.assert_frame_equal(features, expected)
    assert rows == expected_rows and set(rows) == {"application_train", *in_memory.history}


def test_the_fingerprint_tells_data_sets_apart():
    data = synthetic_data(200, seed=1)
    assert data.fingerprint == synthetic_data(200, seed=1).fingerprint
    assert data.fingerprint != synthetic_data(200, seed=2).fingerprint
    assert data.fingerprint != data.application_only().fingerprint


def test_dropping_the_history_frees_the_tables():
    data = synthetic_data(200, seed=1)
    data.drop_history()
    assert data.history == {} and data.tables == ()


def test_folder_data_reads_the_applications_and_finds_the_history_files(real_samples):
    data = folder_data(real_samples / "linked_872", progress=False)
    assert len(data.applications) == 872 and data.tables == ("previous_application",)
    assert data.build_features(progress=False)[1] == {"application_train": 872, "previous_application": 4754}
    assert data.source.startswith("Kaggle-format folder linked_872/")
