"""Bad traffic against a real server: oversized, deeply nested and huge bodies, stalled clients.

Each is answered with a clear 4xx (never a 5xx), memory stays bounded, and no worker crashes (the
`unbroken` fixture checks the server's processes after every test). Requests are written on raw
sockets so that a body can be declared and not sent, streamed in chunks or left unfinished.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterable
from urllib.parse import urlparse

import pytest

from load_tests.servers import ServerProcess, watch_rss
from serving.limits import BODY_TIMEOUT_S, MAX_BODY_BYTES
from serving.requests import MAX_HISTORY_ROWS

pytestmark = pytest.mark.server

#: Extra resident memory the server may take while refusing bad traffic.
RSS_HEADROOM_MB = 64.0


def _connect(server: ServerProcess, *, timeout_s: float) -> socket.socket:
    address = urlparse(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=timeout_s)


def _head(length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return ("POST /predict HTTP/1.1\r\nHost: load-test\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()


def _answer(sock: socket.socket) -> tuple[int, dict]:
    """Read one HTTP answer from `sock`: status and JSON body (empty dict if none could be read)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed without an answer, got {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    while length and len(body) < int(length.group(1)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {}


def _send(server: ServerProcess, body: bytes | Iterable[bytes], *, length: int | None,
          timeout_s: float = 60.0) -> tuple[int, dict]:
    """Send a POST /predict with `body` (bytes, or chunks sent with chunked encoding); return the answer.

    The server may answer and close before the body is through: the answer is read anyway.
    """
    with _connect(server, timeout_s=timeout_s) as sock:
        try:
            sock.sendall(_head(length))
            if isinstance(body, bytes):
                sock.sendall(body)
            else:
                for chunk in body:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _answer(sock)


def _problems(answer: dict) -> str:
    return " | ".join(f"{p.get('field')}: {p.get('problem')}" for p in answer.get("problems", []))


def test_declared_oversized_body_is_refused_before_it_is_sent(unbroken):
    with _connect(unbroken, timeout_s=10.0) as sock:
        sock.sendall(_head(MAX_BODY_BYTES + 1))
        status, answer = _answer(sock)
    assert status == 413
    assert f"at most {MAX_BODY_BYTES} bytes" in _problems(answer)


def test_oversized_streamed_body_is_refused_with_bounded_memory(unbroken):
    chunk = b"[" * 2**20
    chunks = (chunk for _ in range(MAX_BODY_BYTES // len(chunk) + 8))
    with watch_rss(unbroken) as rss:
        status, answer = _send(unbroken, chunks, length=None)
    assert status == 413, answer
    assert max(rss) - rss[0] < RSS_HEADROOM_MB, f"RSS went from {rss[0]:.0f} to {max(rss):.0f} MiB"


@pytest.mark.parametrize("body", [
    b'{"applications":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"applications":[{"SK_ID_CURR":1,"bureau":[' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000 + b"]}]}",
], ids=["nested-lists", "nested-objects-in-history"])
def test_deeply_nested_json_is_refused_as_bad_json(unbroken, body):
    status, answer = _send(unbroken, body, length=len(body))
    assert status == 400, answer
    assert "not valid JSON" in _problems(answer)


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded"])
def test_body_of_another_media_type_is_refused_with_415(unbroken, content_type):
    body = b'{"applications": [{"SK_ID_CURR": 1}]}'
    with _connect(unbroken, timeout_s=30.0) as sock:
        sock.sendall(_head(len(body)).replace(b"application/json", content_type.encode()) + body)
        status, answer = _answer(sock)
    assert status == 415
    assert _problems(answer).startswith("Content-Type: must be application/json")


def test_history_list_over_the_limit_is_refused_naming_the_field(unbroken):
    record = {"SK_ID_CURR": 5, "installments_payments": [{"AMT_PAYMENT": 1.0}] * (MAX_HISTORY_ROWS + 1)}
    body = json.dumps({"applications": [record]}).encode()
    status, answer = _send(unbroken, body, length=len(body))
    assert status == 422
    assert f"installments_payments: List should have at most {MAX_HISTORY_ROWS} items" in _problems(answer)


def test_longest_accepted_history_is_scored_with_bounded_memory(unbroken):
    rows = [{"NUM_INSTALMENT_NUMBER": i, "DAYS_INSTALMENT": -i, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 90.0}
            for i in range(1, MAX_HISTORY_ROWS + 1)]
    body = json.dumps({"applications": [{"SK_ID_CURR": 6, "installments_payments": rows}]}).encode()
    with watch_rss(unbroken) as rss:
        status, answer = _send(unbroken, body, length=len(body))
    assert status == 200, answer
    assert max(rss) - rss[0] < RSS_HEADROOM_MB, f"RSS went from {rss[0]:.0f} to {max(rss):.0f} MiB"


def test_stalled_bodies_are_timed_out_without_blocking_other_clients(unbroken):
    stalled = []
    for _ in range(50):
        sock = _connect(unbroken, timeout_s=BODY_TIMEOUT_S + 10)
        sock.sendall(_head(1000) + b'{"applica')
        stalled.append(sock)
    started = time.monotonic()
    try:
        body = json.dumps({"applications": [{"SK_ID_CURR": 7}]}).encode()
        assert _send(unbroken, body, length=len(body))[0] == 200
        statuses = {_answer(sock)[0] for sock in stalled}
        waited = time.monotonic() - started
    finally:
        for sock in stalled:
            sock.close()
    assert statuses == {408}
    assert waited < BODY_TIMEOUT_S + 10
