"""Calls from the API service to the model service that survive BentoML's keep-alive race.

BentoML's client of a dependency service (aiohttp) keeps idle connections for 15 s, the dependency's
server (uvicorn) closes them after 5 s: a request sent on a connection the server has just closed
fails with ``ServerDisconnectedError`` although nothing is wrong (bentoml/BentoML#4971; measured
here: 14 of 155 requests under 16 concurrent clients became HTTP 500). Scoring is idempotent, so
the call is sent again, once, on a fresh connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp

__all__ = ["call_with_retry"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def call_with_retry(call: Callable[..., Awaitable[T]], *args: object) -> T:
    """Return ``await call(*args)``, sending it once more if the connection dropped before the answer.

    Raises
    ------
    aiohttp.ClientConnectionError
        If the second attempt fails too (the model service is really unreachable).
    """
    try:
        return await call(*args)
    except aiohttp.ClientConnectionError as error:
        logger.warning("connection to the model service dropped (%s); sending the call again", error)
        return await call(*args)
