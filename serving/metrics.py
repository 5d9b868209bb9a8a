"""The service's Prometheus metrics of its answers: outcomes, batches, and the fields behind rejections
and warnings.

The field of a problem is counted under its name without row positions (``bureau[2].CREDIT_ACTIVE``
counts as ``bureau.CREDIT_ACTIVE``), and a name the schema does not know as ``unknown``: a client
sending made-up fields must not grow the metric's label set without bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import bentoml

from features.schema import HISTORY_TABLES, table

__all__ = ["APPLICATIONS", "BATCH_APPLICATIONS", "FIELD_REJECTIONS", "FIELD_WARNINGS", "VALIDATION_SECONDS",
           "count_fields", "metric_field"]

APPLICATIONS = bentoml.metrics.Counter(
    name="credit_scoring_applications", labelnames=["endpoint", "outcome"],
    documentation="Applications answered, by endpoint and outcome (approved, refused, rejected)")
VALIDATION_SECONDS = bentoml.metrics.Histogram(
    name="credit_scoring_validation_seconds", labelnames=["endpoint"],
    documentation="Great Expectations validation time per batch",
    buckets=(0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4))
BATCH_APPLICATIONS = bentoml.metrics.Histogram(
    name="credit_scoring_batch_applications", labelnames=["endpoint"],
    documentation="Applications per batch the model scored, merged from the requests of many clients",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000))
FIELD_REJECTIONS = bentoml.metrics.Counter(
    name="credit_scoring_rejected_fields", labelnames=["endpoint", "field"],
    documentation="Problems that got an application refused (4xx), by field")
FIELD_WARNINGS = bentoml.metrics.Counter(
    name="credit_scoring_warned_fields", labelnames=["endpoint", "field"],
    documentation="Values scored although outside the training data's range, by field")

_POSITIONS = re.compile(r"\[\d+\]")
_KNOWN = frozenset(
    [*table("application_test").column_names,
     *(f"{name}.{column}" for name in HISTORY_TABLES if name != "bureau_balance"
       for column in table(name).column_names),
     *(f"bureau.bureau_balance.{c.name}" for c in table("bureau_balance").columns),
     *HISTORY_TABLES, "bureau.bureau_balance", "applications", "Content-Type"])


def metric_field(field: str | None) -> str:
    """Return a problem's field as a metric label: positions dropped, unknown names as ``unknown``."""
    if field is None:
        return "body"
    name = _POSITIONS.sub("", field)
    return name if name in _KNOWN else "unknown"


def count_fields(counter: bentoml.metrics.Counter, endpoint: str, fields: Iterable[str | None]) -> None:
    """Count each field of `fields` once in `counter`, under `endpoint`."""
    for field in fields:
        counter.labels(endpoint=endpoint, field=metric_field(field)).inc()
