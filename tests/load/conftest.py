"""Fixtures of the load and fault tests: a small trained model, a payload file and real servers.

The model is trained once per session by the real training command (``python -m train``) into a
BentoML home in a temporary folder; servers run as subprocesses (``bentoml serve``) on free ports.
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

from load_tests.make_payloads import write_payloads
from load_tests.servers import (
    PROJECT_ROOT,
    ServerProcess,
    ServiceSettings,
    free_port,
    running,
    service_command,
)
from train.bundle import ModelBundle

#: Small enough to train in well under a minute on 2 cores, big enough for every feature family.
TRAIN_CLIENTS = 1500


@dataclass(frozen=True)
class TrainedModel:
    """A model saved by ``python -m train`` in a BentoML home of its own."""

    bentoml_home: Path
    tag: str
    path: Path


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """Train a small model with the real training command, into a temporary BentoML home."""
    work = tmp_path_factory.mktemp("load_model")
    home = work / "bentoml_home"
    done = subprocess.run(
        [sys.executable, "-m", "train", "--clients", str(TRAIN_CLIENTS), "--trials", "2", "--folds", "2",
         "--timeout", "30", "--threads", "2", "--seed", "3", "--no-progress",
         "--study-db", str(work / "studies.sqlite3"), "--suite-out", str(work / "suite.json")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"})
    assert done.returncode == 0, f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    tag = re.search(r"^model: (\S+)$", done.stdout, re.MULTILINE)
    path = re.search(r"^saved in: (.+)$", done.stdout, re.MULTILINE)
    assert tag and path, f"training printed no model tag or folder:\n{done.stdout}"
    return TrainedModel(bentoml_home=home, tag=tag.group(1), path=Path(path.group(1)))


@pytest.fixture(scope="session")
def payload_file(trained_model: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small payload file for the load runs of the suite: generated clients the model accepts."""
    path = tmp_path_factory.mktemp("load_payloads") / "payloads.json"
    write_payloads(path, clients=60, seed=5, accepted_by=ModelBundle.load(trained_model.path), progress=False)
    return path


def _start_service(model: TrainedModel, log_path: Path,
                   settings: ServiceSettings) -> Iterator[ServerProcess]:
    """Serve the project's BentoML service with `model`'s store and `settings`, on a free port."""
    port = free_port()
    # No API key and no demo portfolio: the load tests send API traffic only.
    env = {"BENTOML_HOME": str(model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(log_path.parent / "none"), **settings.environment()}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as server:
        yield server


@pytest.fixture(scope="session")
def service(trained_model: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The service as deployed (adaptive batching on, one worker), shared by the read-only tests."""
    log_path = tmp_path_factory.mktemp("load_service") / "bentoml.log"
    yield from _start_service(trained_model, log_path, ServiceSettings())


@pytest.fixture(scope="module")
def fresh_service(trained_model: TrainedModel,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A service of the module's own, for tests that load it hard (the shared one stays undisturbed)."""
    log_path = tmp_path_factory.mktemp("load_fresh_service") / "bentoml.log"
    yield from _start_service(trained_model, log_path, ServiceSettings())


@pytest.fixture
def unbroken(service: ServerProcess) -> Iterator[ServerProcess]:
    """The shared service, checked after the test: still running, no worker crashed or restarted."""
    before = service.pids()
    yield service
    assert service.alive(), f"the server stopped; end of its log:\n{service.log_tail()}"
    assert service.pids() == before, (f"server processes changed from {sorted(before)} to "
                                      f"{sorted(service.pids())}: a worker crashed or restarted; end of "
                                      f"its log:\n{service.log_tail()}")
