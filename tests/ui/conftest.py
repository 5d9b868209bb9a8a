"""Fixtures of the UI tests: demo data, the real service, an in-process advisor.

The model is the session's `trained_model` (tests/conftest.py); the demo portfolio is written by the
synthetic generator in Kaggle layout; the service runs as ``bentoml serve`` with the page mounted at ``/ui``.
Handler tests use `ui.local.local_advisor`: the service's own scoring code, in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from load_tests.servers import ServerProcess, free_port, running, service_command
from synthetic import generate_tables, write_tables
from tests.conftest import TRAIN_SEED, TrainedModel, store_with_accounts
from ui.handlers import Advisor
from ui.local import local_advisor
from ui.portfolio import Portfolio

#: Demo clients: application_test gets about 16% of this many clients, with their history.
DEMO_CLIENTS = 400


@pytest.fixture(scope="session")
def model_environment(trained_model: TrainedModel) -> dict[str, str]:
    """The environment of a process that uses the trained model's store, offline."""
    return trained_model.environment()


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio in Kaggle layout, as ``python -m synthetic --out`` writes it."""
    folder = tmp_path_factory.mktemp("ui_demo")
    write_tables(generate_tables(DEMO_CLIENTS, seed=TRAIN_SEED + 1), folder)
    return folder


@pytest.fixture(scope="session")
def ui_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the page server's store (SQLite), holding `ADVISOR` and `RISK`."""
    return store_with_accounts(tmp_path_factory.mktemp("ui_store"))


@pytest.fixture(scope="session")
def ui_server(trained_model: TrainedModel, demo_folder: Path, ui_store: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``bentoml serve`` of the project's service with the demo portfolio, no API key."""
    log_path = tmp_path_factory.mktemp("ui_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(demo_folder), "CREDIT_SCORING_DATABASE_URL": ui_store}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as served:
        yield served


@pytest.fixture(scope="session")
def advisor(trained_model: TrainedModel, demo_folder: Path) -> Advisor:
    """The page's advisor on the trained model and the demo portfolio, scoring in-process."""
    return local_advisor(trained_model.path, demo_folder)


@pytest.fixture(scope="session")
def portfolio(demo_folder: Path) -> Portfolio:
    """The demo clients, as the page's portfolio reads them."""
    return Portfolio.from_folder(demo_folder)
