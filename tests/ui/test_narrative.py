"""The sentences beside the charts say what the data says."""

import numpy as np
import pytest

from ui.narrative import (
    decision_banner,
    gauge_sentence,
    histogram_sentence,
    reasons_markdown,
    scatter_sentence,
    share_below,
    waterfall_sentence,
    what_if_sentence,
)
from ui.text import DECISION_ICON, DECISION_WORD, PROTECTED_LABEL


def _item(probability, decision, *, threshold=0.1, score=590):
    """An explain item shaped as the API contract says."""
    return {"SK_ID_CURR": 100001, "probability": probability, "decision": decision, "threshold": threshold,
            "score": score, "model_version": "credit_scoring:test", "base_value": -2.0,
            "contributions": [
                {"feature": "EXT_SOURCE_3", "label": "External credit score 3", "value": 0.2, "shap": 0.6},
                {"feature": "AMT_CREDIT", "label": "Credit amount", "value": 500000.0, "shap": -0.3},
                {"feature": "OWN_CAR_AGE", "label": "Age of the car", "value": None, "shap": 0.1},
            ],
            "reasons_against": ["External credit score 3 is low (0.2)"], "reasons_for": []}


@pytest.mark.parametrize("decision", ["approved", "refused"])
def test_decision_banner_says_the_decision_in_words_and_icon(decision):
    banner = decision_banner(_item(0.14, decision), threshold_points=570)
    assert DECISION_WORD[decision] in banner and DECISION_ICON[decision] in banner
    assert f'class="decision {decision}"' in banner and 'role="status"' in banner


def test_decision_banner_gives_distance_to_threshold_and_score():
    banner = decision_banner(_item(0.143, "refused", threshold=0.091, score=541), threshold_points=569)
    assert "14.3%" in banner and "5.2 percentage points above" in banner and "9.1%" in banner
    assert "541 points" in banner and "more than 569" in banner


def test_gauge_sentence_places_an_approved_client_below_the_threshold():
    sentence = gauge_sentence(_item(0.05, "approved"))
    assert "5.0 percentage points below" in sentence and "approve zone" in sentence


@pytest.mark.parametrize(("against", "title"), [(True, "Reasons against"), (False, "Reasons in favour")])
def test_reasons_markdown_titles_each_list(against, title):
    assert reasons_markdown(["a reason"], against=against).startswith(f"### {title}")


def test_reasons_markdown_says_so_when_there_are_none():
    assert "None of this client's data" in reasons_markdown([], against=False)


def test_waterfall_sentence_names_largest_pushes_and_end_probability():
    item = _item(0.2, "refused")
    sentence = waterfall_sentence(item, explained=item["contributions"])
    # base -2.0 + 0.6 - 0.3 + 0.1 = -1.6 log-odds -> 16.8%; base alone -> 11.9%
    assert "(11.9% risk)" in sentence and "to 16.8%" in sentence
    assert "towards refusal is External credit score 3 (0.2)" in sentence
    assert "towards approval is Credit amount (500,000)" in sentence


def test_waterfall_sentence_sums_what_is_set_aside_and_never_calls_it_a_reason():
    item = _item(0.2, "refused")
    sentence = waterfall_sentence(item, explained=item["contributions"][1:])
    assert "towards refusal is Age of the car" in sentence
    assert f"{PROTECTED_LABEL} together moved the risk score by +0.60; they are never a reason" in sentence


@pytest.mark.parametrize(("value", "expected"), [(-1.0, 0.0), (0.0, 0.0), (1.0, 0.25), (1.5, 0.375),
                                                 (4.0, 1.0), (9.0, 1.0)])
def test_share_below_interpolates_inside_bins(value, expected):
    assert share_below([0, 2, 4], [1, 1], value) == pytest.approx(expected)


def test_histogram_sentence_compares_with_both_outcomes():
    stats = {"kind": "number", "missing_share": 0.0, "bin_edges": [0, 1, 2], "repaid": [3, 1],
             "defaulted": [1, 3]}
    sentence = histogram_sentence(stats, 1.0, label="Score")
    assert "75.0% of past clients who repaid" in sentence and "25.0% of those who defaulted" in sentence


def test_histogram_sentence_of_a_category_gives_shares_of_the_level():
    stats = {"kind": "category", "missing_share": 0.0, "levels": ["A", "B"], "repaid": [9, 1],
             "defaulted": [1, 1]}
    assert "like 10.0% of past clients who repaid and 50.0%" in histogram_sentence(stats, "B", label="Kind")


def test_histogram_sentence_of_a_missing_value_says_it_is_missing():
    stats = {"kind": "number", "missing_share": 0.25, "bin_edges": [0, 1], "repaid": [1], "defaulted": [1]}
    assert "not given for this client, as for 25.0%" in histogram_sentence(stats, None, label="Score")


def test_scatter_sentence_counts_defaults_among_nearest_sampled_clients():
    x = np.r_[np.zeros(10), np.full(10, 100.0)]
    target = np.r_[np.ones(10, dtype=int), np.zeros(10, dtype=int)]
    sentence = scatter_sentence(x, x, target, (0.0, 0.0), x_label="a", y_label="b", neighbours=10)
    assert "of the 10 sampled clients closest to it, 10 (100.0%) defaulted, against 50.0%" in sentence


def test_scatter_sentence_without_client_value_says_not_placed():
    assert "is not placed" in scatter_sentence([1.0], [2.0], [0], (None, 1.0), x_label="a", y_label="b")


def test_what_if_sentence_reports_a_changed_decision():
    sentence = what_if_sentence(_item(0.14, "refused", score=550), _item(0.08, "approved", score=605),
                                [("Credit amount", 500000.0, 300000.0)])
    assert "Credit amount 500,000 → 300,000" in sentence
    assert "from 14.0% to 8.0% (-6.0 pts)" in sentence and "from 550 to 605 points" in sentence
    assert "changes from Refused to Approved" in sentence


def test_what_if_sentence_reports_an_unchanged_decision():
    sentence = what_if_sentence(_item(0.14, "refused"), _item(0.13, "refused"), [])
    assert "no field changed" in sentence and "stays Refused" in sentence


def test_reasons_markdown_escapes_formatting_characters():
    assert r"a \*b\* \_c\_ \(typical: 1\)" in reasons_markdown(["a *b* _c_ (typical: 1)"], against=True)
