"""Drift monitoring through the served service: traffic like training is stable, a shifted field drifts.

The model is trained for this test with five folds: the profile's probability is out-of-fold, and with
two folds the models behind it (trained on half the data) differ enough from the final model to read
as drift on traffic drawn from the training population itself (PSI 0.13 measured, against 0.01 with
five folds).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.records import tables_to_records
from features.schema import HISTORY_TABLES, table
from load_tests.servers import PROJECT_ROOT, ServerProcess, free_port, running, service_command
from synthetic import generate_tables
from tests.conftest import OFFLINE, TrainedModel, train_model
from train.bundle import ModelBundle

pytestmark = [pytest.mark.server, pytest.mark.slow]

APPLICATIONS = 2000
#: The real data's maxima of counts the training sample may never reach (Kaggle's application_train).
REAL_COUNT_MAXIMA = {"CNT_CHILDREN": 19, "CNT_FAM_MEMBERS": 20, "AMT_REQ_CREDIT_BUREAU_HOUR": 4,
                     "AMT_REQ_CREDIT_BUREAU_DAY": 9, "AMT_REQ_CREDIT_BUREAU_WEEK": 8,
                     "AMT_REQ_CREDIT_BUREAU_MON": 27, "AMT_REQ_CREDIT_BUREAU_QRT": 261,
                     "AMT_REQ_CREDIT_BUREAU_YEAR": 25, "OBS_30_CNT_SOCIAL_CIRCLE": 348,
                     "DEF_30_CNT_SOCIAL_CIRCLE": 34, "OBS_60_CNT_SOCIAL_CIRCLE": 344,
                     "DEF_60_CNT_SOCIAL_CIRCLE": 24}


def call(server: ServerProcess, path: str, body: object | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body, default=lambda v: None).encode()
    request = urllib.request.Request(server.url + path, data=data,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def monitored_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_model(tmp_path_factory.mktemp("monitored_model"), clients=3000, seed=5, folds=5, trials=1)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Applications of the training population (another seed): what live traffic should look like."""
    return generate_tables(APPLICATIONS, seed=41)


@pytest.fixture(scope="module")
def served(monitored_model: TrainedModel,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("monitored_server")
    env = {"BENTOML_HOME": str(monitored_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DATABASE_URL": f"sqlite:///{work / 'store.sqlite3'}",
           "CREDIT_SCORING_MONITORING_SECONDS": "5", "CREDIT_SCORING_DEMO_DATA": str(work / "none")}
    port = free_port()
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=work / "bentoml.log",
                 env=env) as server:
        yield server


def send(server: ServerProcess, applications: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[dict]:
    records = tables_to_records(applications, {name: tables[name] for name in HISTORY_TABLES})
    answers = []
    for start in range(0, len(records), 100):
        status, answered = call(server, "/predict", {"applications": records[start:start + 100]})
        assert status == 200, answered
        answers += answered
    return answers


def drifted(answer: dict) -> set[str]:
    return {f["feature"] for f in answer["features"] if f["status"] != "stable"}


def test_traffic_from_the_training_population_is_stable_and_a_shifted_field_drifts(served, tables):
    applications = tables["application_train"].drop(columns="TARGET")
    send(served, applications, tables)
    status, before = call(served, f"/monitoring/drift?last={APPLICATIONS}")
    assert status == 200 and before["decisions"] == APPLICATIONS
    assert drifted(before) == set() and before["score"]["psi"] < 0.1, before

    shifted = applications.copy()
    high = float(applications["EXT_SOURCE_2"].max())
    shifted["EXT_SOURCE_2"] = (shifted["EXT_SOURCE_2"] + 0.25).clip(upper=high)
    shifted.loc[shifted.sample(frac=0.6, random_state=1).index, "AMT_ANNUITY"] = np.nan
    send(served, shifted, tables)
    status, after = call(served, f"/monitoring/drift?last={APPLICATIONS}")
    assert status == 200
    moved = drifted(after)
    assert {"EXT_SOURCE_2", "AMT_ANNUITY"} <= moved, after
    history = {name: tables[name] for name in HISTORY_TABLES}
    built = build_features(applications, history), build_features(shifted, history)
    built_from_them = {name for name in built[0].columns if not built[0][name].equals(built[1][name])}
    assert moved <= built_from_them, moved - built_from_them
    assert abs(after["approval_rate"]["now"] - before["approval_rate"]["now"]) > 0.05


def test_the_drift_reaches_the_metrics(served):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(served.url + "/metrics", timeout=60) as answer:
            metrics = answer.read().decode()
        if 'credit_scoring_drift_psi{feature="probability"}' in metrics:
            break
        time.sleep(2)
    assert 'credit_scoring_drift_psi{feature="probability"}' in metrics
    assert re.search(r"^credit_scoring_drift_decisions \d", metrics, re.MULTILINE)
    assert 'credit_scoring_approval_rate{population="training"}' in metrics


@pytest.mark.parametrize(("query", "field"), [("last=0", "last"), ("last=-1", "last"),
                                              (f"last={10**12}", "last"), ("since=yesterday", "since"),
                                              ("last=ten", "last")])
def test_a_bad_window_gets_a_422_naming_the_parameter(served, query, field):
    status, body = call(served, f"/monitoring/drift?{query}")
    assert status == 422 and [p["field"] for p in body["problems"]] == [field]


def test_a_window_in_the_future_holds_no_decision_and_no_verdict(served):
    status, body = call(served, "/monitoring/drift?since=2099-01-01T00:00:00")
    assert status == 200 and body["decisions"] == 0 and body["score"] is None and "no verdict" in body["note"]


def warning_ranges(model: TrainedModel) -> dict[str, tuple[float | None, float | None]]:
    """The training ranges of the model's suite, beyond which a value is scored with a warning."""
    return {e["kwargs"]["column"]: (e["kwargs"].get("min_value"), e["kwargs"].get("max_value"))
            for e in ModelBundle.load(model.path).suite["expectations"]
            if e["type"] == "expect_column_values_to_be_between" and e.get("severity") == "warning"}


def test_real_like_extremes_are_scored_with_a_warning_and_impossible_values_refused(served, tables,
                                                                                     monitored_model):
    applications = tables["application_train"]
    record = tables_to_records(applications.drop(columns="TARGET").head(1), {})[0]
    schema = table("application_test")
    extremes = {name: 3 * float(applications[name].max()) for name in schema.column_names
                if schema.column(name).kind.value == "number" and name != "SK_ID_CURR"
                and applications[name].notna().any() and applications[name].max() > 0}
    extremes |= REAL_COUNT_MAXIMA
    ranges = warning_ranges(monitored_model)
    for name, value in extremes.items():
        column = schema.column(name)
        possible = ((column.low is None or value >= column.low)
                    and (column.high is None or value <= column.high))
        status, body = call(served, "/predict", {"applications": [{**record, name: value}]})
        if not possible:
            assert status == 422 and body["problems"][0]["field"] == name, (name, value, body)
            assert name not in REAL_COUNT_MAXIMA, f"{name} = {value} happens in the real data"
            continue
        assert status == 200, (name, value, body)
        high = ranges.get(name, (None, None))[1]
        expected = [name] if high is not None and value > high else []
        assert [w["field"] for w in body[0]["warnings"]] == expected, (name, value, body[0]["warnings"])
    status, body = call(served, "/predict", {"applications": [{**record, "CNT_CHILDREN": -1}]})
    assert status == 422 and body["problems"][0]["field"] == "CNT_CHILDREN"


def test_the_report_shows_the_psi_table_and_the_charts(served, monitored_model, tmp_path):
    out = tmp_path / "drift.html"
    store = served.log_path.parent / "store.sqlite3"
    done = subprocess.run([sys.executable, "-m", "monitoring", "report", "--since", "1d", "--out", str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
                          env={**OFFLINE, "PATH": "/usr/bin:/bin",
                               "BENTOML_HOME": str(monitored_model.bentoml_home),
                               "CREDIT_SCORING_DATABASE_URL": f"sqlite:///{store}"})
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "Population stability index" in page and page.count("data:image/png;base64,") >= 2
    assert "EXT_SOURCE_2" in page and "drifted" in page
