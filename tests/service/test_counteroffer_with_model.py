"""The counteroffer search (serving/counteroffer.py) on a model that has learned the loan's terms."""

import pytest
from pydantic import TypeAdapter

from serving.counteroffer import AMOUNT_STEP, ANNUITY_STEP, LOAN_FIELDS, counteroffers
from serving.requests import Application
from serving.scoring import Scorer
from train.bundle import ModelBundle

#: Loans per application in the first call: the amount line (the loan asked on it) and the annuity line.
GRID = 29 + 16


class CountingScorer:
    """The real scorer, counting the loans of each call the search makes to it."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer, self.calls = scorer, []

    def predict_variants(self, applications, variants):
        self.calls.append(len(variants))
        return self.scorer.predict_variants(applications, variants)


@pytest.fixture(scope="module")
def scorer(loan_terms_model) -> Scorer:
    return Scorer(ModelBundle.load(loan_terms_model.path))


@pytest.fixture(scope="module")
def applications(loan_terms_records) -> list:
    return TypeAdapter(list[Application]).validate_python(loan_terms_records[:200])


@pytest.fixture(scope="module")
def searched(scorer, applications) -> list:
    outcomes = counteroffers(scorer, applications)
    assert not [o.problems for o in outcomes if o.problems], "generated clients should all be searched"
    return [o.counteroffer for o in outcomes]


def offers(answer) -> list:
    """Every loan the answer proposes or reports, the loan asked included."""
    ends = [offer for r in answer.annuity_ranges for offer in (r.lowest, r.highest)]
    return [answer.asked, *(o for o in (answer.largest_amount, answer.best) if o is not None), *ends]


def refused(searched) -> list:
    return [a for a in searched if a.asked.decision == "refused"]


def curve_above(answer, credit: float):
    """The first point of the amount curve above `credit`, or None."""
    return next((point for point in answer.amount_curve if credit < point.AMT_CREDIT), None)


def test_a_batch_is_searched_in_two_model_calls(scorer, applications):
    counting = CountingScorer(scorer)
    counteroffers(counting, applications[:20])
    assert len(counting.calls) == 2
    assert counting.calls[0] == 20 * GRID


def test_every_offer_is_what_predict_gives_the_application_so_changed(scorer, applications, searched):
    pairs = [(offer, {**application, **offer.changes})
             for application, answer in zip(applications, searched, strict=True) for offer in offers(answer)]
    for (offer, _), outcome in zip(pairs, scorer.predict([changed for _, changed in pairs]), strict=True):
        assert (outcome.prediction.probability, outcome.prediction.score, outcome.prediction.decision) == (
            offer.probability, offer.score, offer.decision)


def test_offers_change_only_the_loan_terms(searched):
    changed = {name for answer in searched for offer in offers(answer) for name in offer.changes}
    assert changed <= set(LOAN_FIELDS)


def test_refused_applications_get_approved_loans_or_the_best_reached(searched):
    outcomes = [a.outcome for a in refused(searched)]
    assert set(outcomes) <= {"counteroffer", "no_offer"} and "counteroffer" in outcomes
    for answer in refused(searched):
        proposed = [o for o in offers(answer) if o is not answer.asked and o is not answer.best]
        assert all(o.decision == "approved" for o in proposed)
        assert (answer.outcome == "no_offer") == (not proposed)


def test_the_largest_amount_keeps_the_terms_asked(applications, searched):
    found = 0
    for application, answer in zip(applications, searched, strict=True):
        if answer.largest_amount is None or not answer.largest_amount.changes:
            continue
        found += 1
        loan = answer.largest_amount.changes
        share = loan["AMT_CREDIT"] / application["AMT_CREDIT"]
        assert loan["AMT_CREDIT"] % AMOUNT_STEP == 0
        assert abs(loan["AMT_ANNUITY"] - application["AMT_ANNUITY"] * share) <= ANNUITY_STEP / 2
        if application.get("AMT_GOODS_PRICE") is not None:
            assert abs(loan["AMT_GOODS_PRICE"] - application["AMT_GOODS_PRICE"] * share) <= AMOUNT_STEP / 2
    assert found


def test_a_refused_applications_largest_amount_is_below_the_one_asked_where_approval_ends(searched):
    with_amount = [a for a in refused(searched) if a.largest_amount is not None]
    assert with_amount
    for answer in with_amount:
        credit = answer.largest_amount.changes["AMT_CREDIT"]
        assert credit < answer.searched["AMT_CREDIT"][1]
        assert curve_above(answer, credit).probability >= answer.threshold


def test_approved_applications_get_their_headroom(searched):
    approved = [a for a in searched if a.asked.decision == "approved"]
    assert approved and {a.outcome for a in approved} == {"already_approved"}
    for answer in approved:
        headroom = answer.largest_amount
        credit = headroom.changes.get("AMT_CREDIT", answer.searched["AMT_CREDIT"][0])
        assert headroom.decision == "approved" and credit >= answer.searched["AMT_CREDIT"][0]
        above = curve_above(answer, credit)
        assert above is None or above.probability >= answer.threshold
        assert not answer.annuity_ranges and answer.best is None


def test_annuity_ranges_are_approved_and_in_increasing_order(searched):
    ranges = [r for answer in refused(searched) for r in answer.annuity_ranges]
    assert ranges
    for answer in refused(searched):
        low, high = answer.searched["AMT_ANNUITY"]
        ends = [o.changes["AMT_ANNUITY"] for r in answer.annuity_ranges for o in (r.lowest, r.highest)]
        assert ends == sorted(ends) and all(low <= end <= high for end in ends)


def test_no_offer_gives_the_lowest_probability_reached(searched):
    none = [a for a in searched if a.outcome == "no_offer"]
    assert none
    for answer in none:
        assert answer.best.decision == "refused"
        assert answer.best.probability <= min(p.probability for p in answer.amount_curve)


def test_the_amount_curve_runs_through_the_loan_asked(applications, searched):
    for application, answer in zip(applications, searched, strict=True):
        credits = [p.AMT_CREDIT for p in answer.amount_curve]
        assert credits == sorted(credits)
        assert (application["AMT_CREDIT"], answer.asked.probability) in [
            (p.AMT_CREDIT, p.probability) for p in answer.amount_curve]


def test_an_application_outside_the_training_range_is_searched_as_predict_scores_it(scorer, applications):
    unusual = {**applications[0], "AMT_INCOME_TOTAL": 5e9}
    [outcome] = counteroffers(scorer, [unusual])
    [predicted] = scorer.predict([unusual])
    assert outcome.problems == [] and outcome.counteroffer is not None
    assert outcome.counteroffer.asked.probability == predicted.prediction.probability


def test_an_application_without_credit_is_not_searched(scorer, applications):
    counting = CountingScorer(scorer)
    outcomes = counteroffers(counting, [{**applications[0], "AMT_CREDIT": None}, applications[1]])
    assert [p.field for p in outcomes[0].problems] == ["AMT_CREDIT"] and outcomes[1].counteroffer
    assert counting.calls[0] == GRID
