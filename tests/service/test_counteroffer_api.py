"""``POST /counteroffer`` over real HTTP: ``bentoml serve`` on a model that has learned the loan's terms."""

import httpx
import numpy as np
import pytest

from serving.counteroffer import LOAN_FIELDS
from tests.service.test_http_api import metric


@pytest.fixture(scope="module")
def client(loan_terms_server):
    with httpx.Client(base_url=loan_terms_server.url, timeout=120) as http:
        yield http


@pytest.fixture(scope="module")
def batch(loan_terms_records) -> list[dict]:
    return loan_terms_records[:60]


@pytest.fixture(scope="module")
def answers(client, batch) -> list[dict]:
    response = client.post("/counteroffer", json={"applications": batch})
    assert response.status_code == 200, response.text
    return response.json()


def offers(answer: dict) -> list[dict]:
    """Every loan the answer proposes or reports, the loan asked included."""
    ends = [offer for r in answer["annuity_ranges"] for offer in (r["lowest"], r["highest"])]
    return [answer["asked"], *(answer[k] for k in ("largest_amount", "best") if answer[k]), *ends]


def test_each_application_is_answered_in_order(batch, answers):
    assert [a["SK_ID_CURR"] for a in answers] == [r["SK_ID_CURR"] for r in batch]
    outcomes = {a["outcome"] for a in answers}
    assert outcomes <= {"counteroffer", "no_offer", "already_approved"} and "counteroffer" in outcomes


def test_every_offer_is_what_the_served_predict_answers(client, batch, answers):
    pairs = [(offer, {**record, **offer["changes"]})
             for record, answer in zip(batch, answers, strict=True) for offer in offers(answer)]
    assert any(offer["changes"] and offer["decision"] == "approved" for offer, _ in pairs)
    response = client.post("/predict", json={"applications": [changed for _, changed in pairs]})
    assert response.status_code == 200, response.text
    predicted = response.json()
    np.testing.assert_allclose([p["probability"] for p in predicted], [o["probability"] for o, _ in pairs],
                               rtol=0, atol=1e-12)
    assert [(p["score"], p["decision"]) for p in predicted] == [(o["score"], o["decision"]) for o, _ in pairs]


def test_offers_change_only_the_loan_terms(answers):
    changed = {name for answer in answers for offer in offers(answer) for name in offer["changes"]}
    assert changed <= set(LOAN_FIELDS)


def test_the_loan_asked_is_predicts_answer(client, batch, answers):
    predicted = client.post("/predict", json={"applications": batch}).json()
    assert [(a["asked"]["probability"], a["asked"]["decision"], a["threshold"], a["model_version"])
            for a in answers] == [(p["probability"], p["decision"], p["threshold"], p["model_version"])
                                  for p in predicted]


@pytest.mark.parametrize("field", ["AMT_CREDIT", "AMT_ANNUITY"])
def test_an_application_without_credit_or_annuity_is_a_422_naming_the_field(client, batch, field):
    missing = {k: v for k, v in batch[1].items() if k != field}
    response = client.post("/counteroffer", json={"applications": [batch[0], missing]})
    assert response.status_code == 422, response.text
    [problem] = response.json()["problems"]
    assert (problem["index"], problem["SK_ID_CURR"], problem["field"]) == (1, batch[1]["SK_ID_CURR"], field)
    assert "required for a counteroffer" in problem["problem"]


def test_a_body_not_declared_as_json_gets_415_as_for_predict(client, batch):
    response = client.post("/counteroffer", content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 415 and response.json()["problems"][0]["field"] == "Content-Type"


def test_counteroffers_are_counted_as_searched_never_as_decisions(client, answers):
    counted = {outcome: metric(client, "credit_scoring_applications_total", endpoint="counteroffer",
                               outcome=outcome) for outcome in ("searched", "approved", "refused")}
    assert counted == {"searched": counted["searched"], "approved": 0, "refused": 0}
    assert counted["searched"] >= len(answers)

