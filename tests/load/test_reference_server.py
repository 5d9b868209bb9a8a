"""The plain FastAPI reference server (load_tests/reference_server.py) scores like the model."""

import numpy as np
import pytest
from starlette.testclient import TestClient

from features.build import build_features_from_records
from load_tests.payloads import read_payloads
from load_tests.reference_server import create_app, row_scorer
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def bundle(trained_model) -> ModelBundle:
    return ModelBundle.load(trained_model.path)


def test_reference_server_gives_the_model_probabilities(bundle, payload_file):
    payloads = read_payloads(payload_file)
    with TestClient(create_app(bundle)) as client:
        response = client.post("/predict", json={"rows": payloads.feature_rows[:5]})
    assert response.status_code == 200
    expected = bundle.predict_proba(build_features_from_records(payloads.with_history[:5]))
    np.testing.assert_allclose(response.json()["probabilities"], expected, rtol=1e-6)


def test_reference_server_is_ready(bundle):
    with TestClient(create_app(bundle)) as client:
        assert client.get("/readyz").status_code == 200


def test_reference_server_refuses_an_empty_request(bundle):
    with TestClient(create_app(bundle)) as client:
        assert client.post("/predict", json={"rows": []}).status_code == 422


def test_unknown_category_level_is_scored_as_missing(bundle, payload_file):
    [name] = list(bundle.categories)[:1]
    row = read_payloads(payload_file).feature_rows[0]
    score = row_scorer(bundle)
    assert score([{**row, name: "a level never seen"}]) == pytest.approx(score([{**row, name: None}]))
