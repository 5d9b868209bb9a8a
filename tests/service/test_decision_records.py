"""Decision records through the served API: recorded before answered, read back, never lost.

A real ``bentoml serve`` with an API key and a SQLite store of its own; the store is also opened
directly, to check what the service wrote (and that a GET writes nothing).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from access.audit import Audit
from decisions.database import create_store_engine
from decisions.records import Decision, input_digest
from decisions.store import DecisionStore
from load_tests.servers import ServerProcess, free_port, running, service_command
from serving.middleware import api_key_digest
from tests.conftest import TrainedModel
from tests.postgres import fresh_database

pytestmark = pytest.mark.server

KEY = "decisions-test-key"
#: A second, named key, given to the service as its digest only.
PARTNER_KEY = "partner-bank-key-0123456789"


def call(server: ServerProcess, path: str, body: object | None = None, *, key: str | None = KEY,
         timeout: float = 60) -> tuple[int, object]:
    """Send a request (POST when there is a body); return the status and the decoded JSON answer."""
    headers = {"content-type": "application/json", **({"X-API-Key": key} if key else {})}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("records") / "decisions.sqlite3"


@pytest.fixture(scope="module")
def keyed_server(trained_model: TrainedModel, store_file: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The service behind an API key, recording into `store_file`."""
    log_path = tmp_path_factory.mktemp("records_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": KEY,
           "CREDIT_SCORING_API_KEYS": f"partner-bank:{api_key_digest(PARTNER_KEY)}",
           "CREDIT_SCORING_DATABASE_URL": f"sqlite:///{store_file}",
           "CREDIT_SCORING_DEMO_DATA": str(log_path.parent / "none")}
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log_path,
                 env=env) as served:
        yield served


def stored(store_file: Path, decision_id: str) -> Decision | None:
    return DecisionStore(create_store_engine(f"sqlite:///{store_file}")).get(uuid.UUID(decision_id))


def count(store_file: Path) -> int:
    with create_store_engine(f"sqlite:///{store_file}").connect() as connection:
        return connection.execute(select(func.count()).select_from(Decision)).scalar()


def test_each_answer_carries_a_decision_id_recorded_with_everything(keyed_server, store_file, records):
    status, answers = call(keyed_server, "/predict", {"applications": records[:3]})
    assert status == 200
    for answer, record in zip(answers, records[:3], strict=True):
        row = stored(store_file, answer["decision_id"])
        assert row is not None and row.sk_id_curr == record["SK_ID_CURR"] == answer["SK_ID_CURR"]
        assert (row.probability, row.decision, row.score, row.threshold, row.model_version) == (
            answer["probability"], answer["decision"], answer["score"], answer["threshold"],
            answer["model_version"])
        assert (row.endpoint, row.origin, row.caller) == ("predict", "api", "default")
        assert row.input_sha256 == input_digest(row.input_json)
        assert json.loads(row.input_json)["SK_ID_CURR"] == record["SK_ID_CURR"]
        assert KEY not in row.input_json + row.caller


def test_a_decision_reads_back_with_its_reasons(keyed_server, records):
    _, [predicted] = call(keyed_server, "/predict", {"applications": records[3:4]})
    _, [explained] = call(keyed_server, "/explain", {"applications": records[3:4]})
    status, shown = call(keyed_server, f"/decisions/{predicted['decision_id']}")
    assert status == 200 and shown["reasons_source"] == "recomputed"
    assert (shown["reasons_against"], shown["reasons_for"]) == (explained["reasons_against"],
                                                                explained["reasons_for"])
    assert shown["probability"] == predicted["probability"] and shown["input"]["SK_ID_CURR"] == records[3][
        "SK_ID_CURR"]
    status, shown = call(keyed_server, f"/decisions/{explained['decision_id']}")
    assert status == 200 and shown["reasons_source"] == "recorded" and shown["endpoint"] == "explain"
    assert shown["reasons_against"] == explained["reasons_against"]


def test_a_clients_decisions_list_newest_first_page_by_page(keyed_server, records):
    client = records[4]
    made = [call(keyed_server, "/predict", {"applications": [client]})[1][0]["decision_id"] for _ in range(3)]
    status, page = call(keyed_server, f"/decisions?sk_id_curr={client['SK_ID_CURR']}&limit=2")
    assert status == 200 and page["total"] == 3
    assert [d["decision_id"] for d in page["decisions"]] == made[::-1][:2]
    _, rest = call(keyed_server, f"/decisions?sk_id_curr={client['SK_ID_CURR']}&limit=2&offset=2")
    assert [d["decision_id"] for d in rest["decisions"]] == made[:1]


def test_a_named_key_is_the_caller_of_its_decisions_and_the_reader_of_its_reads(keyed_server, store_file,
                                                                                 records):
    status, [answer] = call(keyed_server, "/predict", {"applications": records[5:6]}, key=PARTNER_KEY)
    assert status == 200 and stored(store_file, answer["decision_id"]).caller == "partner-bank"
    assert call(keyed_server, f"/decisions/{answer['decision_id']}", key=PARTNER_KEY)[0] == 200
    assert call(keyed_server, f"/decisions?sk_id_curr={records[5]['SK_ID_CURR']}", key=PARTNER_KEY)[0] == 200
    reads = Audit(create_store_engine(f"sqlite:///{store_file}")).entries(reader="partner-bank")
    assert [(r.action, r.reader_kind, r.sk_id_curr) for r in reads] == [
        ("api:decisions", "api-key", records[5]["SK_ID_CURR"]), ("api:decision", "api-key",
                                                                 records[5]["SK_ID_CURR"])]


@pytest.mark.parametrize("path", ["/decisions/00000000-0000-0000-0000-000000000000",
                                  "/decisions?sk_id_curr=1"])
def test_decisions_follow_the_api_key_rule(keyed_server, path):
    status, body = call(keyed_server, path, key=None)
    assert status == 401 and "API key" in body["error"]


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/decisions/not-a-uuid", 422, "decision_id"),
    ("/decisions/'%20OR%201=1", 422, "decision_id"),
    ("/decisions/%E2%9C%93%F0%9F%92%B3", 422, "decision_id"),
    ("/decisions/" + "a" * 10_000, 422, "decision_id"),
    ("/decisions/12345678-1234-1234-1234-123456789abc", 404, None),
    ("/decisions", 422, "sk_id_curr"),
    ("/decisions?sk_id_curr=1%20OR%201=1", 422, "sk_id_curr"),
    ("/decisions?sk_id_curr=-1", 422, "sk_id_curr"),
    ("/decisions?sk_id_curr=1&limit=0", 422, "limit"),
    ("/decisions?sk_id_curr=1&limit=1000", 422, "limit"),
    ("/decisions?sk_id_curr=1&offset=-5", 422, "offset"),
])
def test_bad_lookups_get_a_4xx_naming_the_parameter_and_write_nothing(keyed_server, store_file, path, status,
                                                                     field):
    before = count(store_file)
    answered, body = call(keyed_server, path)
    assert answered == status
    if field is not None:
        assert [p["field"] for p in body["problems"]] == [field]
    assert count(store_file) == before


def test_a_store_that_cannot_be_written_gets_503_and_no_decision(keyed_server, store_file, records):
    engine = create_store_engine(f"sqlite:///{store_file}")
    before = count(store_file)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE decisions RENAME TO decisions_away"))
    try:
        status, body = call(keyed_server, "/predict", {"applications": records[:2]})
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE decisions_away RENAME TO decisions"))
    assert status == 503 and "decision store is unavailable" in body["error"]
    assert "SK_ID_CURR" not in json.dumps(body) and count(store_file) == before
    assert call(keyed_server, "/predict", {"applications": records[:2]})[0] == 200
    assert count(store_file) == before + 2


def test_no_decision_answered_is_lost_when_the_service_is_killed(trained_model, records, tmp_path):
    """SIGKILL of every process of the service under concurrent load: each id answered is in the store."""
    store = tmp_path / "crash.sqlite3"
    env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DATABASE_URL": f"sqlite:///{store}",
           "CREDIT_SCORING_DEMO_DATA": str(tmp_path / "none")}
    answered: list[str] = []
    stop = threading.Event()

    def client(offset: int) -> None:
        i = offset
        while not stop.is_set():
            try:
                status, body = call(server, "/predict", {"applications": [records[i % len(records)]]},
                                    key=None, timeout=10)
            except OSError:  # the server is gone mid-request: no answer, no promise
                continue
            if status == 200:
                answered.extend(item["decision_id"] for item in body)
            i += 8

    port = free_port()
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=tmp_path / "a.log",
                 env=env) as server:
        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(answered) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.crash()
        stop.set()
        for thread in threads:
            thread.join()
    assert len(answered) >= 150
    port = free_port()
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=tmp_path / "b.log",
                 env=env) as restarted:
        missing = [d for d in answered if call(restarted, f"/decisions/{d}", key=None)[0] != 200]
    assert missing == []


def test_two_replicas_share_one_postgresql_store(trained_model, records, postgres_url, tmp_path):
    """Two services on one PostgreSQL database: each reads back the decisions the other made."""
    with fresh_database(postgres_url) as url:
        env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
               "CREDIT_SCORING_DATABASE_URL": url, "CREDIT_SCORING_DEMO_DATA": str(tmp_path / "none")}
        ports = free_port(), free_port()
        with running(service_command(port=ports[0]), url=f"http://127.0.0.1:{ports[0]}",
                     log_path=tmp_path / "one.log", env=env) as one, \
             running(service_command(port=ports[1]), url=f"http://127.0.0.1:{ports[1]}",
                     log_path=tmp_path / "two.log", env=env) as two:
            _, [made_by_one] = call(one, "/predict", {"applications": records[:1]}, key=None)
            _, [made_by_two] = call(two, "/explain", {"applications": records[1:2]}, key=None)
            assert call(two, f"/decisions/{made_by_one['decision_id']}", key=None)[1]["probability"] == (
                made_by_one["probability"])
            assert call(one, f"/decisions/{made_by_two['decision_id']}", key=None)[1]["reasons_for"] == (
                made_by_two["reasons_for"])


def test_no_api_key_reaches_the_logs_or_the_store(keyed_server, store_file, records):
    call(keyed_server, "/predict", {"applications": records[:1]}, key="a-wrong-key-" + KEY)
    call(keyed_server, "/predict", {"applications": records[:1]}, key=PARTNER_KEY)
    logged = keyed_server.log_path.read_text(errors="replace")
    kept = b"".join(path.read_bytes() for path in store_file.parent.glob(store_file.name + "*"))
    for key in (KEY, PARTNER_KEY):
        assert key not in logged and key.encode() not in kept
