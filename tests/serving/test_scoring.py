"""What the service validates per batch: the expectations the request model cannot guarantee."""

import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from expectations import BatchValidator
from features.loaders import cast_to_schema
from features.schema import table
from serving.requests import Application, guaranteed_by_request_model
from serving.scoring import serving_suite

APPLICATION = table("application_test")
VALIDATE = TypeAdapter(Application)


def between(column: str, low: float | None, high: float | None) -> dict:
    kwargs = {"column": column, **({"min_value": low} if low is not None else {}),
              **({"max_value": high} if high is not None else {})}
    return {"type": "expect_column_values_to_be_between", "kwargs": kwargs}


@pytest.mark.parametrize(("expectation", "guaranteed"), [
    ({"type": "expect_column_values_to_be_in_type_list", "kwargs": {"column": "AMT_CREDIT"}}, True),
    ({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "CODE_GENDER"}}, True),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "SK_ID_CURR"}}, True),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "AMT_CREDIT"}}, False),
    (between("EXT_SOURCE_1", 0, 1), True),
    (between("FLAG_MOBIL", -1, 2), True),
    (between("EXT_SOURCE_1", 0, 0.9), False),
    (between("AMT_INCOME_TOTAL", 1, None), True),
    (between("AMT_INCOME_TOTAL", 1, 5e6), False),
    (between("DAYS_EMPLOYED", -20000, 0), False),
    (between("NOT_A_COLUMN", None, None), False),
    ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "SK_ID_CURR"}}, False),
])
def test_guarantee_follows_the_request_model(expectation, guaranteed):
    assert guaranteed_by_request_model(expectation) is guaranteed


def test_serving_suite_keeps_only_what_can_fail(suite):
    kept = serving_suite(suite)["expectations"]
    assert kept and all(e["type"] == "expect_column_values_to_be_between" for e in kept)
    assert len(kept) < len(suite["expectations"])
    assert serving_suite(suite)["name"] == suite["name"]


def test_application_at_the_hard_limits_fails_only_the_kept_expectations(suite):
    """An application that passes the request model can fail only what the service still checks."""
    extremes = {c.name: c.high if c.high is not None else c.low for c in APPLICATION.numeric
                if (c.low, c.high) != (None, None)}
    application = VALIDATE.validate_python({"SK_ID_CURR": 1, **extremes, "CODE_GENDER": "XNA"})
    frame = cast_to_schema(pd.DataFrame([application]), APPLICATION)
    failed = {f.column for f in BatchValidator(suite).validate(frame)}
    kept = {e["kwargs"]["column"] for e in serving_suite(suite)["expectations"]}
    assert failed and failed <= kept


def test_request_model_rejects_what_the_dropped_ranges_would(suite):
    dropped = [e for e in suite["expectations"] if e["type"] == "expect_column_values_to_be_between"
               and guaranteed_by_request_model(e)]
    for expectation in dropped:
        column = APPLICATION.column(expectation["kwargs"]["column"])
        outside = column.high + 1 if column.high is not None else column.low - 1
        with pytest.raises(ValidationError):
            VALIDATE.validate_python({"SK_ID_CURR": 1, column.name: outside})
