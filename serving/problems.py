"""Turn whatever is wrong with a request into the API's one error shape, naming application and field.

Every 4xx answer of the API is an :class:`~serving.responses.ErrorBody`: a summary, then one
:class:`~serving.responses.Problem` per fault with the application's position in the request, its
SK_ID_CURR when it can be read, the field (``bureau[2].CREDIT_ACTIVE`` for nested rows) and what is
wrong, with the value that was sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from starlette.responses import JSONResponse

from serving.responses import ErrorBody, Problem

__all__ = ["BODY_FIELD", "application_ids", "error_response", "parameter_problems",
           "problems_from_validation_error"]

#: The one field of a /predict or /explain body.
BODY_FIELD = "applications"
_SHOWN_CHARACTERS = 60


def application_ids(body: Any) -> list[int | None]:
    """Return the SK_ID_CURR of each application of a raw (parsed JSON) body, None where unreadable."""
    applications = body.get(BODY_FIELD) if isinstance(body, dict) else None
    if not isinstance(applications, list):
        return []
    return [a.get("SK_ID_CURR") if isinstance(a, dict) and _is_id(a.get("SK_ID_CURR")) else None
            for a in applications]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _path(parts: Sequence[str | int]) -> str | None:
    """Return a field path such as ``bureau[2].bureau_balance[0].STATUS``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= _SHOWN_CHARACTERS else text[:_SHOWN_CHARACTERS] + "..."


def _problem_text(error: dict) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a field of this record; check the spelling (TARGET is never sent)"
    text = error["msg"]
    if "input" in error and not isinstance(error["input"], dict | list):
        text += f" (got {_shown(error['input'])})"
    return text


def problems_from_validation_error(error: ValidationError, body: Any) -> list[Problem]:
    """Return one Problem per error of a body validated against ``{"applications": [...]}``.

    Parameters
    ----------
    error : pydantic.ValidationError
        From validating the whole body (locations start with ``"applications"``).
    body : any
        The parsed JSON body (to read each application's SK_ID_CURR), or None if it was not JSON.
    """
    ids = application_ids(body)
    problems = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        if detail["type"] == "json_invalid":
            problems.append(Problem(index=None, SK_ID_CURR=None, field=None,
                                    problem=f"the body is not valid JSON: {detail['ctx']['error']}"))
        elif len(loc) >= 2 and loc[0] == BODY_FIELD and isinstance(loc[1], int):
            index = loc[1]
            problems.append(Problem(index=index, SK_ID_CURR=ids[index] if index < len(ids) else None,
                                    field=_path(loc[2:]), problem=_problem_text(detail)))
        else:
            problems.append(Problem(index=None, SK_ID_CURR=None, field=_path(loc) or BODY_FIELD,
                                    problem=_problem_text(detail) + _body_hint(loc)))
    return problems


def _body_hint(loc: Sequence[str | int]) -> str:
    if not loc:
        return '; send a JSON object {"applications": [{"SK_ID_CURR": ..., ...}, ...]}'
    return ""


def error_response(problems: Sequence[Problem], *, status_code: int) -> JSONResponse:
    """Return the 4xx answer listing `problems`, with a one-line summary."""
    applications = {p.index for p in problems if p.index is not None}
    if applications:
        summary = (f"{len(applications)} application(s) rejected with {len(problems)} problem(s); "
                   "nothing in this request was scored")
    else:
        summary = "the request body was rejected; nothing was scored"
    body = ErrorBody(error=summary, problems=list(problems))
    return JSONResponse(body.model_dump(), status_code=status_code)


async def parameter_problems(_request: Any, error: Any) -> JSONResponse:
    """Answer a request whose path or query parameters are wrong: 422, one problem per parameter.

    FastAPI's exception handler for ``RequestValidationError`` on the service's GET routes; the body is
    the API's `ErrorBody`, the field the parameter's name, the value shown shortened.
    """
    problems = [Problem(index=None, SK_ID_CURR=None, field=str(e["loc"][-1]), problem=_problem_text(e))
                for e in error.errors()]
    body = ErrorBody(error="the request's parameters were rejected; nothing was read", problems=problems)
    return JSONResponse(body.model_dump(), status_code=422)
