"""``python -m decisions``: migrate, replay and purge by hand, with one-line errors and exit code 2."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from decisions.database import open_store
from decisions.records import NewDecision, new_decisions
from decisions.store import DecisionStore
from decisions.writer import DecisionWriter
from load_tests.servers import PROJECT_ROOT
from serving.requests import Application
from serving.scoring import Scorer
from tests.conftest import OFFLINE
from train.bundle import ModelBundle


def _run(*args: str, url: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, **OFFLINE, "CREDIT_SCORING_DATABASE_URL": url, "BENTOML_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "decisions", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory, trained_model, records) -> tuple[str, list[NewDecision]]:
    """A SQLite store's URL and its five decisions of the trained model, the last a year old."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'decisions.sqlite3'}"
    bundle = ModelBundle.load(trained_model.path)
    applications = [TypeAdapter(Application).validate_python(record) for record in records[:5]]
    outcomes = [o.prediction.model_dump() for o in Scorer(bundle).predict(applications)]
    made = new_decisions([json.dumps(a) for a in applications], outcomes, endpoint="predict", origin="api",
                         caller="test")
    made[-1] = NewDecision(**{**vars(made[-1]), "decided_at": datetime.now(UTC) - timedelta(days=365)})
    writer = DecisionWriter(open_store(url))
    writer.record_now(made)
    writer.close()
    return url, made


def test_migrate_brings_a_new_store_to_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    done = _run("migrate", url=url, home=tmp_path)
    assert done.returncode == 0 and "newest revision" in done.stdout


def test_replay_reproduces_a_recorded_decision(store, trained_model):
    url, made = store
    done = _run("replay", str(made[0].decision_id), url=url, home=trained_model.bentoml_home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("match") and "SHA-256 matches" in done.stdout


def test_replay_without_the_model_version_is_a_clear_error(store, tmp_path):
    url, made = store
    done = _run("replay", str(made[0].decision_id), url=url, home=tmp_path / "empty_home")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is not in the BentoML model store" in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("replay", "' OR 1=1"), "DECISION_ID must be a UUID"),
    (("replay", "0f5c2a9e-8d1b-4c3e-9a7f-2b6d1e4c8a90"), "no decision 0f5c2a9e"),
    (("purge", "--older-than", "0"), "--older-than: must be a whole number of days >= 1"),
])
def test_bad_arguments_get_one_line_and_exit_2(store, tmp_path, args, message):
    done = _run(*args, url=store[0], home=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_store_exits_2_naming_it(tmp_path):
    done = _run("migrate", url="postgresql+psycopg://u:pw@127.0.0.1:1/db", home=tmp_path)
    assert done.returncode == 2 and "cannot be opened" in done.stderr and "pw" not in done.stderr


def test_purge_deletes_the_records_past_retention(store, tmp_path):
    url, made = store
    done = _run("purge", "--older-than", "183", url=url, home=tmp_path)
    assert done.returncode == 0 and "deleted 1 decision record(s)" in done.stdout
    remaining = DecisionStore(open_store(url))
    assert remaining.get(made[-1].decision_id) is None and remaining.get(made[0].decision_id) is not None

