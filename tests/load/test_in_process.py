"""In-process limits and stage costs (load_tests/in_process.py)."""

import pytest

from load_tests.in_process import measure, scenario_calls, stage_costs
from load_tests.payloads import read_payloads
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def bundle(trained_model) -> ModelBundle:
    return ModelBundle.load(trained_model.path)


def test_measure_calls_at_least_the_minimum_with_consecutive_indices():
    seen = []
    summary = measure(seen.append, seconds=0.0, min_calls=7)
    assert seen == list(range(7))
    assert summary.requests == 7 and summary.failures == 0 and summary.rps > 0


def test_each_scenario_scores_one_application(bundle, payload_file):
    payloads = read_payloads(payload_file)
    calls = scenario_calls(bundle, records=payloads.with_history, feature_rows=payloads.feature_rows)
    assert set(calls) == {"predict", "explain", "counteroffer", "reference"}
    assert calls["predict"](0).shape == (1,)
    assert calls["reference"](0) == pytest.approx(calls["predict"](0), rel=1e-6)
    probability, (contributions, _) = calls["explain"](0)
    assert probability == pytest.approx(calls["predict"](0))
    assert contributions.shape == (1, len(bundle.feature_names))
    [searched] = calls["counteroffer"](0)
    assert searched.counteroffer.asked.probability == pytest.approx(calls["predict"](0)[0], abs=1e-12)


def test_stage_costs_cover_every_stage_at_every_batch_size(bundle, payload_file):
    costs = stage_costs(bundle, read_payloads(payload_file).with_history, batch_sizes=(1, 4), repeats=1)
    assert [(c.stage, c.batch_size) for c in costs][:5] == [
        ("parse the request (JSON + request model)", 1), ("score (validate + features + model)", 1),
        ("features alone", 1), ("model alone", 1), ("contributions (explain)", 1)]
    assert len(costs) == 10 and all(c.cpu_ms > 0 for c in costs)


def test_stage_costs_need_enough_records(bundle, payload_file):
    with pytest.raises(ValueError, match="records must hold at least 1000 applications"):
        stage_costs(bundle, read_payloads(payload_file).with_history, batch_sizes=(1000,))
