"""The portfolio reader (batch/reading.py): it finds exactly what the API's request model refuses."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from batch.folder import find_portfolio
from batch.reading import NO_KEY, REFUSED, Keep, _refused_numbers, read_block
from features.loaders import load_tables
from features.schema import HISTORY_TABLES, Kind, table
from serving.requests import MAX_WHOLE_NUMBER, Application, history_model

_TABLES = ("application_test", *HISTORY_TABLES)
_NUMBERS = [(name, column) for name in _TABLES for column in table(name).columns
            if column.kind is Kind.NUMBER]


def candidates(column) -> np.ndarray:
    """Values around every rule of a number column: its limits, the sentinel, fractions, huge ones."""
    values = [0.0, 0.5, -0.5, 1.0, -1.0, 1e300, -1e300, np.inf, -np.inf, MAX_WHOLE_NUMBER,
              MAX_WHOLE_NUMBER + 2.0, -MAX_WHOLE_NUMBER - 2.0]
    for bound in (column.low, column.high, column.sentinel):
        if bound is not None:
            values += [bound, bound - 1, bound + 1, bound - 0.25, bound + 0.25]
    return np.array(values, dtype=np.float64)


@functools.cache
def adapter(name: str) -> TypeAdapter:
    return TypeAdapter(Application if name == "application_test" else history_model(name))


def refused_by_api(name: str, column: str, value: float) -> bool:
    record = {"SK_ID_CURR": 1, column: value} if name == "application_test" else {column: value}
    try:
        adapter(name).validate_python(record)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize(("name", "column"), _NUMBERS, ids=lambda x: getattr(x, "name", x))
def test_numbers_are_refused_exactly_where_the_request_model_refuses_them(name, column):
    values = candidates(column)
    expected = [refused_by_api(name, column.name, float(v)) for v in values]
    assert _refused_numbers(values, column).tolist() == expected


@pytest.fixture(scope="module")
def portfolio(clean_folder):
    return find_portfolio(clean_folder, scored="application_test")


def read_whole(portfolio, name: str, *, keep=None) -> pd.DataFrame:
    file = portfolio.history.get(name) or portfolio.applications
    return pd.concat([read_block(block, keep=keep) for block in portfolio.blocks(file)])


def test_a_clean_file_reads_as_the_loader_reads_it_with_nothing_refused(portfolio, clean_folder):
    frame = read_whole(portfolio, "application_test")
    loaded = load_tables(clean_folder, tables=["application_test"], progress=False)["application_test"]
    assert frame[REFUSED].isna().all()
    pd.testing.assert_frame_equal(frame.drop(columns=REFUSED).reset_index(drop=True), loaded)


def test_small_blocks_read_the_same_rows_in_the_same_order(portfolio, clean_folder):
    small = find_portfolio(clean_folder, scored="application_test", block_bytes=4096)
    keep = Keep(scored=pd.Index([], dtype=np.int32), others=pd.Index([], dtype=np.int32))
    whole = read_whole(portfolio, "installments_payments", keep=keep)
    blocks = small.blocks(small.history["installments_payments"])
    parts = pd.concat([read_block(block, keep=keep) for block in blocks])
    assert len(blocks) > 10 and parts.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(parts.reset_index(drop=True), whole.reset_index(drop=True))


def test_bad_values_are_kept_as_the_file_held_them(tmp_path, clean_folder):
    lines = (clean_folder / "bureau.csv").read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("AMT_CREDIT_SUM")] = "lots"
    first[header.index("CREDIT_ACTIVE")] = "Dormant"
    second = lines[2].split(",")
    second[header.index("SK_ID_CURR")] = ""
    (tmp_path / "application_test.csv").write_text((clean_folder / "application_test.csv").read_text())
    rows = [lines[0], ",".join(first), ",".join(second), *lines[3:]]
    (tmp_path / "bureau.csv").write_text("\n".join(rows) + "\n")
    portfolio = find_portfolio(tmp_path, scored="application_test")
    keep = Keep(scored=pd.Index([], dtype=np.int32), others=pd.Index([], dtype=np.int32))
    frame = read_block(portfolio.blocks(portfolio.history["bureau"])[0], keep=keep)
    assert json.loads(frame[REFUSED].iloc[0]) == {"AMT_CREDIT_SUM": "lots", "CREDIT_ACTIVE": "Dormant"}
    assert np.isnan(frame["AMT_CREDIT_SUM"].iloc[0]) and pd.isna(frame["CREDIT_ACTIVE"].iloc[0])
    assert frame["SK_ID_CURR"].iloc[1] == NO_KEY and pd.isna(frame[REFUSED].iloc[1])
    assert frame[REFUSED].iloc[2:].isna().all()


@pytest.mark.parametrize("name", ["previous_application", "bureau_balance"])
def test_history_rows_of_the_other_tables_clients_are_dropped(name, clean_folder, portfolio_tables):
    portfolio = find_portfolio(clean_folder, scored="application_test", block_bytes=2**16)
    train = pd.Index(portfolio_tables["application_train"]["SK_ID_CURR"])
    test = pd.Index(portfolio_tables["application_test"]["SK_ID_CURR"])
    bureau = portfolio_tables["bureau"]
    owners = pd.Series(bureau["SK_ID_CURR"].to_numpy(), index=bureau["SK_ID_BUREAU"].to_numpy())
    owners = owners[owners.isin(test)] if name == "bureau_balance" else None
    one_pass = read_whole(portfolio, name, keep=Keep(scored=test, others=train, owners=owners))
    two_passes = read_whole(portfolio, name, keep=Keep(scored=test, others=train, owners=owners, sparse=True))
    expected = portfolio_tables[name]
    kept = (expected["SK_ID_BUREAU"].isin(owners.index) if name == "bureau_balance"
            else expected["SK_ID_CURR"].isin(test))
    assert one_pass[expected.columns[0]].tolist() == expected.loc[kept, expected.columns[0]].tolist()
    pd.testing.assert_frame_equal(two_passes, one_pass)


def test_blocks_smaller_than_a_line_read_each_line_once(portfolio, clean_folder):
    tiny = find_portfolio(clean_folder, scored="application_test", block_bytes=300)
    blocks = tiny.blocks(tiny.applications)
    parts = pd.concat([read_block(block) for block in blocks])
    whole = read_whole(portfolio, "application_test")
    assert len(blocks) > len(whole)  # so some blocks hold no line start
    pd.testing.assert_frame_equal(parts.reset_index(drop=True), whole.reset_index(drop=True))
