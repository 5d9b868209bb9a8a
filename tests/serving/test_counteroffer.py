"""The parts of the counteroffer search that need no model: what an application must carry, the runs."""

import pytest

from serving.counteroffer import _runs, requirement_problems

APPLICATION = {"SK_ID_CURR": 100002, "AMT_CREDIT": 406597.5, "AMT_ANNUITY": 24700.5,
               "AMT_GOODS_PRICE": 351000.0}


def test_an_application_with_credit_and_annuity_can_be_searched():
    assert requirement_problems(APPLICATION) == []
    assert requirement_problems({**APPLICATION, "AMT_GOODS_PRICE": None}) == []


@pytest.mark.parametrize("field", ["AMT_CREDIT", "AMT_ANNUITY"])
@pytest.mark.parametrize("absent", [True, False])
def test_a_missing_credit_or_annuity_is_named(field, absent):
    application = {**APPLICATION, field: None}
    if absent:
        del application[field]
    [problem] = requirement_problems(application)
    assert (problem.field, problem.SK_ID_CURR) == (field, 100002)
    assert problem.problem.startswith("is required for a counteroffer")
    assert "send the value asked" in problem.problem


def test_a_zero_annuity_is_named():
    [problem] = requirement_problems({**APPLICATION, "AMT_ANNUITY": 0.0})
    assert problem.field == "AMT_ANNUITY" and problem.problem.startswith("must be above 0")


@pytest.mark.parametrize(("flags", "runs"), [
    ([], []), ([False, False], []), ([True], [(0, 0)]), ([True, True, False, True], [(0, 1), (3, 3)]),
    ([False, True, True, True, False, False, True], [(1, 3), (6, 6)]),
])
def test_runs_are_the_first_and_last_index_of_neighbouring_trues(flags, runs):
    assert _runs(flags) == runs
