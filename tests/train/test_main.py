"""Tests of ``python -m train``: the whole command, run as a subprocess with its own model store."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import pytest

from train.__main__ import parse_args
from train.bundle import ModelBundle

ROOT = Path(__file__).resolve().parents[2]


def run_command(args: list[str], home: Path) -> subprocess.CompletedProcess:
    """Run ``python -m train`` with its model store and (unless `args` name one) its study in `home`."""
    env = {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    study = [] if "--storage" in args else ["--study-db", str(home / "study.sqlite3")]
    return subprocess.run([sys.executable, "-m", "train", "--no-progress", "--threads", "1", *study,
                           "--suite-out", str(home / "suite.json"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def saved_path(stdout: str) -> Path:
    return Path(re.search(r"^saved in: (.+)$", stdout, re.MULTILINE).group(1))


@pytest.fixture(scope="module")
def command_run(tmp_path_factory, small_run_settings):
    home = tmp_path_factory.mktemp("bentoml_home")
    settings = small_run_settings
    assert settings["threads"] == 1, "run_command trains on one thread, like the in-process run"
    done = run_command(["--clients", str(settings["clients"]), "--seed", str(settings["seed"]),
                        "--trials", str(settings["trials"]), "--folds", str(settings["folds"])], home)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, home


def test_command_prints_tag_and_headline_metrics(command_run):
    done, _ = command_run
    assert re.search(r"^model: credit_scoring:\w+$", done.stdout, re.MULTILINE)
    assert re.search(r"^cv_auc: 0\.\d{4} \(LightGBM defaults 0\.\d{4}\)", done.stdout, re.MULTILINE)
    assert "cost per 1,000:" in done.stdout


def test_model_lands_in_the_bentoml_home_it_was_given(command_run):
    done, home = command_run
    path = saved_path(done.stdout)
    assert path.is_relative_to(home / "models" / "credit_scoring")
    bundle = ModelBundle.load(path)
    assert bundle.version == re.search(r"^model: (\S+)$", done.stdout, re.MULTILINE).group(1)


def test_suite_is_written_beside_the_model(command_run):
    done, home = command_run
    bundle = ModelBundle.load(saved_path(done.stdout))
    assert (home / "suite.json").read_text(encoding="utf-8").strip()
    assert bundle.suite["name"]


def test_same_seed_gives_the_same_model(command_run, small_run):
    done, _ = command_run
    from_command = lgb.Booster(model_file=str(saved_path(done.stdout) / "model.txt")).model_to_string()
    assert from_command == small_run[0].contents.booster.model_to_string()


def test_runs_unchanged_on_the_real_kaggle_sample(real_samples, tmp_path):
    folder = real_samples / "linked_872"
    done = run_command(["--data-dir", str(folder), "--trials", "2", "--folds", "3"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    bundle = ModelBundle.load(saved_path(done.stdout))
    assert bundle.metrics["row_counts"] == {"application_train": 872, "previous_application": 4754}
    assert 0 < bundle.threshold < 1


@pytest.mark.parametrize(("argv", "message"), [
    (["--trials", "0"], "argument --trials: must be a positive whole number"),
    (["--cost-fn", "-1"], "argument --cost-fn: must be a number >= 0"),
    (["--folds", "1"], "argument --folds: must be at least 2"),
    (["--tune-sample", "0"], r"argument --tune-sample: must be a fraction in \(0, 1\]"),
    (["--tune-sample", "1.5"], r"argument --tune-sample: must be a fraction in \(0, 1\]"),
    (["--tune-sample", "a tenth"], r"argument --tune-sample: must be a fraction in \(0, 1\]"),
    (["--storage", "sqlite:///a.db", "--study-db", "b.db"], "argument --study-db: not allowed with argument"),
])
def test_bad_options_get_one_line_and_exit_code_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    error = capsys.readouterr().err
    assert exited.value.code == 2 and error.count("\n") == 1
    assert re.match(f"^error: {message}", error)


def test_study_db_is_shorthand_for_a_sqlite_storage():
    assert parse_args(["--study-db", "x/studies.db"]).storage == "sqlite:///x/studies.db"
    assert parse_args([]).storage == "sqlite:///artifacts/optuna/studies.sqlite3"


def test_unreachable_storage_is_reported_in_one_line_before_any_work(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = run_command(["--storage", f"postgresql+psycopg://scorer:hidden@127.0.0.1:{port}/optuna"], tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"error: --storage postgresql+psycopg://scorer:***@127.0.0.1:{port}/"
                                  "optuna: cannot open the Optuna storage")
    assert "hidden" not in done.stderr


def test_a_study_of_another_data_set_is_refused_in_one_line(tmp_path):
    settings = ["--trials", "1", "--folds", "2", "--study-name", "shared"]
    first = run_command(["--clients", "300", *settings], tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    done = run_command(["--clients", "400", *settings], tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert re.match(r"^error: study 'shared' in sqlite:///.* was created for another data set "
                    r"\(300 applications", done.stderr)


def test_tuning_on_a_sample_reports_both_side_by_side(tmp_path):
    done = run_command(["--clients", "1200", "--trials", "2", "--folds", "2", "--tune-sample", "0.5"],
                       tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    line = re.search(r"^tuning on a 0.5 sample \(600 applications\): best CV AUC (0\.\d{4}) in \d+ s; the "
                     r"same parameters on all 1,200: CV AUC (0\.\d{4}) in \d+ s$", done.stdout, re.MULTILINE)
    assert line, done.stdout
    sample = ModelBundle.load(saved_path(done.stdout)).metrics["tuning"]["sample"]
    assert sample["rows"] == 600 and sample["all_rows"] == 1200
    assert f"{sample['all_rows_cv_auc']:.4f}" == line.group(2)


def test_missing_data_folder_is_reported_without_a_traceback(tmp_path):
    done = run_command(["--data-dir", str(tmp_path / "nowhere")], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: data folder") and "Traceback" not in done.stderr


def test_costs_that_make_every_threshold_equal_are_rejected(tmp_path):
    done = run_command(["--cost-fn", "0", "--cost-fp", "0"], tmp_path)
    assert done.returncode == 2
    assert "at least one of the two costs must be > 0" in done.stderr
