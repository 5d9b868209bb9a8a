"""What one request may cost the service before it is refused: body size and body arrival time.

Without these limits BentoML reads any body whole before looking at it (a 64 MiB body was read, kept
twice and parsed before its 422), and waits for a body that never completes until the traffic
timeout (60 s) and then answers 504, as if the server had failed. `BodyLimits` answers instead:

- **413** as soon as the declared ``Content-Length`` is over the limit (nothing is read), or as soon as
  the bytes received pass it (chunked bodies without a length);
- **408** when the next piece of a body does not arrive within the timeout (slow or stalled clients,
  "slowloris"): the connection is freed after seconds, not after the traffic timeout.

Both answers are the API's error shape (:class:`~serving.responses.ErrorBody`) and say what to change.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.problems import error_response
from serving.responses import Problem

__all__ = ["BODY_TIMEOUT_S", "MAX_BODY_BYTES", "BodyLimits"]

#: Largest accepted request body. 1,000 applications without history take about 3.5 MB; with a
#: typical history about 24 kB each, so 16 MiB carries several hundred applications with history.
MAX_BODY_BYTES = 16 * 2**20
#: Longest wait for the next piece of a request body.
BODY_TIMEOUT_S = 10.0


class BodyLimits:
    """ASGI middleware refusing request bodies that are too large (413) or too slow to arrive (408).

    The body is read here, within the limits, before the app sees it; the app then gets it in one
    piece. A refused request never reaches the app (BentoML reads every body whole anyway).

    Parameters
    ----------
    app : ASGI app
    max_bytes : int
        Largest accepted body, in bytes.
    timeout_s : float
        Longest wait for each piece of a body, in seconds.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES,
                 timeout_s: float = BODY_TIMEOUT_S) -> None:
        if max_bytes < 1 or timeout_s <= 0:
            raise ValueError(f"max_bytes must be >= 1 and timeout_s > 0, got {max_bytes} and {timeout_s}")
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _answer(scope, send, self._too_large(int(declared)))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                await _answer(scope, send, self._too_slow())
                return
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _answer(scope, send, self._too_large(None))
                return
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _too_large(self, declared: int | None) -> tuple[int, str]:
        size = f"{declared} bytes" if declared is not None else f"more than {self.max_bytes} bytes"
        return 413, (f"the body is {size}; at most {self.max_bytes} bytes ({self.max_bytes / 2**20:g} MiB) "
                     "are accepted: send the applications in several smaller requests")

    def _too_slow(self) -> tuple[int, str]:
        return 408, (f"the body stopped arriving (nothing for {self.timeout_s:g} s); send the whole body "
                     "without pauses")


_DISCONNECT: Message = {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a receive callable that gives `body` in one message, then whatever `receive` gives."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _answer(scope: Scope, send: Send, problem: tuple[int, str]) -> None:
    """Send the API's error body for `problem` (status, text)."""
    status, text = problem

    async def no_body() -> Message:
        return _DISCONNECT

    response = error_response([Problem(index=None, SK_ID_CURR=None, field=None, problem=text)],
                              status_code=status)
    await response(scope, no_body, send)
