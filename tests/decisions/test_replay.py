"""Replaying a recorded decision with its model version: the same probability to 1e-9, or why not."""

import json

import pytest
from pydantic import TypeAdapter

from decisions.records import Decision, new_decisions
from decisions.replay import Rescorer
from serving.requests import Application
from serving.scoring import Scorer
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def bundle(trained_model) -> ModelBundle:
    return ModelBundle.load(trained_model.path)


@pytest.fixture(scope="module")
def recorded(bundle, records) -> list[Decision]:
    """Decisions as the service records them: the validated input's JSON text and the scored outcome."""
    applications = [TypeAdapter(Application).validate_python(record) for record in records[:20]]
    outcomes = Scorer(bundle).predict(applications)
    inputs = [json.dumps(application) for application in applications]
    made = new_decisions(inputs, [o.prediction.model_dump() for o in outcomes], endpoint="predict",
                         origin="api", caller="test")
    return [Decision(**d.row()) for d in made]


def _changed(record: Decision, **changes) -> Decision:
    return Decision(**{c.key: getattr(record, c.key) for c in Decision.__table__.columns} | changes)


def test_every_recorded_decision_replays_to_the_same_probability(bundle, recorded):
    rescorer = Rescorer(load_bundle=lambda version: pytest.fail("the model in memory is not reloaded"),
                        loaded=(bundle,))
    for record in recorded:
        replay = rescorer.replay(record)
        assert replay.matches and replay.input_intact
        assert abs(replay.replayed_probability - record.probability) <= 1e-9


def test_an_altered_input_or_probability_does_not_match(bundle, recorded):
    rescorer = Rescorer(loaded=(bundle,))
    record = recorded[0]
    assert not rescorer.replay(_changed(record, probability=record.probability + 1e-6)).matches
    tampered = json.loads(record.input_json) | {"AMT_INCOME_TOTAL": 1.0}
    assert not rescorer.replay(_changed(record, input_json=json.dumps(tampered))).input_intact
