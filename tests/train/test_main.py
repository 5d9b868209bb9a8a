"""Tests of ``python -m train``: the whole command, run as a subprocess with its own model store."""

import os
import re
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import pytest

from train.__main__ import parse_args
from train.bundle import ModelBundle

ROOT = Path(__file__).resolve().parents[2]


def run_command(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    return subprocess.run([sys.executable, "-m", "train", "--no-progress", "--threads", "1",
                           "--study-db", str(home / "study.sqlite3"), "--suite-out", str(home / "suite.json"),
                           *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


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
    (["--trials", "0"], "must be a positive whole number"),
    (["--cost-fn", "-1"], "must be a number >= 0"),
    (["--folds", "1"], "must be at least 2"),
])
def test_bad_options_are_rejected(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err


def test_missing_data_folder_is_reported_without_a_traceback(tmp_path):
    done = run_command(["--data-dir", str(tmp_path / "nowhere")], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: data folder") and "Traceback" not in done.stderr


def test_costs_that_make_every_threshold_equal_are_rejected(tmp_path):
    done = run_command(["--cost-fn", "0", "--cost-fp", "0"], tmp_path)
    assert done.returncode == 2
    assert "at least one of the two costs must be > 0" in done.stderr
