"""Object-dtype column labels, built once, on the frames the serving path builds (features.labels)."""

import numpy as np

from features.build import build_features_from_records, feature_names
from features.labels import labels
from features.records import records_to_tables


def test_labels_are_object_dtype_and_built_once_per_list_of_names():
    first = labels(["A", "B"])
    assert first.dtype == np.dtype(object) and list(first) == ["A", "B"]
    assert labels(name for name in ("A", "B")) is first
    assert labels(["B", "A"]) is not first


def test_records_tables_and_built_features_carry_object_labels():
    records = [{"SK_ID_CURR": 7, "AMT_CREDIT": 1000.0, "bureau": [{"CREDIT_ACTIVE": "Active"}],
                "previous_application": [{"SK_ID_PREV": 1, "NAME_CONTRACT_STATUS": "Approved"}]}]
    _, applications, tables = records_to_tables(records)
    assert applications.columns.dtype == np.dtype(object)
    assert all(frame.columns.dtype == np.dtype(object) for frame in tables.values())
    features = build_features_from_records(records)
    assert features.columns.dtype == np.dtype(object) and list(features.columns) == feature_names()
