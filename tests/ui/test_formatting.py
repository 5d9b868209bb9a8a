"""Known answers for how values read on the page."""

import pytest

from features.schema import DAYS_SENTINEL
from ui.formatting import (
    application_table,
    column_label,
    format_value,
    history_table,
    percent,
    points,
    raw_value,
)
from ui.text import FORM_FIELDS, MISSING, NOT_APPLICABLE


@pytest.mark.parametrize(("probability", "expected"), [(0.1234, "12.3%"), (0.0, "0.0%"), (1.0, "100.0%")])
def test_percent_has_one_decimal(probability, expected):
    assert percent(probability) == expected


@pytest.mark.parametrize(("difference", "expected"), [(0.032, "+3.2 pts"), (-0.05, "-5.0 pts")])
def test_points_are_signed_percentage_points(difference, expected):
    assert points(difference) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, MISSING), (float("nan"), MISSING), ("Working", "Working"), (True, "Yes"),
    (202500.0, "202,500"), (3, "3"), (12.345, "12.35"), (0.123456, "0.123"), (-0.5, "-0.5"),
])
def test_format_value(value, expected):
    assert format_value(value) == expected


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("DAYS_BIRTH", -14610, "40.0"),
    ("DAYS_EMPLOYED", DAYS_SENTINEL, NOT_APPLICABLE),
    ("FLAG_OWN_CAR", "Y", "Y"),
    ("FLAG_MOBIL", 1, "Yes"),
    ("FLAG_EMAIL", 0, "No"),
    ("AMT_CREDIT", 406597.5, "406,598"),
    ("EXT_SOURCE_2", None, MISSING),
])
def test_raw_value_reads_schema_conventions(name, value, expected):
    assert raw_value(name, value) == expected


def test_column_label_of_days_column_says_years():
    assert "years" in column_label("DAYS_BIRTH").lower()


def test_application_table_lists_every_form_field_once():
    frame = application_table({"AMT_CREDIT": 1000.0})
    assert len(frame) == len(FORM_FIELDS)
    assert frame.set_index("Field").loc[column_label("AMT_CREDIT"), "Value"] == "1,000"


def test_history_table_counts_rows_of_each_history_list():
    frame = history_table({"SK_ID_CURR": 1, "bureau": [{}, {}], "previous_application": []})
    assert frame["Rows"].tolist() == [2, 0]
