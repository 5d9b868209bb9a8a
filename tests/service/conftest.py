"""Fixtures of the service tests: a model trained by ``python -m train``, its data, a real server.

The model is trained once per session with the real training command on small synthetic data, into a
BentoML home in a temporary folder. The same tables are generated again here (same size and seed), so
that tests can compare what the API answers with what the model gives offline on the full tables.
Servers run ``bentoml serve`` as subprocesses on free ports.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from load_tests.servers import ServerProcess, free_port, running, service_command
from synthetic import generate_tables
from tests.conftest import TRAIN_CLIENTS, TRAIN_SEED, TrainedModel


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
