"""The request models of the scoring API, generated from the raw table schema.

One record type per raw table (a TypedDict pydantic validates), built from `features.schema` and
never written by hand: every field has the schema's type (whole numbers, numbers, or an enum of the
category levels), its plain-language description and its hard limits, so the OpenAPI document
BentoML serves describes the input exactly. An application is a raw ``application_test`` record
(``SK_ID_CURR`` required, every other field may be null or absent) that may carry its history rows,
nested under the table names: ``bureau`` (each bureau credit with its own ``bureau_balance``
months), ``previous_application``, ``POS_CASH_balance``, ``installments_payments`` and
``credit_card_balance``.

What is checked here, per request and before any batching: types, category levels, the schema's hard
limits (e.g. an income must be at least 1), unknown fields, and that nested history rows belong to
their application. What depends on the training data (plausible ranges) is checked by the Great
Expectations suite saved with the model (`expectations`).

A validated application is a plain dict holding the fields the client sent, in the types checked
(whole numbers as ints): what the model service builds its frames from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    with_config,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before Python 3.12

from features.schema import Column, Kind, Table, table

__all__ = [
    "APPLICATION_TABLE",
    "HISTORY_FIELDS",
    "MAX_EXPLAIN_APPLICATIONS",
    "MAX_HISTORY_ROWS",
    "MAX_PREDICT_APPLICATIONS",
    "MAX_WHOLE_NUMBER",
    "Application",
    "ExplainApplications",
    "ExplainBody",
    "PredictApplications",
    "PredictBody",
    "guaranteed_by_request_model",
    "history_model",
]

#: Most applications one /predict call may carry; bigger portfolios are sent in several calls.
MAX_PREDICT_APPLICATIONS = 1000
#: Most applications one /explain call may carry: an explanation is about 100 times the work and the
#: answer about 100 times the size of a prediction.
MAX_EXPLAIN_APPLICATIONS = 100
#: Most rows one history list of one application may hold. The largest real histories are a few
#: hundred rows (installments_payments: 372 instalments for one client).
MAX_HISTORY_ROWS = 5000

#: Largest whole number a field takes where the schema sets no limit (and smallest, negated): what a
#: float64, so most JSON parsers, holds exactly. No count or amount comes near it, and a larger one
#: could not be sent on to the model service (orjson writes 64-bit integers at most).
MAX_WHOLE_NUMBER = 2**53

#: The schema of an incoming application: application_train without TARGET.
APPLICATION_TABLE = table("application_test")

_CONFIG = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class _WholeNumber:
    """A whole number within optional bounds, checked by pydantic's core, not in Python.

    An int, or a float without a fraction (pandas writes integer columns that hold missing values as
    3.0); never true/false or numeric text, which pydantic's lax integers accept and which only a
    client with a bug sends. A Python validator per field did the same at ~17% of the CPU of a
    request with history (thousands of whole-number fields in its history rows).
    """

    low: float = -MAX_WHOLE_NUMBER
    high: float = MAX_WHOLE_NUMBER

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        whole = core_schema.union_schema(
            [core_schema.int_schema(strict=True), core_schema.float_schema(strict=True, multiple_of=1.0)],
            custom_error_type="whole_number", custom_error_message="Input should be a whole number")
        return core_schema.chain_schema([whole, core_schema.int_schema(ge=self.low, le=self.high)])


def _json_bounds(low: float | None, high: float | None) -> dict[str, float]:
    """JSON schema bounds: ``minimum``/``maximum`` for the bounds that are set."""
    return {key: bound for key, bound in (("minimum", low), ("maximum", high)) if bound is not None}


def _integer(column: Column, description: str, *, low: float | None, high: float | None) -> Any:
    low = -MAX_WHOLE_NUMBER if low is None else low
    high = MAX_WHOLE_NUMBER if high is None else high
    schema = {"type": "integer", **_json_bounds(low, high), "title": column.name, "description": description}
    return Annotated[int, _WholeNumber(low, high), WithJsonSchema(schema)]


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _sentinel_checker(column: Column) -> AfterValidator:
    def check(value: float) -> float:
        if value != column.sentinel and not _within(value, column.low, column.high):
            raise PydanticCustomError(
                "value_out_of_range", "Input should be {limits}, or {sentinel} for 'not applicable'",
                {"limits": _limits_text(column, with_sentinel=False).strip().rstrip(".").lower(),
                 "sentinel": column.sentinel})
        return value
    return AfterValidator(check)


def _limits_text(column: Column, *, with_sentinel: bool = True) -> str:
    if column.low is not None and column.high is not None:
        text = f" Between {column.low:g} and {column.high:g}."
    elif column.low is not None:
        text = f" At least {column.low:g}."
    elif column.high is not None:
        text = f" At most {column.high:g}."
    else:
        text = ""
    if with_sentinel and column.sentinel is not None:
        text += f" {column.sentinel} means 'not applicable'."
    return text


def _field_type(column: Column) -> Any:
    """Return the annotated type of one column: its kind, limits and JSON schema."""
    description = column.description.rstrip(".") + "." + _limits_text(column)
    if column.kind is Kind.CATEGORY:
        return Annotated[Literal[column.categories], Field(title=column.name, description=description)]
    if column.kind is Kind.KEY:
        return _integer(column, description, low=0, high=2**31 - 1)
    if column.sentinel is not None and (column.low, column.high) != (None, None):
        number = int if column.written_as_int else float
        kind = "integer" if column.written_as_int else "number"
        bounded = {"type": kind, **_json_bounds(column.low, column.high)}
        schema = {"anyOf": [bounded, {"const": column.sentinel}], "title": column.name,
                  "description": description}
        checked = _WholeNumber() if column.written_as_int else Field(strict=True, allow_inf_nan=False)
        return Annotated[number, checked, _sentinel_checker(column), WithJsonSchema(schema)]
    if column.written_as_int:
        return _integer(column, description, low=column.low, high=column.high)
    return Annotated[float, Field(strict=True, allow_inf_nan=False, ge=column.low, le=column.high,
                                  title=column.name, description=description)]


def _column_fields(schema: Table, *, required: str | None) -> dict[str, Any]:
    """Return the record fields of the columns of `schema`: all optional and nullable but `required`."""
    fields: dict[str, Any] = {}
    for column in schema.columns:
        kind = _field_type(column)
        fields[column.name] = kind if column.name == required else NotRequired[kind | None]
    return fields


def _belongs_to(parent_key: str) -> AfterValidator:
    """Return a history list's validator: its rows carry the key of their parent record, or none."""
    def check(rows: list[dict[str, Any]], info: ValidationInfo) -> list[dict[str, Any]]:
        parent = info.data.get(parent_key)
        for position, row in enumerate(rows):
            own = row.get(parent_key)
            if parent is not None and own is not None and own != parent:
                raise PydanticCustomError(
                    "history_of_another_client",
                    "row {position} has {key}={own} but is nested under {key}={parent}; nested history "
                    "rows must belong to the record they are nested in (or leave {key} out)",
                    {"position": position, "key": parent_key, "own": own, "parent": parent})
        return rows
    return AfterValidator(check)


def _history_list(row: type, description: str, *, parent_key: str) -> Any:
    return NotRequired[Annotated[list[row], Field(max_length=MAX_HISTORY_ROWS, description=description),
                                 _belongs_to(parent_key)]]


def _record(name: str, doc: str, fields: dict[str, Any]) -> type:
    """Return a record type (a TypedDict) that forbids unknown fields.

    TypedDicts, not models: an application with history holds hundreds of rows, and validated as
    plain dicts they are what the model service is sent as they are; models had to be dumped, or the
    body decoded a second time: ~0.12 ms more per application with history (0.36 instead of 0.24).
    """
    record = TypedDict(name, fields)
    record.__doc__, record.__module__ = doc, __name__
    return with_config(_CONFIG)(record)


def _model_name(table_name: str) -> str:
    return "".join(part[:1].upper() + part[1:].lower() for part in table_name.split("_")) + "Record"


def _table_record(table_name: str, *, extra_fields: dict[str, Any] | None = None) -> type:
    schema = table(table_name)
    return _record(_model_name(table_name), f"One {table_name} row: {schema.description}.",
                   {**_column_fields(schema, required=None), **(extra_fields or {})})


BureauBalanceRecord = _table_record("bureau_balance")
BureauRecord = _table_record("bureau", extra_fields={"bureau_balance": _history_list(
    BureauBalanceRecord, "Monthly status rows of this bureau credit (bureau_balance)",
    parent_key="SK_ID_BUREAU")})

#: The history lists an application may carry: field name -> row type. bureau_balance rows travel
#: inside their bureau row.
HISTORY_FIELDS: dict[str, type] = {
    "bureau": BureauRecord,
    **{name: _table_record(name)
       for name in ("previous_application", "POS_CASH_balance", "installments_payments",
                    "credit_card_balance")},
}


def history_model(table_name: str) -> type:
    """Return the record type of one history table's rows (``bureau_balance`` included)."""
    if table_name == "bureau_balance":
        return BureauBalanceRecord
    try:
        return HISTORY_FIELDS[table_name]
    except KeyError:
        raise KeyError(f"no history table {table_name!r}; expected bureau_balance or "
                       + ", ".join(HISTORY_FIELDS)) from None


Application: type = _record(
    "Application",
    "A loan application: a raw application_train record without TARGET (only SK_ID_CURR is required), "
    "optionally with the client's history rows nested under the table names.",
    {**_column_fields(APPLICATION_TABLE, required="SK_ID_CURR"),
     **{name: _history_list(row, table(name).description, parent_key="SK_ID_CURR")
        for name, row in HISTORY_FIELDS.items()}})

#: The body of a /predict call: ``{"applications": [...]}``, in this type.
PredictApplications = Annotated[
    list[Application],
    Field(min_length=1, max_length=MAX_PREDICT_APPLICATIONS,
          description=f"The applications to score, 1 to {MAX_PREDICT_APPLICATIONS}; answers come in "
                      "the same order."),
]
#: The body of an /explain call: ``{"applications": [...]}``, in this type.
ExplainApplications = Annotated[
    list[Application],
    Field(min_length=1, max_length=MAX_EXPLAIN_APPLICATIONS,
          description=f"The applications to explain, 1 to {MAX_EXPLAIN_APPLICATIONS}; answers come in "
                      "the same order."),
]

# The whole bodies as models, for ``serving.middleware.ProblemResponses`` to validate a rejected body
# again. Like the models BentoML builds from the API signatures, they ignore unknown top-level keys.
#: The whole /predict body: ``{"applications": [...]}``.
PredictBody: type[BaseModel] = create_model("PredictBody", __module__=__name__,
                                            applications=(PredictApplications, ...))
#: The whole /explain body: ``{"applications": [...]}``.
ExplainBody: type[BaseModel] = create_model("ExplainBody", __module__=__name__,
                                            applications=(ExplainApplications, ...))


def guaranteed_by_request_model(expectation: dict) -> bool:
    """Return whether every application that passed the request model meets `expectation`.

    True for the suite's dtypes (``cast_to_schema`` gives the schema's), category levels (enums), the
    required SK_ID_CURR, and ranges at least as wide as the schema's hard limits (the fields' own
    bounds); False for ranges the training data narrowed, and for anything else.

    Parameters
    ----------
    expectation : dict
        One expectation of a suite, as JSON (``{"type": ..., "kwargs": {...}}``).
    """
    kind, kwargs = expectation["type"], expectation["kwargs"]
    if kind in ("expect_column_values_to_be_in_type_list", "expect_column_values_to_be_in_set"):
        return kwargs["column"] in APPLICATION_TABLE.column_names
    if kind == "expect_column_values_to_not_be_null":
        return kwargs["column"] == "SK_ID_CURR"
    if kind != "expect_column_values_to_be_between" or kwargs["column"] not in APPLICATION_TABLE.column_names:
        return False
    column = APPLICATION_TABLE.column(kwargs["column"])
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    return ((low is None or (column.low is not None and low <= column.low))
            and (high is None or (column.high is not None and high >= column.high)))
