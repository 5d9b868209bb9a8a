"""The API over real HTTP: ``bentoml serve`` of the service and its model service, a trained model."""

from __future__ import annotations

import json
import threading
import time

import httpx
import numpy as np
import pytest

from features.build import build_features
from serving.requests import MAX_PREDICT_APPLICATIONS
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=120) as http:
        yield http


@pytest.fixture(scope="module")
def start_pids(server) -> set[int]:
    return server.pids()


@pytest.fixture(scope="module")
def offline(trained_model, tables, history, records) -> dict[int, float]:
    """P(default) of every application_test client, from features built on the full tables."""
    bundle = ModelBundle.load(trained_model.path)
    features = build_features(tables["application_test"], history)
    return dict(zip(features.index, bundle.predict_proba(features), strict=True))


def metric(client: httpx.Client, name: str, **labels: str) -> float:
    """Return the sum of the samples of metric `name` whose labels include `labels`."""
    total = 0.0
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def unusual(record: dict) -> dict:
    """The record with a possible income far outside the training data's range."""
    return {**record, "AMT_INCOME_TOTAL": 5e9}


def test_predict_answers_each_application_in_order_as_the_offline_model(client, records, offline,
                                                                         trained_model, start_pids):
    batch = records[:25]
    response = client.post("/predict", json={"applications": batch})
    assert response.status_code == 200, response.text
    answers = response.json()
    assert [a["SK_ID_CURR"] for a in answers] == [r["SK_ID_CURR"] for r in batch]
    expected = [offline[r["SK_ID_CURR"]] for r in batch]
    np.testing.assert_allclose([a["probability"] for a in answers], expected, rtol=0, atol=1e-12)
    assert {a["decision"] for a in answers} <= {"approved", "refused"}
    assert {a["model_version"] for a in answers} == {trained_model.tag}
    assert all(isinstance(a["score"], int) and 0 <= a["threshold"] <= 1 for a in answers)


def test_explain_gives_contributions_labels_and_reasons(client, records, offline):
    response = client.post("/explain", json={"applications": records[:2]})
    assert response.status_code == 200, response.text
    for answer, record in zip(response.json(), records[:2], strict=True):
        assert answer["probability"] == pytest.approx(offline[record["SK_ID_CURR"]], abs=1e-12)
        assert {"base_value", "contributions", "reasons_against", "reasons_for"} <= answer.keys()
        first = answer["contributions"][0]
        assert set(first) == {"feature", "label", "value", "shap"}
        assert 1 <= len(answer["reasons_against"]) + len(answer["reasons_for"]) <= 8


BAD_INPUTS = {
    "missing SK_ID_CURR": (lambda r: {k: v for k, v in r.items() if k != "SK_ID_CURR"}, 422, "SK_ID_CURR",
                           "is required"),
    "wrong type": (lambda r: {**r, "AMT_CREDIT": "a lot"}, 422, "AMT_CREDIT", "valid number"),
    "unknown category": (lambda r: {**r, "NAME_CONTRACT_TYPE": "Mortgage"}, 422, "NAME_CONTRACT_TYPE",
                         "'Cash loans' or 'Revolving loans'"),
    "negative income": (lambda r: {**r, "AMT_INCOME_TOTAL": -1000.0}, 422, "AMT_INCOME_TOTAL",
                        "greater than or equal to 1"),
    "history of another client": (
        lambda r: {**r, "previous_application": [{"SK_ID_CURR": r["SK_ID_CURR"] + 1}]}, 422,
        "previous_application", "nested under SK_ID_CURR"),
}


@pytest.mark.parametrize("endpoint", ["/predict", "/explain"])
def test_a_possible_value_outside_the_training_range_is_scored_with_a_warning(client, records, endpoint):
    response = client.post(endpoint, json={"applications": [records[0], unusual(records[1])]})
    assert response.status_code == 200, response.text
    clean, warned = response.json()
    assert clean["warnings"] == []
    [warning] = warned["warnings"]
    assert warning["field"] == "AMT_INCOME_TOTAL"
    assert "outside the range seen in training" in warning["warning"]


@pytest.mark.parametrize("case", BAD_INPUTS)
@pytest.mark.parametrize("endpoint", ["/predict", "/explain", "/counteroffer"])
def test_bad_application_is_rejected_naming_application_field_and_problem(client, records, endpoint, case):
    spoil, status, field, text = BAD_INPUTS[case]
    response = client.post(endpoint, json={"applications": [records[0], spoil(records[1])]})
    assert response.status_code == status, response.text
    body = response.json()
    assert "nothing in this request was scored" in body["error"]
    [problem] = body["problems"]
    assert problem["index"] == 1 and problem["field"] == field and text in problem["problem"]
    assert problem["SK_ID_CURR"] == (None if case == "missing SK_ID_CURR" else records[1]["SK_ID_CURR"])


@pytest.mark.parametrize(("content", "status", "text"), [
    (b'{"applications": []}', 422, "at least 1 item"),
    (b"{not json", 400, "not valid JSON"),
    (b"", 422, "is required"),
    (b'[{"SK_ID_CURR": 1}]', 422, 'send a JSON object {"applications"'),
])
@pytest.mark.parametrize("endpoint", ["/predict", "/counteroffer"])
def test_bad_body_is_rejected_naming_the_problem(client, endpoint, content, status, text):
    response = client.post(endpoint, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert text in response.json()["problems"][0]["problem"]


def test_too_many_applications_are_refused_with_the_limit(client):
    body = {"applications": [{"SK_ID_CURR": i} for i in range(MAX_PREDICT_APPLICATIONS + 1)]}
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    assert f"at most {MAX_PREDICT_APPLICATIONS} items" in response.json()["problems"][0]["problem"]


def test_an_unusual_application_in_the_same_batch_leaves_its_warning_to_itself(client, records):
    """A long batch keeps the model busy while two clients' requests queue and are merged into the next."""
    before = {part: metric(client, f"credit_scoring_batch_applications_{part}", endpoint="predict")
              for part in ("sum", "count")}
    answers = {}

    def post(name: str, applications: list[dict]) -> None:
        answers[name] = client.post("/predict", json={"applications": applications})

    blocking = (records * 2)[:360]  # ~0.2 s at the model service, a body within the 16 MiB limit
    blocker = threading.Thread(target=post, args=("blocker", blocking))
    blocker.start()
    deadline = time.monotonic() + 30
    while not metric(client, "bentoml_service_request_in_progress", endpoint="/predict_batch"):
        assert time.monotonic() < deadline, "the long request never reached the model service"
        time.sleep(0.005)
    clients = [threading.Thread(target=post, args=(name, [record]))
               for name, record in (("valid", records[3]), ("unusual", unusual(records[4])))]
    for thread in clients:
        thread.start()
    for thread in [*clients, blocker]:
        thread.join()
    after = {part: metric(client, f"credit_scoring_batch_applications_{part}", endpoint="predict")
             for part in ("sum", "count")}
    assert answers["blocker"].status_code == 200
    assert answers["valid"].status_code == 200
    [valid] = answers["valid"].json()
    assert valid["SK_ID_CURR"] == records[3]["SK_ID_CURR"] and valid["warnings"] == []
    [warned] = answers["unusual"].json()
    assert warned["SK_ID_CURR"] == records[4]["SK_ID_CURR"]
    assert warned["warnings"][0]["field"] == "AMT_INCOME_TOTAL"
    # three requests in at most two batches: the two clients' requests were merged into one batch
    assert after["sum"] - before["sum"] == len(blocking) + 2 and after["count"] - before["count"] <= 2


def test_no_answer_is_a_server_error_or_shows_a_stack_trace(client, records):
    huge = [{"CNT_CREDIT_PROLONG": 2**70}]  # a whole number orjson cannot write
    bodies = [b"\xff\xfe", b"null", b'{"applications": null}', b'{"applications": [null]}',
              json.dumps({"applications": [{"SK_ID_CURR": 2**40}]}).encode(),
              json.dumps({"applications": [{**records[0], "bureau": "none"}]}).encode(),
              json.dumps({"applications": [{**records[0], "bureau": huge}]}).encode(),
              json.dumps({"applications": [{**records[0], "bureau": [{"bureau_balance": [1]}]}]}).encode()]
    for content in bodies:
        for endpoint in ("/predict", "/explain", "/counteroffer"):
            response = client.post(endpoint, content=content, headers={"content-type": "application/json"})
            assert 400 <= response.status_code < 500, (content, response.text)
            assert "Traceback" not in response.text and "File \"" not in response.text


@pytest.mark.parametrize("extra", ["NaN", "-Infinity", "123456789012345678901234567890"])
def test_unknown_top_level_key_is_ignored_whatever_its_value(client, records, offline, extra):
    """Like BentoML's own request models: the applications are scored, the key is not read (not a 500)."""
    body = f'{{"applications": [{json.dumps(records[0])}], "note": {extra}}}'
    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()[0]["probability"] == pytest.approx(offline[records[0]["SK_ID_CURR"]], abs=1e-12)


def test_workers_survive_bad_input(server, start_pids, client):
    assert server.pids() == start_pids
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz"])
def test_health_and_readiness_answer(client, path):
    assert client.get(path).status_code == 200


def test_metrics_count_approved_refused_and_rejected_applications(client, records):
    client.post("/predict", json={"applications": records[:10]})
    client.post("/predict", json={"applications": [{**records[0], "AMT_INCOME_TOTAL": -1.0}]})
    counts = {outcome: metric(client, "credit_scoring_applications_total", endpoint="predict",
                              outcome=outcome) for outcome in ("approved", "refused", "rejected")}
    assert counts["approved"] + counts["refused"] >= 10 and counts["rejected"] >= 1
    assert metric(client, "credit_scoring_validation_seconds_count", endpoint="predict") >= 1


def test_model_card_gives_the_model_figures(client, trained_model):
    card = client.get("/model/card").json()
    bundle = ModelBundle.load(trained_model.path)
    assert card["version"] == trained_model.tag and card["threshold"] == bundle.threshold
    assert card["feature_count"] == len(bundle.feature_names)
    assert (card["cost_false_negative"], card["cost_false_positive"]) == (bundle.cost_false_negative,
                                                                          bundle.cost_false_positive)
    assert card["metrics"]["cv_auc"] == bundle.metrics["cv_auc"]


def test_openapi_describes_the_input_fields_from_the_schema(client):
    spec = client.get("/docs.json").json()
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["applications"]["maxItems"] == MAX_PREDICT_APPLICATIONS
    application = spec["components"]["schemas"]["Application"]
    assert application["required"] == ["SK_ID_CURR"]
    gender = application["properties"]["CODE_GENDER"]["anyOf"][0]
    assert gender["enum"] == ["F", "M", "XNA"] and gender["description"] == "Gender."
    assert application["properties"]["AMT_INCOME_TOTAL"]["anyOf"][0]["minimum"] == 1
    assert "/model/card" in spec["paths"]


def test_advisor_page_is_mounted_behind_its_sign_in(client):
    response = client.get("/ui/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/login"
    assert 'name="password"' in client.get("/ui/login").text


def test_server_log_names_rejected_fields_but_not_the_values_sent(client, server, records):
    body = {"applications": [{**records[0], "AMT_INCOME_TOTAL": -4242.4242}]}
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    time.sleep(0.5)  # the log line is written after the answer
    log = server.log_path.read_text(errors="replace")
    assert "validation error(s) at applications.0.AMT_INCOME_TOTAL" in log
    assert "4242.4242" not in log and "Traceback" not in log
