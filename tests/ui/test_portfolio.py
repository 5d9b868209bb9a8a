"""The demo portfolio gives each client's full history as an API record, built from the schema."""

import pandas as pd
import pytest

from features.build import build_features, build_features_from_records
from features.schema import HISTORY_TABLES
from synthetic import generate_tables, write_tables
from ui.portfolio import Portfolio


@pytest.fixture(scope="module")
def tables():
    return generate_tables(300, seed=3)


@pytest.fixture(scope="module")
def portfolio(tables):
    return Portfolio(tables)


@pytest.fixture(scope="module")
def client_with_bureau(tables):
    ids = tables["application_test"]["SK_ID_CURR"]
    with_balance = tables["bureau"].loc[tables["bureau"]["SK_ID_BUREAU"].isin(
        tables["bureau_balance"]["SK_ID_BUREAU"]), "SK_ID_CURR"]
    return int(ids[ids.isin(with_balance)].iloc[0])


def test_portfolio_holds_the_clients_without_outcome(tables, portfolio):
    assert sorted(portfolio.ids) == sorted(tables["application_test"]["SK_ID_CURR"].tolist())


def test_record_nests_bureau_balance_under_its_bureau_row(tables, portfolio, client_with_bureau):
    record = portfolio.record(client_with_bureau)
    bureau = tables["bureau"][tables["bureau"]["SK_ID_CURR"] == client_with_bureau]
    assert sorted(row["SK_ID_BUREAU"] for row in record["bureau"]) == sorted(bureau["SK_ID_BUREAU"].tolist())
    for row in record["bureau"]:
        months = tables["bureau_balance"][tables["bureau_balance"]["SK_ID_BUREAU"] == row["SK_ID_BUREAU"]]
        assert len(row["bureau_balance"]) == len(months)
        assert {m["SK_ID_BUREAU"] for m in row["bureau_balance"]} <= {row["SK_ID_BUREAU"]}


@pytest.mark.parametrize("name", [n for n in HISTORY_TABLES if n != "bureau_balance"])
def test_record_lists_only_the_clients_own_history_rows(tables, portfolio, client_with_bureau, name):
    rows = portfolio.record(client_with_bureau)[name]
    assert len(rows) == int((tables[name]["SK_ID_CURR"] == client_with_bureau).sum())
    assert {row["SK_ID_CURR"] for row in rows} <= {client_with_bureau}


def test_record_values_are_json_types_with_none_for_missing(portfolio, client_with_bureau):
    record = portfolio.record(client_with_bureau)
    scalars = [v for v in record.values() if not isinstance(v, list)]
    assert all(v is None or type(v) in (int, float, str) for v in scalars)
    assert None in scalars


def test_record_gives_the_same_features_as_the_tables(tables, portfolio):
    """A client scored from its portfolio record gets exactly the features training would build."""
    ids = portfolio.ids[:25]
    from_records = build_features_from_records([portfolio.record(i) for i in ids])
    applications = tables["application_test"]
    expected = build_features(applications[applications["SK_ID_CURR"].isin(ids)],
                              {n: tables[n] for n in HISTORY_TABLES}).loc[ids]
    pd.testing.assert_frame_equal(from_records, expected)


def test_unknown_client_names_the_id_and_the_way_out(portfolio):
    with pytest.raises(KeyError, match=r"SK_ID_CURR=1 is not in the demo portfolio.*New client tab"):
        portfolio.record(1)


def test_portfolio_needs_application_test(tables):
    with pytest.raises(ValueError, match="needs the application_test table"):
        Portfolio({"bureau": tables["bureau"]})


def test_from_folder_reads_the_kaggle_layout(tables, portfolio, tmp_path, client_with_bureau):
    write_tables(tables, tmp_path)
    assert Portfolio.from_folder(tmp_path).record(client_with_bureau) == portfolio.record(client_with_bureau)
