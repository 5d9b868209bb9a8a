"""A short headless Locust run of the realistic traffic mix against a real server.

Latency floors are judged by ``python -m benchmarks.serving`` on a quiet machine; the suite runs on a
shared machine, so the smoke run asks for zero failures and bounds latency well below the service's
60 s traffic timeout only.
"""

import pytest

from load_tests.locust_runner import run_locust
from load_tests.thresholds import Thresholds
from tests.load.conftest import UI_ACCOUNT

pytestmark = pytest.mark.server

SMOKE = Thresholds(max_fail_ratio=0.0, max_p95_ms=10_000.0, max_p99_ms=20_000.0, min_requests=20)


#: Every kind of request of the mix: predictions, explanations and the advisor's page.
MIX = {"predict 1 (history)", "predict 1 (no history)", "predict 10", "explain 1 (history)", "ui sign-in",
       "ui page", "ui load event (start)", "ui load event (result)"}


def test_realistic_mix_runs_without_a_failure(unbroken, payload_file, tmp_path):
    # 11 users: the sum of the user classes' weights, so that each class gets at least one user.
    run = run_locust(host=unbroken.url, payloads=payload_file, csv_prefix=tmp_path / "smoke", users=11,
                     spawn_rate=2, run_time_s=30, max_think_ms=200.0, reset_stats=False, thresholds=SMOKE,
                     env=UI_ACCOUNT)
    assert run.failures == {}, f"failures: {run.failures}\n{run.output[-2000:]}"
    assert run.exit_code == 0, run.output[-3000:]
    assert set(run.requests) >= MIX, f"requests: {run.requests}"


def test_headless_run_exits_non_zero_when_a_threshold_is_broken(unbroken, payload_file, tmp_path):
    run = run_locust(host=unbroken.url, payloads=payload_file, csv_prefix=tmp_path / "strict", users=1,
                     run_time_s=5, user_classes=["PredictNoHistoryUser"], reset_stats=False,
                     thresholds=Thresholds(max_p95_ms=0.0, max_p99_ms=0.0))
    assert run.exit_code == 1
    assert "threshold broken: p99" in run.output
