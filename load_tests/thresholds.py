"""Pass/fail thresholds of a load run, checked against the run's aggregated statistics.

Pure code without locust, so that the verdict can be tested in pytest and reused by the benchmark.
The defaults are the service's floors on one 2-core machine (single applications with history,
32 concurrent users): zero failures and a p99 of at most 300 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RunSummary", "Thresholds", "violations"]


@dataclass(frozen=True)
class Thresholds:
    """Limits a load run must stay within.

    Parameters
    ----------
    max_fail_ratio : float, default=0.0
        Highest accepted share of failed requests (0 = no failure at all).
    max_p95_ms, max_p99_ms : float, default=200.0 and 300.0
        Highest accepted 95th and 99th percentile of response times, in milliseconds.
    min_rps : float, default=0.0
        Lowest accepted throughput, in requests per second (0 = no floor).
    min_requests : int, default=1
        Fewest requests a run must complete; a run that sent nothing proves nothing.
    """

    max_fail_ratio: float = 0.0
    max_p95_ms: float = 200.0
    max_p99_ms: float = 300.0
    min_rps: float = 0.0
    min_requests: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_fail_ratio <= 1.0:
            raise ValueError(f"max_fail_ratio must lie in [0, 1], got {self.max_fail_ratio}; "
                             "give a share, e.g. 0.01 for 1%")
        for name in ("max_p95_ms", "max_p99_ms", "min_rps"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.min_requests < 1:
            raise ValueError(f"min_requests must be >= 1, got {self.min_requests}")


@dataclass(frozen=True)
class RunSummary:
    """Aggregated statistics of one load run (all request types together).

    Parameters
    ----------
    requests, failures : int
        Requests completed and, among them, those that failed.
    rps : float
        Completed requests per second over the measured period.
    p50_ms, p95_ms, p99_ms : float
        Response-time percentiles in milliseconds.
    """

    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def fail_ratio(self) -> float:
        """float: share of failed requests (0 when nothing was sent)."""
        return self.failures / self.requests if self.requests else 0.0


def violations(summary: RunSummary, thresholds: Thresholds) -> list[str]:
    """Return one sentence per threshold the run broke; an empty list means the run passed.

    Parameters
    ----------
    summary : RunSummary
        The run's aggregated statistics.
    thresholds : Thresholds
        The limits to check.

    Returns
    -------
    list of str
        Each names the measure, the value found and the limit.
    """
    found = []
    if summary.requests < thresholds.min_requests:
        found.append(f"only {summary.requests} requests completed, expected at least "
                     f"{thresholds.min_requests}")
    if summary.fail_ratio > thresholds.max_fail_ratio:
        found.append(f"fail ratio {summary.fail_ratio:.2%} ({summary.failures} of {summary.requests}) "
                     f"above the limit {thresholds.max_fail_ratio:.2%}")
    if summary.p95_ms > thresholds.max_p95_ms:
        found.append(f"p95 {summary.p95_ms:.0f} ms above the limit {thresholds.max_p95_ms:.0f} ms")
    if summary.p99_ms > thresholds.max_p99_ms:
        found.append(f"p99 {summary.p99_ms:.0f} ms above the limit {thresholds.max_p99_ms:.0f} ms")
    if summary.rps < thresholds.min_rps:
        found.append(f"throughput {summary.rps:.1f} rps below the floor {thresholds.min_rps:.1f} rps")
    return found
