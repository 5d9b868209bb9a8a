"""The pass/fail verdict of a load run (load_tests/thresholds.py)."""

import re

import pytest

from load_tests.thresholds import RunSummary, Thresholds, violations

GOOD = RunSummary(requests=1000, failures=0, rps=400.0, p50_ms=40.0, p95_ms=150.0, p99_ms=250.0)


def _with(**changes: float) -> RunSummary:
    return RunSummary(**{**GOOD.__dict__, **changes})


def test_run_within_every_threshold_passes():
    assert violations(GOOD, Thresholds(min_rps=300.0)) == []


@pytest.mark.parametrize(("summary", "thresholds", "expected"), [
    (_with(failures=1), Thresholds(), r"fail ratio 0\.10% \(1 of 1000\) above the limit 0\.00%"),
    (_with(failures=20), Thresholds(max_fail_ratio=0.01), r"fail ratio 2\.00%"),
    (_with(p95_ms=201.0), Thresholds(), r"p95 201 ms above the limit 200 ms"),
    (_with(p99_ms=310.0), Thresholds(), r"p99 310 ms above the limit 300 ms"),
    (_with(rps=99.5), Thresholds(min_rps=100.0), r"throughput 99\.5 rps below the floor 100\.0 rps"),
    (_with(requests=0, failures=0), Thresholds(), r"only 0 requests completed"),
])
def test_each_broken_threshold_is_named(summary, thresholds, expected):
    found = violations(summary, thresholds)
    assert len(found) == 1
    assert re.search(expected, found[0]), found


def test_failures_within_the_accepted_ratio_pass():
    assert violations(_with(failures=10), Thresholds(max_fail_ratio=0.01)) == []


def test_every_broken_threshold_is_reported():
    summary = _with(failures=500, p95_ms=900.0, p99_ms=1500.0, rps=10.0)
    assert len(violations(summary, Thresholds(min_rps=100.0))) == 4


@pytest.mark.parametrize(("settings", "message"), [
    ({"max_fail_ratio": 1.5}, r"max_fail_ratio must lie in \[0, 1\], got 1\.5"),
    ({"max_p99_ms": -1.0}, r"max_p99_ms must be >= 0, got -1\.0"),
    ({"min_requests": 0}, r"min_requests must be >= 1, got 0"),
])
def test_impossible_thresholds_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        Thresholds(**settings)
