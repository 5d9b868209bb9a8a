"""Reading Locust's statistics back (load_tests/locust_runner.py)."""

import pytest

from load_tests.locust_runner import failure_kinds, read_failures, read_request_counts, read_summary
from load_tests.thresholds import RunSummary

HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
          "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
          "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%")


def test_aggregated_row_is_read(tmp_path):
    stats = tmp_path / "run_stats.csv"
    stats.write_text("\n".join([
        HEADER,
        "POST,predict 1 (history),900,3,41,50.2,3,700,120,30.0,0.1,41,50,60,70,90,120,200,260,690,700,700",
        ",Aggregated,1000,4,42,51.0,3,710,118,33.3,0.13,42,51,61,71,91,130,210,270,700,710,710",
    ]))
    assert read_summary(stats) == RunSummary(requests=1000, failures=4, rps=33.3, p50_ms=42.0,
                                             p95_ms=130.0, p99_ms=270.0)


def test_requests_are_counted_per_name(tmp_path):
    stats = tmp_path / "run_stats.csv"
    stats.write_text("\n".join([
        HEADER,
        "POST,predict 1 (history),900,3,41,50.2,3,700,120,30.0,0.1,41,50,60,70,90,120,200,260,690,700,700",
        "GET,ui page,100,1,41,50.2,3,700,120,30.0,0.1,41,50,60,70,90,120,200,260,690,700,700",
        ",Aggregated,1000,4,42,51.0,3,710,118,33.3,0.13,42,51,61,71,91,130,210,270,700,710,710",
    ]))
    assert read_request_counts(stats) == {"predict 1 (history)": 900, "ui page": 100}


def test_file_without_aggregated_row_is_refused(tmp_path):
    stats = tmp_path / "run_stats.csv"
    stats.write_text(HEADER + "\n")
    with pytest.raises(ValueError, match="has no Aggregated row; see the Locust log"):
        read_summary(stats)


def test_failures_are_read_by_error(tmp_path):
    failures = tmp_path / "run_failures.csv"
    failures.write_text("\n".join([
        "Method,Name,Error,Occurrences",
        'POST,predict 1 (history),"CatchResponseError(\'HTTP 503: {""error"":""overloaded""}\')",12',
        "POST,predict 10,\"ConnectionResetError(104, 'Connection reset by peer')\",2",
    ]))
    assert read_failures(failures) == {
        "CatchResponseError('HTTP 503: {\"error\":\"overloaded\"}')": 12,
        "ConnectionResetError(104, 'Connection reset by peer')": 2}


def test_no_failures_file_means_no_failures(tmp_path):
    assert read_failures(tmp_path / "absent_failures.csv") == {}


def test_failures_are_grouped_by_status_or_error_class():
    failures = {"CatchResponseError('HTTP 503: shed')": 12, "CatchResponseError('HTTP 503: other')": 3,
                "CatchResponseError('HTTP 500: oops')": 1, "ConnectionResetError(104, 'reset')": 2}
    assert failure_kinds(failures) == {"HTTP 503": 15, "HTTP 500": 1, "ConnectionResetError": 2}
