"""Rejected request bodies are logged as one line naming the fields, never the values sent."""

import logging

from pydantic import ValidationError

from serving.logs import RejectionSummary
from serving.requests import PredictBody

BODY = '{"applications": [{"SK_ID_CURR": 123456, "AMT_INCOME_TOTAL": -98765.5, "CODE_GENDER": "Q"}]}'


def record_for(exc_info) -> logging.LogRecord:
    return logging.LogRecord("bentoml", logging.ERROR, __file__, 1, "Exception on %s [%s]",
                             ("/predict", "POST"), exc_info)


def rejected_record() -> logging.LogRecord:
    try:
        PredictBody.model_validate_json(BODY)
    except ValidationError as error:
        return record_for((type(error), error, error.__traceback__))
    raise AssertionError("the body should have been rejected")


def test_rejection_becomes_one_info_line_with_fields_only():
    record = rejected_record()
    assert RejectionSummary().filter(record)
    text = logging.Formatter().format(record)
    assert record.levelno == logging.INFO and "\n" not in text
    assert "2 validation error(s) at applications.0.CODE_GENDER, applications.0.AMT_INCOME_TOTAL" in text
    assert "98765" not in text and "123456" not in text and "Traceback" not in text


def test_other_exceptions_keep_their_traceback():
    try:
        raise RuntimeError("model file missing")
    except RuntimeError as error:
        record = record_for((RuntimeError, error, error.__traceback__))
    assert RejectionSummary().filter(record)
    assert record.levelno == logging.ERROR and "Traceback" in logging.Formatter().format(record)
