"""The request models are the schema: every column, its type, its levels, its limits, its description."""

import json

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from features.schema import HISTORY_TABLES, Kind, table
from serving.requests import (
    HISTORY_FIELDS,
    MAX_EXPLAIN_APPLICATIONS,
    MAX_HISTORY_ROWS,
    MAX_PREDICT_APPLICATIONS,
    MAX_WHOLE_NUMBER,
    Application,
    ExplainApplications,
    PredictApplications,
    history_model,
)

APPLICATION = table("application_test")
BASE = {"SK_ID_CURR": 100002}
VALIDATE = TypeAdapter(Application)


def errors(payload: dict) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        VALIDATE.validate_json(json.dumps(payload))
    return caught.value.errors()


def test_application_has_every_application_column_and_no_target():
    fields = set(Application.__annotations__)
    assert set(APPLICATION.column_names) <= fields
    assert "TARGET" not in fields


def test_application_carries_every_history_table_but_bureau_balance_inside_bureau():
    assert set(HISTORY_FIELDS) == set(HISTORY_TABLES) - {"bureau_balance"}
    assert "bureau_balance" in HISTORY_FIELDS["bureau"].__annotations__


@pytest.mark.parametrize("name", HISTORY_TABLES)
def test_history_models_have_their_table_columns(name):
    assert set(table(name).column_names) <= set(history_model(name).__annotations__)


def test_history_model_of_unknown_table_raises():
    with pytest.raises(KeyError, match="no history table 'application_train'"):
        history_model("application_train")


def test_only_sk_id_curr_is_required():
    assert Application.__required_keys__ == {"SK_ID_CURR"}
    assert VALIDATE.validate_python(BASE) == BASE
    assert VALIDATE.validate_python({**BASE, "AMT_INCOME_TOTAL": None, "bureau": []}) == {
        **BASE, "AMT_INCOME_TOTAL": None, "bureau": []}
    assert [e["loc"] for e in errors({})] == [("SK_ID_CURR",)]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("AMT_INCOME_TOTAL", -5.0, "greater than or equal to 1"),
    ("AMT_INCOME_TOTAL", "50000", "valid number"),
    ("AMT_INCOME_TOTAL", True, "valid number"),
    ("CODE_GENDER", "Q", "'F', 'M' or 'XNA'"),
    ("CNT_CHILDREN", 1.5, "Input should be a whole number"),
    ("CNT_CHILDREN", True, "Input should be a whole number"),
    ("CNT_CHILDREN", "2", "Input should be a whole number"),
    ("FLAG_MOBIL", 2, "less than or equal to 1"),
    ("EXT_SOURCE_2", 1.2, "less than or equal to 1"),
    ("DAYS_EMPLOYED", 100, "between -40000 and 0, or 365243"),
    ("SK_ID_CURR", -1, "greater than or equal to 0"),
    ("TARGET", 1, "Extra inputs are not permitted"),
])
def test_impossible_values_are_rejected_naming_the_field(field, value, message):
    found = errors({**BASE, field: value})
    assert len(found) == 1
    assert found[0]["loc"] == (field,)
    assert message in found[0]["msg"]


@pytest.mark.parametrize("value", [MAX_WHOLE_NUMBER + 1, float(2**60), 2**64])
def test_whole_number_without_a_schema_limit_is_bounded(value):
    """Beyond 2**53 no JSON parser holds it exactly, and the model service could not be sent it."""
    def drawings(count: float) -> dict:
        return {**BASE, "credit_card_balance": [{"CNT_DRAWINGS_CURRENT": count}]}

    found = errors(drawings(value))
    assert found[0]["loc"] == ("credit_card_balance", 0, "CNT_DRAWINGS_CURRENT")
    assert f"less than or equal to {MAX_WHOLE_NUMBER}" in found[0]["msg"]
    assert VALIDATE.validate_python(drawings(MAX_WHOLE_NUMBER)) == drawings(MAX_WHOLE_NUMBER)
    field = VALIDATE.json_schema()["$defs"]["CreditCardBalanceRecord"]["properties"]["CNT_DRAWINGS_CURRENT"]
    assert field["anyOf"][0]["maximum"] == MAX_WHOLE_NUMBER


def test_infinite_number_is_rejected():
    found = errors({**BASE, "AMT_CREDIT": 1e400})
    assert found[0]["loc"] == ("AMT_CREDIT",) and "finite" in found[0]["msg"]


@pytest.mark.parametrize(("field", "value"), [
    ("DAYS_EMPLOYED", 365243), ("DAYS_EMPLOYED", -1200), ("CNT_CHILDREN", 2.0), ("AMT_INCOME_TOTAL", 90000),
    ("CODE_GENDER", None), ("NAME_TYPE_SUITE", "Spouse, partner"),
])
def test_plausible_values_are_accepted(field, value):
    assert VALIDATE.validate_python({**BASE, field: value})[field] == value


def test_history_row_of_another_client_is_rejected():
    found = errors({**BASE, "previous_application": [{"SK_ID_PREV": 1}, {"SK_ID_CURR": 5, "SK_ID_PREV": 2}]})
    assert found[0]["loc"] == ("previous_application",)
    assert "row 1 has SK_ID_CURR=5 but is nested under SK_ID_CURR=100002" in found[0]["msg"]


def test_monthly_status_of_another_bureau_credit_is_rejected():
    found = errors({**BASE, "bureau": [{"SK_ID_BUREAU": 7, "bureau_balance": [{"SK_ID_BUREAU": 8}]}]})
    assert found[0]["loc"] == ("bureau", 0, "bureau_balance")
    assert "SK_ID_BUREAU=8 but is nested under SK_ID_BUREAU=7" in found[0]["msg"]


def test_nested_rows_may_repeat_or_omit_their_parent_key():
    status = {"MONTHS_BALANCE": -1, "STATUS": "C"}
    bureau = {"SK_ID_CURR": 100002, "SK_ID_BUREAU": 7, "bureau_balance": [status]}
    application = VALIDATE.validate_python({**BASE, "bureau": [bureau]})
    assert application["bureau"][0]["bureau_balance"][0]["STATUS"] == "C"


def test_history_list_is_bounded():
    found = errors({**BASE, "installments_payments": [{}] * (MAX_HISTORY_ROWS + 1)})
    assert found[0]["loc"] == ("installments_payments",) and "at most" in found[0]["msg"]


@pytest.mark.parametrize(("body", "limit"), [(PredictApplications, MAX_PREDICT_APPLICATIONS),
                                              (ExplainApplications, MAX_EXPLAIN_APPLICATIONS)])
def test_request_holds_one_to_the_documented_maximum_of_applications(body, limit):
    adapter = TypeAdapter(body)
    assert len(adapter.validate_python([BASE] * limit)) == limit
    for count in (0, limit + 1):
        with pytest.raises(ValidationError, match="List should have at"):
            adapter.validate_python([BASE] * count)


def test_json_schema_describes_types_levels_limits_and_meaning():
    properties = VALIDATE.json_schema()["properties"]
    gender = properties["CODE_GENDER"]["anyOf"][0]
    assert gender["enum"] == list(APPLICATION.column("CODE_GENDER").categories)
    income = properties["AMT_INCOME_TOTAL"]["anyOf"][0]
    assert income["type"] == "number" and income["minimum"] == 1
    assert income["description"].startswith("Annual income")
    assert properties["CNT_CHILDREN"]["anyOf"][0]["type"] == "integer"
    assert {"const": 365243} in properties["DAYS_EMPLOYED"]["anyOf"][0]["anyOf"]
    assert properties["SK_ID_CURR"]["type"] == "integer"


@pytest.mark.parametrize("column", APPLICATION.columns, ids=lambda c: c.name)
def test_every_column_has_a_described_field_of_its_kind(column):
    schema = VALIDATE.json_schema()["properties"][column.name]
    text = json.dumps(schema)
    assert column.description.rstrip(".") in text
    if column.kind is Kind.CATEGORY:
        assert all(json.dumps(level) in text for level in column.categories)


def test_validated_application_is_the_plain_record_the_model_service_is_sent():
    """Only the fields sent, whole numbers as ints: what orjson writes for the model service."""
    application = VALIDATE.validate_python(
        {**BASE, "CNT_CHILDREN": 2.0, "bureau": [{"SK_ID_BUREAU": 7.0, "bureau_balance": [{"STATUS": "X"}]}]})
    assert application == {**BASE, "CNT_CHILDREN": 2,
                           "bureau": [{"SK_ID_BUREAU": 7, "bureau_balance": [{"STATUS": "X"}]}]}
    assert type(application["CNT_CHILDREN"]) is int and type(application["bureau"][0]["SK_ID_BUREAU"]) is int
    assert orjson.loads(orjson.dumps(application)) == application
