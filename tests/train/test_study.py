"""Tests of train/study.py: opening a storage, and a study that refuses data it was not made for."""

import socket

import optuna
import pytest

from train.study import open_storage, open_study, shown_url

FINGERPRINT = {"features": "aaaa", "feature_count": 800, "data": "bbbb", "rows": 3000,
               "cv": "3 folds, seed 1, trials on all rows"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sqlite_storage_creates_its_folder(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'deep' / 'er' / 'studies.sqlite3'}")
    assert (tmp_path / "deep" / "er" / "studies.sqlite3").is_file()
    assert storage.get_all_studies() == []


def test_postgresql_storage_holds_a_study(postgres_url):
    open_study(open_storage(postgres_url), "test-study-pg-open", fingerprint=FINGERPRINT)
    again = optuna.load_study(study_name="test-study-pg-open", storage=postgres_url)
    assert again.user_attrs["fingerprint"] == FINGERPRINT


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y"])
def test_a_url_that_is_no_database_is_refused_in_one_line(url):
    with pytest.raises(ValueError, match=r"^--storage .*(not a database URL|cannot open)") as caught:
        open_storage(url)
    assert "\n" not in str(caught.value)


def test_an_unreachable_server_is_refused_in_one_line_without_the_password():
    url = f"postgresql+psycopg://scorer:s3cret@127.0.0.1:{closed_port()}/optuna"
    expected = r"^--storage postgresql\+psycopg://scorer:\*\*\*@127\.0\.0\.1:\d+/optuna: cannot open the"
    with pytest.raises(ValueError, match=expected) as caught:
        open_storage(url)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


def test_shown_url_hides_the_password():
    assert shown_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert shown_url("sqlite:///a/b.sqlite3") == "sqlite:///a/b.sqlite3"


def test_a_new_study_stores_what_its_scores_depend_on(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}")
    study = open_study(storage, "s", fingerprint=FINGERPRINT)
    assert study.user_attrs["fingerprint"] == FINGERPRINT
    assert open_study(storage, "s", fingerprint=FINGERPRINT).study_name == "s"


@pytest.mark.parametrize(("key", "message"), [
    ("features", r"was created for another feature list \(800 features, fingerprint aaaa; these data "
                 r"have 800, zzzz\); give another --study-name"),
    ("data", r"was created for another data set \(3000 applications, fingerprint bbbb; these have 3000, "
             r"zzzz\); give another --study-name or the data it was tuned on"),
    ("cv", r"scores trials with 3 folds, seed 1, trials on all rows, this run with zzzz; use the same "
           r"--folds, --seed and --tune-sample"),
])
def test_a_study_made_for_other_data_is_refused(tmp_path, key, message):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}")
    open_study(storage, "s", fingerprint=FINGERPRINT)
    with pytest.raises(ValueError, match=r"^study 's' in sqlite:///.*s\.db " + message):
        open_study(storage, "s", fingerprint={**FINGERPRINT, key: "zzzz"})
