"""Sign-in for the whole advisor page, over HTTP against the served service.

Without a session nothing under /ui that carries data answers: not the page, not Gradio's config, API,
queue or file routes, not a direct call of any event handler. A session is opened by POST /ui/login,
closed by /ui/logout; wrong passwords are throttled per name; an advisor's session cannot call the
risk team's handlers; every look-up is audited under the advisor's name; no password reaches a log.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from access.accounts import Accounts
from access.audit import Audit
from decisions.database import open_store
from load_tests.servers import PROJECT_ROOT
from tests.conftest import ADVISOR, OFFLINE, RISK, Account

pytestmark = pytest.mark.server


@contextlib.contextmanager
def signed_in(url: str, account: Account) -> Iterator[httpx.Client]:
    """An HTTP client holding a session of `account` (the cookie of a successful sign-in)."""
    with httpx.Client(base_url=url, timeout=60) as client:
        answer = client.post("/ui/login", data={"username": account.name, "password": account.password})
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/", answer.text
        yield client


def new_account(store: str, role: str) -> Account:
    account = Account(f"t{uuid.uuid4().hex[:8]}", role, secrets.token_urlsafe(16))
    Accounts(open_store(store)).add(account.name, role=role, password=account.password)
    return account


def call_handler(client: httpx.Client, fn_index: int, data: list) -> dict:
    """Call one of the page's event handlers as the browser does (Gradio's queue); return its last message."""
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None}
    joined = client.post("/ui/gradio_api/queue/join", json=body)
    if joined.status_code != 200:
        return {"status_code": joined.status_code, "body": joined.text}
    last: dict = {}
    with client.stream("GET", f"/ui/gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                last = json.loads(line[5:])
                if last.get("msg") in ("process_completed", "close_stream"):
                    break
    return last


def handler_index(client: httpx.Client, name: str) -> int:
    """The fn_index of the page's event handler whose Python name is `name`."""
    config = client.get("/ui/config").json()
    [index] = [i for i, fn in enumerate(config["dependencies"]) if fn.get("api_name") == name]
    return index


@pytest.mark.parametrize("path", ["/ui", "/ui/"])
def test_the_page_sends_a_browser_without_a_session_to_the_sign_in_form(ui_server, path):
    answer = httpx.get(ui_server.url + path, timeout=60)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/login"
    form = httpx.get(ui_server.url + "/ui/login", timeout=60)
    assert form.status_code == 200 and 'name="username"' in form.text and 'name="password"' in form.text


@pytest.mark.parametrize("path", [
    "/ui/config", "/ui/info", "/ui/gradio_api/info", "/ui/theme.css",
    "/ui/gradio_api/queue/data?session_hash=x", "/ui/gradio_api/file=/etc/passwd", "/ui/file=/etc/passwd",
    "/ui/gradio_api/heartbeat/x", "/ui/assets/x.js", "/ui/gradio_api/upload_progress?upload_id=x"])
def test_no_gradio_route_answers_without_a_session(ui_server, path):
    answer = httpx.get(ui_server.url + path, timeout=60)
    assert answer.status_code == 401 and "sign in first" in answer.json()["error"]


def test_no_event_handler_can_be_called_without_a_session(ui_server, portfolio):
    with signed_in(ui_server.url, RISK) as client:
        handlers = len(client.get("/ui/config").json()["dependencies"])
    sk_id = str(portfolio.ids[0])
    anonymous = httpx.Client(base_url=ui_server.url, timeout=60)
    for fn_index in range(handlers):
        for path in ("/ui/gradio_api/queue/join", "/ui/gradio_api/run/predict",
                     "/ui/gradio_api/call/on_look_up"):
            answer = anonymous.post(path, json={"data": [sk_id], "fn_index": fn_index, "session_hash": "x"})
            assert answer.status_code == 401 and sk_id not in answer.text and "AMT_" not in answer.text


def test_a_session_reaches_the_page_and_sign_out_ends_it(ui_server):
    with signed_in(ui_server.url, ADVISOR) as client:
        assert client.get("/ui/").status_code == 200 and client.get("/ui/config").status_code == 200
        token = client.cookies["credit_scoring_session"]
        out = client.get("/ui/logout")
        assert out.status_code == 303 and out.headers["location"] == "/ui/login"
        assert client.get("/ui/config").status_code == 401
    stolen = httpx.get(ui_server.url + "/ui/config", cookies={"credit_scoring_session": token}, timeout=60)
    assert stolen.status_code == 401


def test_the_session_cookie_is_http_only_lax_and_expires(ui_server):
    answer = httpx.post(ui_server.url + "/ui/login", timeout=60,
                        data={"username": ADVISOR.name, "password": ADVISOR.password})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert "path=/ui" in cookie and "secure" not in cookie  # plain HTTP here; Secure behind HTTPS


@pytest.mark.parametrize("path", ["/ui/login", "/ui/", "/ui/config"])
def test_every_answer_of_the_page_carries_the_security_headers(ui_server, path):
    with signed_in(ui_server.url, ADVISOR) as client:
        headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "same-origin"


def test_wrong_passwords_slow_the_name_down_without_saying_which_was_wrong(ui_server, ui_store):
    account = new_account(ui_store, "advisor")
    for _ in range(5):
        answer = httpx.post(ui_server.url + "/ui/login", timeout=60,
                            data={"username": account.name, "password": "wrong password!"})
        assert answer.status_code == 401 and "Wrong user name or password." in answer.text
    unknown = httpx.post(ui_server.url + "/ui/login", data={"username": "nobody-at-all", "password": "x"},
                         timeout=60)
    assert unknown.status_code == 401 and "Wrong user name or password." in unknown.text
    right = httpx.post(ui_server.url + "/ui/login", timeout=60,
                       data={"username": account.name, "password": account.password})
    assert right.status_code == 429 and 0 < int(right.headers["retry-after"]) <= 15 * 60
    assert "set-cookie" not in right.headers and "try again in" in right.text


def test_a_disabled_account_loses_its_session(ui_server, ui_store):
    account = new_account(ui_store, "advisor")
    with signed_in(ui_server.url, account) as client:
        Accounts(open_store(ui_store)).disable(account.name)
        # Sessions are checked against the store every few seconds (each process caches for 5 s).
        deadline = time.monotonic() + 30
        while client.get("/ui/config").status_code == 200 and time.monotonic() < deadline:
            time.sleep(1)
        assert client.get("/ui/config").status_code == 401


def test_an_advisor_cannot_call_the_risk_teams_handlers(ui_server, ui_store, portfolio):
    with signed_in(ui_server.url, ADVISOR) as client:
        audit = call_handler(client, handler_index(client, "on_audit"), ["", ""])
        assert audit["success"] is False and "is for the risk team" in json.dumps(audit)
        feature = call_handler(client, handler_index(client, "on_feature"), ["AMT_CREDIT", {"SK_ID_CURR": 1}])
        assert feature["success"] is False and "data" not in feature["output"]


def test_the_audit_lists_exactly_the_look_ups_made_with_their_reader(ui_server, ui_store, portfolio):
    account = new_account(ui_store, "advisor")
    looked_up = [portfolio.ids[7], portfolio.ids[8], portfolio.ids[7]]
    with signed_in(ui_server.url, account) as client:
        index = handler_index(client, "on_look_up")
        for sk_id in looked_up:
            done = call_handler(client, index, [str(sk_id)])
            assert done["success"] is True, done
    entries = Audit(open_store(ui_store)).entries(reader=account.name)
    assert [(e.sk_id_curr, e.action, e.reader_kind) for e in entries] == [
        (sk_id, "ui:lookup", "advisor") for sk_id in reversed(looked_up)]
    listed = subprocess.run([sys.executable, "-m", "access", "audit", "--user", account.name],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=True,
                            env={**OFFLINE, "PATH": "/usr/bin:/bin", "CREDIT_SCORING_DATABASE_URL": ui_store})
    assert [line.split("\t")[2] for line in listed.stdout.splitlines()] == [
        f"SK_ID_CURR {sk_id}" for sk_id in reversed(looked_up)]


def test_no_password_or_session_token_reaches_the_logs_or_the_store(ui_server, ui_store):
    with signed_in(ui_server.url, RISK) as client:
        token = client.cookies["credit_scoring_session"]
    httpx.post(ui_server.url + "/ui/login", data={"username": ADVISOR.name, "password": "a-wrong-guess-123"},
               timeout=60)
    logged = ui_server.log_path.read_text(errors="replace")
    stored = Path(open_store(ui_store).url.database)
    kept = b"".join(path.read_bytes() for path in stored.parent.glob(stored.name + "*"))
    for secret in (RISK.password, ADVISOR.password, "a-wrong-guess-123", token):
        assert secret not in logged and secret.encode() not in kept
