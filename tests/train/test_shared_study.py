"""Two ``python -m train`` processes at once on one Optuna storage and study (SQLite, then PostgreSQL):
both add trials to it, and each fits its final model with the study's best trial when it finished."""

import os
import re
import socket
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import optuna
import pytest

from train.bundle import ModelBundle

ROOT = Path(__file__).resolve().parents[2]
#: Small data and a tuning budget in seconds, so that both processes are tuning at the same time.
ARGS = ["--clients", "600", "--seed", "3", "--folds", "2", "--threads", "1", "--trials", "500",
        "--timeout", "12", "--no-progress"]
_FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def start(url: str, study: str, home: Path) -> subprocess.Popen:
    env = {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    return subprocess.Popen([sys.executable, "-m", "train", *ARGS, "--storage", url, "--study-name", study,
                             "--suite-out", str(home / "suite.json")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def model_parameters(model_file: Path) -> dict[str, str]:
    """The ``[name: value]`` lines of a LightGBM model file's parameters section."""
    return dict(re.findall(r"^\[(\w+): (.*)\]$", model_file.read_text(), re.MULTILINE))


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_two_processes_share_one_study(storage_url, tmp_path):
    name = f"shared-{uuid.uuid4().hex[:8]}"
    processes = [start(storage_url, name, tmp_path / f"home{i}") for i in range(2)]
    outputs = [process.communicate(timeout=600) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]

    study = optuna.load_study(study_name=name, storage=storage_url)
    workers = {t.user_attrs["worker"] for t in study.get_trials(states=_FINISHED)}
    assert workers == {f"{socket.gethostname()}:{process.pid}" for process in processes}

    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    for stdout, _ in outputs:
        folder = Path(re.search(r"^saved in: (.+)$", stdout, re.MULTILINE).group(1))
        tuning = ModelBundle.load(folder).metrics["tuning"]
        read_at = datetime.fromisoformat(tuning["best_read_at"])
        used = study.trials[tuning["best_trial"]]
        # The best trial when this process finished: complete by then, and better than every trial
        # complete before then (a second of leeway for a trial's commit to follow its timestamp).
        assert used.state == optuna.trial.TrialState.COMPLETE
        assert used.datetime_complete.astimezone() <= read_at
        before = read_at - timedelta(seconds=1)
        earlier = [t.value for t in complete if t.datetime_complete.astimezone() <= before]
        assert used.value >= max(earlier, default=used.value)
        assert tuning["best_params"] == used.params
        fitted = model_parameters(folder / "model.txt")
        for key in ("num_leaves", "max_depth", "min_data_in_leaf"):
            assert int(fitted[key]) == used.params[key]
        # The model file writes six significant digits.
        assert float(fitted["learning_rate"]) == pytest.approx(used.params["learning_rate"], rel=1e-5)
