"""What the model service answers, and a call to it sent again, once, when its connection drops."""

import asyncio

import aiohttp
import pytest

from serving.responses import Contribution, Explanation, Prediction, Problem
from serving.transport import Answer, call_with_retry

PREDICTION = Prediction(SK_ID_CURR=100007, probability=0.28, decision="refused", threshold=0.085, score=514,
                        model_version="credit_scoring:abc")


class Flaky:
    """Fails with `error` the first `failures` times, then answers its argument doubled."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    async def __call__(self, value: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return 2 * value


def test_dropped_connection_is_retried_once():
    call = Flaky(1, aiohttp.ServerDisconnectedError())
    assert asyncio.run(call_with_retry(call, 21)) == 42 and call.calls == 2


def test_second_drop_is_raised():
    call = Flaky(2, aiohttp.ServerDisconnectedError())
    with pytest.raises(aiohttp.ServerDisconnectedError):
        asyncio.run(call_with_retry(call, 1))
    assert call.calls == 2


def test_other_errors_are_not_retried():
    call = Flaky(1, ValueError("bad input"))
    with pytest.raises(ValueError, match="bad input"):
        asyncio.run(call_with_retry(call, 1))
    assert call.calls == 1


def test_a_scored_answer_carries_the_json_of_what_was_scored_and_its_decision():
    explanation = Explanation(**PREDICTION.model_dump(), base_value=-2.1, reasons_against=["income"],
                              reasons_for=[], contributions=[
                                  Contribution(feature="EXT_SOURCE_3", label="External score", value=None,
                                               shap=0.5)])
    for scored in (PREDICTION, explanation):  # each answer as it travels, in JSON
        answer = Answer.model_validate_json(Answer.of(scored, []).model_dump_json())
        assert type(scored).model_validate_json(answer.text) == scored
        assert (answer.decision, answer.problems) == ("refused", [])


def test_an_answer_without_a_score_carries_its_problems_only():
    problems = [Problem(index=None, SK_ID_CURR=7, field="AMT_INCOME_TOTAL", problem="-1 is not possible")]
    answer = Answer.of(None, problems)
    assert (answer.text, answer.decision, answer.problems) == (None, None, problems)
