"""Fixtures shared by the whole suite: the real samples, and one small model trained by ``python -m train``.

The model is trained once per session with the real training command on small synthetic data, into a
BentoML home in a temporary folder; the service, UI and load tests all serve it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from load_tests.servers import PROJECT_ROOT
from tests.postgres import throwaway_postgres

#: The real Kaggle extracts beside the project; tests that read them skip when the folder is absent.
REAL_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "homecredit-real-samples"


@pytest.fixture(scope="session")
def real_samples() -> Path:
    """Path to the real Home Credit samples, or skip the test when they are not on this machine."""
    if not REAL_SAMPLES.is_dir():
        pytest.skip(f"real Home Credit samples not found at {REAL_SAMPLES}")
    return REAL_SAMPLES


#: Small enough to train in well under a minute on 2 cores, big enough for every feature family.
TRAIN_CLIENTS = 1500
TRAIN_SEED = 3
OFFLINE = {"BENTOML_DO_NOT_TRACK": "true", "GRADIO_ANALYTICS_ENABLED": "False"}


@dataclass(frozen=True)
class TrainedModel:
    """A model saved by ``python -m train`` in a BentoML home of its own."""

    bentoml_home: Path
    tag: str
    path: Path

    def environment(self, **extra: str) -> dict[str, str]:
        """Return the environment of a process that uses this model's store."""
        return {**os.environ, **OFFLINE, "BENTOML_HOME": str(self.bentoml_home), **extra}


def train_model(work: Path, *, clients: int, seed: int, folds: int, trials: int) -> TrainedModel:
    """Train a model with the real training command on generated data, into a BentoML home in `work`."""
    home = work / "bentoml_home"
    done = subprocess.run(
        [sys.executable, "-m", "train", "--clients", str(clients), "--seed", str(seed),
         "--trials", str(trials), "--folds", str(folds), "--timeout", "30", "--threads", "2", "--no-progress",
         "--study-db", str(work / "studies.sqlite3"), "--suite-out", str(work / "suite.json")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, **OFFLINE, "BENTOML_HOME": str(home)})
    assert done.returncode == 0, f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    tag = re.search(r"^model: (\S+)$", done.stdout, re.MULTILINE)
    path = re.search(r"^saved in: (.+)$", done.stdout, re.MULTILINE)
    assert tag and path, f"training printed no model tag or folder:\n{done.stdout}"
    return TrainedModel(bentoml_home=home, tag=tag.group(1), path=Path(path.group(1)))


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """Train a small model with the real training command, into a temporary BentoML home."""
    return train_model(tmp_path_factory.mktemp("trained_model"), clients=TRAIN_CLIENTS, seed=TRAIN_SEED,
                       folds=2, trials=2)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a throwaway PostgreSQL server, started for this session (see tests/postgres.py)."""
    with throwaway_postgres() as url:
        yield url
