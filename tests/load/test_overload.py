"""Overload: at 8 times the load one machine is sized for, the service queues, sheds with 503, recovers.

The documented behaviour: requests beyond what the model service can serve wait in its batching queue
for up to ``max_latency_ms``; a request the dispatcher predicts would wait longer is answered at once
with **503** (retry later). Nothing else may fail (no 500, no reset connection), no worker may crash,
memory may not keep growing, and once the load stops the service answers normally again.
The server here is a fresh one, so that the shared server of the other tests is not disturbed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from load_tests.locust_runner import failure_kinds, run_locust
from load_tests.servers import ServerProcess, watch_rss
from load_tests.thresholds import Thresholds

pytestmark = [pytest.mark.server, pytest.mark.slow]

#: Concurrent clients one 2-core machine is sized for (the floors are stated at this load).
SUSTAINED_USERS = 32
#: Memory the server may add under overload. The first minute or so of overload grows the workers'
#: allocator arenas and caches (150-310 MiB, then flat: measured over four rounds), so memory must
#: level off: a round's peak within RSS_LEVEL_MB of the round before, in at most MAX_ROUNDS.
RSS_GROWTH_MB = 500.0
RSS_LEVEL_MB = 30.0
ROUND_S = 20
MAX_ROUNDS = 5
#: Longest a single request may take once the overload has stopped and the queue has drained.
RECOVERED_LATENCY_S = 10.0
_RECORD_ONLY = Thresholds(max_fail_ratio=1.0, max_p95_ms=1e9, max_p99_ms=1e9)


def _predict_once(server: ServerProcess, record: dict) -> tuple[int, float]:
    body = json.dumps({"applications": [record]}).encode()
    request = urllib.request.Request(f"{server.url}/predict", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


# 8 times: BentoML's client of the model service used to drop calls in flight every 100 calls, which
# only showed as HTTP 500 far beyond the sizing load (59% of requests at 256 clients, none at 64).
@pytest.mark.parametrize("factor", [8])  # 2x passed in every run; 8x is where failures showed
def test_overload_is_queued_or_shed_with_503_and_the_service_recovers(fresh_service, payload_file, tmp_path,
                                                                      factor):
    server = fresh_service
    processes = server.pids()
    run_locust(host=server.url, payloads=payload_file, csv_prefix=tmp_path / "warm", users=4, run_time_s=10,
               user_classes=["PredictUser"], max_think_ms=100.0, thresholds=_RECORD_ONLY)
    baseline = server.rss_mb()
    users = factor * SUSTAINED_USERS
    peaks = []
    for round_ in range(MAX_ROUNDS):
        with watch_rss(server, every_s=0.5) as rss:
            overload = run_locust(host=server.url, payloads=payload_file, users=users,
                                  csv_prefix=tmp_path / f"overload{round_}", run_time_s=ROUND_S,
                                  user_classes=["PredictUser"], reset_stats=False, thresholds=_RECORD_ONLY)
        assert overload.summary.requests > users, overload.output[-2000:]
        assert set(failure_kinds(overload.failures)) <= {"HTTP 503"}, overload.failures
        peaks.append(max(rss))
        if len(peaks) > 1 and peaks[-1] - peaks[-2] < RSS_LEVEL_MB:
            break
    record = json.loads(payload_file.read_text())["with_history"][0]
    recovered = [_predict_once(server, record) for _ in range(5)]

    assert server.alive() and server.pids() == processes, server.log_tail()
    assert max(peaks) - baseline < RSS_GROWTH_MB, f"RSS from {baseline:.0f} to {max(peaks):.0f} MiB"
    assert peaks[-1] - peaks[-2] < RSS_LEVEL_MB, f"RSS peaks of successive rounds still growing: {peaks}"
    assert [status for status, _ in recovered] == [200] * 5
    assert max(seconds for _, seconds in recovered) < RECOVERED_LATENCY_S, recovered
