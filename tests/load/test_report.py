"""The benchmark report and its floors (load_tests/report.py)."""

import pytest

from load_tests.report import (
    COUNTEROFFER_USERS,
    IN_PROCESS,
    REFERENCE_SERVER,
    SERVICE,
    BenchmarkRow,
    StageCost,
    floor_checks,
    markdown,
)
from load_tests.thresholds import RunSummary


def _row(server: str, settings: str, scenario: str, *, rps: float, p99: float = 100.0, failures: int = 0,
         users: int = 32) -> BenchmarkRow:
    summary = RunSummary(requests=1000, failures=failures, rps=rps, p50_ms=p99 / 4, p95_ms=p99 / 2,
                         p99_ms=p99)
    return BenchmarkRow(server=server, settings=settings, scenario=scenario, users=users, summary=summary,
                        limit_rps=2 * rps, peak_rss_mb=500.0, restarted_workers=0)


ROWS = [
    _row(IN_PROCESS, "1 thread", "reference", rps=5000.0, users=1),
    _row(REFERENCE_SERVER, "1 process", "reference", rps=1000.0),
    _row(SERVICE, "unbatched, 1 worker", "predict", rps=300.0, p99=450.0),
    _row(SERVICE, "batched, 1 worker", "predict", rps=600.0, p99=250.0),
    _row(SERVICE, "batched, 1 worker", "predict", rps=650.0, p99=900.0, failures=30, users=64),
]


def _verdicts(rows) -> dict[str, bool]:
    return {check.requirement: check.passed for check in floor_checks(rows, users=32)}


def test_each_floor_is_judged_on_the_predict_runs_at_the_sizing_load():
    assert _verdicts(ROWS) == {
        "unbatched, 1 worker: no failure, p99 <= 300 ms": False,
        "unbatched, 1 worker: >= 50% of plain FastAPI's rps": False,
        "batched, 1 worker: no failure, p99 <= 300 ms": True,
        "batched, 1 worker: >= 50% of plain FastAPI's rps": True,
        "1 worker: batched >= 1.3x unbatched throughput": True,
    }


def test_throughput_is_compared_with_the_reference_server_not_its_in_process_limit():
    [share] = [c for c in floor_checks(ROWS, users=32) if c.requirement.startswith("batched, 1 worker: >=")]
    assert share.measured == "600 / 1000 rps = 0.60"


@pytest.mark.parametrize(("p99", "failures", "passed"),
                         [(280.0, 0, True), (320.0, 0, False), (200.0, 1, False)])
def test_counteroffers_are_judged_at_their_own_user_count(p99, failures, passed):
    rows = [*ROWS, _row(SERVICE, "batched, 1 worker", "counteroffer", rps=40.0, p99=p99, failures=failures,
                        users=COUNTEROFFER_USERS),
            _row(SERVICE, "batched, 1 worker", "counteroffer", rps=40.0, p99=900.0, users=32)]
    verdicts = _verdicts(rows)
    requirement = f"batched, 1 worker: counteroffer at {COUNTEROFFER_USERS} users: no failure, p99 <= 300 ms"
    assert verdicts[requirement] is passed
    assert len(verdicts) == len(_verdicts(ROWS)) + 1


@pytest.mark.parametrize(("unbatched_rps", "passed"), [(500.0, False), (450.0, True)])
def test_batching_gain_floor(unbatched_rps, passed):
    rows = [_row(SERVICE, "unbatched, 2 workers", "predict", rps=unbatched_rps),
            _row(SERVICE, "batched, 2 workers", "predict", rps=600.0)]
    assert _verdicts(rows)["2 workers: batched >= 1.3x unbatched throughput"] is passed


@pytest.mark.parametrize(("unrecorded_rps", "recorded_p99", "passed"), [
    (690.0, 250.0, True), (720.0, 250.0, False), (650.0, 350.0, False)])
def test_recording_cost_floor(unrecorded_rps, recorded_p99, passed):
    rows = [_row(SERVICE, "batched, 1 worker", "predict", rps=600.0, p99=recorded_p99),
            _row(SERVICE, "batched, 1 worker, not recorded", "predict", rps=unrecorded_rps)]
    requirement = "batched, 1 worker: decision records cost <= 15% of the throughput, p99 <= 300 ms"
    assert _verdicts(rows)[requirement] is passed


def test_repeated_costs_are_judged_on_the_median_of_the_runs_paired_in_order():
    rows = [_row(SERVICE, "batched, 1 worker", "predict", rps=rps) for rps in (500.0, 600.0, 450.0)]
    rows += [_row(SERVICE, "batched, 1 worker, not recorded", "predict", rps=rps)
             for rps in (700.0, 650.0, 500.0)]  # costs 28.6%, 7.7%, 10.0%: median 10.0%
    [check] = [c for c in floor_checks(rows, users=32) if "decision records" in c.requirement]
    assert check.passed
    assert check.measured == ("500 vs 700, 600 vs 650, 450 vs 500 rps without = 28.6%, 7.7%, 10.0% less "
                              "(median 10.0%); p99 100 ms")


@pytest.mark.parametrize(("busy_rps", "passed"), [(600.0, True), (500.0, False)])
def test_drift_monitor_cost_floor(busy_rps, passed):
    rows = [_row(SERVICE, "batched, 1 worker, no drift monitor", "predict", rps=640.0),
            _row(SERVICE, "batched, 1 worker, drift every 5 s", "predict", rps=busy_rps)]
    requirement = ("batched, 1 worker, drift every 5 s: the drift monitor, computing without rest cost "
                   "<= 15% of the throughput, p99 <= 300 ms")
    assert _verdicts(rows)[requirement] is passed


def test_report_has_one_table_line_per_run_and_marks_failed_floors():
    text = markdown(ROWS, floor_checks(ROWS, users=32), users=32, duration_s=40)
    assert sum(line.startswith(f"| {SERVICE} |") for line in text.splitlines()) == 3
    assert "| batched, 1 worker | predict | 32 | 600.0 | 62 | 125 | 250 | 0.00% | 0.50 | 500 | 0 |" in text
    assert "**FAIL**" in text


def test_report_names_the_bentoml_options_the_service_ran_with():
    text = markdown(ROWS, [], users=32, duration_s=40, options="services.credit_scoring.threads=4")
    assert "`BENTOML_CONFIG_OPTIONS='services.credit_scoring.threads=4'`" in text


def test_report_shows_each_stage_cost_per_batch_and_per_application():
    costs = [StageCost("features alone", 1, 40.0), StageCost("features alone", 32, 64.0)]
    text = markdown(ROWS, [], users=32, duration_s=40, costs=costs)
    assert "| stage | batch of 1 | batch of 32 | per application at 32 |" in text
    assert "| features alone | 40.0 | 64.0 | 2.00 |" in text
