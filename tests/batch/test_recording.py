"""``python -m batch --record``: each portfolio decision recorded as the API records its own, in process
and from the workers of a Dask cluster, and replayed to the same probability."""

import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from decisions.database import open_store
from decisions.records import Decision
from decisions.replay import Rescorer
from load_tests.servers import PROJECT_ROOT
from train.bundle import ModelBundle


def recorded(url: str) -> list[Decision]:
    with Session(open_store(url)) as session:
        return list(session.scalars(select(Decision)))


@pytest.mark.parametrize("where", [[], ["--workers", "2"]], ids=["in process", "dask"])
def test_every_scored_application_is_recorded_and_replays(trained_model, clean_folder, tmp_path, where):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    out = tmp_path / ("scores" if where else "scores.parquet")
    done = subprocess.run([sys.executable, "-m", "batch", "--no-progress", "--data-dir", str(clean_folder),
                           "--out", str(out), "--record", "--caller", "risk-team", *where],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
                          env=trained_model.environment(CREDIT_SCORING_DATABASE_URL=url))
    assert done.returncode == 0, done.stderr[-3000:]
    scores = pd.read_parquet(out).set_index("SK_ID_CURR")
    records = recorded(url)
    assert sorted(r.sk_id_curr for r in records) == sorted(scores.index)
    assert {(r.endpoint, r.origin, r.caller) for r in records} == {("batch", "batch", "risk-team")}
    for record in records:
        assert record.probability == scores.loc[record.sk_id_curr, "probability"]
    rescorer = Rescorer(loaded=(ModelBundle.load(trained_model.path),))
    assert all(rescorer.replay(record).matches for record in records[:10])


def test_an_unusable_store_stops_the_run_before_any_work(trained_model, clean_folder, tmp_path):
    done = subprocess.run([sys.executable, "-m", "batch", "--no-progress", "--data-dir", str(clean_folder),
                           "--out", str(tmp_path / "scores.parquet"), "--record"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
                          env=trained_model.environment(
                              CREDIT_SCORING_DATABASE_URL="postgresql+psycopg://u@127.0.0.1:1/db"))
    assert done.returncode == 2 and "--record: the decision store" in done.stderr
    assert not (tmp_path / "scores.parquet").exists()
