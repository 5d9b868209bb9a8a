"""The scorer (serving/scoring.py) with a model trained by ``python -m train``: same numbers as offline."""

import numpy as np
import pytest
from pydantic import TypeAdapter

from features.build import build_features
from serving.reasons import MAX_REASONS, is_protected
from serving.requests import Application
from serving.scoring import Scorer, Variant
from train.bundle import ModelBundle


@pytest.fixture(scope="module")
def bundle(trained_model) -> ModelBundle:
    return ModelBundle.load(trained_model.path)


@pytest.fixture(scope="module")
def scorer(bundle) -> Scorer:
    return Scorer(bundle)


@pytest.fixture(scope="module")
def applications(records) -> list:
    """What the model service gets: records as the request model validated them."""
    return TypeAdapter(list[Application]).validate_python(records[:40])


@pytest.fixture(scope="module")
def offline(bundle, tables, history, applications) -> np.ndarray:
    """P(default) of the same clients, from features built on the full tables."""
    features = build_features(tables["application_test"], history)
    return bundle.predict_proba(features.loc[[a["SK_ID_CURR"] for a in applications]])


def cited(reason: str, contributions) -> list:
    """Return the contributions whose label the reason starts with."""
    return [c for c in contributions if reason.startswith(f"{c.label}: ")]


def unusual(application):
    """The application with a possible income far outside the training data's range."""
    return {**application, "AMT_INCOME_TOTAL": 5e9}


def test_predictions_equal_the_offline_model_on_the_full_tables(scorer, applications, offline):
    outcomes = scorer.predict(applications)
    assert [o.prediction.SK_ID_CURR for o in outcomes] == [a["SK_ID_CURR"] for a in applications]
    np.testing.assert_allclose([o.prediction.probability for o in outcomes], offline, rtol=0, atol=1e-12)


def test_decision_score_and_version_follow_the_bundle(scorer, bundle, applications):
    for outcome in scorer.predict(applications):
        prediction = outcome.prediction
        refused = prediction.probability >= bundle.threshold
        assert prediction.decision == ("refused" if refused else "approved")
        assert prediction.score == bundle.score_points([prediction.probability])[0]
        assert (prediction.threshold, prediction.model_version) == (bundle.threshold, bundle.version)


def test_an_unusual_application_is_scored_with_its_warning_and_the_others_without(scorer, applications,
                                                                                    offline):
    batch = [applications[0], unusual(applications[1]), applications[2]]
    outcomes = scorer.predict(batch)
    assert all(o.problems == [] for o in outcomes)
    [warning] = outcomes[1].prediction.warnings
    assert warning.field == "AMT_INCOME_TOTAL" and "outside the range seen in training" in warning.warning
    assert [outcomes[i].prediction.warnings for i in (0, 2)] == [[], []]
    assert [outcomes[i].prediction.probability for i in (0, 2)] == pytest.approx(offline[[0, 2]], abs=1e-12)


def test_a_batch_of_unusual_applications_is_explained_with_their_warnings(scorer, applications):
    outcomes = scorer.explain([unusual(a) for a in applications[:3]])
    assert all(o.explanation is not None and len(o.explanation.warnings) == 1 for o in outcomes)


def test_the_same_client_twice_in_a_batch_gets_the_same_answer_twice(scorer, applications):
    first, second = scorer.predict([applications[5], applications[5]])
    assert first.prediction == second.prediction


VARIANTS = [Variant(0, {}), Variant(3, {"AMT_CREDIT": 90000.0, "AMT_ANNUITY": 9000.0}),
            Variant(0, {"AMT_ANNUITY": 4500.5, "AMT_GOODS_PRICE": None}), Variant(3, {"AMT_CREDIT": 2e6})]


def test_variants_get_what_predict_gives_each_application_so_changed(scorer, applications):
    changed = [{**applications[v.application], **v.changes} for v in VARIANTS]
    variants = scorer.predict_variants(applications[:4], VARIANTS)
    assert [v.prediction for v in variants] == [o.prediction for o in scorer.predict(changed)]


def test_a_variant_outside_the_training_range_gets_the_warning_predict_gives(scorer, applications):
    variants = [Variant(1, {}), Variant(0, {"AMT_INCOME_TOTAL": 5e9})]
    ok, unusual = scorer.predict_variants(applications[:2], variants)
    assert ok.prediction == scorer.predict([applications[1]])[0].prediction
    assert unusual.prediction == scorer.predict([{**applications[0], "AMT_INCOME_TOTAL": 5e9}])[0].prediction
    assert [w.field for w in unusual.prediction.warnings] == ["AMT_INCOME_TOTAL"]


def test_contributions_add_up_to_the_calibrated_log_odds(scorer, applications):
    for outcome in scorer.explain(applications[:5]):
        explanation = outcome.explanation
        total = explanation.base_value + sum(c.shap for c in explanation.contributions)
        probability = explanation.probability
        assert total == pytest.approx(np.log(probability / (1 - probability)), abs=1e-9)


def test_explanation_lists_every_feature_by_decreasing_effect(scorer, bundle, applications):
    explanation = scorer.explain(applications[:1])[0].explanation
    assert sorted(c.feature for c in explanation.contributions) == sorted(bundle.feature_names)
    sizes = [abs(c.shap) for c in explanation.contributions]
    assert sizes == sorted(sizes, reverse=True)
    assert all(c.label for c in explanation.contributions)


def test_reasons_are_few_and_never_protected(scorer, applications):
    for outcome in scorer.explain(applications[:10]):
        explanation = outcome.explanation
        assert len(explanation.reasons_against) + len(explanation.reasons_for) > 0
        assert len(explanation.reasons_against) <= MAX_REASONS and len(explanation.reasons_for) <= MAX_REASONS
        for reason in explanation.reasons_against + explanation.reasons_for:
            assert not any(is_protected(c.feature) for c in cited(reason, explanation.contributions))


def test_reasons_against_raise_the_risk_and_reasons_for_lower_it(scorer, applications):
    explanation = scorer.explain(applications[:1])[0].explanation
    contributions = explanation.contributions
    assert all(c.shap > 0 for reason in explanation.reasons_against for c in cited(reason, contributions))
    assert all(c.shap < 0 for reason in explanation.reasons_for for c in cited(reason, contributions))
    reasons = explanation.reasons_against + explanation.reasons_for
    assert all(cited(reason, contributions) for reason in reasons)


def test_whole_tables_are_scored_and_explained_as_the_same_records(scorer, tables, history, applications):
    ids = [a["SK_ID_CURR"] for a in applications]
    frame = tables["application_test"]
    batch = frame[frame["SK_ID_CURR"].isin(ids)].reset_index(drop=True)
    batch.loc[1, "AMT_INCOME_TOTAL"] = 5e9
    outcome = scorer.score_tables(batch, history, explain=True)
    sent = [unusual(a) if a["SK_ID_CURR"] == batch.loc[1, "SK_ID_CURR"] else a for a in applications]
    by_record = {o.explanation.SK_ID_CURR: o.explanation for o in scorer.explain(sent)}
    assert outcome.problems == []
    assert outcome.scores["SK_ID_CURR"].tolist() == batch["SK_ID_CURR"].tolist()
    for row in outcome.scores.itertuples(index=False):
        expected = by_record[row.SK_ID_CURR]
        assert (row.probability, row.decision, row.score) == (expected.probability, expected.decision,
                                                              expected.score)
        assert (row.reasons_against, row.reasons_for) == (expected.reasons_against, expected.reasons_for)
        assert row.warnings == [w.model_dump() for w in expected.warnings]
    assert [w["field"] for w in outcome.scores["warnings"][1]] == ["AMT_INCOME_TOTAL"]


def test_whole_tables_in_other_dtypes_are_refused(scorer, tables, history):
    with pytest.raises(ValueError, match="applications must have the application_test schema's columns"):
        scorer.score_tables(tables["application_train"], history)
