"""The payload file of the load tests (load_tests/make_payloads.py and load_tests/payloads.py)."""

import json

import numpy as np
import pandas as pd
import pytest

from features.build import build_features_from_records
from load_tests.make_payloads import accepted, build_payloads, feature_rows, shortest_floats
from load_tests.payloads import FORMAT_VERSION, read_payloads
from serving.requests import PredictBody
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def payloads():
    return build_payloads(clients=30, seed=5, progress=False)


def test_float32_values_are_written_with_their_shortest_text():
    frame = pd.DataFrame({"x": np.array([0.3, np.nan, 1e-7], dtype=np.float32), "k": [1, 2, 3]})
    assert [repr(v) for v in shortest_floats(frame)["x"].tolist()] == ["0.3", "nan", "1e-07"]


def test_shortest_floats_keep_the_float32_value():
    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    again = shortest_floats(pd.DataFrame({"x": values}))["x"].to_numpy().astype(np.float32)
    np.testing.assert_array_equal(again, values)


def test_shortest_floats_leave_the_input_alone():
    frame = pd.DataFrame({"x": np.array([0.3], dtype=np.float32)})
    shortest_floats(frame)
    assert frame["x"].dtype == np.float32


def test_every_record_is_a_valid_predict_body(payloads):
    for records in (payloads.with_history, payloads.without_history):
        PredictBody.model_validate({"applications": records})


def test_with_and_without_history_hold_the_same_applications(payloads):
    ids = [r["SK_ID_CURR"] for r in payloads.with_history]
    assert ids == [r["SK_ID_CURR"] for r in payloads.without_history]
    assert any("bureau" in r for r in payloads.with_history)
    assert not any(isinstance(v, list) for r in payloads.without_history for v in r.values())


def test_feature_rows_are_the_features_of_the_records(payloads):
    features = build_features_from_records(payloads.with_history)
    again = pd.DataFrame.from_records(payloads.feature_rows, columns=features.columns)
    assert again.shape == features.shape
    numeric = [c for c in features.columns if not isinstance(features[c].dtype, pd.CategoricalDtype)]
    np.testing.assert_allclose(again[numeric].to_numpy(dtype=float, na_value=np.nan),
                               features[numeric].to_numpy(dtype=float, na_value=np.nan), rtol=1e-6)


def test_feature_rows_hold_only_json_values():
    features = pd.DataFrame({"n": np.array([1.5, np.nan], dtype=np.float32),
                             "c": pd.Categorical(["a", None], categories=["a", "b"])})
    assert feature_rows(features) == [{"n": 1.5, "c": "a"}, {"n": None, "c": None}]


def test_payload_file_round_trips(payloads, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payloads.to_json(seed=5)))
    assert read_payloads(path) == payloads


def test_missing_payload_file_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"python -m load_tests\.make_payloads --out"):
        read_payloads(tmp_path / "absent.json")


@pytest.mark.parametrize(("document", "message"), [
    ({"format": FORMAT_VERSION + 1}, "has payload format 2, expected 1"),
    ({"format": FORMAT_VERSION, "with_history": [{}], "without_history": [], "feature_rows": [{}]},
     "same non-zero number of with_history, without_history and feature_rows"),
])
def test_stale_or_broken_payload_file_is_refused(tmp_path, document, message):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        read_payloads(path)


def test_too_few_clients_are_refused():
    with pytest.raises(ValueError, match=r"clients must give at least 10 applications .* got 5 of 5"):
        build_payloads(clients=5, seed=1, progress=False)


def test_clients_are_kept_unless_the_model_would_refuse_them(trained_model, payload_file):
    bundle = ModelBundle.load(trained_model.path)
    kept = read_payloads(payload_file)
    assert all(accepted(kept.with_history, bundle)) and all(accepted(kept.without_history, bundle))
    unusual = {**kept.without_history[0], "AMT_REQ_CREDIT_BUREAU_MON": 1e6}
    assert accepted([kept.without_history[0], unusual], bundle) == [True, True]
