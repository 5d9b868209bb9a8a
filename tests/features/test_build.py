"""The feature builder's entry points: same columns always, same features on both paths."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.features import cv_auc
from features import build
from features.application import descriptions as application_descriptions
from features.build import build_features, build_features_from_records, feature_info, feature_names
from features.loaders import cast_to_schema
from features.records import tables_to_records
from features.schema import HISTORY_TABLES, Kind, table


def _random_table(name, rng, parents, *, per_parent=None, parent_key="SK_ID_CURR"):
    """Rows of table `name` for the given parent keys (one each if per_parent is None, else 0 to
    2 * per_parent), every column filled at random within its range."""
    schema = table(name)
    counts = (np.ones(len(parents), dtype=int) if per_parent is None
              else rng.integers(0, 2 * per_parent + 1, size=len(parents)))
    n = int(counts.sum())
    columns = {parent_key: np.repeat(parents, counts)}
    for col in schema.columns:
        if col.name in columns:
            continue
        if col.kind is Kind.KEY:
            columns[col.name] = rng.permutation(n) + 1_000_000 * (1 + HISTORY_TABLES.index(name))
        elif col.kind is Kind.CATEGORY:
            columns[col.name] = rng.choice(col.categories, size=n)
        else:
            low = -3000 if col.low is None else col.low
            high = (low + 1000 if col.high is None else col.high) if low < 0 else (col.high or 1e5)
            values = rng.uniform(low, high, size=n).round(0 if col.written_as_int else 2)
            if col.nullable:
                values[rng.random(n) < 0.1] = np.nan
            columns[col.name] = values
    return pd.DataFrame(columns)


@pytest.fixture(scope="module")
def data():
    """Eight clients with random history in every table; client 8 has none at all."""
    rng = np.random.default_rng(3)
    ids = np.arange(101, 109)
    apps = _random_table("application_train", rng, ids)
    apps["DAYS_EMPLOYED"] = np.where(ids % 3 == 0, 365243, -1000)
    with_history = ids[:-1]
    bureau = _random_table("bureau", rng, with_history, per_parent=3)
    previous = _random_table("previous_application", rng, with_history, per_parent=3)
    history = {
        "bureau": bureau,
        "bureau_balance": _random_table("bureau_balance", rng, bureau["SK_ID_BUREAU"].to_numpy(),
                                        per_parent=4, parent_key="SK_ID_BUREAU"),
        "previous_application": previous,
    }
    for name in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        history[name] = _random_table(name, rng, with_history, per_parent=5)
    return apps, history


def test_columns_are_the_catalogue(data):
    apps, history = data
    assert list(build_features(apps, history).columns) == feature_names()


@pytest.mark.parametrize("absent", HISTORY_TABLES)
def test_absent_table_keeps_columns_and_leaves_only_its_features_missing(data, absent):
    apps, history = data
    full = build_features(apps, history)
    partial = build_features(apps, {k: v for k, v in history.items() if k != absent})
    assert list(partial.columns) == list(full.columns)
    changed = [c for c in full.columns if not full[c].equals(partial[c])]
    assert changed, f"dropping {absent} changed nothing"
    assert all(any(s.startswith(f"{absent}.") for s in feature_info(c).sources) for c in changed)
    own = [c for c in changed if feature_info(c).family != "combined"]
    assert partial[own].isna().all().all()


def test_client_without_history_has_missing_history_features(data):
    apps, history = data
    features = build_features(apps, history)
    history_columns = [c for c in features.columns
                       if feature_info(c).family not in ("application", "combined")]
    assert features.loc[108, history_columns].isna().all()
    assert features.loc[107, history_columns].notna().any()


def test_one_row_per_application_in_input_order_without_target(data):
    apps, history = data
    shuffled = apps.sample(frac=1, random_state=0)
    features = build_features(shuffled, history)
    assert list(features.index) == list(shuffled["SK_ID_CURR"])
    assert "TARGET" not in features.columns


def test_numbers_are_float32_and_categories_have_schema_levels(data):
    apps, history = data
    features = build_features(apps, history)
    for name, dtype in features.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            assert list(dtype.categories) == list(table("application_test").column(name).categories)
        else:
            assert dtype == np.float32, name


@pytest.mark.parametrize("client", [101, 102, 103, 104, 105, 106, 107, 108])
def test_one_client_from_records_equals_its_row_of_the_full_build(data, client):
    apps, history = data
    full = build_features(apps, history)
    one = build_features_from_records(tables_to_records(apps[apps["SK_ID_CURR"] == client], history))
    pd.testing.assert_frame_equal(one, full.loc[[client]], check_exact=False, rtol=1e-5, atol=1e-6)


def test_a_batch_from_records_equals_the_full_build(data):
    apps, history = data
    full = build_features(apps, history)
    batch = build_features_from_records(tables_to_records(apps, history))
    pd.testing.assert_frame_equal(batch, full, check_exact=False, rtol=1e-5, atol=1e-6)


def test_same_client_twice_in_a_batch_gives_two_equal_rows(data):
    apps, history = data
    records = tables_to_records(apps[apps["SK_ID_CURR"] == 101], history)
    features = build_features_from_records(records * 2)
    assert list(features.index) == [101, 101]
    pd.testing.assert_series_equal(features.iloc[0], features.iloc[1], check_names=False)


def test_build_does_not_modify_its_inputs(data):
    apps, history = data
    before = {name: frame.copy() for name, frame in history.items()}
    apps_before = apps.copy()
    build_features(apps, history)
    pd.testing.assert_frame_equal(apps, apps_before)
    for name, frame in history.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_unseen_category_becomes_missing_not_an_error():
    with pytest.warns(UserWarning, match="not among the schema levels"):
        features = build_features_from_records([{"SK_ID_CURR": 1, "NAME_CONTRACT_TYPE": "Crypto loans",
                                                  "bureau": [{"CREDIT_TYPE": "Crypto"}]}])
    assert pd.isna(features.loc[1, "NAME_CONTRACT_TYPE"])
    assert features.loc[1, "BURO_COUNT"] == 1
    assert features.loc[1, "BURO_CREDIT_TYPE_CONSUMER_CREDIT_SHARE"] == 0


@pytest.mark.parametrize("income", [0.0, -5.0, 1e30, np.inf])
def test_values_outside_the_training_range_give_finite_or_missing_features(income):
    features = build_features_from_records([{"SK_ID_CURR": 1, "AMT_INCOME_TOTAL": income, "AMT_CREDIT": 1e5,
                                             "installments_payments": [{"AMT_INSTALMENT": 0.0,
                                                                        "AMT_PAYMENT": 1e38}]}])
    numbers = features.select_dtypes("number").to_numpy()
    assert not np.isinf(numbers).any()


@pytest.mark.parametrize("path", ["records", "tables"])
def test_no_applications_give_no_rows_and_every_column(path):
    features = (build_features_from_records([]) if path == "records"
                else build_features(pd.DataFrame({"SK_ID_CURR": np.array([], dtype=np.int32)}), {}))
    assert features.shape == (0, len(feature_names()))


def test_application_without_any_field_but_its_id_gives_a_row():
    features = build_features_from_records([{"SK_ID_CURR": 5}])
    assert features.shape == (1, len(feature_names()))


def test_missing_identifier_column_is_rejected():
    with pytest.raises(ValueError, match="applications has no SK_ID_CURR column"):
        build_features(pd.DataFrame({"AMT_CREDIT": [1.0]}), {})


def test_repeated_identifier_is_rejected():
    with pytest.raises(ValueError, match="repeats SK_ID_CURR 7"):
        build_features(pd.DataFrame({"SK_ID_CURR": [7, 7]}), {})


def test_unknown_history_table_is_rejected():
    with pytest.raises(ValueError, match=r"unknown tables \['bureau_balances'\]"):
        build_features(pd.DataFrame({"SK_ID_CURR": [7]}), {"bureau_balances": pd.DataFrame()})


@pytest.fixture(scope="module")
def generated():
    """Generated clients with realistic history, and their full-data features."""
    synthetic = pytest.importorskip("synthetic")
    tables = synthetic.generate_tables(400, seed=11)
    apps = pd.concat([tables["application_train"].drop(columns="TARGET"), tables["application_test"]],
                     ignore_index=True)
    history = {name: tables[name] for name in HISTORY_TABLES}
    return apps, history, build_features(apps, history)


def _clients_with_rows(history, name):
    """Clients with rows in table `name` (for bureau_balance: through their bureau credits)."""
    if name == "bureau_balance":
        credits = history["bureau"]
        return set(credits.loc[credits["SK_ID_BUREAU"].isin(history[name]["SK_ID_BUREAU"]), "SK_ID_CURR"])
    return set(history[name]["SK_ID_CURR"])


@pytest.mark.parametrize("rows", [True, False], ids=["with_rows", "without_rows"])
@pytest.mark.parametrize("name", HISTORY_TABLES)
def test_generated_client_alone_from_records_equals_its_full_build_row(generated, name, rows):
    apps, history, full = generated
    with_rows = _clients_with_rows(history, name)
    # Without bureau_balance rows: a client with bureau credits but no monthly statuses at all.
    pool = set(history["bureau"]["SK_ID_CURR"]) if name == "bureau_balance" else set(apps["SK_ID_CURR"])
    candidates = sorted(with_rows if rows else pool - with_rows)
    assert candidates, f"the generator made no client {'with' if rows else 'without'} {name} rows"
    client = candidates[len(candidates) // 2]
    one = build_features_from_records(tables_to_records(apps[apps["SK_ID_CURR"] == client], history))
    pd.testing.assert_frame_equal(one, full.loc[[client]], check_exact=False, rtol=1e-5, atol=1e-6)


def test_generated_batch_from_records_equals_the_full_build(generated):
    apps, history, full = generated
    some = apps.iloc[::7]
    batch = build_features_from_records(tables_to_records(some, history))
    pd.testing.assert_frame_equal(batch, full.loc[some["SK_ID_CURR"]], check_exact=False, rtol=1e-5,
                                  atol=1e-6)


def test_history_features_beat_application_features_alone():
    synthetic = pytest.importorskip("synthetic")
    tables = synthetic.generate_tables(5000, seed=5)
    apps = tables["application_train"]
    features = build_features(apps, {name: tables[name] for name in HISTORY_TABLES})
    application_only = list(application_descriptions())
    target = apps["TARGET"].to_numpy()
    everything = cv_auc(features, target, list(features.columns))
    assert everything > cv_auc(features, target, application_only) + 0.01



def test_frames_with_levels_in_another_order_are_recast(data):
    apps, history = data
    credits = cast_to_schema(history["bureau"], table("bureau"))
    levels = list(table("bureau").column("CREDIT_ACTIVE").categories)
    credits["CREDIT_ACTIVE"] = pd.Categorical(credits["CREDIT_ACTIVE"], categories=levels[::-1])
    reordered = build_features(apps, {**history, "bureau": credits})
    pd.testing.assert_frame_equal(reordered, build_features(apps, history))


@pytest.fixture(scope="module")
def real(real_samples):
    """Real extracts: 872 applications with all their previous applications, and 20,000 random rows of
    each other history table (whose clients get bare applications, SK_ID_CURR only)."""
    from features.loaders import load_tables

    tables = load_tables(real_samples / "linked_872", progress=False)
    history = {"previous_application": tables["previous_application"]}
    for name in ("bureau", "bureau_balance", "POS_CASH_balance", "installments_payments",
                 "credit_card_balance"):
        frame = pd.read_csv(real_samples / "secondary_random20k" / f"{name}.csv")
        history[name] = cast_to_schema(frame, table(name))
    others = pd.concat([history[n]["SK_ID_CURR"] for n in history if "SK_ID_CURR" in history[n]])
    others = np.setdiff1d(others.unique(), tables["application_train"]["SK_ID_CURR"])[:300]
    apps = pd.concat([tables["application_train"], pd.DataFrame({"SK_ID_CURR": others})], ignore_index=True)
    return apps, history, build_features(apps, history)


def test_real_samples_give_finite_or_missing_features(real):
    _, _, features = real
    assert not np.isinf(features.select_dtypes("number").to_numpy()).any()


def test_real_previous_applications_are_all_counted(real):
    _, history, features = real
    counts = history["previous_application"]["SK_ID_CURR"].value_counts()
    np.testing.assert_array_equal(features.loc[counts.index, "PREV_COUNT"], counts.to_numpy())


def test_real_days_employed_placeholder_is_flagged(real):
    apps, _, features = real
    placeholder = (apps["DAYS_EMPLOYED"] == 365243).to_numpy()
    assert placeholder.any()
    np.testing.assert_array_equal(features["DAYS_EMPLOYED_IS_PLACEHOLDER"].to_numpy(), placeholder)
    assert np.isnan(features["DAYS_EMPLOYED"].to_numpy()[placeholder]).all()


def test_real_clients_from_records_equal_their_full_build_rows(real):
    apps, history, full = real
    some = pd.concat([apps.iloc[:40:4], apps.iloc[-40::4]])
    batch = build_features_from_records(tables_to_records(some, history))
    pd.testing.assert_frame_equal(batch, full.loc[some["SK_ID_CURR"]], check_exact=False, rtol=1e-5,
                                  atol=1e-6)


def test_a_table_summarised_in_many_blocks_by_threads_gives_the_same_features(generated, monkeypatch):
    # At Kaggle scale each large table is summarised a few columns at a time by two threads; the
    # generated tables fit one block, so make the blocks tiny to take that path here.
    from features import aggregate
    apps, history, full = generated
    monkeypatch.setattr(aggregate, "_BLOCK_CELLS", 5_000)
    pd.testing.assert_frame_equal(build_features(apps, history), full)


def test_history_summarised_a_few_clients_at_a_time_gives_the_same_features(generated, monkeypatch):
    # At Kaggle scale a family summarises its tables 25,000 clients at a time; chunks of 37 clients
    # split the generated ones (and their monthly bureau statuses, through their credits) many times.
    apps, history, full = generated
    monkeypatch.setattr(build, "_CHUNK_CLIENTS", 37)
    pd.testing.assert_frame_equal(build_features(apps, history), full, check_exact=True)


def test_records_summarised_a_few_clients_at_a_time_give_the_full_build_rows(generated, monkeypatch):
    apps, history, full = generated
    monkeypatch.setattr(build, "_CHUNK_CLIENTS", 5)
    some = apps.iloc[::7]
    batch = build_features_from_records(tables_to_records(some, history))
    pd.testing.assert_frame_equal(batch, full.loc[some["SK_ID_CURR"]], check_exact=False, rtol=1e-5,
                                  atol=1e-6)
