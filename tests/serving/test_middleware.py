"""The service's ASGI middleware, on a small Starlette app that answers like BentoML does."""

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from serving.middleware import ApiKeyMiddleware, ProblemResponses, api_key_digest, request_caller
from serving.requests import PredictBody

KEY = "s3cret-key"


async def like_bentoml(request: Request) -> JSONResponse:
    """Answer 400 (BentoML's shape) when the body fails the request model, else echo a count."""
    try:
        body = PredictBody.model_validate_json(await request.body() or b"{}")
    except ValueError:
        return JSONResponse({"error": "1 validation error", "detail": []}, status_code=400)
    if body.applications[0]["SK_ID_CURR"] == 400:  # a 400 that the request model does not explain
        return JSONResponse({"error": "other"}, status_code=400)
    return JSONResponse({"scored": len(body.applications), "caller": request_caller(request.scope)})


def client(*, api_key: str | None = None) -> tuple[TestClient, list]:
    rejected: list = []
    app = Starlette(routes=[Route("/predict", like_bentoml, methods=["POST"]),
                            Route("/predict/{more:path}", like_bentoml, methods=["POST"]),
                            Route("/predictions", like_bentoml, methods=["POST"]),
                            Route("/open", like_bentoml, methods=["POST"])])
    app.add_middleware(ProblemResponses, bodies={"/predict": PredictBody},
                       on_rejected=lambda path, n, fields: rejected.append((path, n, fields)))
    if api_key:
        keys = {"partner-a": api_key_digest(api_key), "partner-b": api_key_digest("another-key")}
        app.add_middleware(ApiKeyMiddleware, keys=keys, protected=("/predict",))
    return TestClient(app), rejected


def test_valid_request_passes_untouched():
    test_client, rejected = client()
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 1}]})
    assert response.json() == {"scored": 1, "caller": "anonymous"} and rejected == []


def test_rejected_body_is_answered_with_problems_and_counted():
    test_client, rejected = client()
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 1}, {"SK_ID_CURR": 9,
                                                                                       "CODE_GENDER": "Q"}]})
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["index"], problem["SK_ID_CURR"], problem["field"]) == (1, 9, "CODE_GENDER")
    assert rejected == [("/predict", 2, ["CODE_GENDER"])]


def test_deeply_nested_body_gets_400_not_500():
    test_client, _ = client()
    body = b'{"applications":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = test_client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["problems"][0]["problem"].startswith("the body is not valid JSON")


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=xyz",
                                          "application/x-www-form-urlencoded", "text/plain"])
def test_body_declared_as_another_media_type_gets_415_naming_the_header(content_type):
    test_client, _ = client()
    response = test_client.post("/predict", content=b'{"applications": [{"SK_ID_CURR": 1}]}',
                                headers={"content-type": content_type})
    assert response.status_code == 415
    [problem] = response.json()["problems"]
    assert problem["field"] == "Content-Type"
    assert problem["problem"].startswith(f"must be application/json, got {content_type.split(';')[0]}")


@pytest.mark.parametrize("headers", [{"content-type": "application/json; charset=utf-8"},
                                     {"content-type": "Application/JSON"}, {}])
def test_json_body_with_or_without_declared_type_passes(headers):
    test_client, _ = client()
    response = test_client.post("/predict", content=b'{"applications": [{"SK_ID_CURR": 1}]}', headers=headers)
    assert response.json() == {"scored": 1, "caller": "anonymous"}


def test_body_that_is_not_json_gets_400():
    test_client, rejected = client()
    response = test_client.post("/predict", content=b"<xml/>", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["problems"][0]["problem"].startswith("the body is not valid JSON")
    assert rejected == [("/predict", 1, [None])]


def test_a_400_the_request_model_does_not_explain_is_kept():
    test_client, rejected = client()
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 400}]})
    assert response.status_code == 400 and response.json() == {"error": "other"} and rejected == []


def test_routes_without_a_body_model_are_left_alone():
    test_client, _ = client()
    assert test_client.post("/open", json={"applications": []}).json() == {"error": "1 validation error",
                                                                           "detail": []}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": KEY}])
def test_protected_route_needs_the_key(headers):
    test_client, _ = client(api_key=KEY)
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 1}]}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer <key>" in response.json()["error"]


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"},
                                     {"Authorization": f"bearer {KEY}"}])
def test_key_is_accepted_in_either_header_and_its_name_is_the_caller(headers):
    test_client, _ = client(api_key=KEY)
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 1}]}, headers=headers)
    assert response.json() == {"scored": 1, "caller": "partner-a"}


def test_each_named_key_is_its_own_caller():
    test_client, _ = client(api_key=KEY)
    response = test_client.post("/predict", json={"applications": [{"SK_ID_CURR": 1}]},
                                headers={"X-API-Key": "another-key"})
    assert response.json()["caller"] == "partner-b"


def test_a_protected_path_covers_the_paths_under_it_only():
    test_client, _ = client(api_key=KEY)
    body = {"applications": [{"SK_ID_CURR": 1}]}
    assert test_client.post("/predict/more", json=body).status_code == 401
    assert test_client.post("/predictions", json=body).status_code == 200


def test_unprotected_routes_stay_open_with_a_key():
    test_client, _ = client(api_key=KEY)
    assert test_client.post("/open", json={"applications": [{"SK_ID_CURR": 1}]}).json() == {
        "scored": 1, "caller": "anonymous"}


def test_no_key_is_refused():
    with pytest.raises(ValueError, match="keys must name at least one API key"):
        ApiKeyMiddleware(Starlette(), keys={}, protected=())


def test_only_the_digest_of_a_key_is_kept():
    middleware = ApiKeyMiddleware(Starlette(), keys={"a": api_key_digest(KEY)}, protected=("/predict",))
    assert KEY.encode() not in repr(vars(middleware)).encode()
