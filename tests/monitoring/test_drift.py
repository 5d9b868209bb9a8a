"""PSI and its verdicts, and the drift of recorded decisions against a profile."""

import json
import uuid
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from decisions.records import Decision
from monitoring.drift import MIN_DECISIONS, Drift, drift_of, psi, psi_status
from train.profile import bin_shares, profile_bins


def test_psi_of_identical_shares_is_zero_and_grows_with_the_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.1 * np.log(1.2) - 0.1 * np.log(0.8))
    assert psi([0.5, 0.5], [0.9, 0.1]) > psi([0.5, 0.5], [0.7, 0.3]) > 0


def test_an_empty_bin_keeps_psi_finite():
    assert np.isfinite(psi([1.0, 0.0], [0.0, 1.0]))


def test_psi_needs_the_same_bins():
    with pytest.raises(ValueError, match="must share their bins"):
        psi([0.5, 0.5], [1.0])


@pytest.mark.parametrize(("value", "status"), [(0.0, "stable"), (0.0999, "stable"), (0.1, "watch"),
                                                (0.25, "watch"), (0.2501, "drifted"), (3.0, "drifted")])
def test_the_industry_thresholds(value, status):
    assert psi_status(value) == status


def decisions(values: np.ndarray, approved: float) -> list[Decision]:
    """Recorded decisions whose inputs carry EXT_SOURCE_2 = `values` (nothing else)."""
    return [Decision(decision_id=uuid.uuid4(), decided_at=datetime.now(UTC), endpoint="predict", origin="api",
                     caller="test", sk_id_curr=100_000 + i, model_version="m", threshold=0.1,
                     probability=float(v), score=500,
                     decision="approved" if i < approved * len(values) else "refused",
                     input_json=json.dumps({"SK_ID_CURR": 100_000 + i, "EXT_SOURCE_2": float(v)}),
                     input_sha256="-")
            for i, v in enumerate(values)]


@pytest.fixture(scope="module")
def profile() -> dict:
    training = pd.Series(np.random.default_rng(0).uniform(size=5000))
    bins = profile_bins(training)
    shares = bin_shares(training, bins).tolist()
    return {"rows": 5000, "threshold": 0.1, "approval_rate": 0.7, "score": {**bins, "shares": shares},
            "features": {"EXT_SOURCE_2": {**bins, "shares": shares}}}


def test_traffic_like_training_is_stable(profile):
    live = np.random.default_rng(1).uniform(size=1000)
    drift = drift_of(decisions(live, 0.7), profile, model_version="m")
    assert drift.enough and drift.score.status == "stable" and drift.approval_now == pytest.approx(0.7)
    [shift] = drift.features
    assert (shift.name, shift.status) == ("EXT_SOURCE_2", "stable")


def test_shifted_traffic_is_drifted(profile):
    live = np.clip(np.random.default_rng(1).uniform(size=1000) + 0.25, 0, 1)
    [shift] = drift_of(decisions(live, 0.5), profile, model_version="m").features
    assert shift.status == "drifted" and shift.psi > 0.25


def test_below_the_minimum_there_is_a_count_and_no_verdict(profile):
    drift = drift_of(decisions(np.full(MIN_DECISIONS - 1, 0.5), 1.0), profile, model_version="m")
    answer = drift.answer()
    assert answer["decisions"] == MIN_DECISIONS - 1 and answer["score"] is None and answer["features"] == []
    assert "no verdict" in answer["note"] and answer["approval_rate"] == {"now": 1.0, "training": 0.7}


def test_a_drift_travels_as_json(profile):
    drift = drift_of(decisions(np.random.default_rng(2).uniform(size=600), 0.6), profile, model_version="m")
    again = Drift.from_json(json.loads(json.dumps(drift.to_json())))
    assert again == drift and again.answer() == drift.answer()


def test_bins_read_as_words():
    halves = {"kind": "edges", "edges": [0.5], "shares": [0.5, 0.5, 0]}
    profile = {"approval_rate": 0.5, "score": halves, "features": {"EXT_SOURCE_2": halves}}
    [shift] = drift_of(decisions(np.linspace(0, 1, 600), 0.5), profile, model_version="m").features
    assert shift.labels() == ["up to 0.5", "above 0.5", "missing"]
