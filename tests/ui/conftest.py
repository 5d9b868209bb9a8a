"""Fixtures of the UI tests: a model trained by ``python -m train``, demo data, the real service.

The model is trained with the real training command into a BentoML home in a temporary folder (the
same command and sizes as tests/service/conftest.py); the demo portfolio is written by the synthetic
generator in Kaggle layout; the service runs as ``bentoml serve`` with the page mounted at ``/ui``.
Handler tests use `ui.local.local_advisor`: the service's own scoring code, in-process.
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

from features.synthetic import generate_tables, write_tables
from load_tests.servers import PROJECT_ROOT, ServerProcess, free_port, running, service_command
from ui.handlers import Advisor
from ui.local import local_advisor

TRAIN_CLIENTS = 1500
TRAIN_SEED = 3
#: Demo clients: application_test gets about 16% of this many clients, with their history.
DEMO_CLIENTS = 400
OFFLINE = {"BENTOML_DO_NOT_TRACK": "true", "GRADIO_ANALYTICS_ENABLED": "False"}


@dataclass(frozen=True)
class TrainedModel:
    """A model saved by ``python -m train`` in a BentoML home of its own."""

    bentoml_home: Path
    path: Path


@pytest.fixture(scope="session")
def ui_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """A model trained by ``python -m train`` on small synthetic data, in a temporary BentoML home."""
    work = tmp_path_factory.mktemp("ui_model")
    home = work / "bentoml_home"
    done = subprocess.run(
        [sys.executable, "-m", "train", "--clients", str(TRAIN_CLIENTS), "--seed", str(TRAIN_SEED),
         "--trials", "2", "--folds", "2", "--timeout", "30", "--threads", "2", "--no-progress",
         "--study-db", str(work / "studies.sqlite3"), "--suite-out", str(work / "suite.json")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, **OFFLINE, "BENTOML_HOME": str(home)})
    assert done.returncode == 0, f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    path = re.search(r"^saved in: (.+)$", done.stdout, re.MULTILINE)
    assert path, f"training printed no model folder:\n{done.stdout}"
    return TrainedModel(bentoml_home=home, path=Path(path.group(1)))


@pytest.fixture(scope="session")
def model_environment(ui_model: TrainedModel) -> dict[str, str]:
    """The environment of a process that uses the trained model's store, offline."""
    return {**os.environ, **OFFLINE, "BENTOML_HOME": str(ui_model.bentoml_home)}


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio in Kaggle layout, as ``python -m features.synthetic --out`` writes it."""
    folder = tmp_path_factory.mktemp("ui_demo")
    write_tables(generate_tables(DEMO_CLIENTS, seed=TRAIN_SEED + 1), folder)
    return folder


@pytest.fixture(scope="session")
def ui_server(ui_model: TrainedModel, demo_folder: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``bentoml serve`` of the project's service with the demo portfolio, no API key."""
    log_path = tmp_path_factory.mktemp("ui_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(ui_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(demo_folder)}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as served:
        yield served


@pytest.fixture(scope="session")
def advisor(ui_model: TrainedModel, demo_folder: Path) -> Advisor:
    """The page's advisor on the trained model and the demo portfolio, scoring in-process."""
    return local_advisor(ui_model.path, demo_folder)
