"""Known answers of the shared aggregation helper."""

import numpy as np
import pandas as pd
import pytest

from features.aggregate import Aggregation, aggregate, aggregate_many, describe, level_name, ratio


@pytest.fixture
def rows():
    """Client 7: values 1, 3 and missing; client 5: value 10. Categories a/b, one missing."""
    return pd.DataFrame({
        "SK_ID_CURR": np.array([7, 5, 7, 7], dtype=np.int32),
        "V": np.array([1.0, 10.0, 3.0, np.nan], dtype=np.float32),
        "T": np.array([0.0, 0.0, 2.0, 4.0], dtype=np.float32),
        "C": pd.Categorical(["a", "b", None, "a"], categories=["a", "b"]),
    })


def _agg(**numeric):
    return Aggregation(prefix="X", over="rows", numeric=numeric, shares={"C": ("a", "b")}, trend_of="T")


@pytest.mark.parametrize(("stat", "client7", "client5"), [
    ("mean", 2.0, 10.0), ("min", 1.0, 10.0), ("max", 3.0, 10.0), ("sum", 4.0, 10.0), ("var", 2.0, np.nan),
    ("trend", 1.0, np.nan),
])
def test_statistic_known_answers(rows, stat, client7, client5):
    out = aggregate(rows, _agg(V=(stat,)), key="SK_ID_CURR")
    column = f"X_V_{stat.upper()}"
    np.testing.assert_allclose(out.loc[[7, 5], column], [client7, client5])


def test_count_counts_rows_including_missing_values(rows):
    out = aggregate(rows, _agg(V=("mean",)), key="SK_ID_CURR")
    assert out.loc[7, "X_COUNT"] == 3 and out.loc[5, "X_COUNT"] == 1


def test_level_shares_count_missing_level_as_a_row(rows):
    out = aggregate(rows, _agg(V=("mean",)), key="SK_ID_CURR")
    np.testing.assert_allclose(out.loc[7, ["X_C_A_SHARE", "X_C_B_SHARE"]], [2 / 3, 0])
    np.testing.assert_allclose(out.loc[5, ["X_C_A_SHARE", "X_C_B_SHARE"]], [0, 1])


def test_sum_of_nothing_known_is_missing_not_zero():
    frame = pd.DataFrame({"SK_ID_CURR": [1], "V": np.array([np.nan], dtype=np.float32),
                          "C": pd.Categorical(["a"], categories=["a", "b"])})
    out = aggregate(frame, Aggregation(prefix="X", over="rows", numeric={"V": ("sum",)}), key="SK_ID_CURR")
    assert np.isnan(out.loc[1, "X_V_SUM"])


def test_overflowing_total_is_missing_not_infinite():
    frame = pd.DataFrame({"SK_ID_CURR": [1, 1], "V": np.array([3e38, 3e38], dtype=np.float32)})
    out = aggregate(frame, Aggregation(prefix="X", over="rows", numeric={"V": ("sum",)}), key="SK_ID_CURR")
    assert np.isnan(out.loc[1, "X_V_SUM"])


def test_empty_table_gives_no_rows_and_every_column(rows):
    aggregation = _agg(V=("mean", "sum", "trend"))
    out = aggregate(rows.iloc[:0], aggregation, key="SK_ID_CURR")
    assert out.shape == (0, len(aggregation.names)) and list(out.columns) == aggregation.names


def test_output_is_float32_in_declared_order(rows):
    aggregation = _agg(V=("max", "mean"), T=("min",))
    out = aggregate(rows, aggregation, key="SK_ID_CURR")
    assert list(out.columns) == ["X_COUNT", "X_V_MAX", "X_V_MEAN", "X_T_MIN", "X_C_A_SHARE", "X_C_B_SHARE"]
    assert (out.dtypes == np.float32).all()


def test_trend_is_missing_when_time_does_not_vary():
    frame = pd.DataFrame({"K": [1, 1], "V": [1.0, 5.0], "T": [3.0, 3.0]})
    out = aggregate(frame, Aggregation(prefix="X", over="rows", numeric={"V": ("trend",)}, trend_of="T"),
                    key="K")
    assert np.isnan(out.loc[1, "X_V_TREND"])


def test_unknown_statistic_is_rejected():
    with pytest.raises(ValueError, match=r"unknown statistics \['median'\] for V"):
        Aggregation(prefix="X", over="rows", numeric={"V": ("median",)})


def test_trend_without_time_column_is_rejected():
    with pytest.raises(ValueError, match="'trend' of V needs trend_of"):
        Aggregation(prefix="X", over="rows", numeric={"V": ("trend",)})


@pytest.mark.parametrize(("level", "name"), [
    ("Cash X-Sell: low", "CASH_X_SELL_LOW"), ("Loan for purchase of shares (margin lending)",
                                             "LOAN_FOR_PURCHASE_OF_SHARES_MARGIN_LENDING"), ("0", "0")])
def test_level_name_is_upper_snake_case(level, name):
    assert level_name(level) == name


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (1.0, 4.0, 0.25), (1.0, 0.0, np.nan), (0.0, 0.0, np.nan), (np.nan, 2.0, np.nan), (3e38, 1e-38, np.nan)])
def test_ratio_is_missing_where_undefined(numerator, denominator, expected):
    result = ratio(pd.Series([numerator]), pd.Series([denominator]))
    np.testing.assert_equal(result, np.array([expected], dtype=np.float32))


def test_descriptions_follow_the_declaration():
    aggregation = Aggregation(prefix="X", over="the client's rows", numeric={"V": ("mean", "trend")},
                              shares={"C": ("a",)}, trend_of="T", trend_unit="day")
    infos = describe(aggregation, {"V": ("Days past due", ("t.V",)), "C": ("Colour", ("t.C",))}, family="f",
                     table_name="bureau")
    assert [i.description for i in infos.values()] == [
        "Number of the client's rows",
        "Average days past due, over the client's rows",
        "Trend of days past due (change per day), over the client's rows",
        "Share of the client's rows where colour is 'a'",
    ]
    assert infos["X_V_MEAN"].sources == ("t.V",)
    assert infos["X_COUNT"].sources == ("bureau.SK_ID_CURR",)


def test_descriptions_keep_acronyms():
    aggregation = Aggregation(prefix="X", over="rows", numeric={"V": ("sum",)}, count=False)
    infos = describe(aggregation, {"V": ("ATM withdrawals", ())}, family="f", table_name="bureau")
    assert infos["X_V_SUM"].description == "Total ATM withdrawals, over rows"


def test_descriptions_of_a_one_row_aggregation_name_the_value():
    aggregation = Aggregation(prefix="X", over="the latest row", numeric={"V": ("mean",)},
                              shares={"C": ("a",)}, count=False, one_row=True)
    infos = describe(aggregation, {"V": ("Amount granted", ()), "C": ("Outcome", ())}, family="f",
                     table_name="bureau")
    assert [i.description for i in infos.values()] == [
        "Amount granted, on the latest row", "Whether outcome is 'a' on the latest row"]


def test_many_aggregations_side_by_side_equal_each_one_lined_up(rows):
    everything = _agg(V=("mean", "min", "max", "sum", "var", "trend"))
    first_two = Aggregation(prefix="Y", over="rows", numeric={"V": ("sum", "var")}, shares={"C": ("a", "b")})
    only_five = Aggregation(prefix="Z", over="rows", numeric={"V": ("mean",)})
    parts = [(everything, None), (first_two, np.array([True, True, False, False])),
             (only_five, (rows["SK_ID_CURR"] == 5).to_numpy())]
    out = aggregate_many(rows, parts, key="SK_ID_CURR")
    expected = pd.concat([aggregate(rows, a, key="SK_ID_CURR", rows=r) for a, r in parts], axis=1)
    assert list(out.index) == [7, 5] and list(out.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(out, expected.reindex(out.index), check_column_type=False)
    assert out.loc[7, "Z_COUNT"] != out.loc[7, "Z_COUNT"]  # client 7 has no rows in the last part
