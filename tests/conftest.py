"""Fixtures shared by the whole suite: the real samples, and small models trained by ``python -m train``.

The model is trained once per session with the real training command on small synthetic data, into a
BentoML home in a temporary folder; the service, UI and load tests all serve it. A second, larger one
has learned how the loan's terms move the risk (the counteroffer tests and the generator's floor).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from access.accounts import Accounts
from decisions.database import open_store
from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from load_tests.servers import PROJECT_ROOT, ServerProcess, free_port, running, service_command
from synthetic import generate_tables, write_tables
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


#: Clients of the model that has learned the loan's terms: trained on 1,500, halving every loan moves
#: no decision of the portfolio; on 8,000, 9% (the real data: 7%). About a minute on 2 cores.
LOAN_TERMS_CLIENTS = 8000


@pytest.fixture(scope="session")
def loan_terms_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """A model trained as `trained_model` on enough clients to respond to the loan's terms."""
    return train_model(tmp_path_factory.mktemp("loan_terms_model"), clients=LOAN_TERMS_CLIENTS,
                       seed=TRAIN_SEED, folds=2, trials=2)


@pytest.fixture(scope="session")
def loan_terms_tables() -> dict[str, pd.DataFrame]:
    """The eight tables `loan_terms_model` was trained on; application_test holds its unseen clients."""
    return generate_tables(LOAN_TERMS_CLIENTS, seed=TRAIN_SEED)


@pytest.fixture(scope="session")
def loan_terms_records(loan_terms_tables) -> list[dict]:
    """The clients `loan_terms_model` never saw, as API records with their history."""
    return tables_to_records(loan_terms_tables["application_test"],
                             {name: loan_terms_tables[name] for name in HISTORY_TABLES})


@dataclass(frozen=True)
class Account:
    """An account of a test server's store, with its password (made for this session)."""

    name: str
    role: str
    password: str


#: The page's accounts in the test servers' stores: an advisor and someone of the risk team.
ADVISOR = Account("ana", "advisor", secrets.token_urlsafe(16))
RISK = Account("rita", "risk", secrets.token_urlsafe(16))
ADMIN = Account("adam", "admin", secrets.token_urlsafe(16))


def store_with_accounts(folder: Path) -> str:
    """Create a SQLite store in `folder` holding `ADVISOR`, `RISK` and `ADMIN`; return its URL."""
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    accounts = Accounts(open_store(url))
    for account in (ADVISOR, RISK, ADMIN):
        accounts.add(account.name, role=account.role, password=account.password)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a throwaway PostgreSQL server, started for this session (see tests/postgres.py)."""
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def loan_terms_demo_folder(loan_terms_tables: dict[str, pd.DataFrame],
                           tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clients `loan_terms_model` never saw, with their history, in Kaggle layout (a demo portfolio)."""
    folder = tmp_path_factory.mktemp("loan_terms_demo")
    write_tables({name: frame for name, frame in loan_terms_tables.items() if name != "application_train"},
                 folder)
    return folder


@pytest.fixture(scope="session")
def loan_terms_server(loan_terms_model: TrainedModel, loan_terms_demo_folder: Path,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``bentoml serve`` of the service on `loan_terms_model`, its unseen clients as the demo portfolio."""
    log_path = tmp_path_factory.mktemp("loan_terms_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(loan_terms_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(loan_terms_demo_folder),
           "CREDIT_SCORING_DATABASE_URL": store_with_accounts(log_path.parent)}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as served:
        yield served
