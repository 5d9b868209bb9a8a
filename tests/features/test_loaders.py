import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from features.loaders import DataFileError, cast_to_schema, load_tables
from features.schema import DAYS_SENTINEL, HISTORY_TABLES, TABLES, Kind, table
from synthetic import generate_tables, write_tables

APPLICATION = table("application_train")


def _raw_frame(name: str, n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Raw values of table `name` as a tool would hold them: float64 numbers, text categories."""
    rng = np.random.default_rng(seed)
    data = {}
    for col in table(name).columns:
        if col.kind is Kind.KEY:
            values = 100_002 + np.arange(n_rows) if col.name == table(name).primary_key else (
                100_002 + rng.integers(0, 50, n_rows))
        elif col.kind is Kind.TARGET:
            values = rng.integers(0, 2, n_rows)
        elif col.kind is Kind.CATEGORY:
            values = np.array(col.categories, dtype=object)[np.arange(n_rows) % len(col.categories)]
            if col.nullable:
                values = np.where(np.arange(n_rows) % 4 == 1, None, values)
        else:
            values = rng.integers(-3000, 3000, n_rows).astype(np.float64)
            if not col.written_as_int:
                values = np.round(values / 7, 3)
            if col.nullable:
                values[np.arange(n_rows) % 5 == 2] = np.nan
        data[col.name] = values
    return pd.DataFrame(data)


def _write(frame: pd.DataFrame, path) -> None:
    if path.name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)


@pytest.fixture
def app_folder(tmp_path):
    """A folder holding only application_train.csv (30 rows)."""
    _write(_raw_frame("application_train", 30), tmp_path / "application_train.csv")
    return tmp_path


def _load_app(folder) -> pd.DataFrame:
    return load_tables(folder, tables=["application_train"], progress=False)["application_train"]


def _rewrite_app(folder, change) -> None:
    """Apply `change` to application_train.csv's raw text frame and write it back."""
    path = folder / "application_train.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    _write(change(frame), path)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_round_trip_keeps_values_and_schema_dtypes(tmp_path, suffix):
    raw = {name: _raw_frame(name, 40, seed=i) for i, name in enumerate(TABLES)}
    for name, frame in raw.items():
        _write(frame, tmp_path / f"{name}{suffix}")
    loaded = load_tables(tmp_path, progress=False)
    assert list(loaded) == list(TABLES)
    for name, frame in loaded.items():
        pd.testing.assert_frame_equal(frame, cast_to_schema(raw[name], table(name)))
        assert [str(frame[c.name].dtype) for c in table(name).columns] == [
            c.dtype for c in table(name).columns]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_file_read_in_many_blocks_equals_its_rows_cast(tmp_path, monkeypatch, suffix):
    # Files are parsed a block at a time into arrays sized by the first block, grown when it misjudged
    # the rows (always, for a compressed file); tiny blocks take those paths on a few hundred rows,
    # each block with its category levels in another order.
    monkeypatch.setattr("features.loaders._BLOCK_BYTES", 4096)
    raw = _raw_frame("previous_application", 600)
    _write(raw, tmp_path / f"previous_application{suffix}")
    loaded = load_tables(tmp_path, tables=["previous_application"], progress=False)["previous_application"]
    pd.testing.assert_frame_equal(loaded, cast_to_schema(raw, table("previous_application")))


def test_unknown_levels_in_several_blocks_are_counted_together(tmp_path, monkeypatch):
    monkeypatch.setattr("features.loaders._BLOCK_BYTES", 4096)
    raw = _raw_frame("application_train", 300)
    raw.loc[[0, 1, 290], "NAME_INCOME_TYPE"] = "Gig worker"
    raw.loc[150, "NAME_INCOME_TYPE"] = "Patron"
    _write(raw, tmp_path / "application_train.csv")
    counted = (r"NAME_INCOME_TYPE of application_train: 4 value\(s\) not among the schema levels, read as "
               r"missing: 'Gig worker' \(3\), 'Patron' \(1\)")
    with pytest.warns(UserWarning, match=counted):
        frame = _load_app(tmp_path)
    assert frame["NAME_INCOME_TYPE"].isna().sum() == 4


def test_absent_history_tables_are_absent_from_result(app_folder):
    _write(_raw_frame("bureau", 10), app_folder / "bureau.csv")
    assert list(load_tables(app_folder, progress=False)) == ["application_train", "bureau"]


def test_tables_argument_selects_tables(app_folder):
    _write(_raw_frame("bureau", 10), app_folder / "bureau.csv")
    assert list(load_tables(app_folder, tables=["bureau"], progress=False)) == ["bureau"]


def test_unknown_table_name_is_refused(app_folder):
    with pytest.raises(KeyError, match="unknown table 'applications'"):
        load_tables(app_folder, tables=["applications"], progress=False)


def test_missing_application_train_is_an_error(tmp_path):
    _write(_raw_frame("bureau", 10), tmp_path / "bureau.csv")
    with pytest.raises(DataFileError, match="has no application_train file"):
        load_tables(tmp_path, progress=False)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(DataFileError, match="does_not_exist does not exist"):
        load_tables(tmp_path / "does_not_exist", progress=False)


def test_table_present_in_two_formats_is_an_error(app_folder):
    _write(_raw_frame("application_train", 5), app_folder / "application_train.parquet")
    with pytest.raises(DataFileError, match=r"application_train more than once \(application_train.csv, "
                                            r"application_train.parquet\); keep only one"):
        load_tables(app_folder, progress=False)


def test_empty_file_is_an_error(app_folder):
    (app_folder / "application_train.csv").write_text("")
    with pytest.raises(DataFileError, match=r"application_train\.csv is empty"):
        _load_app(app_folder)


@pytest.mark.parametrize("column", ["SK_ID_CURR", "TARGET", "DAYS_BIRTH", "CODE_GENDER"])
def test_missing_required_column_is_an_error(app_folder, column):
    _rewrite_app(app_folder, lambda f: f.drop(columns=column))
    with pytest.raises(DataFileError, match=f"required column\\(s\\) {column} missing"):
        _load_app(app_folder)


def test_missing_nullable_column_warns_and_reads_as_missing(app_folder):
    _rewrite_app(app_folder, lambda f: f.drop(columns=["EXT_SOURCE_1", "OCCUPATION_TYPE"]))
    with pytest.warns(UserWarning, match=r"column\(s\) OCCUPATION_TYPE, EXT_SOURCE_1 missing, read as all"):
        frame = _load_app(app_folder)
    assert frame["EXT_SOURCE_1"].isna().all() and frame["OCCUPATION_TYPE"].isna().all()
    assert frame["EXT_SOURCE_1"].dtype == "float32"


def test_extra_columns_warn_and_are_dropped(app_folder):
    _rewrite_app(app_folder, lambda f: f.assign(MY_SCORE="1", NOTE="x"))
    with pytest.warns(UserWarning, match="not in the application_train schema, dropped: MY_SCORE, NOTE"):
        frame = _load_app(app_folder)
    assert list(frame.columns) == APPLICATION.column_names


def test_duplicated_header_column_is_an_error(app_folder):
    path = app_folder / "application_train.csv"
    lines = path.read_text().splitlines()
    lines = [line + "," + line.split(",")[-1] for line in lines]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match="AMT_REQ_CREDIT_BUREAU_YEAR appear more than once"):
        _load_app(app_folder)


def test_non_number_in_number_column_names_file_column_value_and_row(app_folder):
    def spoil(frame):
        frame.loc[2, "AMT_CREDIT"] = "12O000"
        frame.loc[7, "AMT_CREDIT"] = "n/a!"
        return frame

    _rewrite_app(app_folder, spoil)
    with pytest.raises(DataFileError, match=r"application_train.csv: column AMT_CREDIT .* must hold numbers; "
                                            r"2 value\(s\) do not: '12O000' at row 3, 'n/a!' at row 8 "
                                            r"\(rows are 1-based data rows"):
        _load_app(app_folder)


def test_non_number_in_key_column_is_an_error(app_folder):
    _rewrite_app(app_folder, lambda f: f.assign(SK_ID_CURR=f["SK_ID_CURR"].where(f.index != 4, "x12")))
    with pytest.raises(DataFileError, match=r"column SK_ID_CURR .* 'x12' at row 5"):
        _load_app(app_folder)


def test_missing_key_value_is_an_error(app_folder):
    _rewrite_app(app_folder, lambda f: f.assign(SK_ID_CURR=f["SK_ID_CURR"].where(f.index != 0, "")))
    with pytest.raises(DataFileError, match=r"SK_ID_CURR .* whole numbers .* no missing values; 1 value\(s\) "
                                            r"do not: .* at row 1"):
        _load_app(app_folder)


def test_target_outside_zero_one_is_an_error(app_folder):
    _rewrite_app(app_folder, lambda f: f.assign(TARGET=f["TARGET"].where(f.index != 9, "2")))
    with pytest.raises(DataFileError, match=r"TARGET .* in \[0, 1\] .* at row 10"):
        _load_app(app_folder)


def test_duplicated_primary_key_names_the_ids(app_folder):
    def duplicate(frame):
        frame.loc[5, "SK_ID_CURR"] = frame.loc[1, "SK_ID_CURR"]
        frame.loc[6, "SK_ID_CURR"] = frame.loc[2, "SK_ID_CURR"]
        return frame

    _rewrite_app(app_folder, duplicate)
    with pytest.raises(DataFileError, match="application_train.csv: SK_ID_CURR must be unique; 2 id"
                                            r"\(s\) appear more than once: 100003, 100004"):
        _load_app(app_folder)


def test_ragged_csv_is_an_error(app_folder):
    with open(app_folder / "application_train.csv", "a") as f:
        f.write("1,2,3\n")
    with pytest.raises(DataFileError, match=r"application_train\.csv is not a well-formed CSV file"):
        _load_app(app_folder)


def test_unknown_category_level_becomes_missing_with_a_warning(app_folder):
    def relabel(frame):
        frame.loc[[0, 3], "NAME_INCOME_TYPE"] = "Gig worker"
        return frame

    _rewrite_app(app_folder, relabel)
    with pytest.warns(UserWarning, match=r"column NAME_INCOME_TYPE of application_train: 2 value\(s\) not "
                                         r"among the schema levels, read as missing: 'Gig worker' \(2\)"):
        frame = _load_app(app_folder)
    assert frame["NAME_INCOME_TYPE"].isna().sum() == 2
    assert list(frame["NAME_INCOME_TYPE"].cat.categories) == list(
        APPLICATION.column("NAME_INCOME_TYPE").categories)


def test_days_sentinel_is_returned_raw(app_folder):
    _rewrite_app(app_folder, lambda f: f.assign(DAYS_EMPLOYED=str(DAYS_SENTINEL)))
    assert (_load_app(app_folder)["DAYS_EMPLOYED"] == DAYS_SENTINEL).all()


def test_quoted_strings_and_na_read_like_the_kaggle_format(app_folder, tmp_path_factory):
    frame = _raw_frame("application_train", 30)
    other = tmp_path_factory.mktemp("other")
    frame.to_csv(other / "application_train.csv", index=False, na_rep="NA", quoting=2)  # QUOTE_NONNUMERIC
    pd.testing.assert_frame_equal(_load_app(other), _load_app(app_folder))


def test_progress_bar_counts_tables(app_folder, capsys):
    _write(_raw_frame("bureau", 10), app_folder / "bureau.csv")
    load_tables(app_folder, progress=True)
    assert "2/2" in capsys.readouterr().err


# --- cast_to_schema ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n_rows", [1, 5, 400])
def test_cast_gives_schema_order_and_dtypes(n_rows):
    raw = _raw_frame("application_train", n_rows)
    cast = cast_to_schema(raw[raw.columns[::-1]], APPLICATION)
    assert list(cast.columns) == APPLICATION.column_names
    assert [str(t) for t in cast.dtypes] == [c.dtype for c in APPLICATION.columns]


def test_cast_small_and_large_frames_agree():
    # Frames of a few rows take a block-wise path; the first rows of a large frame must match it.
    raw = _raw_frame("previous_application", 600)
    large = cast_to_schema(raw, table("previous_application"))
    small = cast_to_schema(raw.head(3), table("previous_application"))
    pd.testing.assert_frame_equal(small, large.head(3))


@pytest.mark.parametrize("n_rows", [1, 400])
def test_cast_adds_absent_columns_as_missing(n_rows):
    raw = _raw_frame("application_test", n_rows)[["SK_ID_CURR", "AMT_CREDIT"]]
    cast = cast_to_schema(raw, table("application_test"))
    assert cast["AMT_ANNUITY"].isna().all() and cast["CODE_GENDER"].isna().all()
    np.testing.assert_array_equal(cast["AMT_CREDIT"].to_numpy(), raw["AMT_CREDIT"].to_numpy(dtype=np.float32))


def test_cast_accepts_records_with_numbers_as_text_and_none():
    record = {"SK_ID_CURR": "100002", "AMT_CREDIT": "406597.5", "AMT_ANNUITY": None, "CODE_GENDER": "M",
              "NAME_TYPE_SUITE": None, "CNT_CHILDREN": 0}
    cast = cast_to_schema(pd.DataFrame([record]), table("application_test"))
    assert cast.loc[0, "SK_ID_CURR"] == 100002 and cast.loc[0, "AMT_CREDIT"] == np.float32(406597.5)
    assert np.isnan(cast.loc[0, "AMT_ANNUITY"]) and pd.isna(cast.loc[0, "NAME_TYPE_SUITE"])
    assert cast.loc[0, "CODE_GENDER"] == "M"


@pytest.mark.parametrize("n_rows", [1, 400])
def test_cast_refuses_text_in_number_column(n_rows):
    raw = _raw_frame("application_test", n_rows).astype({"AMT_INCOME_TOTAL": object})
    raw.loc[n_rows - 1, "AMT_INCOME_TOTAL"] = "lots"
    with pytest.raises(DataFileError, match=f"column AMT_INCOME_TOTAL .* 'lots' at row {n_rows}"):
        cast_to_schema(raw, table("application_test"))


@pytest.mark.parametrize("n_rows", [1, 400])
def test_cast_unknown_level_warns_in_both_paths(n_rows):
    raw = _raw_frame("application_test", n_rows)
    raw.loc[0, "CODE_GENDER"] = "X"
    with pytest.warns(UserWarning, match=r"CODE_GENDER of application_test: 1 value\(s\) .* 'X' \(1\)"):
        cast = cast_to_schema(raw, table("application_test"))
    assert pd.isna(cast.loc[0, "CODE_GENDER"])


def test_cast_requires_the_key():
    with pytest.raises(DataFileError, match="column SK_ID_CURR of bureau is required and absent"):
        cast_to_schema(pd.DataFrame({"SK_ID_BUREAU": [1]}), table("bureau"))


def test_cast_refuses_duplicated_columns():
    frame = pd.DataFrame([[1, 2.0, 3.0]], columns=["SK_ID_CURR", "AMT_CREDIT", "AMT_CREDIT"])
    with pytest.raises(DataFileError, match="column\\(s\\) AMT_CREDIT appear more than once"):
        cast_to_schema(frame, table("application_test"))


def test_cast_does_not_modify_its_input():
    raw = _raw_frame("bureau", 100)
    before = raw.copy()
    cast_to_schema(raw, table("bureau"))
    pd.testing.assert_frame_equal(raw, before)


def test_cast_keeps_the_index():
    raw = _raw_frame("bureau", 3).set_axis([10, 20, 30])
    assert list(cast_to_schema(raw, table("bureau")).index) == [10, 20, 30]


# --- real samples -----------------------------------------------------------------------------------

def test_real_head19_loads_all_tables_with_schema_dtypes(real_samples):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_tables(real_samples / "head19", progress=False)
    assert list(loaded) == list(TABLES)
    for name, frame in loaded.items():
        assert len(frame) == 19
        assert [str(t) for t in frame.dtypes] == [c.dtype for c in table(name).columns]


def test_real_linked_872_variant_equals_original_format(real_samples, tmp_path):
    shutil.copy(real_samples / "application_train_first5000.csv", tmp_path / "application_train.csv")
    original = _load_app(tmp_path)
    variant = _load_app(real_samples / "linked_872")
    assert len(variant) == 872
    same_rows = original[original["SK_ID_CURR"].isin(variant["SK_ID_CURR"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(variant, same_rows)


def test_real_linked_872_previous_application_loads(real_samples):
    loaded = load_tables(real_samples / "linked_872", progress=False)
    assert len(loaded["previous_application"]) == 4754


def test_real_secondary_random20k_loads(real_samples):
    loaded = load_tables(real_samples / "secondary_random20k", tables=HISTORY_TABLES, progress=False)
    assert sorted(loaded) == sorted(set(HISTORY_TABLES) - {"previous_application"})
    assert all(len(frame) == 20_000 for frame in loaded.values())


def test_byte_order_mark_and_windows_line_ends_are_read(app_folder):
    path = app_folder / "application_train.csv"
    expected = _load_app(app_folder)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(_load_app(app_folder), expected)


def test_keys_written_with_decimals_still_load(app_folder):
    expected = _load_app(app_folder)
    _rewrite_app(app_folder, lambda f: f.assign(SK_ID_CURR=f["SK_ID_CURR"] + ".0"))
    pd.testing.assert_frame_equal(_load_app(app_folder), expected)


def test_synthetic_tables_round_trip_through_kaggle_csvs(tmp_path):
    generated = generate_tables(200, seed=3)
    write_tables(generated, tmp_path)
    loaded = load_tables(tmp_path, progress=False)
    assert list(loaded) == list(TABLES)
    for name, frame in loaded.items():
        pd.testing.assert_frame_equal(frame, cast_to_schema(generated[name], table(name)), obj=name)
