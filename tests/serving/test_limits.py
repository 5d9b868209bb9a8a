"""Request bodies that are too large or too slow (serving/limits.py), driven at the ASGI level."""

import asyncio
import json

import pytest

from serving.limits import BodyLimits


class _App:
    """An app that reads the whole body, then answers 200 with its length; records what it saw."""

    def __init__(self) -> None:
        self.called = False
        self.last_message: dict | None = None

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        size = 0
        while True:
            message = await receive()
            self.last_message = message
            if message["type"] == "http.disconnect":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


def _scope(content_length: int | None = None) -> dict:
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    return {"type": "http", "method": "POST", "path": "/predict", "headers": headers}


def _run(middleware, scope, chunks, *, stall_after: int | None = None) -> list[dict]:
    """Feed `chunks` as the body (stalling forever after `stall_after` of them); return what was sent."""
    sent: list[dict] = []
    pending = list(chunks)

    async def receive() -> dict:
        if stall_after is not None and len(chunks) - len(pending) >= stall_after:
            await asyncio.sleep(3600)
        body = pending.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def _status_and_body(sent: list[dict]) -> tuple[int, bytes]:
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_body_within_the_limit_reaches_the_app_unchanged():
    app = _App()
    status, body = _status_and_body(_run(BodyLimits(app, max_bytes=100), _scope(60), [b"x" * 30, b"y" * 30]))
    assert (status, body) == (200, b"60")


def test_declared_length_over_the_limit_is_refused_before_reading():
    app = _App()
    status, body = _status_and_body(_run(BodyLimits(app, max_bytes=100), _scope(101), [b"x" * 101]))
    assert status == 413
    assert not app.called
    assert "the body is 101 bytes; at most 100 bytes" in json.loads(body)["problems"][0]["problem"]


def test_body_without_length_is_refused_once_it_passes_the_limit():
    app = _App()
    status, body = _status_and_body(_run(BodyLimits(app, max_bytes=100), _scope(), [b"x" * 60] * 5))
    assert status == 413
    assert not app.called
    assert "more than 100 bytes" in json.loads(body)["problems"][0]["problem"]


def test_app_gets_the_body_in_one_piece():
    app = _App()
    _run(BodyLimits(app, max_bytes=100), _scope(), [b"ab", b"cd", b"ef"])
    assert app.last_message == {"type": "http.request", "body": b"abcdef", "more_body": False}


def test_stalled_body_is_answered_with_408():
    app = _App()
    sent = _run(BodyLimits(app, max_bytes=100, timeout_s=0.05), _scope(60), [b"x" * 30, b"y" * 30],
                stall_after=1)
    status, body = _status_and_body(sent)
    assert status == 408
    assert not app.called
    assert "nothing for 0.05 s" in json.loads(body)["problems"][0]["problem"]


def test_waiting_after_a_complete_body_is_not_timed_out():
    async def app(scope, receive, send) -> None:
        await receive()
        await asyncio.wait_for(receive(), 0.2)  # e.g. listening for the client leaving

    async def receive_then_wait() -> dict:
        if not calls:
            calls.append(1)
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await asyncio.sleep(0.1)
        return {"type": "http.disconnect"}

    calls: list[int] = []

    async def send(message: dict) -> None:
        raise AssertionError(f"nothing should be sent, got {message}")

    asyncio.run(BodyLimits(app, max_bytes=100, timeout_s=0.05)(_scope(2), receive_then_wait, send))


def test_other_scopes_pass_through():
    seen = []

    async def app(scope, receive, send) -> None:
        seen.append(scope["type"])

    asyncio.run(BodyLimits(app, max_bytes=1)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


@pytest.mark.parametrize(("settings", "message"), [
    ({"max_bytes": 0}, "max_bytes must be >= 1 and timeout_s > 0, got 0"),
    ({"timeout_s": 0.0}, "got 16777216 and 0.0"),
])
def test_impossible_limits_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        BodyLimits(_App(), **settings)
