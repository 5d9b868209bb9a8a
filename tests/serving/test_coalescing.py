"""The coalescer merges concurrent calls into few calls of the sender, each caller getting its own results."""

import asyncio

import pytest

from serving.coalescing import Coalescer


class Recorder:
    """An async sender that records each call and answers each item doubled, once released."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.release = asyncio.Event()
        self.fail_on = fail_on

    async def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        await self.release.wait()
        if self.fail_on in items:
            raise ConnectionError(f"item {self.fail_on} broke the call")
        return [2 * item for item in items]


async def _settle() -> None:
    """Let every ready task run until it waits."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_lone_call_is_sent_at_once():
    async def scenario():
        send = Recorder()
        send.release.set()
        coalescer = Coalescer(send, max_items=10)
        assert await coalescer([1, 2]) == [2, 4]
        assert await coalescer([3]) == [6]
        return send.calls

    assert asyncio.run(scenario()) == [[1, 2], [3]]


async def _behind_a_call(send: Recorder, max_items: int, first: list[int],
                         later: list[list[int]]) -> tuple[list, list[list[int]]]:
    """Send `first`, then each of `later` while it is in flight; release the sender once all wait.

    Returns the outcome of every call (results, or the exception raised), first one first, and the
    sender's calls as it received them.
    """
    coalescer = Coalescer(send, max_items=max_items)
    tasks = [asyncio.create_task(coalescer(first))]
    await _settle()
    tasks += [asyncio.create_task(coalescer(items)) for items in later]
    await _settle()
    assert send.calls == [first], "a call started while the first was in flight"
    send.release.set()
    return await asyncio.gather(*tasks, return_exceptions=True), send.calls


def test_calls_arriving_while_one_is_in_flight_go_together_in_the_next():
    outcomes, calls = asyncio.run(_behind_a_call(Recorder(), 10, [1], [[2, 3], [4], [5, 6, 7]]))
    assert outcomes == [[2], [4, 6], [8], [10, 12, 14]]
    assert calls == [[1], [2, 3, 4, 5, 6, 7]]


def test_merged_calls_hold_at_most_max_items_and_a_larger_call_goes_alone():
    outcomes, calls = asyncio.run(_behind_a_call(Recorder(), 3, [0], [[1, 2], [3], [4, 5, 6, 7], [8]]))
    assert outcomes == [[0], [2, 4], [6], [8, 10, 12, 14], [16]]
    assert calls == [[0], [1, 2, 3], [4, 5, 6, 7], [8]]


def test_several_calls_in_flight_when_allowed():
    async def scenario():
        send = Recorder()
        coalescer = Coalescer(send, max_items=10, max_in_flight=2)
        tasks = [asyncio.create_task(coalescer([i])) for i in range(4)]
        await _settle()
        started = [list(call) for call in send.calls]
        send.release.set()
        await asyncio.gather(*tasks)
        return started, send.calls

    started, calls = asyncio.run(scenario())
    assert started == [[0], [1]]
    assert calls == [[0], [1], [2, 3]]


def test_callers_of_an_ended_call_are_answered_a_handoff_after_the_next_call_left():
    async def scenario():
        send = Recorder()
        coalescer = Coalescer(send, max_items=10, handoff=0.05)
        first = asyncio.create_task(coalescer([1]))
        await _settle()
        second = asyncio.create_task(coalescer([2]))
        await _settle()
        calls_when_answered = []
        first.add_done_callback(lambda _: calls_when_answered.append([list(c) for c in send.calls]))
        loop = asyncio.get_running_loop()
        released = loop.time()
        send.release.set()
        result = await first
        return result, loop.time() - released, calls_when_answered[0], await second

    result, waited, calls_when_answered, second = asyncio.run(scenario())
    assert result == [2] and second == [4]
    assert calls_when_answered == [[1], [2]], "the next call had not started when the first was answered"
    assert waited >= 0.05


def test_a_call_that_starts_no_other_answers_without_a_handoff():
    async def scenario():
        send = Recorder()
        send.release.set()
        coalescer = Coalescer(send, max_items=10, handoff=1.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        result = await coalescer([1])
        return result, loop.time() - started

    result, elapsed = asyncio.run(scenario())
    assert result == [2] and elapsed < 0.5


def test_items_that_break_a_merged_call_fail_their_own_caller_only():
    outcomes, calls = asyncio.run(_behind_a_call(Recorder(fail_on=2), 10, [1], [[2], [3, 4]]))
    first, second, third = outcomes
    assert first == [2] and third == [6, 8]
    assert isinstance(second, ConnectionError) and "item 2" in str(second)
    assert calls[:2] == [[1], [2, 3, 4]]  # merged, failed, then each caller's items alone
    assert sorted(calls[2:]) == [[2], [3, 4]]


def test_a_lone_caller_gets_the_failure_of_its_call_and_the_next_call_is_sent():
    async def scenario():
        send = Recorder(fail_on=1)
        send.release.set()
        coalescer = Coalescer(send, max_items=10)
        with pytest.raises(ConnectionError, match="item 1"):
            await coalescer([1])
        return await coalescer([2]), send.calls

    assert asyncio.run(scenario()) == ([4], [[1], [2]])


def test_a_caller_that_went_away_while_waiting_is_not_sent():
    async def scenario():
        send = Recorder()
        coalescer = Coalescer(send, max_items=10)
        first = asyncio.create_task(coalescer([1]))
        await _settle()
        gone = asyncio.create_task(coalescer([2]))
        kept = asyncio.create_task(coalescer([3]))
        await _settle()
        gone.cancel()
        await _settle()
        send.release.set()
        return await first, await kept, gone.cancelled(), send.calls

    first, kept, cancelled, calls = asyncio.run(scenario())
    assert (first, kept, cancelled) == ([2], [6], True)
    assert calls == [[1], [3]]


def test_a_sender_that_loses_results_is_an_error_for_its_callers():
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    with pytest.raises(RuntimeError, match="sent 2 items, got 1 results"):
        asyncio.run(Coalescer(short, max_items=10)([1, 2]))


@pytest.mark.parametrize("settings", [{"max_items": 0}, {"max_items": 5, "max_in_flight": 0}])
def test_settings_below_one_are_refused(settings):
    with pytest.raises(ValueError, match="must be >= 1"):
        Coalescer(Recorder(), **settings)


@pytest.mark.parametrize("handoff", [-0.001, 1.5])
def test_a_handoff_outside_zero_to_one_second_is_refused(handoff):
    with pytest.raises(ValueError, match="handoff must be between 0 and 1 second"):
        Coalescer(Recorder(), max_items=5, handoff=handoff)
