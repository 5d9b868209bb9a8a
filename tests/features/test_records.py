"""Raw API records -> raw tables, and back."""

import numpy as np
import pandas as pd
import pytest

from features.records import records_to_columns, records_to_tables, tables_to_records
from features.schema import HISTORY_TABLES, table


@pytest.fixture
def batch():
    return [
        {"SK_ID_CURR": 100002, "AMT_CREDIT": 1000.0,
         "bureau": [{"SK_ID_BUREAU": 5, "CREDIT_ACTIVE": "Active",
                     "bureau_balance": [{"MONTHS_BALANCE": 0, "STATUS": "1"},
                                        {"SK_ID_BUREAU": 5, "MONTHS_BALANCE": -1, "STATUS": "0"}]},
                    {"CREDIT_ACTIVE": "Closed", "bureau_balance": [{"MONTHS_BALANCE": -3, "STATUS": "C"}]}],
         "installments_payments": [{"SK_ID_PREV": 9, "AMT_PAYMENT": 10.0}]},
        {"SK_ID_CURR": 100003, "previous_application": [{"SK_ID_PREV": 9, "SK_ID_CURR": 100003}]},
    ]


def test_one_frame_per_table_keyed_by_record_position(batch):
    ids, apps, tables = records_to_tables(batch)
    assert list(ids) == [100002, 100003] and list(apps["SK_ID_CURR"]) == [0, 1]
    assert set(tables) == set(HISTORY_TABLES)
    assert list(tables["previous_application"]["SK_ID_CURR"]) == [1]
    assert list(tables["installments_payments"]["SK_ID_CURR"]) == [0]


def test_monthly_statuses_follow_their_bureau_credit_by_nesting(batch):
    _, _, tables = records_to_tables(batch)
    credits, statuses = tables["bureau"], tables["bureau_balance"]
    assert list(credits["SK_ID_BUREAU"]) == [0, 1]
    assert list(statuses["SK_ID_BUREAU"]) == [0, 0, 1]
    assert list(statuses["STATUS"]) == ["1", "0", "C"]


@pytest.mark.parametrize("name", ["application_test", *HISTORY_TABLES])
def test_frames_have_schema_columns_and_dtypes(batch, name):
    _, apps, tables = records_to_tables(batch)
    frame = apps if name == "application_test" else tables[name]
    schema = table(name)
    assert list(frame.columns) == schema.column_names
    assert [str(d) for d in frame.dtypes] == [c.dtype for c in schema.columns]


def test_empty_batch_gives_empty_tables():
    ids, apps, tables = records_to_tables([])
    assert len(ids) == 0 and len(apps) == 0 and all(len(t) == 0 for t in tables.values())


def test_round_trip_through_records_keeps_every_row():
    apps = pd.DataFrame({"SK_ID_CURR": [1, 2], "AMT_CREDIT": [10.0, np.nan], "TARGET": [0, 1]})
    history = {"bureau": pd.DataFrame({"SK_ID_CURR": [1, 1, 3], "SK_ID_BUREAU": [7, 8, 9]}),
               "bureau_balance": pd.DataFrame({"SK_ID_BUREAU": [7, 9], "MONTHS_BALANCE": [0, 0]})}
    records = tables_to_records(apps, history)
    assert records == [
        {"SK_ID_CURR": 1, "AMT_CREDIT": 10.0,
         "bureau": [{"SK_ID_BUREAU": 7, "bureau_balance": [{"MONTHS_BALANCE": 0}]}, {"SK_ID_BUREAU": 8}]},
        {"SK_ID_CURR": 2, "AMT_CREDIT": None},
    ]


@pytest.mark.parametrize(("records", "message"), [
    ({"SK_ID_CURR": 1}, "records must be a list of application mappings, got dict"),
    ("abc", "records must be a list of application mappings, got str"),
    ([["SK_ID_CURR", 1]], "record 0 must be a mapping of column -> value, got list"),
    ([{"AMT_CREDIT": 1.0}], "record 0: SK_ID_CURR must be an integer application identifier, got None"),
    ([{"SK_ID_CURR": "12"}], "record 0: SK_ID_CURR must be an integer application identifier, got '12'"),
    ([{"SK_ID_CURR": 1}, {"SK_ID_CURR": 2**40}], r"record 1: SK_ID_CURR=1099511627776 is outside"),
    ([{"SK_ID_CURR": 1, "bureau": {"CREDIT_ACTIVE": "Active"}}],
     r"record 0 \(SK_ID_CURR=1\): bureau must be a list of rows, got dict"),
    ([{"SK_ID_CURR": 1, "POS_CASH_balance": [3]}],
     r"record 0 \(SK_ID_CURR=1\): POS_CASH_balance\[0\] must be a mapping"),
    ([{"SK_ID_CURR": 1, "credit_card_balance": [{"SK_ID_CURR": 2}]}],
     r"credit_card_balance\[0\] has SK_ID_CURR=2 but belongs to SK_ID_CURR=1"),
    ([{"SK_ID_CURR": 1, "bureau": [{"SK_ID_BUREAU": 4, "bureau_balance": [{"SK_ID_BUREAU": 5}]}]}],
     r"bureau credit 4: bureau_balance\[0\] has SK_ID_BUREAU=5 but belongs to SK_ID_BUREAU=4"),
    ([{"SK_ID_CURR": 1, "bureau_balance": []}], "bureau_balance rows go inside their bureau credit"),
    ([{"SK_ID_CURR": 1}, {"SK_ID_CURR": 2, "AMT_CREDIT": "a lot"}],
     r"record 1 \(SK_ID_CURR=2\): AMT_CREDIT must be a number or null, got 'a lot'"),
    ([{"SK_ID_CURR": 1, "installments_payments": [{"AMT_PAYMENT": 1.0}, {"AMT_PAYMENT": [1.0]}]}],
     r"record 0 \(SK_ID_CURR=1\): installments_payments\[1\]: AMT_PAYMENT must be a number or null, "
     r"got \[1.0\]"),
    ([{"SK_ID_CURR": 1, "bureau": [{}]}, {"SK_ID_CURR": 2, "bureau": [{}, {"bureau_balance": [
        {"MONTHS_BALANCE": -1}, {"MONTHS_BALANCE": "last month"}]}]}],
     r"record 1 \(SK_ID_CURR=2\): bureau\[1\].bureau_balance\[1\]: MONTHS_BALANCE must be a number"),
    ([{"SK_ID_CURR": 1, "previous_application": [{"SK_ID_PREV": 7}, {"SK_ID_PREV": 1.5}]}],
     r"record 0 \(SK_ID_CURR=1\): previous_application\[1\]: SK_ID_PREV must be a whole number in "
     r"-2147483648..2147483647, got 1.5"),
    ([{"SK_ID_CURR": 1, "POS_CASH_balance": [{"SK_ID_PREV": 2**40}]}],
     r"POS_CASH_balance\[0\]: SK_ID_PREV must be a whole number .*, got 1099511627776"),
])
def test_malformed_batch_is_rejected_naming_record_and_field(records, message):
    with pytest.raises(ValueError, match=message):
        records_to_tables(records)


def test_columns_hold_what_the_frames_hold(batch):
    ids, apps, frames = records_to_tables(batch)
    same_ids, same_apps, columns = records_to_columns(batch)
    assert list(same_ids) == list(ids)
    pd.testing.assert_frame_equal(same_apps, apps)
    for name, frame in frames.items():
        assert list(columns[name]) == list(frame.columns)
        for column, values in columns[name].items():
            pd.testing.assert_series_equal(pd.Series(values, name=column), frame[column])
