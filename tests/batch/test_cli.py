"""``python -m batch`` refuses what it cannot use before any work: one line, exit code 2."""

from __future__ import annotations

import re
import shutil

import pytest

from load_tests.servers import free_port
from tests.batch.conftest import run_batch


def copy_of(folder, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(folder, target)
    return target


def without_test_table(folder):
    (folder / "application_test.csv").unlink()


def binary_test_table(folder):
    (folder / "application_test.csv").write_bytes(b"\xff\xfe\x00garbage\x00\xff")


def empty_test_table(folder):
    (folder / "application_test.csv").write_text("")


def bureau_without_key(folder):
    path = folder / "bureau.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0].replace("SK_ID_CURR", "CLIENT_ID", 1) + "".join(lines[1:]))


@pytest.mark.parametrize(("damage", "message"), [
    (without_test_table, r"has no application_test file; expected one of application_test.csv, "
                         r"application_test.csv.gz, application_test.parquet \(this folder has "
                         r"application_train: choose it with --table\)"),
    (binary_test_table, r"application_test.csv cannot be read: 'utf-8' codec can't decode"),
    (empty_test_table, r"application_test.csv is empty; expected a header line with the column names"),
    (bureau_without_key, r"bureau.csv has no SK_ID_CURR column, which links its rows to their application"),
])
def test_an_unusable_folder_stops_the_run_before_any_work(damage, message, clean_folder, trained_model,
                                                          tmp_path):
    folder = copy_of(clean_folder, tmp_path)
    damage(folder)
    out = tmp_path / "scores.parquet"
    done = run_batch(trained_model, "--data-dir", folder, "--out", out)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stdout == ""
    assert re.search(message, done.stderr), done.stderr
    assert not out.exists()


@pytest.mark.parametrize(("options", "message"), [
    (["--model", "credit_scoring:nosuchversion"],
     "error: --model credit_scoring:nosuchversion: no such model in the BentoML model store"),
    (["--data-dir", "/nonexistent/folder"], "error: --data-dir /nonexistent/folder is not a folder"),
    (["--out", "/nonexistent/folder/scores.parquet"],
     "error: --out /nonexistent/folder/scores.parquet: folder /nonexistent/folder does not exist"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with argument"),
    (["--workers", "0"], "argument --workers: must be a whole number >= 1, got 0"),
])
def test_an_unusable_option_stops_the_run_before_any_work(options, message, clean_folder, trained_model,
                                                          tmp_path):
    arguments = {"--data-dir": clean_folder, "--out": tmp_path / "scores.parquet"}
    for name in options[::2]:
        arguments.pop(name, None)
    done = run_batch(trained_model, *[x for pair in arguments.items() for x in pair], *options)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "scores.parquet").exists()


def test_an_unreachable_scheduler_stops_the_run_before_any_work(clean_folder, trained_model, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    done = run_batch(trained_model, "--data-dir", clean_folder, "--out", tmp_path / "scores.parquet",
                     "--scheduler", address)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: --scheduler {address}: cannot reach the Dask scheduler")
    assert not (tmp_path / "scores.parquet").exists()
