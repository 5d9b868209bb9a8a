"""Every rejection names the application (position and SK_ID_CURR), the field and the problem."""

import json

import pytest
from pydantic import ValidationError

from serving.problems import application_ids, error_response, problems_from_validation_error
from serving.requests import PredictBody
from serving.responses import Problem


def problems_of(body: object) -> list[Problem]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ValidationError) as caught:
        PredictBody.model_validate_json(raw)
    return problems_from_validation_error(caught.value, None if isinstance(body, bytes) else body)


def test_problem_names_position_sk_id_curr_field_and_value():
    body = {"applications": [{"SK_ID_CURR": 1}, {"SK_ID_CURR": 2, "AMT_INCOME_TOTAL": -5}]}
    assert problems_of(body) == [Problem(index=1, SK_ID_CURR=2, field="AMT_INCOME_TOTAL",
                                         problem="Input should be greater than or equal to 1 (got -5)")]


def test_nested_field_is_written_as_a_path():
    body = {"applications": [{"SK_ID_CURR": 3, "bureau": [{}, {"bureau_balance": [{"STATUS": "Z"}]}]}]}
    [problem] = problems_of(body)
    assert problem.field == "bureau[1].bureau_balance[0].STATUS"
    assert '(got "Z")' in problem.problem


def test_missing_sk_id_curr_is_reported_without_an_id():
    [problem] = problems_of({"applications": [{"AMT_CREDIT": 5}]})
    assert (problem.index, problem.SK_ID_CURR, problem.field, problem.problem) == (0, None, "SK_ID_CURR",
                                                                                    "is required")


def test_unknown_field_suggests_checking_the_spelling():
    [problem] = problems_of({"applications": [{"SK_ID_CURR": 4, "AMT_INCOM_TOTAL": 5}]})
    assert problem.field == "AMT_INCOM_TOTAL" and "check the spelling" in problem.problem


@pytest.mark.parametrize(("body", "field", "text"), [
    ({"applications": []}, "applications", "at least 1 item"),
    ({"applications": [{"SK_ID_CURR": 1}] * 1001}, "applications", "at most 1000 items"),
    ({"apps": []}, "applications", "is required"),
    ([{"SK_ID_CURR": 1}], "applications", 'send a JSON object {"applications"'),
])
def test_body_level_problems_name_no_application(body, field, text):
    [problem] = problems_of(body)
    assert problem.index is None and problem.field == field and text in problem.problem


def test_body_that_is_not_json_says_so():
    [problem] = problems_of(b"{not json")
    assert problem.field is None and problem.problem.startswith("the body is not valid JSON")


@pytest.mark.parametrize(("body", "ids"), [
    ({"applications": [{"SK_ID_CURR": 7}, {"SK_ID_CURR": "8"}, 3, {"SK_ID_CURR": True}]},
     [7, None, None, None]),
    ({"applications": "x"}, []), ([1, 2], []), (None, []),
])
def test_application_ids_reads_what_it_can(body, ids):
    assert application_ids(body) == ids


def test_error_response_summarises_rejected_applications():
    problems = [Problem(index=0, SK_ID_CURR=1, field="A", problem="p"),
                Problem(index=0, SK_ID_CURR=1, field="B", problem="q"),
                Problem(index=2, SK_ID_CURR=3, field="A", problem="p")]
    response = error_response(problems, status_code=422)
    body = json.loads(response.body)
    assert response.status_code == 422
    assert body["error"].startswith("2 application(s) rejected with 3 problem(s)")
    assert len(body["problems"]) == 3
