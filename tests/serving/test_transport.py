"""A call to the model service is sent again, once, when its connection drops."""

import asyncio

import aiohttp
import pytest

from serving.transport import call_with_retry


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
