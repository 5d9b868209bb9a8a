"""Fixtures of the service tests: a model trained by ``python -m train``, its data, a real server.

The model is trained once per session with the real training command on small synthetic data, into a
BentoML home in a temporary folder. The same tables are generated again here (same size and seed), so
that tests can compare what the API answers with what the model gives offline on the full tables.
Servers run ``bentoml serve`` as subprocesses on free ports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from features.synthetic import generate_tables
from load_tests.servers import PROJECT_ROOT, ServerProcess, free_port, running, service_command

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


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """Train a small model with the real training command, into a temporary BentoML home."""
    work = tmp_path_factory.mktemp("service_model")
    home = work / "bentoml_home"
    done = subprocess.run(
        [sys.executable, "-m", "train", "--clients", str(TRAIN_CLIENTS), "--seed", str(TRAIN_SEED),
         "--trials", "2", "--folds", "2", "--timeout", "30", "--threads", "2", "--no-progress",
         "--study-db", str(work / "studies.sqlite3"), "--suite-out", str(work / "suite.json")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, **OFFLINE, "BENTOML_HOME": str(home)})
    assert done.returncode == 0, f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    tag = re.search(r"^model: (\S+)$", done.stdout, re.MULTILINE)
    path = re.search(r"^saved in: (.+)$", done.stdout, re.MULTILINE)
    assert tag and path, f"training printed no model tag or folder:\n{done.stdout}"
    return TrainedModel(bentoml_home=home, tag=tag.group(1), path=Path(path.group(1)))


@pytest.fixture(scope="session")
def tables() -> dict[str, pd.DataFrame]:
    """The eight tables the model was trained on (generated again with the training's size and seed)."""
    return generate_tables(TRAIN_CLIENTS, seed=TRAIN_SEED)


@pytest.fixture(scope="session")
def history(tables) -> dict[str, pd.DataFrame]:
    return {name: tables[name] for name in HISTORY_TABLES}


@pytest.fixture(scope="session")
def records(tables, history) -> list[dict]:
    """The clients without a known outcome (application_test) as API records, with their history."""
    return tables_to_records(tables["application_test"], history)


@pytest.fixture(scope="session")
def server(trained_model: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``bentoml serve`` of the project's service (entry point and model service), no API key."""
    log_path = tmp_path_factory.mktemp("service_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(log_path.parent / "none")}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as served:
        yield served
