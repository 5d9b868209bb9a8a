"""A short headless Locust run of the realistic traffic mix against a real server.

Latency floors are judged by ``python -m load_tests.benchmark`` on a quiet machine; the suite runs on a
shared machine, so the smoke run asks for zero failures and bounds latency well below the service's
60 s traffic timeout only.
"""

import pytest

from load_tests.locust_runner import run_locust
from load_tests.thresholds import Thresholds

pytestmark = pytest.mark.server

SMOKE = Thresholds(max_fail_ratio=0.0, max_p95_ms=10_000.0, max_p99_ms=20_000.0, min_requests=20)


def test_realistic_mix_runs_without_a_failure(unbroken, payload_file, tmp_path):
    run = run_locust(host=unbroken.url, payloads=payload_file, csv_prefix=tmp_path / "smoke", users=8,
                     spawn_rate=2, run_time_s=40, max_think_ms=200.0, reset_stats=False, thresholds=SMOKE)
    assert run.failures == {}, f"failures: {run.failures}\n{run.output[-2000:]}"
    assert run.exit_code == 0, run.output[-3000:]


def test_headless_run_exits_non_zero_when_a_threshold_is_broken(unbroken, payload_file, tmp_path):
    run = run_locust(host=unbroken.url, payloads=payload_file, csv_prefix=tmp_path / "strict", users=1,
                     run_time_s=5, user_classes=["PredictNoHistoryUser"], reset_stats=False,
                     thresholds=Thresholds(max_p95_ms=0.0, max_p99_ms=0.0))
    assert run.exit_code == 1
    assert "threshold broken: p99" in run.output
