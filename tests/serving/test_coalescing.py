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


def test_calls_arriving_while_one_is_in_flight_go_together_in_the_next():
    async def scenario():
        send = Recorder()
        coalescer = Coalescer(send, max_items=10)
        first = asyncio.create_task(coalescer([1]))
        await _settle()
        waiting = [asyncio.create_task(coalescer(items)) for items in ([2, 3], [4], [5, 6, 7])]
        await _settle()
        assert send.calls == [[1]], "a call started while the first was in flight"
        send.release.set()
        return await first, await asyncio.gather(*waiting), send.calls

    first, waiting, calls = asyncio.run(scenario())
    assert first == [2]
    assert waiting == [[4, 6], [8], [10, 12, 14]]
    assert calls == [[1], [2, 3, 4, 5, 6, 7]]


def test_merged_calls_hold_at_most_max_items_and_a_larger_call_goes_alone():
    async def scenario():
        send = Recorder()
        coalescer = Coalescer(send, max_items=3)
        first = asyncio.create_task(coalescer([0]))
        await _settle()
        waiting = [asyncio.create_task(coalescer(items)) for items in ([1, 2], [3], [4, 5, 6, 7], [8])]
        await _settle()
        send.release.set()
        return await first, await asyncio.gather(*waiting), send.calls

    first, waiting, calls = asyncio.run(scenario())
    assert first == [0]
    assert waiting == [[2, 4], [6], [8, 10, 12, 14], [16]]
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


def test_items_that_break_a_merged_call_fail_their_own_caller_only():
    async def scenario():
        send = Recorder(fail_on=2)
        coalescer = Coalescer(send, max_items=10)
        first = asyncio.create_task(coalescer([1]))
        await _settle()
        merged = [asyncio.create_task(coalescer(items)) for items in ([2], [3, 4])]
        await _settle()
        send.release.set()
        outcomes = await asyncio.gather(first, *merged, return_exceptions=True)
        return outcomes, await coalescer([5]), send.calls

    (first, second, third), later, calls = asyncio.run(scenario())
    assert first == [2] and third == [6, 8] and later == [10]
    assert isinstance(second, ConnectionError) and "item 2" in str(second)
    assert calls[:2] == [[1], [2, 3, 4]]  # merged, failed, then each caller's items alone
    assert sorted(calls[2:4]) == [[2], [3, 4]] and calls[4:] == [[5]]


def test_a_lone_caller_gets_the_failure_of_its_call():
    async def scenario():
        send = Recorder(fail_on=1)
        send.release.set()
        coalescer = Coalescer(send, max_items=10)
        with pytest.raises(ConnectionError, match="item 1"):
            await coalescer([1])
        return send.calls

    assert asyncio.run(scenario()) == [[1]]


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
