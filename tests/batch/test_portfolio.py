"""Portfolio scoring end to end: the command on generated folders, a 2-worker LocalCluster, the served API."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest

from batch.cluster import score_on_dask
from batch.folder import find_portfolio
from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from serving.requests import MAX_EXPLAIN_APPLICATIONS, MAX_PREDICT_APPLICATIONS
from tests.batch.conftest import STRANGER, read_run

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=120) as http:
        yield http


def problems_of(rejects: pd.DataFrame, sk_id: int | None) -> list[tuple[str, str]]:
    mine = rejects[rejects["SK_ID_CURR"].isna()] if sk_id is None else rejects[rejects["SK_ID_CURR"] == sk_id]
    return sorted(zip(mine["field"], mine["problem"], strict=True))


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("SK_ID_CURR", kind="stable").reset_index(drop=True)


def test_the_good_rows_are_scored_as_in_the_clean_folder(broken_run, clean_run, broken_folder):
    broken_ids = {*broken_folder.records, *broken_folder.unusual, broken_folder.repeated,
                  broken_folder.unusable_key}
    expected = clean_run.scores[~clean_run.scores["SK_ID_CURR"].isin(broken_ids)]
    got = broken_run.scores[~broken_run.scores["SK_ID_CURR"].isin(broken_ids)]
    assert set(broken_run.scores["SK_ID_CURR"]) - set(got["SK_ID_CURR"]) == set(broken_folder.unusual)
    got = got.drop(columns=["reasons_against", "reasons_for"])
    pd.testing.assert_frame_equal(by_id(got), by_id(expected))


def test_each_broken_application_is_rejected_with_its_problems(broken_run, broken_folder):
    rejects = broken_run.rejects
    for sk_id in broken_folder.records:
        assert problems_of(rejects, sk_id), f"SK_ID_CURR={sk_id} was not rejected"
    repeated = problems_of(rejects, broken_folder.repeated)
    assert len(repeated) == 2 and all(field == "SK_ID_CURR" and "appears 2 times" in text
                                      for field, text in repeated)
    assert broken_folder.unusable_key not in set(broken_run.scores["SK_ID_CURR"])
    assert ("SK_ID_CURR", 'Input should be a whole number (got "x")') in problems_of(rejects, None)
    assert problems_of(rejects, STRANGER) == [
        ("bureau", f"1 bureau row(s) belong to SK_ID_CURR={STRANGER}, which no application table of the "
                   "folder holds; they were left out")]
    lines = [text for field, text in problems_of(rejects, None) if field == "previous_application"]
    assert len(lines) == 1 and lines[0].startswith("the line has 38 fields where the header has 37")


def test_an_unusual_application_is_scored_with_the_served_predicts_warning(broken_run, broken_folder, client):
    for sk_id, record in broken_folder.unusual.items():
        response = client.post("/predict", json={"applications": [record]})
        assert response.status_code == 200, response.text
        [answer] = response.json()
        mine = broken_run.scores.set_index("SK_ID_CURR").loc[sk_id]
        assert [dict(w) for w in mine["warnings"]] == answer["warnings"] != []
        assert mine["probability"] == pytest.approx(answer["probability"], abs=1e-9)
        assert not problems_of(broken_run.rejects, sk_id)


def test_the_summary_counts_scored_and_rejected(broken_run, broken_folder):
    applications = len(broken_run.scores) + len(broken_folder.records) + 3  # repeated twice, unusable key
    assert (f"scored {len(broken_run.scores):,} of {applications:,} applications, rejected "
            f"{applications - len(broken_run.scores):,}") in broken_run.stdout
    assert f"({len(broken_run.rejects):,} problem(s))" in broken_run.stdout


def test_in_process_and_a_two_worker_local_cluster_give_identical_output(broken_run, broken_folder,
                                                                         trained_model, tmp_path):
    # Small blocks: each file is read by several tasks, and the clients' rows meet again by the shuffle.
    portfolio = find_portfolio(broken_folder.path, scored="application_test", block_bytes=2**16)
    out = tmp_path / "scores.parquet"
    summary = score_on_dask(portfolio, trained_model.path, out=out, explain=True, workers=2, partitions=3,
                            progress=False)
    on_dask = read_run(out)
    pd.testing.assert_frame_equal(by_id(on_dask.scores), by_id(broken_run.scores))
    order = ["SK_ID_CURR", "field", "problem"]
    pd.testing.assert_frame_equal(on_dask.rejects.sort_values(order).reset_index(drop=True),
                                  broken_run.rejects.sort_values(order).reset_index(drop=True))
    assert (summary.scored, summary.problems) == (len(broken_run.scores), len(broken_run.rejects))


def test_probabilities_equal_the_served_predict(clean_run, portfolio_tables, client):
    scored = clean_run.scores.set_index("SK_ID_CURR")
    applications = portfolio_tables["application_test"]
    records = tables_to_records(applications[applications["SK_ID_CURR"].isin(scored.index)],
                                {name: portfolio_tables[name] for name in HISTORY_TABLES})
    answers = []
    for start in range(0, len(records), MAX_PREDICT_APPLICATIONS):
        body = {"applications": records[start:start + MAX_PREDICT_APPLICATIONS]}
        response = client.post("/predict", json=body)
        assert response.status_code == 200, response.text
        answers += response.json()
    served = pd.DataFrame(answers).set_index("SK_ID_CURR").loc[scored.index]
    np.testing.assert_allclose(scored["probability"], served["probability"], rtol=0, atol=1e-9)
    for column in ("decision", "score", "threshold", "model_version"):
        assert scored[column].tolist() == served[column].tolist(), column


def test_rejects_read_as_the_api_422_of_the_same_application(broken_run, broken_folder, client):
    for sk_id, record in broken_folder.records.items():
        response = client.post("/predict", json={"applications": [record]})
        assert response.status_code == 422, response.text
        expected = sorted((p["field"], p["problem"]) for p in response.json()["problems"])
        assert problems_of(broken_run.rejects, sk_id) == expected, sk_id


def test_reasons_equal_the_served_explain(broken_run, portfolio_tables, client):
    scored = broken_run.scores.head(MAX_EXPLAIN_APPLICATIONS // 10).set_index("SK_ID_CURR")
    applications = portfolio_tables["application_test"]
    records = tables_to_records(applications[applications["SK_ID_CURR"].isin(scored.index)],
                                {name: portfolio_tables[name] for name in HISTORY_TABLES})
    response = client.post("/explain", json={"applications": records})
    assert response.status_code == 200, response.text
    for answer in response.json():
        mine = scored.loc[answer["SK_ID_CURR"]]
        assert list(mine["reasons_against"]) == answer["reasons_against"]
        assert list(mine["reasons_for"]) == answer["reasons_for"]
