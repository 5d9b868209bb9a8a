"""Fixtures of the load and fault tests: a payload file and real servers.

The model is the session's (``trained_model`` in ``tests/conftest.py``: the real training command into
a BentoML home in a temporary folder); servers run as subprocesses (``bentoml serve``) on free ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from load_tests.make_payloads import write_payloads
from load_tests.servers import (
    ServerProcess,
    ServiceSettings,
    free_port,
    running,
    service_command,
)
from tests.conftest import RISK, TrainedModel, store_with_accounts
from train.bundle import ModelBundle

#: What Locust's page users sign in with on the load tests' servers.
UI_ACCOUNT = {"LOCUST_UI_USER": RISK.name, "LOCUST_UI_PASSWORD": RISK.password}


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
    # No API key and no demo portfolio; the page's users sign in as `RISK` (see `UI_ACCOUNT`).
    env = {"BENTOML_HOME": str(model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(log_path.parent / "none"),
           "CREDIT_SCORING_DATABASE_URL": store_with_accounts(log_path.parent), **settings.environment()}
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
