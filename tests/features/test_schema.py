import csv

import pytest

from features.schema import DAYS_SENTINEL, HISTORY_TABLES, TABLES, Kind, table


@pytest.mark.parametrize("name", list(TABLES))
def test_columns_match_real_header_in_order(real_samples, name):
    with open(real_samples / "head19" / f"{name}.csv", newline="") as f:
        header = next(csv.reader(f))
    assert table(name).column_names == header


@pytest.mark.parametrize("name", list(TABLES))
def test_written_as_int_matches_real_number_format(real_samples, name):
    with open(real_samples / "head19" / f"{name}.csv", newline="") as f:
        rows = list(csv.reader(f))
    for i, col in enumerate(table(name).columns):
        values = [row[i] for row in rows[1:] if row[i]]
        if col.kind is Kind.CATEGORY or not values:
            continue
        assert any("." in v for v in values) != col.written_as_int, col.name


@pytest.mark.parametrize("name", list(TABLES))
def test_every_column_has_a_description_and_a_dtype(name):
    for col in table(name).columns:
        assert col.description and col.description[0].isupper(), col.name
        assert col.dtype in {"int32", "int8", "float32", "category"}


def test_category_columns_have_unique_levels():
    for t in TABLES.values():
        for col in t.categorical:
            assert len(col.categories) == len(set(col.categories)) > 1, (t.name, col.name)


def test_sentinel_marks_the_days_placeholder_columns():
    marked = {c.name for t in TABLES.values() for c in t.columns if c.sentinel == DAYS_SENTINEL}
    assert "DAYS_EMPLOYED" in marked and "DAYS_FIRST_DRAWING" in marked


def test_history_tables_reference_known_tables():
    for name in HISTORY_TABLES:
        for col in table(name).columns:
            assert col.references is None or col.references in TABLES


def test_unknown_table_error_lists_the_files():
    with pytest.raises(KeyError, match="expected one of application_train"):
        table("applications")
