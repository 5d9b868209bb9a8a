"""The suite: the schema's contract plus plausible ranges from the training data."""

import shutil

import numpy as np
import pandas as pd
import pytest

from expectations import SUITE_NAME, BatchValidator, build_suite, load_suite, save_suite
from features.loaders import cast_to_schema, load_tables
from features.schema import DAYS_SENTINEL, Kind, table

APPLICATION = table("application_test")


def expectations_of(suite: dict, kind: str) -> dict[str, dict]:
    return {e["kwargs"]["column"]: e for e in suite["expectations"] if e["type"] == kind}


def ranges(suite: dict) -> dict[str, tuple[float, float]]:
    return {column: (e["kwargs"].get("min_value"), e["kwargs"].get("max_value"))
            for column, e in expectations_of(suite, "expect_column_values_to_be_between").items()}


def one_column(name: str, values) -> pd.DataFrame:
    return pd.DataFrame({"SK_ID_CURR": np.arange(len(values), dtype="int32"),
                         name: np.asarray(values, dtype="float32")})


def test_suite_is_gx_json_under_its_name(suite):
    import great_expectations as gx

    assert gx.ExpectationSuite(**suite).name == SUITE_NAME == suite["name"]


def test_only_sk_id_curr_must_be_present(suite):
    assert list(expectations_of(suite, "expect_column_values_to_not_be_null")) == ["SK_ID_CURR"]


def test_key_and_number_columns_have_their_schema_dtype(suite):
    types = expectations_of(suite, "expect_column_values_to_be_in_type_list")
    expected = {c.name: [c.dtype] for c in APPLICATION.columns if c.kind is not Kind.CATEGORY}
    assert {column: e["kwargs"]["type_list"] for column, e in types.items()} == expected


def test_category_columns_allow_exactly_the_schema_levels(suite):
    sets = expectations_of(suite, "expect_column_values_to_be_in_set")
    assert {c: e["kwargs"]["value_set"] for c, e in sets.items()} == {
        c.name: list(c.categories) for c in APPLICATION.categorical}


def test_range_is_the_quantiles_widened_by_the_margin():
    values = np.linspace(1000, 2000, 1001)
    suite = build_suite(one_column("AMT_CREDIT", values), quantiles=(0.01, 0.99), margin=0.5)
    assert ranges(suite)["AMT_CREDIT"] == pytest.approx((1010 - 490, 1990 + 490), rel=1e-5)


def test_range_never_excludes_a_training_value():
    values = np.r_[np.linspace(10, 20, 999), 1e6]
    assert ranges(build_suite(one_column("AMT_ANNUITY", values)))["AMT_ANNUITY"][1] >= 1e6


def test_range_stays_within_the_hard_limits():
    low, high = ranges(build_suite(one_column("AMT_INCOME_TOTAL", np.linspace(1e3, 1e5, 500))))[
        "AMT_INCOME_TOTAL"]
    assert low == APPLICATION.column("AMT_INCOME_TOTAL").low and high > 1e5


def test_constant_column_gets_its_hard_limits():
    assert ranges(build_suite(one_column("FLAG_DOCUMENT_12", np.zeros(200))))["FLAG_DOCUMENT_12"] == (0, 1)


def test_column_without_values_gets_hard_limits_or_no_range():
    found = ranges(build_suite(one_column("AMT_CREDIT", [5.0])))
    assert found["EXT_SOURCE_1"] == (0, 1)
    assert "DAYS_CREDIT_ENDDATE" not in found  # a bureau column: never in an application suite
    unbounded = [c.name for c in APPLICATION.numeric if (c.low, c.high) == (None, None)]
    assert all(name not in found for name in unbounded)


def test_placeholder_is_left_out_of_the_range():
    values = np.r_[np.linspace(-5000, -100, 300), np.full(100, DAYS_SENTINEL)]
    suite = build_suite(one_column("DAYS_EMPLOYED", values))
    low, high = ranges(suite)["DAYS_EMPLOYED"]
    assert high == 0 and low < -5000
    kwargs = expectations_of(suite, "expect_column_values_to_be_between")["DAYS_EMPLOYED"]["kwargs"]
    assert kwargs["row_condition"]["pass_through_filter"] == "DAYS_EMPLOYED != 365243"


def test_each_range_records_how_it_was_derived(suite):
    meta = expectations_of(suite, "expect_column_values_to_be_between")["AMT_CREDIT"]["meta"]
    assert meta["source"].startswith("training quantiles") and meta["training_values"] == 600


def test_training_applications_pass_their_own_suite(suite, training_applications):
    frame = cast_to_schema(training_applications.drop(columns="TARGET"), APPLICATION)
    assert BatchValidator(suite).validate(frame) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"quantiles": (0.9, 0.1)}, r"quantiles must be increasing within \[0, 1\]"),
    ({"quantiles": (0.0, 1.5)}, r"quantiles must be increasing within \[0, 1\]"),
    ({"margin": -0.1}, "margin must be >= 0"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_suite(one_column("AMT_CREDIT", [1.0]), **kwargs)


def test_applications_without_sk_id_curr_are_refused():
    with pytest.raises(ValueError, match="no SK_ID_CURR column"):
        build_suite(pd.DataFrame({"AMT_CREDIT": [1.0]}))


def test_suite_round_trips_through_its_file(suite, tmp_path):
    path = save_suite(suite, tmp_path / "deep" / "suite.json")
    assert load_suite(path) == suite


def test_missing_suite_file_says_how_to_build_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m train"):
        load_suite(tmp_path / "none.json")


@pytest.fixture(scope="module")
def real_halves(real_samples, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real application sample (read-only, copied to a temporary folder), in two halves of 2,500."""
    folder = tmp_path_factory.mktemp("real_sample")
    shutil.copy(real_samples / "application_train_first5000.csv", folder / "application_train.csv")
    applications = load_tables(folder, progress=False)["application_train"]
    half = len(applications) // 2
    return applications.iloc[:half], applications.iloc[half:]


def test_suite_from_real_clients_rejects_almost_no_unseen_real_client(real_halves):
    training, unseen = real_halves
    validator = BatchValidator(build_suite(training))
    rejected = {f.row for f in validator.validate(cast_to_schema(unseen.drop(columns="TARGET"), APPLICATION))}
    assert len(rejected) / len(unseen) <= 0.001


def test_suite_from_real_clients_catches_an_income_sent_in_cents(real_halves):
    training, unseen = real_halves
    frame = cast_to_schema(unseen.drop(columns="TARGET").iloc[:20], APPLICATION)
    frame["AMT_INCOME_TOTAL"] *= 100
    failures = BatchValidator(build_suite(training)).validate(frame)
    assert {f.row for f in failures if f.column == "AMT_INCOME_TOTAL"} == set(range(20))
